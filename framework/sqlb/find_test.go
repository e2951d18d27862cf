package sqlb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// itemsSource is the schema of the tests' table: a nullable sortable
// column (name), two searchable ones joined in one trigram index and one
// gram index (as generated modules have them), the
// (column, id) indexes of live rows that sortable columns have in
// generated modules.
var itemsSource = migrate.Source{Module: "sqlbtest", FS: fstest.MapFS{"0001_item.sql": {Data: []byte(`-- migrate:up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE item (
  id text PRIMARY KEY,
  name text,
  label text NOT NULL,
  n integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX item_name ON item (name, id) WHERE deleted_at IS NULL;
CREATE INDEX item_n ON item (n, id) WHERE deleted_at IS NULL;
CREATE INDEX item_created_at ON item (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX item_q ON item USING gin ((coalesce(name, '') || E'\x1f' || label) gin_trgm_ops);
` + GramsFuncSQL + `
CREATE INDEX item_q_grams ON item USING gin (` + GramsFunc + `(coalesce(name, '') || E'\x1f' || label)) WHERE deleted_at IS NULL;
-- migrate:down
DROP TABLE item;
`)}}}

// item is a row of the tests' table, as a generated model holds it.
type item struct {
	ID        string
	Name      *string
	Label     string
	N         int
	CreatedAt time.Time
	DeletedAt *time.Time
}

func (x *item) dest(c string) any {
	switch c {
	case "id":
		return &x.ID
	case "name":
		return &x.Name
	case "label":
		return &x.Label
	case "n":
		return &x.N
	case "created_at":
		return &x.CreatedAt
	case "deleted_at":
		return &x.DeletedAt
	}
	return nil
}

var itemTable = Table{
	Model: "item", Name: `"item"`, PK: "id",
	Fields:   []string{"id", "name", "label", "n", "created_at", "deleted_at"},
	Sortable: []string{"id", "name", "label", "n", "created_at", "deleted_at"},
	Nullable: []string{"name", "deleted_at"},
}

// itemFilter is the tests' filter: q over name and label (as a generated
// filter with two searchable fields writes it), n >= min, and a deleted_at
// filter.
type itemFilter struct {
	q       string
	noGrams bool // q without the gram index lookup (as a model without it)
	minN    *int
	deleted bool
}

const itemSearch = `(coalesce("name", '') || E'\x1f' || "label")`

func (f itemFilter) apply(w *Where) (bool, error) {
	if f.q != "" {
		w.AddSearch(itemSearch + " ILIKE " + w.Arg(Contains(f.q)))
		w.RankSearch(f.q, `"name"`, `lower("label")`) // label compares without regard to case
		if !f.noGrams {
			w.SearchGrams(itemSearch, f.q)
		}
	}
	if f.minN != nil {
		if err := Gte(*f.minN).Apply(w, `"n"`, false); err != nil {
			return false, err
		}
	}
	if f.deleted {
		w.Add(`"deleted_at" IS NOT NULL`)
	}
	return f.deleted, nil
}

// sqlLog records the statements a pool sends.
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.sql = append(l.sql, d.SQL)
	l.mu.Unlock()
	return ctx
}

func (l *sqlLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *sqlLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (l *sqlLog) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	l.mu.Lock()
	l.sql = append(l.sql, d.SQL)
	l.mu.Unlock()
}

func (l *sqlLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sql
	l.sql = nil
	return out
}

// newItems returns a pool on a fresh database of the tests' table holding
// rows items: id "i0000"…, every third name NULL, names repeating (so that
// pages cut through equal names), labels "label<i>", n = i % 10, one
// created_at per ten rows, every seventh row soft-deleted; then ANALYZE.
func newItems(t testing.TB, rows int) (*pgxpool.Pool, *sqlLog) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t, itemsSource))
	if err != nil {
		t.Fatal(err)
	}
	log := &sqlLog{}
	cfg.ConnConfig.Tracer = log
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	seedItems(t, pool, rows)
	log.take()
	return pool, log
}

