package modgen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
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

// TestSoftDeleteStatementsReplanned checks that soft deletes and restores,
// their cascades included, never go out as prepared statements: a prepared
// statement may switch to a generic plan after five executions, and a
// generic plan of = ANY($1) that filters a scan (of a partial index on
// deleted_at, or of the whole table, as a restore of children by their
// parent's id does) compares each row with every id: 20,000 ids took 12 s,
// 100,000 minutes. Sent unnamed (sqlb.Replanned), each is planned for its
// ids, and the plan hashes them. The same statement sent through the
// prepared path shows up in pg_prepared_statements, which the test reads.
func TestSoftDeleteStatementsReplanned(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t, blogmig.Source))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1 // one session: its prepared statements are the ones read below
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := blog.NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	posts, err := s.CreatePosts(ctx, blog.CreatePostInput{Title: "a"}, blog.CreatePostInput{Title: "b"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{posts[0].ID, posts[1].ID}
	if _, err := s.CreateComments(ctx, blog.CreateCommentInput{Body: "c", PostID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if keys, err := s.SoftDeletePosts(ctx, ids...); err != nil || len(keys["comment_id"]) != 1 {
			t.Fatalf("soft delete: %v, %v", keys, err)
		}
		if keys, err := s.RestorePosts(ctx, ids...); err != nil || len(keys["comment_id"]) != 1 {
			t.Fatalf("restore: %v, %v", keys, err)
		}
	}
	prepared := func() []string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT statement FROM pg_prepared_statements WHERE statement ~ '-- name: (SoftDelete|Restore)'`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := prepared(); len(got) != 0 {
		t.Fatalf("soft deletes or restores went out as prepared statements: %q", got)
	}
	if _, err := s.Queries(ctx).SoftDeletePosts(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if got := prepared(); len(got) != 1 {
		t.Fatalf("the prepared path left %q in pg_prepared_statements, want the soft delete", got)
	}
}
