package migrate_test

import (
	"context"
	"testing"

	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// BenchmarkUpNoop is what every start of medusa-go pays once the database is
// migrated: parse the embedded files, take the lock, read medusa_migrations,
// find nothing to do.
func BenchmarkUpNoop(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	m := migrate.New(pool, userV2, authV2)
	if _, err := m.Up(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		done, err := m.Up(ctx)
		if err != nil || len(done) != 0 {
			b.Fatalf("Up = %d applied, %v", len(done), err)
		}
	}
}