func seedItems(t testing.TB, pool *pgxpool.Pool, rows int) {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO item (id, name, label, n, created_at, deleted_at)
SELECT 'i' || lpad(i::text, 8, '0'),
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'name' || (i % 50) END,
       'label' || i, i % 10,
       timestamptz '2026-01-01' + (i / 10) * interval '1 second',
       CASE WHEN i % 7 = 0 THEN timestamptz '2026-02-01' END
FROM generate_series(1, $1) AS i`, rows); err != nil {
		t.Fatal(err)
	}
	// The second VACUUM marks the pages all-visible (index-only scans): a
	// page is all-visible only once its rows' commit hints are set, which
	// waits for the WAL of their commit to be flushed (synchronous_commit
	// is off on the test server; CHECKPOINT flushes it).
	for _, sql := range []string{`VACUUM ANALYZE item`, `CHECKPOINT`, `VACUUM item`} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
}

func findItems(ctx context.Context, pool *pgxpool.Pool, f itemFilter, cfg FindConfig) (Page[item], error) {
	return FindPage(ctx, pool, itemTable, cfg, f.apply, func([]string) item { return item{} }, (*item).dest)
}

// render is rows as JSON, pointers followed, to compare pages.
func render(rows []item) string {
	b, err := json.Marshal(rows)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func ids(rows []item) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// TestCountLimit checks the bounded count: exact up to the bound, past it
// the planner's estimate, flagged, never below the bound + 1; 0 counts
// exactly; a list without a bound sends no EXPLAIN.
func TestCountLimit(t *testing.T) {
	ctx := context.Background()
	pool, log := newItems(t, 1000) // 858 live rows, 86 of them with n = 9
	nine, zero := 9, 0
	for _, c := range []struct {
		name      string
		f         itemFilter
		limit     int
		count     int // exact count, or the least the estimate may be
		estimated bool
	}{
		{"exact", itemFilter{minN: &zero}, 0, 858, false},
		{"below the bound", itemFilter{minN: &nine}, 100, 86, false},
		{"at the bound", itemFilter{minN: &nine}, 86, 86, false},
		{"past the bound", itemFilter{minN: &nine}, 85, 86, true},
		{"far past the bound", itemFilter{minN: &zero}, 10, 11, true},
		{"unfiltered past the bound", itemFilter{}, 100, 101, true},
		{"q past the bound", itemFilter{q: "label"}, 100, 101, true},
		{"with deleted", itemFilter{deleted: true}, 1000, 142, false},
	} {
		pg, err := findItems(ctx, pool, c.f, FindConfig{Take: 5, CountLimit: c.limit})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		stmts := log.take()
		explained := slices.ContainsFunc(stmts, func(s string) bool { return strings.HasPrefix(s, "EXPLAIN") })
		if pg.Estimated != c.estimated || explained != c.estimated || len(pg.Rows) != 5 {
			t.Errorf("%s: estimated %v (EXPLAIN sent: %v), %d rows; want estimated %v, 5 rows", c.name, pg.Estimated, explained, len(pg.Rows), c.estimated)
		}
		if c.estimated && pg.Count < c.count || !c.estimated && pg.Count != c.count {
			t.Errorf("%s: count %d, want %d (at least, when estimated)", c.name, pg.Count, c.count)
		}
		if c.estimated && (pg.Count < c.limit+1 || pg.Count > 10*858) {
			t.Errorf("%s: estimate %d is not a plausible count above %d", c.name, pg.Count, c.limit)
		}
	}
	// An estimate below the bound is raised to bound + 1: a filter the
	// planner believes matches nothing.
	pg, err := findItems(ctx, pool, itemFilter{q: "abel"}, FindConfig{Take: 1, CountLimit: 2})
	if err != nil || !pg.Estimated || pg.Count < 3 {
		t.Fatalf("estimate below the bound: %+v, %v", pg, err)
	}
	// Find (ListAndCount) counts as before unless the bound is set.
	_, n, err := Find(ctx, pool, itemTable, FindConfig{Take: 1}, true, itemFilter{minN: &zero}.apply, func([]string) item { return item{} }, (*item).dest)
	if err != nil || n != 858 {
		t.Fatalf("Find count = %d, %v", n, err)
	}
}

// TestDeferredJoin checks that a page read by a deferred join (an offset
// from DeferredJoinOffset) is the page the plain query reads: same rows,
// same order, with filters, descending, a nullable order column and
// soft-deleted rows.
func TestDeferredJoin(t *testing.T) {
	ctx := context.Background()
	pool, log := newItems(t, 3000)
	five := 5
	for _, c := range []struct {
		name string
		f    itemFilter
		cfg  FindConfig
	}{
		{"default order", itemFilter{}, FindConfig{}},
		{"nullable column", itemFilter{}, FindConfig{Order: []Order{{Field: "name"}}}},
		{"nullable column descending", itemFilter{}, FindConfig{Order: []Order{{Field: "name", Desc: true}}}},
		{"filter", itemFilter{minN: &five}, FindConfig{Order: []Order{{Field: "n", Desc: true}}}},
		{"with deleted", itemFilter{}, FindConfig{WithDeleted: true, Order: []Order{{Field: "created_at"}}}},
		{"narrow select", itemFilter{}, FindConfig{Select: []string{"label"}, Order: []Order{{Field: "name"}}}},
		{"q", itemFilter{q: "label1"}, FindConfig{Order: []Order{{Field: "label"}}}},
	} {
		all, err := findItems(ctx, pool, c.f, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, skip := range []int{DeferredJoinOffset - 1, DeferredJoinOffset, DeferredJoinOffset + 333, len(all.Rows) - 10, len(all.Rows) + 5} {
			cfg := c.cfg
			cfg.Skip, cfg.Take = skip, 25
			log.take()
			pg, err := findItems(ctx, pool, c.f, cfg)
			if err != nil {
				t.Fatalf("%s, offset %d: %v", c.name, skip, err)
			}
			deferred := slices.ContainsFunc(log.take(), func(s string) bool { return strings.Contains(s, " t JOIN (SELECT ") })
			if deferred != (skip >= DeferredJoinOffset) {
				t.Errorf("%s, offset %d: deferred join %v", c.name, skip, deferred)
			}
			want := all.Rows[min(skip, len(all.Rows)):min(skip+25, len(all.Rows))]
			if got := render(pg.Rows); got != render(want) {
				t.Errorf("%s, offset %d:\n got %v\nwant %v", c.name, skip, ids(pg.Rows), ids(want))
			}
		}
	}
}

// TestCursorWalk pages through the whole table by cursor, and by After
// values, in both directions of a nullable column, with a filter, with
// soft-deleted rows and with a ranked search, and checks the pages add up
// to the full ordered list.
func TestCursorWalk(t *testing.T) {
	ctx := context.Background()
	pool, _ := newItems(t, 400)
	three := 3
	for _, c := range []struct {
		name string
		f    itemFilter
		cfg  FindConfig
	}{
		{"default order", itemFilter{}, FindConfig{}},
		{"nullable column", itemFilter{}, FindConfig{Order: []Order{{Field: "name"}}}},
		{"nullable column descending", itemFilter{}, FindConfig{Order: []Order{{Field: "name", Desc: true}}}},
		{"nullable deleted_at, with deleted", itemFilter{}, FindConfig{WithDeleted: true, Order: []Order{{Field: "deleted_at"}}}},
		{"nullable deleted_at descending, with deleted", itemFilter{}, FindConfig{WithDeleted: true, Order: []Order{{Field: "deleted_at", Desc: true}}}},
		{"two columns, one nullable", itemFilter{minN: &three}, FindConfig{Order: []Order{{Field: "n"}, {Field: "name"}}}},
		{"mixed directions", itemFilter{}, FindConfig{Order: []Order{{Field: "name"}, {Field: "id", Desc: true}}}},
		{"time column descending", itemFilter{}, FindConfig{Order: []Order{{Field: "created_at", Desc: true}}}},
		{"ranked search", itemFilter{q: "name1"}, FindConfig{}},
		{"search in an order", itemFilter{q: "name1"}, FindConfig{Order: []Order{{Field: "name", Desc: true}}}},
		{"narrow select", itemFilter{}, FindConfig{Select: []string{"label"}, Order: []Order{{Field: "name"}}}},
	} {
		full, err := findItems(ctx, pool, c.f, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if full.Next != "" || len(full.Rows) < 20 {
			t.Fatalf("%s: the full list has %d rows and next %q", c.name, len(full.Rows), full.Next)
		}
		for _, take := range []int{1, 7, 50} {
			var got []item
			cfg := c.cfg
			cfg.Take = take
			for pages := 0; ; pages++ {
				if pages > len(full.Rows)+1 {
					t.Fatalf("%s, take %d: no end", c.name, take)
				}
				pg, err := findItems(ctx, pool, c.f, cfg)
				if err != nil {
					t.Fatalf("%s, take %d: %v", c.name, take, err)
				}
				if pg.Count != full.Count {
					t.Fatalf("%s: count %d on a page, %d for all", c.name, pg.Count, full.Count)
				}
				got = append(got, pg.Rows...)
				if pg.Next == "" {
					break
				}
				if len(pg.Rows) != take {
					t.Fatalf("%s, take %d: a short page (%d rows) with a next cursor", c.name, take, len(pg.Rows))
				}
				cfg.Cursor = pg.Next
			}
			if a, b := render(got), render(full.Rows); a != b {
				t.Errorf("%s, take %d: pages by cursor\n got %v\nwant %v", c.name, take, ids(got), ids(full.Rows))
			}
		}
		// After values (a generated model's Cursor) walk the same rows,
		// unless the search is ranked (refused).
		cfg := c.cfg
		cfg.Take = 9
		var got []item
		for pages := 0; ; pages++ {
			if pages > len(full.Rows) {
				t.Fatalf("%s: After: no end", c.name)
			}
			pg, err := findItems(ctx, pool, c.f, cfg)
			if c.f.q != "" && len(c.cfg.Order) == 0 && cfg.After != nil {
				if !merrors.Is(err, merrors.InvalidData) {
					t.Fatalf("%s: After on a ranked search: %v", c.name, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: After: %v", c.name, err)
			}
			got = append(got, pg.Rows...)
			if len(pg.Rows) < 9 {
				if a, b := render(got), render(full.Rows); a != b {
					t.Errorf("%s: pages by After\n got %v\nwant %v", c.name, ids(got), ids(full.Rows))
				}
				break
			}
			last := pg.Rows[len(pg.Rows)-1]
			order, _ := NormalizeOrder("item", itemTable.Sortable, "id", c.cfg.Order)
			cfg.After = nil
			for _, o := range order {
				cfg.After = append(cfg.After, rowValue(&last, o.Field, (*item).dest))
			}
		}
	}
}

// TestSearchRank checks the order of a q search without an order: rows
// where name equals q, or label equals it without regard to case (a
// case-insensitive field's comparison), first, the rest
// after, each by id; pages by offset, deep ones included, and by cursor
// agree with it; an explicit order is kept as it is.
func TestSearchRank(t *testing.T) {
	ctx := context.Background()
	pool, log := newItems(t, 12000)
	if _, err := pool.Exec(ctx, `UPDATE item SET label = 'NAME1' WHERE id IN ('i00000002', 'i00002000');
UPDATE item SET name = 'name1_' WHERE id = 'i00000999'`); err != nil {
		t.Fatal(err)
	}
	q := itemFilter{q: "name1"}
	// FindPage reads the rows sorted by rank in one statement (few
	// matches), or in parts (more than rankSortMax); Find in parts.
	for _, sortMax := range []int{RankSortMax, 0} {
		rankSortMax = sortMax
		t.Cleanup(func() { rankSortMax = RankSortMax })
		log.take()
		pg, err := findItems(ctx, pool, q, FindConfig{})
		if err != nil {
			t.Fatal(err)
		}
		// Read in parts, the exact matches' part holds q's predicate
		// weakened (Where.AddSearch), so that no trigram scan is ANDed to
		// the fields' lookups.
		stmts := log.take()
		weakened := slices.ContainsFunc(stmts, func(s string) bool { return strings.Contains(s, " ILIKE $1) IS NOT FALSE") })
		if weakened != (sortMax == 0) {
			t.Errorf("sort max %d: exact part with q's predicate weakened: %v", sortMax, weakened)
		}
		// Paged, the exact part is read field by field (Find reads all
		// of it at once: no limit).
		log.take()
		if _, err := findItems(ctx, pool, q, FindConfig{Take: 5}); err != nil {
			t.Fatal(err)
		}
		byField := slices.ContainsFunc(log.take(), func(s string) bool { return strings.Contains(s, ` UNION ALL (SELECT "id" FROM "item"`) })
		if byField != (sortMax == 0) {
			t.Errorf("sort max %d: exact part read field by field: %v", sortMax, byField)
		}
		var exact, rest []string
		for _, r := range pg.Rows {
			if r.Label == "NAME1" || r.Name != nil && *r.Name == "name1" {
				exact = append(exact, r.ID)
			} else {
				rest = append(rest, r.ID)
			}
		}
		if len(exact) < 3 || len(rest) < DeferredJoinOffset+50 || len(pg.Rows) > RankSortMax {
			t.Fatalf("%d exact matches and %d others: not what the test needs", len(exact), len(rest))
		}
		want := append(slices.Sorted(slices.Values(exact)), slices.Sorted(slices.Values(rest))...)
		if got := ids(pg.Rows); !slices.Equal(got, want) {
			t.Fatalf("sort max %d: ranked order:\n got %v\nwant %v", sortMax, got, want)
		}
		if all, _, err := Find(ctx, pool, itemTable, FindConfig{}, false, q.apply, func([]string) item { return item{} }, (*item).dest); err != nil || !slices.Equal(ids(all), want) {
			t.Fatalf("Find: ranked order %v, %v", ids(all), err)
		}
		if !slices.Contains(exact, "i00000002") || slices.Contains(exact, "i00000999") {
			t.Fatalf("exact matches %v: a label equal to q is one, a name holding q and a wildcard is not", exact)
		}
		// Offsets, across the exact matches, into the rest, and deep; a
		// cursor from each page continues where it ends.
		for _, skip := range []int{0, 1, len(exact) - 1, len(exact), len(exact) + 3, DeferredJoinOffset + 7, len(pg.Rows) - 2} {
			page, err := findItems(ctx, pool, q, FindConfig{Skip: skip, Take: 5})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(page.Rows), ids(pg.Rows[skip:min(skip+5, len(pg.Rows))]); !slices.Equal(got, want) {
				t.Errorf("sort max %d, offset %d: %v, want %v", sortMax, skip, got, want)
			}
			if page.Next == "" {
				continue
			}
			after, err := findItems(ctx, pool, q, FindConfig{Cursor: page.Next, Take: 5})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(after.Rows), ids(pg.Rows[skip+5:min(skip+10, len(pg.Rows))]); !slices.Equal(got, want) {
				t.Errorf("sort max %d, after offset %d: %v, want %v", sortMax, skip, got, want)
			}
		}
		// An explicit order is not ranked.
		byID, err := findItems(ctx, pool, q, FindConfig{Order: []Order{{Field: "id"}}, Take: 3})
		if want := slices.Sorted(slices.Values(ids(pg.Rows)))[:3]; err != nil || !slices.Equal(ids(byID.Rows), want) {
			t.Fatalf("q ordered by id: %v, %v; want %v", ids(byID.Rows), err, want)
		}
		// A q with LIKE's wildcards ranks the rows equal to it literally first
		// (by id, name10… would come first: "_" matches any character).
		wild, err := findItems(ctx, pool, itemFilter{q: "name1_"}, FindConfig{Take: 2})
		if err != nil || len(wild.Rows) != 2 || wild.Rows[0].ID != "i00000999" || wild.Count < 100 {
			t.Fatalf("q with a wildcard: %v (count %d), %v", ids(wild.Rows), wild.Count, err)
		}
		// A q with the escape character: a name equal to it need not
		// match it ('a\b' does not contain "ab"), so its exact part keeps
		// q's predicate as it is, and such a row is not listed.
		if _, err := pool.Exec(ctx, `UPDATE item SET name = 'name\1' WHERE id = 'i00000998'`); err != nil {
			t.Fatal(err)
		}
		log.take()
		esc, err := findItems(ctx, pool, itemFilter{q: `name\1`}, FindConfig{Take: 5})
		if err != nil || slices.Contains(ids(esc.Rows), "i00000998") {
			t.Fatalf("q with the escape character: %v, %v; want no i00000998", ids(esc.Rows), err)
		}
		if slices.ContainsFunc(log.take(), func(s string) bool { return strings.Contains(s, "IS NOT FALSE") }) {
			t.Errorf("q with the escape character: q's predicate weakened")
		}
		if _, err := pool.Exec(ctx, `UPDATE item SET name = 'name48' WHERE id = 'i00000998'`); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBadCursor checks that a cursor that is not one, or was made for
// another model or order, or holds a value of the wrong type, fails with
// invalid_data and a message saying why.
func TestBadCursor(t *testing.T) {
	ctx := context.Background()
	pool, _ := newItems(t, 30)
	pg, err := findItems(ctx, pool, itemFilter{}, FindConfig{Take: 2, Order: []Order{{Field: "created_at"}}})
	if err != nil || pg.Next == "" {
		t.Fatalf("first page: %v, %v", pg, err)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		name, cursor string
		cfg          FindConfig
		msg          string
	}{
		{"not base64", "%%%", FindConfig{}, "it is not a cursor a list returned"},
		{"not JSON", enc("{"), FindConfig{}, "it is not a cursor a list returned"},
		{"not an array", enc(`{"a":1}`), FindConfig{}, "it is not a cursor a list returned"},
		{"another order", pg.Next, FindConfig{}, "it was made for the order created_at,id, not id"},
		{"another direction", pg.Next, FindConfig{Order: []Order{{Field: "created_at", Desc: true}}}, "not -created_at,-id"},
		{"another model", enc(`["user:id","x"]`), FindConfig{}, "it was made for a list of user, not of item"},
		{"too few values", enc(`["item:id"]`), FindConfig{}, "it holds 0 values for 1 order fields"},
		{"an object value", enc(`["item:id",{}]`), FindConfig{}, "value 1 is not a column's value"},
		{"NULL primary key", enc(`["item:id",null]`), FindConfig{}, "cannot be NULL"},
		{"a value of the wrong type", enc(`["item:created_at,id","nope","x"]`), FindConfig{Order: []Order{{Field: "created_at"}}}, "Invalid cursor: invalid input syntax for type timestamp"},
		{"a cursor and After", pg.Next, FindConfig{After: []any{"x"}}, "not both"},
	} {
		cfg := c.cfg
		cfg.Cursor, cfg.Take = c.cursor, 2
		_, err := findItems(ctx, pool, itemFilter{}, cfg)
		if !merrors.Is(err, merrors.InvalidData) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want invalid_data %q", c.name, err, c.msg)
		}
	}
	// A cursor continues with another filter (it holds a position, not the
	// filter) and at the end of the rows gives an empty page.
	last, err := findItems(ctx, pool, itemFilter{}, FindConfig{Take: 100})
	if err != nil {
		t.Fatal(err)
	}
	c, err := encodeCursor("item:id", []any{last.Rows[len(last.Rows)-1].ID})
	if err != nil {
		t.Fatal(err)
	}
	end, err := findItems(ctx, pool, itemFilter{}, FindConfig{Take: 5, Cursor: c})
	if err != nil || len(end.Rows) != 0 || end.Next != "" {
		t.Fatalf("past the end: %+v, %v", end, err)
	}
}

// TestSearchGrams checks the gram index lookup of a q search
// (Where.SearchGrams): a search the planner expects to be selective is
// narrowed by it and reads the same rows and count as without it, whatever
// the case of q; a q too short for a gram, one with a LIKE wildcard and a
// list with soft-deleted rows are not narrowed; a broad search of a list
// with a count bound is not counted (its count is the planner's estimate,
// flagged).
func TestSearchGrams(t *testing.T) {
	ctx := context.Background()
	pool, log := newItems(t, 3000)
	sent := func() (narrowed, counted bool) {
		for _, s := range log.take() {
			if strings.Contains(s, GramsFunc+"(") {
				narrowed = true
				// q's predicate is then a filter no index serves.
				if !strings.Contains(s, " ILIKE $1) IS TRUE") {
					t.Errorf("narrowed, but q's predicate is indexable: %s", s)
				}
			}
			counted = counted || strings.HasPrefix(s, "SELECT count(*)")
		}
		return narrowed, counted
	}
	for _, c := range []struct {
		name   string
		q      string
		cfg    FindConfig
		narrow bool
		rows   int // at least, on the page
	}{
		{"selective", "label1234", FindConfig{Take: 10}, true, 1},
		{"selective, another case", "LaBeL1234", FindConfig{Take: 10}, true, 1},
		{"selective, bounded count", "label1234", FindConfig{Take: 10, CountLimit: 100}, true, 1},
		{"selective, ordered", "abel12", FindConfig{Take: 10, CountLimit: 1000, Order: []Order{{Field: "n", Desc: true}}}, true, 10},
		{"a hundred matches, deep", "abel12", FindConfig{Take: 10, Skip: 40, CountLimit: 1000}, true, 10},
		{"across the separator", "me1\x1flabel", FindConfig{Take: 10}, false, 0},
		{"selective, from a field's second character", "abel1234", FindConfig{Take: 10}, true, 1},
		{"many rows, no bound", "label1", FindConfig{Take: 10}, true, 10},
		{"five characters", "label", FindConfig{Take: 10}, false, 10},
		{"too short", "bel1", FindConfig{Take: 10, CountLimit: 1000}, false, 10},
		{"wildcard", "label1_34", FindConfig{Take: 10}, false, 1},
		{"with deleted", "label1234", FindConfig{Take: 10, WithDeleted: true}, false, 1},
	} {
		got, err := findItems(ctx, pool, itemFilter{q: c.q}, c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		narrowed, _ := sent()
		want, err := findItems(ctx, pool, itemFilter{q: c.q, noGrams: true}, c.cfg)
		if err != nil {
			t.Fatalf("%s without grams: %v", c.name, err)
		}
		if plain, _ := sent(); plain {
			t.Fatalf("%s: the gram lookup was sent without SearchGrams", c.name)
		}
		if narrowed != c.narrow {
			t.Errorf("%s: narrowed by the gram index %v, want %v", c.name, narrowed, c.narrow)
		}
		if render(got.Rows) != render(want.Rows) || got.Count != want.Count || got.Estimated != want.Estimated || got.Next != want.Next {
			t.Errorf("%s: with grams %v (count %d, estimated %v), without %v (count %d, estimated %v)",
				c.name, ids(got.Rows), got.Count, got.Estimated, ids(want.Rows), want.Count, want.Estimated)
		}
		if len(got.Rows) < c.rows {
			t.Errorf("%s: %d rows, want at least %d", c.name, len(got.Rows), c.rows)
		}
	}
	// A broad search with a count bound: the page, no count, the estimate.
	pg, err := findItems(ctx, pool, itemFilter{q: "label"}, FindConfig{Take: 10, CountLimit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if narrowed, counted := sent(); narrowed || counted || !pg.Estimated || pg.Count < 101 || len(pg.Rows) != 10 {
		t.Fatalf("broad q: narrowed %v, counted %v, %d rows, count %d estimated %v; want neither, 10 rows, an estimate above 100",
			narrowed, counted, len(pg.Rows), pg.Count, pg.Estimated)
	}
	// A search's count bound is at most SearchCountMax: "label" matches
	// the 2,572 live rows, more than it, under a bound of 10,000.
	pg, err = findItems(ctx, pool, itemFilter{q: "label"}, FindConfig{Take: 10, CountLimit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, counted := sent(); counted || !pg.Estimated || pg.Count <= SearchCountMax {
		t.Fatalf("q over SearchCountMax: counted %v, count %d estimated %v; want an estimate above %d", counted, pg.Count, pg.Estimated, SearchCountMax)
	}
	// Find without a bound counts the search exactly, narrowed.
	var truth int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM item WHERE label ILIKE '%abel12%' AND deleted_at IS NULL`).Scan(&truth); err != nil {
		t.Fatal(err)
	}
	log.take()
	_, n, err := Find(ctx, pool, itemTable, FindConfig{Take: 1}, true, itemFilter{q: "abel12"}.apply, func([]string) item { return item{} }, (*item).dest)
	if narrowed, _ := sent(); err != nil || n != truth || !narrowed {
		t.Fatalf("Find q=abel12: count %d, %v, narrowed %v; want %d, narrowed", n, err, narrowed, truth)
	}
}

