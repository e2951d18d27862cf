package modgen_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	blogmig "github.com/medusa-go/medusa/internal/testmodules/blog/migrations"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// countingBus records the size of every Emit call.
type countingBus struct {
	*events.Local
	mu    sync.Mutex
	calls []int
}

func (b *countingBus) Emit(ctx context.Context, msgs ...events.Message) error {
	b.mu.Lock()
	b.calls = append(b.calls, len(msgs))
	b.mu.Unlock()
	return b.Local.Emit(ctx, msgs...)
}

// TestCreateUsersChunks creates sqlb.InsertChunk+1 users in one call (two
// insert statements): every DTO comes back in input order, a given id in the
// second chunk is kept, and the call emits once; a duplicate email in the
// second chunk fails the whole call, the first chunk included.
func TestCreateUsersChunks(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &countingBus{Local: events.NewLocal()}
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	n := sqlb.InsertChunk + 1
	in := make([]user.CreateUserInput, n)
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("u%d@example.com", i)}
	}
	in[n-1].ID = "user_given"
	out, err := s.CreateUsers(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != n || out[n-1].ID != "user_given" {
		t.Fatalf("%d users, last %q", len(out), out[len(out)-1].ID)
	}
	for i, u := range out {
		if u.Email != in[i].Email {
			t.Fatalf("user %d has email %q, want %q", i, u.Email, in[i].Email)
		}
	}
	if len(bus.calls) != 1 || bus.calls[0] != n {
		t.Fatalf("Emit calls %v, want one of %d", bus.calls, n)
	}
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("v%d@example.com", i)}
	}
	in[n-1].Email = "v0@example.com"
	_, err = s.CreateUsers(ctx, in...)
	if err == nil || err.Error() != "User with email: v0@example.com, already exists." {
		t.Fatalf("duplicate in the second chunk: %v", err)
	}
	if _, count, err := s.ListAndCountUsers(ctx, user.UserFilter{}, sqlb.FindConfig{Take: 1}); err != nil || count != n {
		t.Fatalf("%d users after the failed call (%v), want %d", count, err, n)
	}
	if len(bus.calls) != 1 {
		t.Fatalf("the failed call emitted: %v", bus.calls)
	}
}

// TestIDListsInGenericPlans prepares every generated statement that takes
// a list of ids and also filters on deleted_at (soft delete, restore, their
// cascades, the ids an update checks) with plan_cache_mode =
// force_generic_plan, the plan a prepared statement may switch to after
// five executions, and checks that no plan filters rows with = ANY of the
// list: that compares each row with every id (20,000 ids took 12 s, 100,000
// minutes); the generated IN (SELECT unnest(ids)) is a semi-join instead.
func TestIDListsInGenericPlans(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, blogmig.Source)
	if _, err := pool.Exec(ctx, `INSERT INTO post (id, title) SELECT 'post_' || g, 'T' || g FROM generate_series(1, 2000) AS g;
		INSERT INTO comment (id, body, post_id, deleted_at) SELECT 'com_' || g, 'b', 'post_' || g, CASE WHEN g % 2 = 0 THEN now() END FROM generate_series(1, 2000) AS g;
		ANALYZE post; ANALYZE comment`); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../internal/testmodules/blog/queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files: %v", err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range strings.Split(string(b), "-- name: ")[1:] {
			head, body, _ := strings.Cut(q, "\n")
			name := strings.Fields(head)[0]
			if !strings.Contains(body, "sqlc.arg('ids')") || !strings.Contains(body, "deleted_at\" IS") {
				continue
			}
			stmt := strings.TrimSuffix(strings.TrimSpace(strings.Split(body, "\n-- ")[0]), ";")
			stmt = strings.ReplaceAll(stmt, "sqlc.arg('ids')", "$1")
			plan := genericPlan(t, pool, stmt)
			for _, line := range strings.Split(plan, "\n") {
				if strings.Contains(line, "Filter:") && strings.Contains(line, "ANY ($1)") {
					t.Errorf("%s: the generic plan filters rows with = ANY of the ids:\n%s", name, plan)
				}
			}
			checked++
		}
	}
	if checked < 6 {
		t.Fatalf("checked %d statements, want the blog module's 6 or more", checked)
	}
}

// genericPlan returns the EXPLAIN ANALYZE of stmt, prepared under
// force_generic_plan, run with 1,000 ids and rolled back.
func genericPlan(t *testing.T, pool *pgxpool.Pool, stmt string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprint("post_", 2*i+1)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "PREPARE generic_ids AS "+stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	defer func() { _, _ = tx.Exec(ctx, "DEALLOCATE generic_ids") }() // prepared statements outlive a rollback
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE generic_ids($1::text[])", pgx.QueryExecModeSimpleProtocol, ids)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
