package sqlb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Table describes a model's table to Find: the names its messages use, its
// columns, the ones it may order by, and its primary key.
type Table struct {
	Model    string // model name, as in error messages ("user")
	Name     string // quoted table name (`"user"`)
	PK       string
	Fields   []string
	Sortable []string
	// Nullable lists the columns that may be NULL: keyset pages read their
	// NULLs in order (see FindConfig.Cursor).
	Nullable []string
	// RowCount, when set, is the table name under which triggers keep the
	// table's exact row count in medusa_row_counts (dml CountRows): a list
	// without filters reads its count there instead of counting rows.
	RowCount string
}

// maxPrealloc bounds the rows Find allocates room for before reading any.
const maxPrealloc = 256

// Find reads t's rows matching the predicates apply adds (apply reports
// whether it filters on deleted_at, which then includes soft-deleted rows),
// with cfg's selection, order, paging and keyset, and counts them too when
// count is set (ignoring skip, take and after). The SQL holds only the
// predicates in use, every value bound. A statement with a predicate whose
// best plan depends on the values (q's ILIKE, LIKE, ranges, negations, OR
// groups, a keyset) is sent as an unnamed statement (CacheDescribe), so
// Postgres plans it with the actual values on every execution and never
// switches to a generic plan (docs/modgen.md). A statement whose predicates
// bind nothing or only compare columns for equality (Where.EqualityOnly: the
// default list, a retrieve by id, a lookup by email or ids) goes out in the
// pool's default mode, a prepared statement: its plan does not depend on the
// values, so Postgres plans it once per connection instead of on every
// execution (planning was ~40% of the default list's statement time and
// ~75 µs of each lookup, docs/perf/api.md). Postgres still only switches a
// prepared statement to its generic plan when that plan is estimated no
// costlier than the custom ones (plan_cache_mode = auto). When both the page
// and its count are such statements, they go out together in one pgx.Batch
// (one write and one round trip instead of two; the conn must have
// SendBatch, as pools, connections and transactions do).
//
// At scale (docs/modgen.md, "Lists at scale"): a page from
// DeferredJoinOffset rows deep is read by a deferred join; a page after a
// cursor (cfg.Cursor, cfg.After) and a q search ranked by exact matches
// (Where.RankSearch, no cfg.Order) are read in parts, each an index range
// (see part), the next one sent only when the page is not full; with
// cfg.CountLimit the count stops at the bound and answers the planner's
// estimate past it (FindPage reports which). A q search asks the planner
// first (searchPlan): one it expects to match more rows than its bound is
// not counted, and one it expects to be selective is looked up in the
// model's gram index (Where.SearchGrams).
//
// newRow makes an empty row holding the selected fields (nil: all); dest
// returns the scan destination of one column of a row. Database errors are
// returned as they are: the caller maps them with its module's wording.
func Find[T any](ctx context.Context, conn db.DBTX, t Table, cfg FindConfig, count bool, apply func(*Where) (bool, error), newRow func(selected []string) T, dest func(*T, string) any) ([]T, int, error) {
	p, err := newPlan(t, cfg, count, apply)
	if err != nil {
		return nil, 0, err
	}
	pg, err := runPlan(ctx, conn, &p, false, newRow, dest)
	if err != nil {
		return nil, 0, err
	}
	return pg.Rows, pg.Count, nil
}

