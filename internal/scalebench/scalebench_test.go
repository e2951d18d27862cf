package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
)

var smoke = flag.Bool("smoke", false, "run the benchmark end to end on 2,000 rows (a few seconds, on the test harness's Postgres)")

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestParseRows(t *testing.T) {
	for in, want := range map[string]int{"100000": 100_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000, "1_000": 1000, " 2k ": 2000} {
		if got, err := parseRows(in); err != nil || got != want {
			t.Errorf("parseRows(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "k", "ten", "99", "-5M"} {
		if _, err := parseRows(in); err == nil || !strings.Contains(err.Error(), "want a number of rows") {
			t.Errorf("parseRows(%q): %v, want an error", in, err)
		}
	}
}

func TestParseFlagsRefuses(t *testing.T) {
	for args, want := range map[string]string{
		"-rows 1M,10M -database-url postgres:///x": "one size",
		"-min-n 5 -n 2":      "min-n",
		"-bulk -1":           "-bulk",
		"-shapes (":          "-shapes",
		"-pgset shared":      "name=value",
		"-rows 100k extra":   "unexpected",
		"-rows 100k,nothing": "want a number",
	} {
		fs := flag.NewFlagSet("scalebench", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		if _, err := parseFlags(fs, strings.Fields(args)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", args, err, want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(ds, 50); p != 50*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(ds, 99); p != 99*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(ds[:1], 99); p != 100*time.Millisecond {
		t.Errorf("p99 of one = %v", p)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its input")
	}
}

func TestCheckPage(t *testing.T) {
	ok := []struct {
		p         page
		matched   int64
		start     int
		needCount bool
	}{
		{page{rows: 50, count: 1000, hasCount: true, limit: 50}, 1000, 0, true},
		{page{rows: 10, count: 1000, hasCount: true, limit: 50, offset: 990}, 1000, 990, true},
		{page{rows: 0, count: 1000, hasCount: true, limit: 50}, 1000, 2000, true},
		{page{rows: 20, count: 10, hasCount: true, limit: 20, estimated: true}, 1000, 500, true}, // shown, not judged
		{page{rows: 50, count: 1000, hasCount: true}, 1000, 0, true},                             // no limit in the answer: the default
		{page{rows: 50, limit: 50}, 1000, 500, false},                                            // a cursor page without a count
	}
	for _, c := range ok {
		if err := checkPage(c.p, c.matched, c.start, c.needCount); err != nil {
			t.Errorf("%+v: %v", c.p, err)
		}
	}
	bad := []struct {
		p       page
		matched int64
		start   int
		want    string
	}{
		{page{rows: 49, count: 1000, hasCount: true, limit: 50}, 1000, 0, "49 rows on the page, want 50"},
		{page{rows: 1, count: 1000, hasCount: true, limit: 50}, 1000, 1000, "1 rows on the page, want 0"},
		{page{rows: 50, count: 999, hasCount: true, limit: 50}, 1000, 0, "count 999, want 1000"},
		{page{rows: 50, limit: 50}, 1000, 0, "no count"},
	}
	for _, c := range bad {
		if err := checkPage(c.p, c.matched, c.start, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
}

func TestParsePage(t *testing.T) {
	p, err := parsePage("users", http.StatusOK, []byte(`{"users":[{"id":"user_1"},{"id":"user_2"}],"count":7,"offset":5,"limit":2,"count_estimated":true,"next_cursor":"abc"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (page{rows: 2, firstID: "user_1", count: 7, hasCount: true, offset: 5, limit: 2, estimated: true, nextCursor: "abc"}); p != want {
		t.Errorf("got %+v, want %+v", p, want)
	}
	for _, c := range []struct {
		status int
		body   string
		want   string
	}{
		{http.StatusInternalServerError, `{"type":"database_error","message":"canceling statement due to statement timeout"}`, "HTTP 500: {\"type\":\"database_error\""},
		{http.StatusOK, `[]`, "not a JSON object"},
		{http.StatusOK, `{"posts":[]}`, `no "users"`},
		{http.StatusOK, `{"users":{}}`, "not a list of rows"},
		{http.StatusOK, `{"users":[],"count":"many"}`, `"count"`},
	} {
		if _, err := parsePage("users", c.status, []byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.body, err, c.want)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	v := seedVars(1_000_000)
	if v.email != "person550001@example.com" {
		t.Errorf("email %s", v.email)
	}
	s := shape{Name: "x", Path: "/admin/users?offset={deep}&email={email}&t={start}", Where: "email = {email} AND created_at >= {start}", Depth: "{mid}"}
	if got, want := v.path(s), "/admin/users?offset=900000&email=person550001%40example.com&t=2023-01-01T00%3A00%3A00Z"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
	if got, want := v.where(s), "deleted_at IS NULL AND email = 'person550001@example.com' AND created_at >= '2023-01-01T00:00:00Z'"; got != want {
		t.Errorf("where %s, want %s", got, want)
	}
	if d, err := v.depth(s); err != nil || d != 500_000 {
		t.Errorf("depth %d, %v", d, err)
	}
	if _, err := v.depth(shape{Name: "bad", Depth: "{email}"}); err == nil {
		t.Error("a depth that is no number was taken")
	}
	if got := v.where(shape{Where: "title = {title}"}); !strings.HasPrefix(got, "deleted_at IS NULL AND title = 'post550001: notes on topic") {
		t.Errorf("title where %s", got)
	}
	if got := sqlString("it's"); got != `'it''s'` {
		t.Errorf("sqlString %s", got)
	}
}

func TestWithParam(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/users":                      "/admin/users?cursor=a%2Bb",
		"/admin/users?order=email":          "/admin/users?order=email&cursor=a%2Bb",
		"/admin/users?cursor=x&order=email": "/admin/users?order=email&cursor=a%2Bb",
	} {
		if got := withParam(in, "cursor", "a+b"); got != want {
			t.Errorf("withParam(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestShapesHaveTables(t *testing.T) {
	for _, s := range append(append([]shape(nil), userShapes...), postShapes...) {
		if _, err := table(s.Path); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	if _, err := table("/admin/invites"); err == nil {
		t.Error("a list without a seeded table was taken")
	}
}

func TestCompatible(t *testing.T) {
	a := migInfo{Module: "user", Version: "0001", Hash: "aa"}
	b := migInfo{Module: "user", Version: "0002", Hash: "bb"}
	if !compatible([]migInfo{a}, []migInfo{a, b}) {
		t.Error("a migration added since the seeding needs a new seeding")
	}
	if compatible([]migInfo{a, b}, []migInfo{a}) {
		t.Error("a migration gone since the seeding was taken")
	}
	changed := b
	changed.Hash = "cc"
	if compatible([]migInfo{a, b}, []migInfo{a, changed}) {
		t.Error("a changed migration was taken")
	}
}

func TestMarkdown(t *testing.T) {
	r := sizeResult{Rows: 1_000_000, Seed: seedReport{Phases: []phase{{"insert", 12.5}}, Sizes: map[string]string{"user": "1 GB"}},
		Shapes: []shapeResult{
			{List: "users", Name: "first page", Path: "/admin/users", Matched: 1_000_001, Count: 1_000_001, Page: 50, N: 200, P50: 0.81, P99: 4.2, Max: 9, Medusa: 72},
			{List: "users", Name: "cursor", Path: "/admin/users", Matched: 1_000_001, Skipped: "no next_cursor"},
			{List: "users", Name: "broken", Path: "/admin/users?x", Matched: 3, Err: "HTTP 500: a|b"},
		},
		Bulk: []bulkResult{{List: "users", Op: "create", Rows: 100_000, Seconds: 2, PeakHeapMB: 80}},
	}
	var b bytes.Buffer
	writeMarkdown(&b, []sizeResult{r})
	out := b.String()
	for _, want := range []string{
		"## 1,000,000 rows per table",
		"| first page | `/admin/users` | 1,000,001 | 1,000,001 | 50 | 200 | 0.81 | 4.20 | 9.00 | 72.0 |",
		"skipped: no next_cursor",
		`error: HTTP 500: a\|b`,
		"| users | create | 100,000 | 2.00 | 50,000 | 80 |",
		"| users | first page | 0.81 (4.20) |",
		"| users | create | 100,000 | 2.00 (80) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

// TestSmoke runs the whole benchmark on 2,000 rows, twice: the first run
// seeds, the second reuses the data; every query must answer right. Then a
// database seeded for another size is refused unless it may be wiped.
func TestSmoke(t *testing.T) {
	if !*smoke {
		t.Skip("the end-to-end run: go test ./internal/scalebench -run Smoke -smoke")
	}
	ctx := context.Background()
	url := pgtest.NewURL(t)
	dir, err := os.MkdirTemp("", "scalebench")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	o := options{rows: []int{2000}, dir: dir, databaseURL: url, dropIndexes: true, maintenance: "64MB", bulk: 500,
		measure: measureOptions{warmup: 1, minN: 2, maxN: 3, budget: time.Millisecond}, out: filepath.Join(dir, "out.md")}
	log := slog.New(slog.DiscardHandler)
	for i, wantReused := range []bool{false, true} {
		var out bytes.Buffer
		if err := run(ctx, o, &out, log); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		r, err := loadResult(filepath.Join(dir, "2000", "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Seed.Reused != wantReused {
			t.Errorf("run %d: reused %v", i, r.Seed.Reused)
		}
		if len(r.Shapes) != len(userShapes)+len(postShapes) {
			t.Errorf("run %d: %d shapes measured", i, len(r.Shapes))
		}
		for _, s := range r.Shapes {
			switch {
			case s.Err != "":
				t.Errorf("run %d: %s %s: %s", i, s.List, s.Name, s.Err)
			case s.Skipped == "" && (s.N < 2 || s.P50 <= 0 || s.Page == 0):
				t.Errorf("run %d: %s %s: %+v", i, s.List, s.Name, s)
			case s.Skipped != "" && s.Matched != 0 && !strings.Contains(s.Skipped, nextCursorKey):
				t.Errorf("run %d: %s %s skipped: %s", i, s.List, s.Name, s.Skipped)
			}
		}
		if len(r.Bulk) != 8 {
			t.Errorf("run %d: bulk %+v", i, r.Bulk)
		}
		for _, b := range r.Bulk {
			if b.Err != "" || b.Seconds <= 0 {
				t.Errorf("run %d: bulk %+v", i, b)
			}
		}
		if md, err := os.ReadFile(o.out); err != nil || !bytes.Equal(md, out.Bytes()) {
			t.Errorf("run %d: -out differs from stdout (%v)", i, err)
		}
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var left int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM "user" WHERE email LIKE '`+bulkEmailLike+`') + (SELECT count(*) FROM post WHERE title LIKE '`+bulkTitleLike+`')`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d bulk rows left (%v)", left, err)
	}
	srcs, err := app.Migrations(appConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, err = ensureSeeded(ctx, pool, srcs, seedOptions{rows: 3000, maintenance: "64MB", log: log})
	if err == nil || !strings.Contains(err.Error(), "pass -wipe") {
		t.Errorf("another size on a database that may not be wiped: %v", err)
	}
}

// fakeList is a list route over 1,000 ids, with offset, limit, fields and,
// when cursors is set, next_cursor and cursor (sqlb's cursors of the
// default order).
type fakeList struct {
	cursors        bool // answer next_cursor
	skipOne        bool // a cursor page starts one row late
	count          int  // the count answered (default: the rows)
	status         int  // answer this status instead (default 200)
	rows           []string
	requests       int
	cursorRequests int
}

func (f *fakeList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests++
	if f.status != 0 {
		http.Error(w, `{"type":"unexpected_state","message":"broken"}`, f.status)
		return
	}
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit := 50
	if l := q.Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	start := offset
	if c := q.Get("cursor"); c != "" {
		f.cursorRequests++
		var vals []string
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err == nil {
			err = json.Unmarshal(b, &vals)
		}
		if err != nil || len(vals) != 2 || vals[0] != "user:id" {
			http.Error(w, `{"type":"invalid_data","message":"Invalid cursor"}`, http.StatusBadRequest)
			return
		}
		start = slices.Index(f.rows, vals[1]) + 1
		if f.skipOne {
			start++
		}
	}
	end := min(start+limit, len(f.rows))
	page := []map[string]string{}
	for _, id := range f.rows[start:end] {
		page = append(page, map[string]string{"id": id})
	}
	body := map[string]any{"users": page, "count": len(f.rows), "offset": offset, "limit": limit}
	if f.count != 0 {
		body["count"] = f.count
	}
	if f.cursors && q.Has("cursor") && end < len(f.rows) {
		c, err := sqlb.EncodeCursor("user", []sqlb.Order{{Field: "id"}}, []any{f.rows[end-1]})
		if err != nil {
			panic(err)
		}
		body["next_cursor"] = c
	}
	_ = json.NewEncoder(w).Encode(body)
}

func TestMeasureShapeAgainstAFakeList(t *testing.T) {
	rows := make([]string, 1000)
	for i := range rows {
		rows[i] = fmt.Sprintf("user_%04d", i)
	}
	count := func(context.Context, string, string) (int64, error) { return int64(len(rows)), nil }
	o := measureOptions{warmup: 1, minN: 2, maxN: 3, budget: time.Hour}
	v := vars{rows: len(rows)}
	cursor := shape{Name: "cursor page", Path: "/admin/users", Depth: "{mid}"}
	plain := shape{Name: "deep offset", Path: "/admin/users?offset={deep}"}
	for _, c := range []struct {
		name    string
		list    fakeList
		s       shape
		skipped string
		err     string
	}{
		{name: "cursor", list: fakeList{cursors: true}, s: cursor},
		{name: "no cursors", list: fakeList{}, s: cursor, skipped: "no next_cursor in the answers"},
		{name: "cursor page off by one", list: fakeList{cursors: true, skipOne: true}, s: cursor, err: "cursor page starts at user_0501, the offset page at row 500 at user_0500"},
		{name: "offset", list: fakeList{}, s: plain},
		{name: "wrong count", list: fakeList{count: 999}, s: plain, err: "count 999, want 1000"},
		{name: "server error", list: fakeList{status: http.StatusInternalServerError}, s: plain, err: "HTTP 500"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.list
			f.rows = rows
			srv := httptest.NewServer(&f)
			defer srv.Close()
			r := measureShape(context.Background(), newClient(srv.URL, "token"), count, v, c.s, o)
			switch {
			case c.err != "":
				if !strings.Contains(r.Err, c.err) {
					t.Errorf("error %q, want %q", r.Err, c.err)
				}
			case c.skipped != "":
				if !strings.Contains(r.Skipped, c.skipped) || r.N != 0 {
					t.Errorf("skipped %q after %d requests, want %q", r.Skipped, r.N, c.skipped)
				}
			default:
				if r.Err != "" || r.Skipped != "" || r.N != 3 || r.Count != 1000 || r.Matched != 1000 || r.P50 <= 0 {
					t.Errorf("%+v", r)
				}
				if c.s.Depth != "" && (f.cursorRequests != 4 || r.Page != 50 || !strings.Contains(r.Path, "cursor=")) {
					t.Errorf("%d cursor requests, page %d, path %s", f.cursorRequests, r.Page, r.Path)
				}
			}
		})
	}
}
