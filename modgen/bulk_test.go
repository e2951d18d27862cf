package modgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

// TestCreateUsersCopy creates sqlb.CopyMin users in one call (one COPY,
// the metadata read back) and checks them against what the database holds
// and against the statement path: input order, a given id kept, metadata as
// jsonb renders it, one Emit. A duplicate email in the batch, or one
// already taken in another case (the unique index is on lower(email)),
// fails the whole call with Medusa's message and writes nothing.
func TestCreateUsersCopy(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &countingBus{Local: events.NewLocal()}
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	n := sqlb.CopyMin
	in := make([]user.CreateUserInput, n)
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("U%d@example.com", i)}
		switch i % 3 {
		case 0:
			first := fmt.Sprint("First ", i)
			in[i].FirstName, in[i].Metadata = &first, json.RawMessage(fmt.Sprintf(`{"b":%d,  "a":[1, 2]}`, i))
		case 1:
			in[i].Metadata = json.RawMessage{} // empty: NULL
		}
	}
	in[n-1].ID = "user_given"
	out, err := s.CreateUsers(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != n || out[n-1].ID != "user_given" || len(bus.calls) != 1 || bus.calls[0] != n {
		t.Fatalf("%d users, last %q, Emit calls %v", len(out), out[len(out)-1].ID, bus.calls)
	}
	stored, err := s.ListUsers(ctx, user.UserFilter{})
	if err != nil || len(stored) != n {
		t.Fatalf("%d users stored, %v", len(stored), err)
	}
	byID := map[string]user.User{}
	for _, u := range stored {
		byID[u.ID] = u
	}
	for i, u := range out {
		if u.Email != in[i].Email || !reflect.DeepEqual(u, byID[u.ID]) {
			t.Fatalf("user %d: created %+v, stored %+v", i, u, byID[u.ID])
		}
	}
	if got := string(out[3].Metadata); got != `{"a": [1, 2], "b": 3}` {
		t.Fatalf("metadata %s, want jsonb's rendering", got)
	}
	if out[1].Metadata != nil || out[2].Metadata != nil || *out[3].FirstName != "First 3" || out[1].FirstName != nil {
		t.Fatalf("rows 1-3: %+v", out[1:4])
	}
	// The same input through the statement path gives the same row.
	one, err := s.CreateUsers(ctx, user.CreateUserInput{Email: "one@example.com", FirstName: in[3].FirstName, Metadata: in[3].Metadata})
	if err != nil || string(one[0].Metadata) != string(out[3].Metadata) || *one[0].FirstName != *out[3].FirstName {
		t.Fatalf("statement path: %+v, %v", one, err)
	}

	for _, dup := range []string{"v0@example.com", "u7@EXAMPLE.com"} {
		for i := range in {
			in[i] = user.CreateUserInput{Email: fmt.Sprintf("v%d@example.com", i)}
		}
		in[n-1].Email = dup
		_, err = s.CreateUsers(ctx, in...)
		if want := "User with email: " + strings.ToLower(dup) + ", already exists."; err == nil || err.Error() != want {
			t.Fatalf("duplicate %s at the end of a COPY: %v, want %q", dup, err, want)
		}
	}
	if _, count, err := s.ListAndCountUsers(ctx, user.UserFilter{}, sqlb.FindConfig{Take: 1}); err != nil || count != n+1 {
		t.Fatalf("%d users after the failed calls (%v), want %d", count, err, n+1)
	}
	if len(bus.calls) != 2 {
		t.Fatalf("the failed calls emitted: %v", bus.calls)
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
