package errors

import (
	"context"
	stderrors "errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// Unavailable is the type of the errors that mean "not now, retry": the
// database cannot be reached, the server is overloaded, a request ran out of
// time, the server is shutting down. The HTTP layer answers them with 503
// Service Unavailable and a Retry-After header, in Medusa's error shape
// ({code, type, message}). Medusa has no such type (it answers 500); it is
// medusa-go's, so that clients and load balancers can tell a transient
// failure from a bug.
const Unavailable Type = "unavailable"

// The codes of Unavailable errors.
const (
	// CodeDatabaseUnavailable: the database refused or dropped the
	// connection (it is restarting, shutting down or unreachable).
	CodeDatabaseUnavailable = "database_unavailable"
	// CodeTimeout: the request deadline or the database's statement timeout
	// passed.
	CodeTimeout = "timeout"
	// CodeOverloaded: the server sheds the request (too many in flight, or no
	// database connection free in time).
	CodeOverloaded = "overloaded"
	// CodeShuttingDown: the server is stopping and takes no new work.
	CodeShuttingDown = "shutting_down"
)

// The messages of Unavailable errors, by code.
var unavailableMessages = map[string]string{
	CodeDatabaseUnavailable: "The database is unavailable. Please retry the request shortly.",
	CodeTimeout:             "The request took too long. Please retry the request shortly.",
	CodeOverloaded:          "The server is busy. Please retry the request shortly.",
	CodeShuttingDown:        "The server is shutting down. Please retry the request.",
}

// NewUnavailable returns the Unavailable error of code (one of the Code*
// constants) wrapping cause, with that code's message.
func NewUnavailable(code string, cause error) *Error {
	return &Error{Type: Unavailable, Code: code, Message: unavailableMessages[code], Err: cause}
}

// Postgres SQLSTATE classes and codes that mean the database is not there
// now: 08 connection exception, 53 insufficient resources (too many
// connections, out of memory or disk), 57P operator intervention
// (terminated by an administrator, crash shutdown, cannot connect now,
// database dropped, idle session timeout). 57014 query_canceled is the
// statement timeout (or a cancel request).
const (
	pgQueryCanceled = "57014"
)

func pgUnavailable(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P")
}

// Transient returns the code of the Unavailable error err amounts to —
// CodeDatabaseUnavailable for a database that refused or dropped the
// connection (connection refused or reset, the server closed the
// connection, SQLSTATE class 08, 53 or 57P, a closed pool), CodeTimeout for
// a deadline that passed (context.DeadlineExceeded, SQLSTATE 57014), or the
// code of an *Error of type Unavailable in err's chain — and "" for any
// other error (nil included). A context.Canceled alone is not transient:
// the client went away.
func Transient(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := As(err); ok && e.Type == Unavailable {
		return e.Code
	}
	// Not connected at all: whatever the server said (it is starting, it
	// takes no connections, ...), the database is not available.
	var ce *pgconn.ConnectError
	if stderrors.As(err, &ce) {
		return CodeDatabaseUnavailable
	}
	var pg *pgconn.PgError
	if stderrors.As(err, &pg) {
		switch {
		case pg.Code == pgQueryCanceled:
			return CodeTimeout
		case pgUnavailable(pg.Code):
			return CodeDatabaseUnavailable
		}
		return ""
	}
	if stderrors.Is(err, context.Canceled) {
		return ""
	}
	if stderrors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return CodeTimeout
	}
	var ne net.Error
	switch {
	case stderrors.Is(err, puddle.ErrClosedPool),
		stderrors.Is(err, syscall.ECONNREFUSED), stderrors.Is(err, syscall.ECONNRESET), stderrors.Is(err, syscall.EPIPE),
		stderrors.Is(err, io.EOF), stderrors.Is(err, io.ErrUnexpectedEOF),
		stderrors.Is(err, net.ErrClosed), stderrors.As(err, &ne),
		// pgx's "conn closed" and the like: nothing was sent to the
		// server, the connection was already gone.
		pgconn.SafeToRetry(err):
		return CodeDatabaseUnavailable
	}
	return ""
}

// IsTransient reports whether err is a transient failure (Transient(err) is
// not "").
func IsTransient(err error) bool { return Transient(err) != "" }