// TestGramsFunc checks the gram index's necessary condition in Postgres:
// for texts of several lengths and cases, every substring of at least
// GramLen+1 characters q satisfies the predicate SearchGrams adds, at
// every position; and the function holds the grams from every other
// character, lower-cased.
func TestGramsFunc(t *testing.T) {
	ctx := context.Background()
	pool, _ := newItems(t, 0)
	var grams []string
	if err := pool.QueryRow(ctx, `SELECT `+GramsFunc+`('AbcdefG')`).Scan(&grams); err != nil {
		t.Fatal(err)
	}
	if want := []string{"abcde", "cdefg"}; !slices.Equal(grams, want) {
		t.Fatalf("grams of AbcdefG: %v, want %v", grams, want)
	}
	g := &gramSearch{expr: "$1::text"}
	for _, text := range []string{"person77777@example.com", "First42\x1fLast4200\x1fPerson42@Example.COM", "abcdef", "ÄÖÜäöü ßtraße"} {
		r := []rune(text)
		for i := range r {
			for j := i + GramLen + 1; j <= len(r); j++ {
				w := NewWhere()
				w.Arg(text)
				g.q = string(r[i:j])
				var ok bool
				if err := pool.QueryRow(ctx, "SELECT "+g.pred(w), w.Args()...).Scan(&ok); err != nil {
					t.Fatal(err)
				}
				if !ok {
					t.Fatalf("%q contains %q (at %d), but the gram predicate is false", text, g.q, i)
				}
			}
		}
	}
	// It narrows: a q whose grams the text lacks is false.
	w := NewWhere()
	w.Arg("person77777@example.com")
	g.q = "person88888"
	var ok bool
	if err := pool.QueryRow(ctx, "SELECT "+g.pred(w), w.Args()...).Scan(&ok); err != nil || ok {
		t.Fatalf("person88888 in person77777@example.com: %v, %v; want false", ok, err)
	}
}