// runPlan reads p's page on conn: its parts in order until it has its rows
// (one more with next, to know whether a next page exists and make its
// cursor), and its count.
func runPlan[T any](ctx context.Context, conn db.DBTX, p *plan, next bool, newRow func(selected []string) T, dest func(*T, string) any) (Page[T], error) {
	need := p.limit
	if next && need > 0 {
		need++
	}
	out := pageRows[T](ctx, need)
	var (
		n       int
		counted bool
		ends    = make([]int, 0, len(p.parts)) // where each part's rows end in out
		ranks   []bool                         // the rank of each row, when read sorted
		skip    = p.offset
	)
	est, broad := -1, false
	if p.searchEstimated() {
		var err error
		if est, broad, err = p.searchPlan(ctx, conn); err != nil {
			return Page[T]{}, p.fail(err)
		}
	}
	uncounted := p.count && p.countBounded && broad
	// A ranked search from its start is counted first: when it matches few
	// rows, one statement reads them sorted by rank (one scan of the search
	// index, a sort of at most rankSortMax rows) instead of two parts.
	sorted := false
	if p.count && p.rankFromStart && !uncounted {
		var err error
		if n, err = p.countRows(ctx, conn); err != nil {
			return Page[T]{}, p.fail(err)
		}
		counted = true
		if sorted = n <= rankSortMax && (!p.countBounded || n <= p.countLimit); sorted {
			if out, ranks, err = readSorted(ctx, conn, p, need, out, newRow, dest); err != nil {
				return Page[T]{}, p.fail(err)
			}
		}
	}
	for i := range p.parts {
		if sorted {
			break
		}
		want := 0
		if need > 0 {
			want = need - len(out)
		}
		sql, args := p.statement(i, want, skip)
		before := len(out)
		var err error
		// A page and its count on a prepared statement (the pool's default
		// mode for both) go out in one batch: one write, one Sync, one
		// round trip instead of two. The batch runs both in the
		// connection's default mode, so a statement that needs
		// CacheDescribe keeps its own query.
		if b, ok := conn.(batcher); ok && i == 0 && p.count && !counted && !uncounted && p.batchable() {
			out, n, err = findBatch(ctx, b, sql, args, p.countSQL, p.countArgs, out, p, newRow, dest)
			counted = true
		} else {
			var rows pgx.Rows
			if rows, err = conn.Query(ctx, sql, args...); err == nil {
				out, err = scanPage(rows, out, p.read, p.cfg, p.cols, newRow, dest)
			}
		}
		if err != nil {
			return Page[T]{}, p.fail(err)
		}
		ends = append(ends, len(out))
		if need > 0 && len(out) >= need {
			break
		}
		switch {
		case len(out) > before:
			skip = 0 // the offset ended in this part
		case skip > 0 && i < len(p.parts)-1:
			// the part has no more rows than the offset: skip them all
			c, err := p.countPart(ctx, conn, i, skip)
			if err != nil {
				return Page[T]{}, p.fail(err)
			}
			skip -= c
		}
	}
	page := Page[T]{Rows: out}
	switch {
	case uncounted:
		page.Count, page.Estimated = max(est, p.countLimit+1), true
	case p.count:
		if !counted {
			var err error
			if n, err = p.countRows(ctx, conn); err != nil {
				return Page[T]{}, p.fail(err)
			}
		}
		page.Count = n
		if p.countBounded && n > p.countLimit {
			if est < 0 {
				var err error
				if est, err = p.estimate(ctx, conn); err != nil {
					return Page[T]{}, p.fail(err)
				}
			}
			page.Count, page.Estimated = max(est, p.countLimit+1), true
		}
	}
	if next && p.limit > 0 && len(out) > p.limit {
		page.Rows = out[:p.limit]
		last := p.limit - 1
		var rank int8
		if sorted {
			rank = 0
			if ranks[last] {
				rank = 1
			}
		} else {
			i := 0
			for ends[i] <= last {
				i++
			}
			rank = p.parts[i].rank
		}
		cur, err := p.cursorOf(rank, func(c string) any { return rowValue(&page.Rows[last], c, dest) })
		if err != nil {
			return Page[T]{}, err
		}
		page.Next = cur
	}
	return page, nil
}

// RankSortMax is the most rows of a ranked search (see Where.RankSearch)
// that a counted page (FindPage) reads in one statement sorted by rank; a
// search matching more is read in parts: the exact matches, then the
// others (docs/modgen.md, "Lists at scale").
const RankSortMax = 2000

// rankSortMax is RankSortMax, which tests change to read both ways.
var rankSortMax = RankSortMax

// countRows runs the plan's count.
func (p *plan) countRows(ctx context.Context, conn db.DBTX) (int, error) {
	var n int
	err := conn.QueryRow(ctx, p.countSQL, p.countArgs...).Scan(&n)
	return n, err
}

// rankColumn names the rank column of readSorted's rows for their scan.
const rankColumn = "\x00rank"

// readSorted reads the page of a ranked search in one statement, sorted by
// rank then by the order, and returns the rows appended to out and the
// rank of each (an exact match).
func readSorted[T any](ctx context.Context, conn db.DBTX, p *plan, need int, out []T, newRow func(selected []string) T, dest func(*T, string) any) ([]T, []bool, error) {
	w := p.base.clone()
	s := Select{Table: p.t.Name, Columns: append(slices.Clip(p.quoted), w.rankPred(w)+" IS TRUE"), Where: w, Order: p.order,
		Lead: strconv.Itoa(len(p.quoted)+1) + " DESC", Limit: need, Offset: p.offset}
	rows, err := conn.Query(ctx, s.SQL(), append(execMode(w), w.Args()...)...)
	if err != nil {
		return nil, nil, err
	}
	ranks := make([]bool, 0, max(need, 1))
	out, err = scanPage(rows, out, append(slices.Clip(p.read), rankColumn), p.cfg, p.cols, newRow, func(x *T, c string) any {
		if c == rankColumn {
			// scanPage asks for a row's destinations before it scans it
			ranks = append(ranks, false)
			return &ranks[len(ranks)-1]
		}
		return dest(x, c)
	})
	return out, ranks, err
}

