package errors_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

const conflictMsg = "The request conflicted with another request. You may retry the request with the provided Idempotency-Key."

var unknownBody = merrors.Body{Code: "unknown_error", Type: "unknown_error", Message: "An unknown error occurred."}

// TestHTTPMapping covers every error type Medusa's error handler knows, with
// its status code and body.
func TestHTTPMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		body   merrors.Body
	}{
		{merrors.New(merrors.NotFound, "User with id: u1 was not found"), 404,
			merrors.Body{Type: "not_found", Message: "User with id: u1 was not found"}},
		{merrors.New(merrors.InvalidData, "bad"), 400, merrors.Body{Type: "invalid_data", Message: "bad"}},
		{merrors.New(merrors.InvalidData, "bad").WithCode("my_code"), 400,
			merrors.Body{Code: "my_code", Type: "invalid_data", Message: "bad"}},
		{merrors.New(merrors.NotAllowed, "You are not allowed to delete other users"), 400,
			merrors.Body{Type: "not_allowed", Message: "You are not allowed to delete other users"}},
		{merrors.New(merrors.Unauthorized, "Unauthorized"), 401, merrors.Body{Type: "unauthorized", Message: "Unauthorized"}},
		{merrors.New(merrors.DuplicateError, "dup"), 422,
			merrors.Body{Code: "invalid_request_error", Type: "duplicate_error", Message: "dup"}},
		{merrors.New(merrors.PaymentAuthError, "declined"), 422,
			merrors.Body{Type: "payment_authorization_error", Message: "declined"}},
		{merrors.New(merrors.Conflict, "row version mismatch"), 409,
			merrors.Body{Code: "invalid_state_error", Type: "conflict", Message: conflictMsg}},
		{merrors.New(merrors.DatabaseError, "relation \"x\" does not exist"), 500,
			merrors.Body{Code: "api_error", Type: "database_error", Message: "relation \"x\" does not exist"}},
		{merrors.New(merrors.UnexpectedState, "odd"), 500, merrors.Body{Type: "unexpected_state", Message: "odd"}},
		{merrors.New(merrors.InvalidArgument, "arg"), 500, merrors.Body{Type: "invalid_argument", Message: "arg"}},
		{merrors.New(merrors.UnknownError, "secret internals"), 500, unknownBody},
		{merrors.New(merrors.UnknownModules, "no such module"), 500, unknownBody},
		{merrors.New("made_up_type", "x"), 500, unknownBody},
		// Not *Error: internals never leak.
		{errors.New("dial tcp 10.0.0.3:5432: connection refused"), 500, unknownBody},
		{&pgconn.PgError{Code: "42P01", Message: `relation "user" does not exist`}, 500, unknownBody},
		// Wrapped *Error: the first one in the chain decides.
		{fmt.Errorf("handler: %w", merrors.New(merrors.NotFound, "gone")), 404, merrors.Body{Type: "not_found", Message: "gone"}},
	} {
		status, body := merrors.HTTP(tc.err)
		if status != tc.status || body != tc.body {
			t.Errorf("HTTP(%v) = %d %+v, want %d %+v", tc.err, status, body, tc.status, tc.body)
		}
	}
}

func TestHTTPBodyJSON(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{merrors.New(merrors.NotFound, "User with id: u1 was not found"),
			`{"type":"not_found","message":"User with id: u1 was not found"}`},
		{merrors.New(merrors.DuplicateError, "dup"),
			`{"code":"invalid_request_error","type":"duplicate_error","message":"dup"}`},
		{errors.New("boom"),
			`{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}`},
	} {
		_, body := merrors.HTTP(tc.err)
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("JSON body %s, want %s", b, tc.want)
		}
	}
}

// TestHTTPOfMappedPgErrors runs Postgres errors through FromPg and HTTP, the
// path a service error takes to the client.
func TestHTTPOfMappedPgErrors(t *testing.T) {
	unique := &pgconn.PgError{Code: "23505", TableName: "user", Detail: "Key (email)=(a@b.co) already exists."}
	status, body := merrors.HTTP(merrors.FromPg(fmt.Errorf("create users: %w", unique)))
	if status != http.StatusBadRequest || body != (merrors.Body{Type: "invalid_data", Message: "User with email: a@b.co, already exists."}) {
		t.Errorf("unique violation → %d %+v", status, body)
	}
	status, body = merrors.HTTP(merrors.FromPg(&pgconn.PgError{Code: "40001", Message: "could not serialize access"}))
	if status != http.StatusConflict || body != (merrors.Body{Code: "invalid_state_error", Type: "conflict", Message: conflictMsg}) {
		t.Errorf("serialization failure → %d %+v", status, body)
	}
	status, body = merrors.HTTP(merrors.FromPg(&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"}))
	if status != http.StatusServiceUnavailable || body.Type != "unavailable" || body.Code != "timeout" {
		t.Errorf("statement timeout → %d %+v", status, body)
	}
	status, body = merrors.HTTP(merrors.FromPg(&pgconn.PgError{Code: "42P01", Message: "relation does not exist"}))
	if status != http.StatusInternalServerError || body.Type != "database_error" || body.Code != "api_error" {
		t.Errorf("other pg error → %d %+v", status, body)
	}
}
