package auth_test

import (
	"fmt"

	"github.com/medusa-go/medusa/modules/auth"
)

// Credentials reads an emailpass body the way Medusa's provider does: the
// password is checked first, other keys are ignored.
func ExampleCredentials() {
	_, _, err := auth.Credentials(map[string]any{"email": "admin@example.com", "password": 1234})
	fmt.Println(err)
	email, _, err := auth.Credentials(map[string]any{"email": "admin@example.com", "password": "s3cret", "remember": true})
	fmt.Println(email, err)
	// Output:
	// Password should be a string
	// admin@example.com <nil>
}

// HashPassword stores its parameters with the hash, so VerifyPassword needs
// only the hash.
func ExampleHashPassword() {
	h, err := auth.HashPassword("s3cret", auth.HashParams{LogN: 4, R: 8, P: 1})
	if err != nil {
		panic(err)
	}
	ok, _ := auth.VerifyPassword("s3cret", h)
	bad, _ := auth.VerifyPassword("guess", h)
	fmt.Println(h[:21], ok, bad)
	// Output: $scrypt$ln=4,r=8,p=1$ true false
}