// DeferredJoinOffset is the offset from which a page is read by a deferred
// join: the page's primary keys first, by an inner query that an index
// alone can answer when the order and filter are on indexed columns (an
// index-only scan skips the offset's rows without reading them from the
// table), then the page's rows by those keys, in the same order.
// Below it the plain query is as fast (docs/modgen.md, "Lists at scale").
const DeferredJoinOffset = 1000

// deferFrom is the offset from which statements defer their join:
// DeferredJoinOffset, which benchmarks change to compare both forms.
var deferFrom = DeferredJoinOffset

// plan is a Find's statements, built before any is sent.
type plan struct {
	t      Table
	cfg    FindConfig
	base   *Where  // the filter's predicates and deleted_at
	order  []Order // the normalized order
	terms  []term  // the order as a keyset sees it (the rank first when ranked)
	parts  []part  // what the page reads, in order (see part)
	sel    Select  // the first part's statement (Read's batch and keys)
	cols   []string
	read   []string
	quoted []string // read, quoted
	limit  int
	offset int
	cursor bool // the page starts after a FindConfig.Cursor
	// rankFromStart: a ranked search read from its start (no cursor).
	rankFromStart bool
	mode          []any
	count         bool
	countSQL      string
	countArgs     []any
	countLimit    int
	// countPrepared: the count is a prepared statement; countBounded: it
	// counts at most countLimit+1 rows (CountLimit, on rows it counts).
	countPrepared, countBounded bool
	// unfiltered: no predicate but deleted_at's; live: soft-deleted rows
	// are left out.
	unfiltered, live bool
}

// newPlan builds the page (and count) statements of a Find.
func newPlan(t Table, cfg FindConfig, count bool, apply func(*Where) (bool, error)) (plan, error) {
	cols, err := cfg.columns(t)
	if err != nil {
		return plan{}, err
	}
	order, err := NormalizeOrder(t.Model, t.Sortable, t.PK, cfg.Order)
	if err != nil {
		return plan{}, err
	}
	read := withAlso(WithOrderColumns(cols, order), t.Fields, cfg.also)
	w := NewWhere()
	withDeleted, err := apply(w)
	if err != nil {
		return plan{}, err
	}
	unfiltered := w.Empty()
	live := !cfg.WithDeleted && !withDeleted
	if live {
		w.Add(`"deleted_at" IS NULL`)
	}
	ranked := len(cfg.Order) == 0 && w.rank != nil
	p := plan{t: t, cfg: cfg, base: w, order: order, terms: orderTerms(order, t.Nullable, ranked), read: read, cols: cols,
		limit: max(cfg.Take, 0), offset: max(cfg.Skip, 0), count: count, countLimit: max(cfg.CountLimit, 0)}
	if p.countLimit > SearchCountMax && w.searched() {
		p.countLimit = SearchCountMax
	}
	p.quoted = make([]string, 0, len(read))
	for _, c := range read {
		p.quoted = append(p.quoted, QuoteIdent(c))
	}
	switch {
	case cfg.Cursor != "" && cfg.After != nil:
		return plan{}, merrors.New(merrors.InvalidData, "A list takes a cursor or After values, not both")
	case cfg.Cursor != "":
		vals, err := decodeCursor(cfg.Cursor, cursorSig(t.Model, p.terms), len(p.terms))
		if err != nil {
			return plan{}, err
		}
		if p.parts, err = keysetParts(p.terms, vals); err != nil {
			return plan{}, errCursor("%v", err)
		}
		p.cursor = true
	case cfg.After != nil:
		if ranked {
			return plan{}, merrors.New(merrors.InvalidData, "After cannot continue a q search ranked by exact matches: give an order, or page with a cursor")
		}
		if p.parts, err = keysetParts(p.terms, cfg.After); err != nil {
			return plan{}, merrors.Wrap(merrors.InvalidData, err, err.Error())
		}
	default:
		p.parts = startParts(p.terms)
		p.rankFromStart = ranked
	}
	p.unfiltered, p.live = unfiltered, live
	p.statements()
	return p, nil
}

