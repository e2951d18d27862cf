package errors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// The PgError values below carry what Postgres sends for each violation
// (checked against a real server in framework/pgtest and framework/db).
func TestFromPg(t *testing.T) {
	for _, tc := range []struct {
		name string
		pg   *pgconn.PgError
		typ  merrors.Type
		msg  string
		code string
	}{
		{"unique single column",
			&pgconn.PgError{Code: "23505", TableName: "user", ConstraintName: "IDX_user_email_unique",
				Message: `duplicate key value violates unique constraint "IDX_user_email_unique"`,
				Detail:  "Key (email)=(jane@example.com) already exists."},
			merrors.InvalidData, "User with email: jane@example.com, already exists.", ""},
		{"unique multi column",
			&pgconn.PgError{Code: "23505", TableName: "provider_identity",
				Detail: "Key (entity_id, provider)=(jane@example.com, emailpass) already exists."},
			merrors.InvalidData, "Provider identity with entity_id: jane@example.com, provider: emailpass, already exists.", ""},
		{"unique case-insensitive",
			&pgconn.PgError{Code: "23505", TableName: "provider_identity",
				Detail: "Key (lower(entity_id), provider)=(jane@example.com, emailpass) already exists."},
			merrors.InvalidData, "Provider identity with entity_id: jane@example.com, provider: emailpass, already exists.", ""},
		{"unique without detail",
			&pgconn.PgError{Code: "23505", TableName: "invite"},
			merrors.InvalidData, "Invite with the given values, already exists.", ""},
		{"not null",
			&pgconn.PgError{Code: "23502", TableName: "user", ColumnName: "email",
				Message: `null value in column "email" of relation "user" violates not-null constraint`},
			merrors.InvalidData, "Cannot set field 'email' of User to null", ""},
		{"foreign key",
			&pgconn.PgError{Code: "23503", TableName: "invite",
				Detail: `Key (user_id)=(user_01) is not present in table "user".`},
			merrors.NotFound, "You tried to set relationship user_id: user_01, but such entity does not exist", ""},
		{"serialization failure",
			&pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"},
			merrors.Conflict, conflictMsg, "invalid_state_error"},
		{"deadlock",
			&pgconn.PgError{Code: "40P01", Message: "deadlock detected"},
			merrors.Conflict, conflictMsg, "invalid_state_error"},
		{"undefined column",
			&pgconn.PgError{Code: "42703", Message: `column "emial" does not exist`},
			merrors.InvalidData, `column "emial" does not exist`, ""},
		{"check violation",
			&pgconn.PgError{Code: "23514", TableName: "invite", ConstraintName: "invite_expires_check"},
			merrors.InvalidData, "Invite violates check constraint invite_expires_check", ""},
		{"invalid text representation",
			&pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type integer: "abc"`},
			merrors.InvalidData, `invalid input syntax for type integer: "abc"`, ""},
		{"other",
			&pgconn.PgError{Code: "42P01", Message: `relation "usr" does not exist`},
			merrors.DatabaseError, `relation "usr" does not exist`, "api_error"},
		{"connection failure class",
			&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
			merrors.Unavailable, "The database is unavailable. Please retry the request shortly.", "database_unavailable"},
		{"other database error",
			&pgconn.PgError{Code: "42601", Message: "syntax error"},
			merrors.DatabaseError, "syntax error", "api_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cause := fmt.Errorf("insert: %w", tc.pg)
			got := merrors.FromPg(cause)
			e, ok := merrors.As(got)
			if !ok {
				t.Fatalf("FromPg returned %T %v, want *Error", got, got)
			}
			if e.Type != tc.typ || e.Message != tc.msg || e.Code != tc.code {
				t.Fatalf("FromPg = {%s %q %q}, want {%s %q %q}", e.Type, e.Message, e.Code, tc.typ, tc.msg, tc.code)
			}
			var pg *pgconn.PgError
			if !errors.As(got, &pg) || pg != tc.pg {
				t.Fatal("the *pgconn.PgError is not reachable from the mapped error")
			}
			if e.Unwrap() != cause {
				t.Fatal("the mapped error does not wrap the original")
			}
		})
	}
}

func TestFromPgPassesThrough(t *testing.T) {
	if merrors.FromPg(nil) != nil {
		t.Fatal("FromPg(nil) != nil")
	}
	already := merrors.New(merrors.NotFound, "User with id: u1 was not found")
	wrapped := fmt.Errorf("retrieve: %w", already)
	if got := merrors.FromPg(wrapped); got != wrapped {
		t.Fatalf("an error holding an *Error was changed: %v", got)
	}
	for _, err := range []error{
		context.Canceled,
		context.DeadlineExceeded,
		fmt.Errorf("query: %w", context.DeadlineExceeded),
		io.ErrUnexpectedEOF,
		errors.New("dial unix /tmp/.s.PGSQL.5432: connect: no such file or directory"),
	} {
		if got := merrors.FromPg(err); got != err {
			t.Errorf("FromPg(%v) = %v, want it unchanged", err, got)
		}
	}
}

func TestFromPgNoRowsIsNotFound(t *testing.T) {
	for _, err := range []error{pgx.ErrNoRows, fmt.Errorf("get user: %w", pgx.ErrNoRows)} {
		got := merrors.FromPg(err)
		if !errors.Is(got, merrors.ErrNotFound) {
			t.Fatalf("FromPg(%v) = %v, want not_found", err, got)
		}
		if !errors.Is(got, pgx.ErrNoRows) {
			t.Fatal("pgx.ErrNoRows is not reachable from the mapped error")
		}
	}
}

func TestIsUniqueViolation(t *testing.T) {
	pg := &pgconn.PgError{Code: "23505", ConstraintName: "user_email_key"}
	wrapped := merrors.FromPg(fmt.Errorf("create: %w", pg))
	if !merrors.IsUniqueViolation(wrapped) {
		t.Error("IsUniqueViolation false for a mapped unique violation")
	}
	if !merrors.IsUniqueViolation(wrapped, "other_key", "user_email_key") {
		t.Error("IsUniqueViolation false with its constraint in the list")
	}
	if merrors.IsUniqueViolation(wrapped, "other_key") {
		t.Error("IsUniqueViolation true for another constraint")
	}
	if merrors.IsUniqueViolation(&pgconn.PgError{Code: "23503"}) || merrors.IsUniqueViolation(io.EOF) || merrors.IsUniqueViolation(nil) {
		t.Error("IsUniqueViolation true for something that is not a unique violation")
	}
}
