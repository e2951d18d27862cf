package errors_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Transient failures are 503 with type unavailable and a code; the rest
// keep their status. (framework/db's tests produce the same errors from a
// real server.)
func TestTransientIs503(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"terminated by administrator", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, merrors.CodeDatabaseUnavailable},
		{"cannot connect now", fmt.Errorf("step: %w", &pgconn.PgError{Code: "57P03"}), merrors.CodeDatabaseUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, merrors.CodeDatabaseUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, merrors.CodeDatabaseUnavailable},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, merrors.CodeTimeout},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), merrors.CodeDatabaseUnavailable},
		{"reset", syscall.ECONNRESET, merrors.CodeDatabaseUnavailable},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), merrors.CodeDatabaseUnavailable},
		{"deadline", fmt.Errorf("create invite: %w", context.DeadlineExceeded), merrors.CodeTimeout},
		{"overloaded", merrors.NewUnavailable(merrors.CodeOverloaded, nil), merrors.CodeOverloaded},
		{"shutting down", merrors.NewUnavailable(merrors.CodeShuttingDown, nil), merrors.CodeShuttingDown},
		{"a database error wrapping a dropped connection", merrors.Wrap(merrors.DatabaseError, io.EOF, "x"), merrors.CodeDatabaseUnavailable},
	} {
		if got := merrors.Transient(c.err); got != c.code {
			t.Errorf("%s: Transient = %q, want %q", c.name, got, c.code)
		}
		status, body := merrors.HTTP(c.err)
		if status != http.StatusServiceUnavailable || body.Type != "unavailable" || body.Code != c.code || body.Message == "" {
			t.Errorf("%s: HTTP = %d %+v", c.name, status, body)
		}
		if mapped := merrors.FromPg(c.err); merrors.Transient(mapped) != c.code {
			t.Errorf("%s: FromPg loses it: %v", c.name, mapped)
		}
	}
	for _, c := range []struct {
		name   string
		err    error
		status int
	}{
		{"unique violation", &pgconn.PgError{Code: "23505", TableName: "user"}, http.StatusBadRequest},
		{"syntax error", &pgconn.PgError{Code: "42601"}, http.StatusInternalServerError},
		{"not found wrapping EOF", merrors.Wrap(merrors.NotFound, io.EOF, "gone"), http.StatusNotFound},
		{"client went away", context.Canceled, http.StatusInternalServerError},
		{"plain error", fmt.Errorf("boom"), http.StatusInternalServerError},
	} {
		if status, _ := merrors.HTTP(merrors.FromPg(c.err)); status != c.status {
			t.Errorf("%s: %d, want %d", c.name, status, c.status)
		}
	}
}
