package auth

import (
	"context"
	"strings"
	"sync"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// An unknown email is verified against a dummy hash at the service's own
// parameters, so it costs the same hashing work as a wrong password.
func TestDummyHashMatchesParams(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	for _, c := range []struct {
		params HashParams
		prefix string
	}{
		{HashParams{}, "$argon2id$v=19$m=7168,t=5,p=1$"},
		{DefaultHashParams, "$argon2id$v=19$m=7168,t=5,p=1$"},
		{MedusaScryptParams, "$scrypt$ln=15,r=8,p=1$"},
		{HashParams{LogN: 4, R: 8, P: 1}, "$scrypt$ln=4,r=8,p=1$"},
		{HashParams{LogN: 10, R: 4, P: 2}, "$scrypt$ln=10,r=4,p=2$"},
		{HashParams{Algorithm: AlgArgon2id, Memory: 64, Time: 2, Threads: 2}, "$argon2id$v=19$m=64,t=2,p=2$"},
	} {
		s, err := NewService(pool, WithHashParams(c.params))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.ext.dummy, c.prefix) || s.ext.dummyParsed.params != s.ext.hash {
			t.Errorf("params %+v: dummy %q (%+v), want prefix %q", c.params, s.ext.dummy, s.ext.dummyParsed.params, c.prefix)
		}
		if ok, err := VerifyPassword("", s.ext.dummy); ok || err != nil {
			t.Errorf("dummy hash does not verify cleanly: %v %v", ok, err)
		}
	}
}

// Every login computes exactly one hash, of the same weight, whatever the
// outcome: right password, wrong password, unknown email, or a stored hash
// that cannot be read. (The timing itself is compared by
// BenchmarkAuthenticate.)
func TestEveryLoginCostsOneHashAtTheServiceParams(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := NewService(pool, WithHashParams(fastArgon2))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var weights []int64
	s.ext.gate.entered = func(n int64) {
		mu.Lock()
		weights = append(weights, n)
		mu.Unlock()
	}
	for _, email := range []string{"ok@example.com", "corrupt@example.com"} {
		if _, err := s.Register(ctx, email, "right password"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE provider_identity SET provider_metadata = '{"password":"$argon2id$v=19$m=64,t=1,p=1$garbage"}' WHERE entity_id = 'corrupt@example.com'`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		email, password string
		ok              bool
	}{
		{"ok@example.com", "right password", true},
		{"ok@example.com", "wrong password", false},
		{"nobody@example.com", "right password", false},
		{"corrupt@example.com", "right password", false},
	} {
		mu.Lock()
		weights = nil
		mu.Unlock()
		_, err := s.Authenticate(ctx, c.email, c.password)
		if c.ok != (err == nil) {
			t.Fatalf("%s / %s: %v", c.email, c.password, err)
		}
		if !c.ok && !merrors.Is(err, merrors.Unauthorized) {
			t.Fatalf("%s / %s: %v, want unauthorized", c.email, c.password, err)
		}
		mu.Lock()
		got := append([]int64(nil), weights...)
		mu.Unlock()
		if len(got) != 1 || got[0] != fastArgon2.memory() {
			t.Errorf("%s / %s: hashes of weights %v, want one of %d", c.email, c.password, got, fastArgon2.memory())
		}
	}
}
