// Package errors is medusa-go's error vocabulary: one *Error type carrying
// Medusa's error types (not_found, invalid_data, unauthorized, ...), a mapping
// of Postgres errors to those types with Medusa's messages (FromPg), and the
// mapping of types to HTTP status codes and {code, type, message} bodies (HTTP).
//
// Transient tells a failure that is "not now, retry" — the database refused
// or dropped the connection, a deadline or the statement timeout passed, the
// server shed the request — from the rest; HTTP answers such a failure 503
// with type "unavailable" and a code (see NewUnavailable), where Medusa
// answers 500.
//
// Every *Error works with the standard library: errors.Is(err, ErrNotFound)
// matches any not_found error, errors.As(err, &e) extracts it, and a wrapped
// cause (such as the *pgconn.PgError) stays reachable through Unwrap.
//
// Import it under another name to keep the standard library's errors at hand:
//
//	import merrors "github.com/medusa-go/medusa/framework/errors"
package errors
