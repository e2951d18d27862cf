package errors_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

func TestNewFormatsMessage(t *testing.T) {
	e := merrors.New(merrors.NotFound, "User with id: %s was not found", "user_1")
	if e.Type != merrors.NotFound || e.Message != "User with id: user_1 was not found" {
		t.Fatalf("New = %+v", e)
	}
	if e.Error() != e.Message {
		t.Fatalf("Error() = %q, want the message", e.Error())
	}
	if e.Unwrap() != nil {
		t.Fatalf("New has a cause: %v", e.Unwrap())
	}
}

func TestErrorTextFallbacks(t *testing.T) {
	cause := errors.New("disk full")
	for _, tc := range []struct {
		e    *merrors.Error
		want string
	}{
		{&merrors.Error{Type: merrors.DatabaseError, Message: "msg", Err: cause}, "msg"},
		{&merrors.Error{Type: merrors.DatabaseError, Err: cause}, "disk full"},
		{&merrors.Error{Type: merrors.Conflict}, "conflict"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestSentinelsMatchByType(t *testing.T) {
	sentinels := map[merrors.Type]*merrors.Error{
		merrors.NotFound:        merrors.ErrNotFound,
		merrors.InvalidData:     merrors.ErrInvalidData,
		merrors.InvalidArgument: merrors.ErrInvalidArgument,
		merrors.Unauthorized:    merrors.ErrUnauthorized,
		merrors.NotAllowed:      merrors.ErrNotAllowed,
		merrors.DuplicateError:  merrors.ErrDuplicate,
		merrors.Conflict:        merrors.ErrConflict,
		merrors.UnexpectedState: merrors.ErrUnexpectedState,
		merrors.DatabaseError:   merrors.ErrDatabase,
		merrors.UnknownError:    merrors.ErrUnknown,
	}
	for typ, sentinel := range sentinels {
		if sentinel.Type != typ {
			t.Errorf("sentinel for %s has type %s", typ, sentinel.Type)
		}
		err := fmt.Errorf("service: %w", merrors.New(typ, "some %s message", typ))
		for other, s := range sentinels {
			if got, want := errors.Is(err, s), other == typ; got != want {
				t.Errorf("errors.Is(<%s error>, sentinel %s) = %v, want %v", typ, other, got, want)
			}
		}
		if !merrors.Is(err, typ) {
			t.Errorf("merrors.Is(<%s error>, %s) = false", typ, typ)
		}
		if merrors.TypeOf(err) != typ {
			t.Errorf("TypeOf = %s, want %s", merrors.TypeOf(err), typ)
		}
	}
}

func TestIsComparesFullErrors(t *testing.T) {
	a := merrors.New(merrors.NotFound, "User with id: u1 was not found")
	same := merrors.New(merrors.NotFound, "User with id: u1 was not found")
	other := merrors.New(merrors.NotFound, "User with id: u2 was not found")
	if !errors.Is(a, same) {
		t.Error("two errors with the same type and message do not match")
	}
	if errors.Is(a, other) {
		t.Error("errors with different messages match")
	}
	if errors.Is(a, a.WithCode("c")) {
		t.Error("errors with different codes match")
	}
	if errors.Is(a, io.EOF) || errors.Is(io.EOF, merrors.ErrNotFound) {
		t.Error("non-*Error targets or values match")
	}
	if merrors.Is(io.EOF, merrors.NotFound) || merrors.Is(nil, merrors.NotFound) {
		t.Error("merrors.Is true for a plain error or nil")
	}
}

func TestAsExtractsThroughWrapping(t *testing.T) {
	inner := merrors.New(merrors.InvalidData, "bad email").WithCode("email")
	err := fmt.Errorf("create user: %w", fmt.Errorf("validate: %w", inner))
	var e *merrors.Error
	if !errors.As(err, &e) || e != inner {
		t.Fatalf("errors.As did not find the *Error: %v", e)
	}
	got, ok := merrors.As(err)
	if !ok || got != inner || got.Code != "email" {
		t.Fatalf("merrors.As = %v, %v", got, ok)
	}
	if _, ok := merrors.As(io.EOF); ok {
		t.Fatal("merrors.As true for a plain error")
	}
	if _, ok := merrors.As(nil); ok {
		t.Fatal("merrors.As true for nil")
	}
}

func TestTypeOfDefaultsToUnknown(t *testing.T) {
	if got := merrors.TypeOf(io.EOF); got != merrors.UnknownError {
		t.Errorf("TypeOf(plain) = %s", got)
	}
	if got := merrors.TypeOf(nil); got != merrors.UnknownError {
		t.Errorf("TypeOf(nil) = %s", got)
	}
	// The first *Error in the chain wins.
	outer := merrors.Wrap(merrors.Conflict, merrors.New(merrors.NotFound, "x"), "outer")
	if got := merrors.TypeOf(outer); got != merrors.Conflict {
		t.Errorf("TypeOf(outer conflict wrapping not_found) = %s", got)
	}
	if !errors.Is(outer, merrors.ErrNotFound) {
		t.Error("the wrapped not_found is no longer reachable")
	}
}

func TestWrapKeepsCause(t *testing.T) {
	cause := fmt.Errorf("query: %w", io.ErrUnexpectedEOF)
	w := merrors.Wrap(merrors.DatabaseError, cause, "An unknown database error occurred.")
	if w.Type != merrors.DatabaseError || w.Error() != "An unknown database error occurred." {
		t.Fatalf("Wrap = %+v", w)
	}
	if w.Unwrap() != cause {
		t.Fatal("Unwrap does not return the cause")
	}
	if !errors.Is(w, io.ErrUnexpectedEOF) {
		t.Fatal("the cause's chain is not reachable through the *Error")
	}
	if !errors.Is(w, merrors.ErrDatabase) {
		t.Fatal("a wrapped error does not match its type's sentinel")
	}
}

func TestWithCodeCopies(t *testing.T) {
	e := merrors.New(merrors.Conflict, "busy")
	c := e.WithCode("invalid_state_error")
	if c == e || e.Code != "" || c.Code != "invalid_state_error" || c.Message != "busy" || c.Type != merrors.Conflict {
		t.Fatalf("WithCode: original %+v, copy %+v", e, c)
	}
	s := merrors.ErrNotFound.WithCode("x")
	if merrors.ErrNotFound.Code != "" {
		t.Fatal("WithCode changed the sentinel")
	}
	if !errors.Is(s, merrors.ErrNotFound) {
		t.Fatal("a coded not_found no longer matches ErrNotFound")
	}
}

func TestHumanTable(t *testing.T) {
	for in, want := range map[string]string{
		"user":              "User",
		"provider_identity": "Provider identity",
		"auth_identity":     "Auth identity",
		"":                  "Record",
	} {
		if got := merrors.HumanTable(in); got != want {
			t.Errorf("HumanTable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsWithNilTarget(t *testing.T) {
	err := fmt.Errorf("x: %w", merrors.New(merrors.NotFound, "gone"))
	var nilErr *merrors.Error
	if errors.Is(err, nilErr) {
		t.Fatal("errors.Is matched a nil *Error target")
	}
}
