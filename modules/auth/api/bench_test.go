package api_test

import (
	"fmt"
	"testing"

	"github.com/medusa-go/medusa/modules/auth"
)

// Login and register over HTTP (loopback httptest server, JSON bodies,
// token issuing, rate limiter) at Medusa's scrypt parameters:
//
//	go test -run '^$' -bench HTTP -benchtime 20x ./modules/auth/api/
func BenchmarkLoginHTTP(b *testing.B) {
	e := newEnv(b, setup{hash: auth.DefaultHashParams})
	e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("bench@example.com", "correct horse battery staple")))
	for b.Loop() {
		e.token(e.do("POST", "/auth/user/emailpass", "", creds("bench@example.com", "correct horse battery staple")))
	}
}

func BenchmarkRegisterHTTP(b *testing.B) {
	e := newEnv(b, setup{hash: auth.DefaultHashParams})
	i := 0
	for b.Loop() {
		i++
		e.token(e.do("POST", "/auth/user/emailpass/register", "", creds(fmt.Sprintf("bench%d@example.com", i), "correct horse battery staple")))
	}
}