func (l *sqlLog) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	l.mu.Lock()
	l.sql = append(l.sql, "COPY "+d.TableName.Sanitize())
	l.mu.Unlock()
	return ctx
}

func (l *sqlLog) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// TestCopyRowsInStatements checks that CopyRows writes its rows in COPYs
// of at most StatementRows rows (lowered to 10 here), in order, in the
// call's transaction: a failing row rolls back every COPY before it.
func TestCopyRowsInStatements(t *testing.T) {
	ctx := context.Background()
	pool, log := newItems(t, 0)
	statementRows = 10
	t.Cleanup(func() { statementRows = StatementRows })
	cols := []string{"id", "label", "n"}
	write := func(n int, bad int) error {
		return db.InTx(ctx, pool, func(ctx context.Context, _ pgx.Tx) error {
			return CopyRows(ctx, "item", cols, n, func(i int, dst []any) {
				id := fmt.Sprintf("c%03d", i)
				if i == bad {
					id = "c000" // a duplicate primary key
				}
				dst[0], dst[1], dst[2] = id, fmt.Sprint("copied ", i), i
			})
		})
	}
	if err := write(25, -1); err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, s := range log.take() {
		if strings.HasPrefix(s, "COPY ") {
			copies++
		}
	}
	var n, sum int
	if err := pool.QueryRow(ctx, `SELECT count(*), sum(n) FROM item WHERE label = 'copied ' || n AND id = 'c' || lpad(n::text, 3, '0')`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if copies != 3 || n != 25 || sum != 300 {
		t.Fatalf("%d COPYs, %d rows (sum of n %d); want 3 COPYs of 25 rows (300)", copies, n, sum)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM item`); err != nil {
		t.Fatal(err)
	}
	if err := write(25, 22); err == nil {
		t.Fatal("a duplicate key in the third COPY did not fail the call")
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM item`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows kept after a failed call, %v", n, err)
	}
}

// TestInChunks checks that InChunks calls fn on consecutive slices of at
// most StatementRows ids and returns their results in order, and stops at
// an error.
func TestInChunks(t *testing.T) {
	statementRows = 10
	t.Cleanup(func() { statementRows = StatementRows })
	ids := make([]string, 25)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	var sizes []int
	got, err := InChunks(ids, func(c []string) ([]string, error) {
		sizes = append(sizes, len(c))
		return c[:1], nil
	})
	if err != nil || !slices.Equal(sizes, []int{10, 10, 5}) || !slices.Equal(got, []string{"0", "10", "20"}) {
		t.Fatalf("chunks %v, results %v, %v", sizes, got, err)
	}
	calls := 0
	if _, err := InChunks(ids, func(c []string) ([]string, error) { calls++; return nil, fmt.Errorf("boom") }); err == nil || calls != 1 {
		t.Fatalf("error after %d calls: %v", calls, err)
	}
}