// statements builds the count statement and the first part's from the
// plan's predicates (again after narrow adds one).
func (p *plan) statements() {
	t, w := p.t, p.base
	if p.count {
		p.countPrepared = w.EqualityOnly()
		switch {
		case p.unfiltered && t.RowCount != "":
			p.countSQL, p.countArgs, p.countPrepared = rowCountTotalSQL, []any{t.RowCount}, true
			if p.live {
				p.countSQL = rowCountLiveSQL
			}
		case p.countLimit > 0:
			p.countSQL = "SELECT count(*) FROM (SELECT 1 FROM " + t.Name + " WHERE " + w.SQL() + " LIMIT " + strconv.Itoa(p.countLimit+1) + ") s"
			p.countArgs, p.countBounded = append(execMode(w), w.Args()...), true
		default:
			p.countSQL, p.countArgs = "SELECT count(*) FROM "+t.Name+" WHERE "+w.SQL(), append(execMode(w), w.Args()...)
		}
	}
	if len(p.parts) > 0 {
		p.sel = p.partSelect(0, p.limit, p.offset)
		p.mode = execMode(p.sel.Where)
	}
}

// SearchCountMax bounds the count of a q search in a counted list with a
// count bound (FindConfig.CountLimit, when it is higher): a search is
// counted exactly up to SearchCountMax matches, and past them answers the
// planner's estimate, flagged. Counting a search reads every matching row
// from the table (its index lookups are not exact), so the bound is what
// a page of it costs at worst; above it, a ranked search's page is read in
// parts anyway (RankSortMax).
const SearchCountMax = RankSortMax

// SearchNarrowMax is the most rows the planner may expect a q search to
// match for a list without a count bound to look it up in the model's gram
// index (Where.SearchGrams); a counted list with FindConfig.CountLimit
// uses its bound instead.
const SearchNarrowMax = 10_000

// searchEstimated reports whether the plan asks the planner how many rows
// its q search matches before it reads them (see searchPlan).
func (p *plan) searchEstimated() bool {
	return p.base.searched() && p.count && p.countBounded || p.base.grams != nil && p.live
}

// searchPlan decides how a q search is read from the planner's estimate
// of its matches (one EXPLAIN, before any read), and returns the estimate
// and whether the search is broad: expected to match more rows than the
// count bound (SearchNarrowMax without one). A broad search of a counted
// list with CountLimit is not counted: its count is the estimate, flagged
// (a count would build the bitmap of every match and read up to the
// bound's rows for nothing but the number). A selective one gets the gram
// index lookup (Where.SearchGrams) added to its statements.
func (p *plan) searchPlan(ctx context.Context, conn db.DBTX) (est int, broad bool, err error) {
	if est, err = p.estimate(ctx, conn); err != nil {
		return 0, false, err
	}
	bound := SearchNarrowMax
	if p.count && p.countBounded {
		bound = p.countLimit
	}
	broad = est > bound
	if !broad && p.base.grams != nil && p.live {
		// q's own predicate is kept as a filter the planner cannot read an
		// index for: its cost model does not see how long the trigram
		// index's posting lists are, and at a million rows it preferred
		// that index (32 ms) to the gram lookups (3 ms).
		if i := p.base.search; i != 0 {
			p.base.preds[i-1] = "(" + p.base.preds[i-1] + ") IS TRUE"
		}
		p.base.Add(p.base.grams.pred(p.base))
		p.statements()
	}
	return est, broad, nil
}

// partSelect is the statement of part i of the page, with limit and offset.
func (p *plan) partSelect(i, limit, offset int) Select {
	w := p.base
	if p.parts[i].rank == 1 {
		w = w.exactPart()
	}
	if preds := p.parts[i].preds; len(preds) > 0 {
		w = w.clone()
		for _, c := range preds {
			w.Add(c.sql(w, p.base.rankPred))
		}
	}
	return Select{Table: p.t.Name, Columns: p.quoted, Where: w, Order: p.order, Limit: limit, Offset: offset}
}

// statement returns the SQL and arguments (its execution mode first) of
// part i with limit and offset: by a deferred join from
// DeferredJoinOffset rows on (when more than the primary key is read).
func (p *plan) statement(i, limit, offset int) (string, []any) {
	s := p.sel
	if i != 0 || limit != p.limit || offset != p.offset {
		s = p.partSelect(i, limit, offset)
	}
	if p.parts[i].rank == 1 {
		if sql, args, ok := p.exactByField(i, s); ok {
			return sql, args
		}
	}
	args := append(execMode(s.Where), s.Where.Args()...)
	if offset >= deferFrom && (len(p.read) > 1 || p.read[0] != p.t.PK) {
		return s.deferredSQL(p.t.PK), args
	}
	return s.SQL(), args
}

