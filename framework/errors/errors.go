package errors

import (
	stderrors "errors"
	"fmt"
)

// Type classifies an error the way Medusa's MedusaError does. The HTTP layer
// maps each type to a status code.
type Type string

// The error types of Medusa's MedusaError.Types that medusa-go uses.
const (
	NotFound         Type = "not_found"
	InvalidData      Type = "invalid_data"
	InvalidArgument  Type = "invalid_argument"
	Unauthorized     Type = "unauthorized"
	NotAllowed       Type = "not_allowed"
	DuplicateError   Type = "duplicate_error"
	Conflict         Type = "conflict"
	UnexpectedState  Type = "unexpected_state"
	DatabaseError    Type = "database_error"
	UnknownModules   Type = "unknown_modules"
	UnknownError     Type = "unknown_error"
	PaymentAuthError Type = "payment_authorization_error"
)

// Error is medusa-go's error: a type, a human message meant for API clients, an
// optional machine code, and an optional wrapped cause.
type Error struct {
	Type    Type
	Message string
	Code    string
	Err     error
}

// Sentinels for errors.Is: errors.Is(err, errors.ErrNotFound) is true for any
// *Error of type NotFound, whatever its message.
var (
	ErrNotFound        = &Error{Type: NotFound}
	ErrInvalidData     = &Error{Type: InvalidData}
	ErrInvalidArgument = &Error{Type: InvalidArgument}
	ErrUnauthorized    = &Error{Type: Unauthorized}
	ErrNotAllowed      = &Error{Type: NotAllowed}
	ErrDuplicate       = &Error{Type: DuplicateError}
	ErrConflict        = &Error{Type: Conflict}
	ErrUnexpectedState = &Error{Type: UnexpectedState}
	ErrDatabase        = &Error{Type: DatabaseError}
	ErrUnknown         = &Error{Type: UnknownError}
)

// New returns an *Error of type t with a formatted message.
func New(t Type, format string, args ...any) *Error {
	return &Error{Type: t, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of type t whose message is msg and whose cause is err.
func Wrap(t Type, err error, msg string) *Error {
	return &Error{Type: t, Message: msg, Err: err}
}

// Error implements error. It returns the client-facing message; the cause is
// reachable through Unwrap.
func (e *Error) Error() string {
	if e.Message == "" {
		if e.Err != nil {
			return e.Err.Error()
		}
		return string(e.Type)
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is a bare sentinel (type only) of the same type, or
// an *Error with the same type, message and code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil || e == nil {
		return false
	}
	if t.Message == "" && t.Code == "" && t.Err == nil {
		return t.Type == e.Type
	}
	return t.Type == e.Type && t.Message == e.Message && t.Code == e.Code
}

// WithCode returns a copy of e carrying code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// TypeOf returns the Type of the first *Error in err's chain, or UnknownError.
func TypeOf(err error) Type {
	var e *Error
	if stderrors.As(err, &e) {
		return e.Type
	}
	return UnknownError
}

// As is a shorthand for errors.As with an *Error target.
func As(err error) (*Error, bool) {
	var e *Error
	ok := stderrors.As(err, &e)
	return e, ok
}

// Is reports whether any error in err's chain is an *Error of type t.
func Is(err error, t Type) bool {
	e, ok := As(err)
	return ok && e.Type == t
}
