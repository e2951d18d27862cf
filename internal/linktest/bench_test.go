package linktest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/query"
)

// postRow is a post with its author as the hand-written read returns it.
type postRow struct {
	ID, Title string
	Author    *authorRow
}

type authorRow struct{ ID, Email string }

// handSQL is the read of 100 posts with their authors written by hand:
// one statement joining the link table and the user table.
const handSQL = `SELECT p."id", p."title", u."id", u."email" FROM "post" p
LEFT JOIN "blog_post_user_user" l ON l."post_id" = p."id" AND l."deleted_at" IS NULL
LEFT JOIN "user" u ON u."id" = l."user_id" AND u."deleted_at" IS NULL
WHERE p."deleted_at" IS NULL ORDER BY p."id" LIMIT 100`

func readByHand(ctx context.Context, e *env) ([]postRow, error) {
	rows, err := e.pool.Query(ctx, handSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]postRow, 0, 100)
	for rows.Next() {
		var p postRow
		var id, email *string
		if err := rows.Scan(&p.ID, &p.Title, &id, &email); err != nil {
			return nil, err
		}
		if id != nil {
			p.Author = &authorRow{ID: *id, Email: *email}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

var take100 = 100

// postsWithAuthors is the same read through Query.
var postsWithAuthors = query.Input{Entity: "post", Fields: []string{"id", "title", "author.id", "author.email"}, Pagination: &query.Pagination{Take: &take100}}

// BenchmarkPostsWithAuthors reads 100 posts with their authors (a user of
// the User Module, through the post-author link) with Query and with the
// same read written by hand in SQL, and reports each read's p50 and p99.
// Results and command: docs/performance.md, "Module links and Query".
func BenchmarkPostsWithAuthors(b *testing.B) {
	ctx := context.Background()
	e := setupPlain(b)
	users := e.newUsers(b, 100)
	titles := make([]string, 100)
	for i := range titles {
		titles[i] = fmt.Sprintf("post %03d", i)
	}
	posts := e.newPosts(b, titles...)
	pairs := make([]link.Pair, len(posts))
	for i, p := range posts {
		pairs[i] = PostAuthor.Pair(p, users[i])
	}
	if err := e.links.Create(ctx, pairs...); err != nil {
		b.Fatal(err)
	}
	// statistics, as autovacuum would gather them: without, the planner
	// takes the fresh tables for empty and joins them row by row
	if _, err := e.pool.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	// both reads return the same posts and authors
	byHand, err := readByHand(ctx, e)
	if err != nil {
		b.Fatal(err)
	}
	r, err := e.q.Graph(ctx, postsWithAuthors)
	if err != nil {
		b.Fatal(err)
	}
	if len(byHand) != 100 || r.Rows.Len() != 100 {
		b.Fatalf("%d rows by hand, %d through Query", len(byHand), r.Rows.Len())
	}
	for i, row := range r.Rows.All() {
		a, ok := r.Entity.Linked(row).Get("author")
		if !ok || a.Value() == nil || byHand[i].Author == nil || r.Entity.Key(row) != byHand[i].ID {
			b.Fatalf("row %d differs", i)
		}
	}
	for _, c := range []struct {
		name string
		read func() error
	}{
		{"sql", func() error { _, err := readByHand(ctx, e); return err }},
		{"query", func() error { _, err := e.q.Graph(ctx, postsWithAuthors); return err }},
		{"sql+json", func() error {
			rows, err := readByHand(ctx, e)
			if err != nil {
				return err
			}
			buf := make([]byte, 0, 16<<10)
			buf = append(buf, '[')
			for i, p := range rows {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = fmt.Appendf(buf, `{"id":%q,"title":%q,"author":{"id":%q,"email":%q}}`, p.ID, p.Title, p.Author.ID, p.Author.Email)
			}
			_ = append(buf, ']')
			return nil
		}},
		{"query+json", func() error {
			r, err := e.q.Graph(ctx, postsWithAuthors)
			if err != nil {
				return err
			}
			_, err = r.AppendData(make([]byte, 0, 16<<10))
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				if err := c.read(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			pct := func(p float64) float64 { return float64(times[int(p*float64(len(times)-1))].Microseconds()) }
			b.ReportMetric(pct(0.50), "p50-µs")
			b.ReportMetric(pct(0.99), "p99-µs")
		})
	}
}
