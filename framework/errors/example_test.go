package errors_test

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

func ExampleNew() {
	err := fmt.Errorf("retrieve user: %w", merrors.New(merrors.NotFound, "User with id: %s was not found", "user_123"))

	fmt.Println(errors.Is(err, merrors.ErrNotFound))
	fmt.Println(merrors.TypeOf(err))
	status, body := merrors.HTTP(err)
	fmt.Println(status, body.Type, body.Message)
	// Output:
	// true
	// not_found
	// 404 not_found User with id: user_123 was not found
}

func ExampleFromPg() {
	// What Postgres reports when a second user takes an email.
	pgErr := &pgconn.PgError{
		Code:      "23505",
		TableName: "user",
		Detail:    "Key (email)=(jane@example.com) already exists.",
	}
	err := merrors.FromPg(fmt.Errorf("create users: %w", pgErr))

	fmt.Println(merrors.TypeOf(err))
	fmt.Println(err)
	fmt.Println(merrors.IsUniqueViolation(err))
	// Output:
	// invalid_data
	// User with email: jane@example.com, already exists.
	// true
}

func ExampleHTTP() {
	status, body := merrors.HTTP(errors.New("pq: password authentication failed"))
	fmt.Println(status, body.Code, body.Message)
	// Output:
	// 500 unknown_error An unknown error occurred.
}
