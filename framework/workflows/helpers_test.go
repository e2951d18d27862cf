package workflows_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(crashChild())
	}
	pgtest.Main(m)
}

var quiet = slog.New(slog.DiscardHandler)

// backend is one store the semantic tests run against.
type backend struct {
	name string
	new  func(t *testing.T, opts ...workflows.EngineOption) *harness
}

type harness struct {
	eng   *workflows.Engine
	root  *container.Container
	store workflows.Store
	pool  *pgxpool.Pool // nil for the memory store
}

func newHarness(store workflows.Store, pool *pgxpool.Pool, opts ...workflows.EngineOption) *harness {
	root := container.New()
	all := append([]workflows.EngineOption{workflows.WithStore(store), workflows.WithLogger(quiet), workflows.WithContainer(root)}, opts...)
	eng := workflows.NewEngine(all...)
	container.MustRegister(root, workflows.EngineKey, eng)
	return &harness{eng: eng, root: root, store: store, pool: pool}
}

var backends = []backend{
	{"memory", func(t *testing.T, opts ...workflows.EngineOption) *harness {
		return newHarness(workflows.NewMemoryStore(), nil, opts...)
	}},
	{"postgres", func(t *testing.T, opts ...workflows.EngineOption) *harness {
		pool := pgtest.NewPool(t, migrations.Source())
		return newHarness(pgstore.New(pool), pool, opts...)
	}},
	// The same store with its fast path off: both paths keep the same
	// semantics.
	{"postgres-plain", func(t *testing.T, opts ...workflows.EngineOption) *harness {
		pool := pgtest.NewPool(t, migrations.Source())
		return newHarness(pgstore.New(pool, pgstore.WithoutFastPath()), pool, opts...)
	}},
}

// eachBackend runs fn as a subtest per store.
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.new(t)) })
	}
}

// recorder collects calls from steps, safe for concurrent use.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.calls = append(r.calls, s)
	r.mu.Unlock()
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) count(s string) int {
	n := 0
	for _, c := range r.get() {
		if c == s {
			n++
		}
	}
	return n
}

func ctx() context.Context { return context.Background() }