// exactByField renders s, part i of a ranked search: its exact matches
// (one page of them, in the default order), field by field when the
// search has several fields:
//
//	SELECT … FROM t WHERE pk IN (
//	  (SELECT pk FROM t WHERE … AND "first_name" = $q ORDER BY pk LIMIT n)
//	  UNION ALL (SELECT pk FROM t WHERE … AND "last_name" = $q ORDER BY pk LIMIT n)
//	  UNION ALL …)
//	ORDER BY pk LIMIT limit OFFSET offset
//
// (n = limit + offset). Each branch walks its field's (field, pk) index
// in key order and stops at n rows, and the first n of the page's order
// are among the branches' first n. A branch holds the part's predicates
// but the OR of the fields (its field's equality implies it). The OR of
// the fields cannot walk an index in order: Postgres reads every exact
// match to sort them, 20,000 for q=First42 at 10M users (84 ms); nor may
// a branch keep it, or the planner ANDs it to the field's equality and
// sorts again. It reports false for one field (its index already walks in
// order), another order, or no limit.
func (p *plan) exactByField(i int, s Select) (string, []any, bool) {
	r := p.base.rank
	if r == nil || len(r.cols) < 2 || s.Limit == 0 || len(s.Order) != 1 || s.Order[0].Field != p.t.PK || s.Order[0].Desc {
		return "", nil, false
	}
	u := p.base.exactPart().clone()
	for _, c := range p.parts[i].preds {
		if c.kind != condRank {
			u.Add(c.sql(u, p.base.rankPred))
		}
	}
	cond := u.SQL()
	q := u.Arg(r.q)
	pk := QuoteIdent(p.t.PK)
	n := strconv.Itoa(s.Limit + s.Offset)
	branches := make([]string, len(r.cols))
	for j, c := range r.cols {
		branches[j] = "(SELECT " + pk + " FROM " + p.t.Name + " WHERE " + cond + " AND " + colEquals(c, q) + " ORDER BY " + pk + " LIMIT " + n + ")"
	}
	w := &Where{args: u.args}
	w.Add(pk + " IN (" + strings.Join(branches, " UNION ALL ") + ")")
	out := Select{Table: p.t.Name, Columns: s.Columns, Where: w, Order: s.Order, Limit: s.Limit, Offset: s.Offset}
	return out.SQL(), append(execMode(u), u.Args()...), true
}

// countPart counts the rows of part i, up to bound.
func (p *plan) countPart(ctx context.Context, conn db.DBTX, i, bound int) (int, error) {
	s := p.partSelect(i, 0, 0)
	var n int
	err := conn.QueryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+p.t.Name+" WHERE "+s.Where.SQL()+" LIMIT "+strconv.Itoa(bound)+") s",
		append(execMode(s.Where), s.Where.Args()...)...).Scan(&n)
	return n, err
}

// estimate returns the planner's estimate of the rows the filter matches:
// the top row count of EXPLAIN of the filtered select, planned with the
// values bound (an unnamed statement), so with the column statistics of
// the values (or, without filters, the table's size).
func (p *plan) estimate(ctx context.Context, conn db.DBTX) (int, error) {
	args := append([]any{pgx.QueryExecModeCacheDescribe}, p.base.Args()...)
	var out []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) SELECT 1 FROM "+p.t.Name+" WHERE "+p.base.SQL(), args...).Scan(&out); err != nil {
		return 0, err
	}
	var plans []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) == 0 {
		return 0, fmt.Errorf("sqlb: read the count estimate %q: %v", out, err)
	}
	return int(min(plans[0].Plan.Rows, math.MaxInt32)), nil
}

// cursorOf returns the cursor of a row of a part with the given rank
// whose columns value returns.
func (p *plan) cursorOf(rank int8, value func(col string) any) (string, error) {
	vals := make([]any, len(p.terms))
	for i, t := range p.terms {
		if t.col == "" {
			vals[i] = rank == 1
			continue
		}
		vals[i] = value(t.col)
	}
	return encodeCursor(cursorSig(p.t.Model, p.terms), vals)
}

// fail returns err; a data exception (SQLSTATE class 22) of a page that
// starts after a cursor is the cursor's fault, invalid_data.
func (p *plan) fail(err error) error {
	var pg *pgconn.PgError
	if p.cursor && errors.As(err, &pg) && strings.HasPrefix(pg.Code, "22") {
		return merrors.Wrap(merrors.InvalidData, err, "Invalid cursor: "+pg.Message)
	}
	return err
}

