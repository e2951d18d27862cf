package db_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// BenchmarkInTx is one service call's own transaction: begin, one insert,
// commit, over the unix socket.
func BenchmarkInTx(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, source(b))
	i := 0
	for b.Loop() {
		i++
		if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			return insert(ctx, tx, "i"+strconv.Itoa(i))
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExec is the same insert without a transaction, for comparison.
func BenchmarkExec(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, source(b))
	i := 0
	for b.Loop() {
		i++
		if err := insert(ctx, pool, "i"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInTxJoined is a nested service call joining its caller's
// transaction: no round trip of its own.
func BenchmarkInTxJoined(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, source(b))
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		b.ReportAllocs()
		for b.Loop() {
			if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error { return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
