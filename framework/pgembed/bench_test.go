package pgembed_test

import (
	"context"
	"os"
	"testing"

	"github.com/medusa-go/medusa/framework/pgembed"
)

func stop(b *testing.B, s *pgembed.Server) {
	b.Helper()
	if err := s.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStartFresh measures initdb plus start until the server accepts
// connections, as framework/pgtest does once per test process (fsync=off).
// Stopping and removing the cluster is not timed.
func BenchmarkStartFresh(b *testing.B) {
	needBinaries(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := tempRoot(b)
		opts := options(root)
		b.StartTimer()
		s, err := pgembed.Start(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		stop(b, s)
		_ = os.RemoveAll(root)
		b.StartTimer()
	}
}

// BenchmarkRestart measures starting an existing cluster with the settings
// `medusa-go dev` uses (the defaults: fsync on), as on every run of dev after
// the first. Stopping is not timed.
func BenchmarkRestart(b *testing.B) {
	needBinaries(b)
	ctx := context.Background()
	opts := options(tempRoot(b))
	opts.Settings = nil
	s, err := pgembed.Start(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	stop(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := pgembed.Start(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		stop(b, s)
		b.StartTimer()
	}
}

// BenchmarkStop measures a fast shutdown of an idle server (dev's Ctrl-C).
func BenchmarkStop(b *testing.B) {
	needBinaries(b)
	ctx := context.Background()
	opts := options(tempRoot(b))
	opts.Settings = nil
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := pgembed.Start(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		stop(b, s)
	}
}