// rankPred is the predicate of a ranked search's exact matches, its
// arguments added to w.
func (w *Where) rankPred(into *Where) string { return w.rank.pred(into) }

// batchable reports whether the plan's statements may go out in a batch:
// they are planned alike for every value (the connection's default mode,
// which a batch uses), and the page is one statement.
func (p *plan) batchable() bool {
	return len(p.parts) == 1 && len(p.mode) == 0 && (!p.count || p.countPrepared)
}

// The counts of a table counted by triggers (see Table.RowCount): the sum
// of its rows in medusa_row_counts, in the reader's snapshot.
const (
	rowCountLiveSQL  = `SELECT coalesce(sum(live), 0)::int8 FROM medusa_row_counts WHERE table_name = $1`
	rowCountTotalSQL = `SELECT coalesce(sum(total), 0)::int8 FROM medusa_row_counts WHERE table_name = $1`
)

// CompactRowCounts merges the count rows of each table counted by triggers
// (dml CountRows) into one, so that reading a count stays one row per table
// plus the write statements since the last compaction; it returns how many
// tables it compacted. Run it periodically (the application schedules it). It is
// MVCC-safe: readers see the rows before or after, and writers only insert.
// Without any counted table it does nothing.
func CompactRowCounts(ctx context.Context, conn db.DBTX) (int64, error) {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('medusa_row_counts') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	tag, err := conn.Exec(ctx, `WITH d AS (
  DELETE FROM medusa_row_counts WHERE table_name IN (SELECT table_name FROM medusa_row_counts GROUP BY table_name HAVING count(*) > 1)
  RETURNING table_name, live, total)
INSERT INTO medusa_row_counts (table_name, live, total) SELECT table_name, sum(live), sum(total) FROM d GROUP BY table_name`)
	if err != nil {
		return 0, fmt.Errorf("rt: compact row counts: %w", merrors.FromPg(err))
	}
	return tag.RowsAffected(), nil
}

// batcher is what findBatch needs: *pgxpool.Pool, *pgx.Conn and pgx.Tx.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// findBatch sends the page and its count in one batch and reads both, the
// page's rows appended to out.
func findBatch[T any](ctx context.Context, b batcher, pageSQL string, pageArgs []any, countSQL string, countArgs []any, out []T, p *plan, newRow func(selected []string) T, dest func(*T, string) any) ([]T, int, error) {
	batch := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, 2)}
	batch.Queue(pageSQL, pageArgs...)
	batch.Queue(countSQL, countArgs...)
	br := b.SendBatch(ctx, batch)
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, 0, err
	}
	out, err = scanPage(rows, out, p.read, p.cfg, p.cols, newRow, dest)
	if err != nil {
		_ = br.Close()
		return nil, 0, err
	}
	var n int
	if err := br.QueryRow().Scan(&n); err != nil {
		_ = br.Close()
		return nil, 0, err
	}
	if err := br.Close(); err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// scanPage reads rows (and closes them) into a page of newRow values.
