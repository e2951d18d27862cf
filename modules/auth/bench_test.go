package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// Register and Authenticate at Medusa's scrypt parameters (logN 15, r 8,
// p 1): the hash dominates. The three Authenticate cases must cost the
// same: an unknown email is verified against a dummy hash.
//
//	go test -run '^$' -bench 'Register|Authenticate' -benchtime 20x ./modules/auth/
func BenchmarkRegister(b *testing.B) {
	ctx := context.Background()
	s, err := auth.NewService(pgtest.NewPool(b, migrations.Source))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := s.Register(ctx, fmt.Sprintf("bench%d@example.com", i), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate runs the three cases in turn within each iteration
// (rotating their order), so that the load of a shared machine hits them
// alike, and reports each case's mean in ms.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	s, err := auth.NewService(pgtest.NewPool(b, migrations.Source))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Register(ctx, "bench@example.com", "correct horse battery staple"); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, email, password string
		ok                    bool
		total                 time.Duration
	}{
		{"ok", "bench@example.com", "correct horse battery staple", true, 0},
		{"wrong_password", "bench@example.com", "wrong", false, 0},
		{"unknown_email", "nobody@example.com", "correct horse battery staple", false, 0},
	}
	n := 0
	for b.Loop() {
		for k := range cases {
			c := &cases[(n+k)%len(cases)]
			t0 := time.Now()
			_, err := s.Authenticate(ctx, c.email, c.password)
			c.total += time.Since(t0)
			if (err == nil) != c.ok {
				b.Fatal(err)
			}
		}
		n++
	}
	for _, c := range cases {
		b.ReportMetric(float64(c.total.Microseconds())/1000/float64(n), c.name+"-ms")
	}
}
