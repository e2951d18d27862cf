package auth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// An unknown email is verified against a dummy hash at the service's own
// parameters, so it costs the same scrypt work as a wrong password.
func TestDummyHashMatchesParams(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	for _, p := range []HashParams{{}, DefaultHashParams, {LogN: 4, R: 8, P: 1}, {LogN: 10, R: 4, P: 2}} {
		s, err := NewService(pool, WithHashParams(p))
		if err != nil {
			t.Fatal(err)
		}
		want := s.ext.hash
		prefix := fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$", want.LogN, want.R, want.P)
		if !strings.HasPrefix(s.ext.dummy, prefix) {
			t.Errorf("params %+v: dummy %q, want prefix %q", p, s.ext.dummy, prefix)
		}
		if ok, err := VerifyPassword("", s.ext.dummy); ok || err != nil {
			t.Errorf("dummy hash does not verify cleanly: %v %v", ok, err)
		}
	}
}