//
// Text columns scanned into a *string or a **string are copied here, into
// a few blocks shared by the page (textArena), instead of by pgx, which
// allocates every string and, for a nullable column, the *string too (five
// of the eight allocations of a user row). The values are the ones pgx
// would give: the same bytes, nil for NULL in a **string, and pgx's error
// for NULL in a *string. pgx scans every other column.
func scanPage[T any](rows pgx.Rows, out []T, read []string, cfg FindConfig, cols []string, newRow func(selected []string) T, dest func(*T, string) any) ([]T, error) {
	defer rows.Close()
	selected := selectedOf(cfg, cols)
	// Rows are scanned in place, into the slice's next element: a row
	// scanned into a local would escape (its field pointers go through
	// dests) and cost an allocation per row. The slice is sized for a page
	// (pageRows).
	dests := make([]any, 2*len(read))
	dests, texts := dests[:len(read)], dests[len(read):]
	var (
		kinds []textKind
		arena textArena
	)
	for rows.Next() {
		out = append(out, newRow(selected))
		x := &out[len(out)-1]
		for i, c := range read {
			dests[i] = dest(x, c)
		}
		if kinds == nil {
			kinds = textKinds(rows.FieldDescriptions(), dests, rows.Conn())
		}
		for i, k := range kinds {
			if k != notText {
				texts[i], dests[i] = dests[i], nil // pgx skips a nil destination
			}
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		raw := rows.RawValues()
		if arena.next == 0 {
			arena.size(kinds, raw, cap(out))
		}
		for i, k := range kinds {
			switch k {
			case textString:
				if raw[i] == nil {
					return nil, pgx.ScanArgError{ColumnIndex: i, FieldName: rows.FieldDescriptions()[i].Name, Err: fmt.Errorf("cannot scan NULL into %T", texts[i])}
				}
				*texts[i].(*string) = arena.str(raw[i])
			case textPointer:
				p := texts[i].(**string)
				if raw[i] == nil {
					*p = nil
				} else {
					*p = arena.ptr(raw[i])
				}
			case timeValue, timePointer:
				if err := scanTimestamptz(rows, i, raw[i], texts[i], k); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// textKind says how scanPage reads a column.
type textKind uint8

const (
	notText     textKind = iota // pgx scans it
	textString                  // text into a *string
	textPointer                 // text into a **string
	timeValue                   // binary timestamptz into a *time.Time
	timePointer                 // binary timestamptz into a **time.Time
)

// textKinds returns the kind of each column: text when pgx would scan it
// with its plain string plan (pgtype.Map.PlanScan: any column in the text
// format, a text or varchar column in the binary one) into a *string, or
// into the *string it allocates for a **string; time for a binary
// timestamptz column scanned into a *time.Time or a **time.Time when conn
// decodes timestamptz with pgx's own codec in the local time zone (no
// ScanLocation).
func textKinds(fds []pgconn.FieldDescription, dests []any, conn *pgx.Conn) []textKind {
	kinds := make([]textKind, len(dests))
	if len(fds) != len(dests) {
		return kinds // pgx reports the mismatch
	}
	for i, d := range dests {
		fd := fds[i]
		if fd.DataTypeOID == pgtype.TimestamptzOID && fd.Format == pgtype.BinaryFormatCode && plainTimestamptz(conn) {
			switch d.(type) {
			case *time.Time:
				kinds[i] = timeValue
			case **time.Time:
				kinds[i] = timePointer
			}
			continue
		}
		if fd.Format != pgtype.TextFormatCode && fd.DataTypeOID != pgtype.TextOID && fd.DataTypeOID != pgtype.VarcharOID {
			continue
		}
		switch d.(type) {
		case *string:
			kinds[i] = textString
		case **string:
			kinds[i] = textPointer
		}
	}
	return kinds
}

// plainTimestamptz reports whether conn scans timestamptz with pgx's
// TimestamptzCodec without a ScanLocation.
func plainTimestamptz(conn *pgx.Conn) bool {
	if conn == nil {
		return false
	}
	t, ok := conn.TypeMap().TypeForOID(pgtype.TimestamptzOID)
	if !ok {
		return false
	}
	c, ok := t.Codec.(*pgtype.TimestamptzCodec)
	return ok && c.ScanLocation == nil
}

// Binary timestamptz values between these bounds (microseconds from
// 2000-01-01: about the years 99 and 9922) are decoded by scanTimestamptz;
// others (infinities, values pgx refuses as out of range, and the rest of
// the range, for simplicity) go through pgx.
const (
	minFastTimestamptz = -60_000_000_000_000_000
	maxFastTimestamptz = 250_000_000_000_000_000
)

// scanTimestamptz sets *dst (a *time.Time, or a **time.Time for
// timePointer) from the binary timestamptz src of column i, as pgx's
// TimestamptzCodec does: time.Unix of the microseconds since 2000-01-01, in
// the local zone; NULL is nil for a **time.Time. Anything else (a NULL for
// a *time.Time, a wrong length, an infinity, the range's far ends) is
// scanned by pgx, with pgx's errors.
func scanTimestamptz(rows pgx.Rows, i int, src []byte, dst any, k textKind) error {
	if src == nil && k == timePointer {
		*dst.(**time.Time) = nil
		return nil
	}
	if len(src) == 8 {
		us := int64(binary.BigEndian.Uint64(src))
		if us >= minFastTimestamptz && us <= maxFastTimestamptz {
			t := time.Unix(946_684_800+us/1_000_000, us%1_000_000*1_000)
			if k == timePointer {
				p := new(time.Time)
				*p = t
				*dst.(**time.Time) = p
			} else {
				*dst.(*time.Time) = t
			}
			return nil
		}
	}
	fd := rows.FieldDescriptions()[i]
	if err := rows.Conn().TypeMap().Scan(fd.DataTypeOID, fd.Format, src, dst); err != nil {
		return pgx.ScanArgError{ColumnIndex: i, FieldName: fd.Name, Err: err}
	}
	return nil
}

// textArena hands out one page's strings from shared blocks: a string is a
// view of bytes appended to a block and never written again, and the
// *string of a nullable column points into a shared slice of strings. A
// block lives as long as any string of it does (at most a page's text).
type textArena struct {
	buf   []byte
	strs  []string
	first int // bytes of the first block
	next  int // bytes of the next block
	ptrs  int // strings of the next slice
}

// maxTextBlock bounds the blocks of a textArena.
const maxTextBlock = 64 << 10

// size sets the blocks' sizes from the first row's text, for a page of
// rows rows: the first block holds rows such rows, each further one a
// quarter of that (rows differ in length, a page may hold fewer rows); a
// slice of strings holds the first row's non-NULL nullable values (at
// least one) rows times.
func (a *textArena) size(kinds []textKind, raw [][]byte, rows int) {
	n, p := 0, 0
	for i, k := range kinds {
		if (k == textString || k == textPointer) && i < len(raw) {
			n += len(raw[i])
			if k == textPointer && raw[i] != nil {
				p++
			}
		}
	}
	a.first = min(max(n*rows, 64), maxTextBlock)
	a.next = a.first
	a.ptrs = max(p, 1) * rows
}

func (a *textArena) str(src []byte) string {
	if len(src) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(src) {
		a.buf = make([]byte, 0, max(len(src), a.next))
		a.next = max(a.first/4, 512)
	}
	n := len(a.buf)
	a.buf = append(a.buf, src...)
	return unsafe.String(&a.buf[n], len(src))
}

func (a *textArena) ptr(src []byte) *string {
	if len(a.strs) == cap(a.strs) {
		a.strs = make([]string, 0, a.ptrs)
	}
	a.strs = append(a.strs, a.str(src))
	return &a.strs[len(a.strs)-1]
}

// rowsKey is the context key of WithRows.
type rowsKey struct{}

// rowsBuf is what WithRows stores: the buffer, and whether a Find took it.
type rowsBuf[T any] struct {
	taken atomic.Bool
	rows  []T
}

// WithRows returns a context under which the first Find reading rows of
// type T reads them into buf's array, when it holds a page, instead of a
// new one. The rows that Find returns then share that array: the caller
// must be done with them before it reuses buf. A list handler that writes
// its response, then clears the rows and keeps their array for its next
// request saves a page's allocation per request (8 kB for 50 users, a
// third of what GET /admin/users allocated). Further Finds under ctx
// allocate as usual.
func WithRows[T any](ctx context.Context, buf []T) context.Context {
	return context.WithValue(ctx, rowsKey{}, &rowsBuf[T]{rows: buf})
}

// pageRows returns an empty slice for a page of take rows (0: unknown):
// the buffer of WithRows when ctx carries one for T that no Find took yet
// and that is large enough, else a new one.
func pageRows[T any](ctx context.Context, take int) []T {
	n := min(max(take, 1), maxPrealloc)
	if b, ok := ctx.Value(rowsKey{}).(*rowsBuf[T]); ok && cap(b.rows) >= n && b.taken.CompareAndSwap(false, true) {
		return b.rows[:0]
	}
	return make([]T, 0, n)
}

// execMode returns the query option for w's predicates: none (the pool's
// default mode, a prepared statement) when they are EqualityOnly, else
// CacheDescribe (an unnamed statement, planned with its values every time).
func execMode(w *Where) []any {
	if w.EqualityOnly() {
		return make([]any, 0, len(w.Args()))
	}
	return append(make([]any, 0, 1+len(w.Args())), pgx.QueryExecModeCacheDescribe)
}

// Retrieve returns the row with id that find reads with cfg's first config
// (its selection and WithDeleted; paging, keyset and order dropped), as a
// generated retrieve does: an empty id fails with not_found emptyMsg, no
// row with not_found missingFmt (formatted with the id).
func Retrieve[T any](id string, cfg []FindConfig, emptyMsg, missingFmt string, find func(FindConfig) ([]T, error)) (T, error) {
	var zero T
	if id == "" {
		return zero, merrors.New(merrors.NotFound, "%s", emptyMsg)
	}
	var c FindConfig
	if len(cfg) > 0 {
		c = cfg[0]
	}
	c.Skip, c.Take, c.After, c.Order, c.Cursor, c.CountLimit = 0, 0, nil, nil, "", 0
	out, err := find(c)
	if err != nil {
		return zero, err
	}
	if len(out) == 0 {
		return zero, merrors.New(merrors.NotFound, missingFmt, id)
	}
	return out[0], nil
}
