package authtoken_test

import (
	"testing"

	"github.com/medusa-go/medusa/framework/authtoken"
)

// BenchmarkVerifyToken measures HS256 JWT verification.
func BenchmarkVerifyToken(b *testing.B) {
	a, _ := authtoken.New(authtoken.Config{Secret: "test-secret-not-for-production"})
	tok, _ := a.IssueToken(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.VerifyToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}
