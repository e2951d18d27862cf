package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medusa-go/medusa/framework/sqlb"
)

// Response fields of cursor pagination and bounded counts (see shape.Depth
// and checkPage).
const (
	cursorParam    = "cursor"
	nextCursorKey  = "next_cursor"
	estimatedKey   = "count_estimated"
	defaultPageLen = 50 // the list routes' default limit
)

// measureOptions say how long each shape is measured: warm-up requests,
// then as many timed ones as fit in budget, at least minN and at most maxN.
type measureOptions struct {
	warmup     int
	minN, maxN int
	budget     time.Duration
}

// shapeResult is one shape measured at one size.
type shapeResult struct {
	List      string  `json:"list"` // "users", "posts"
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Matched   int64   `json:"matched"` // live rows the shape matches (counted in SQL)
	Count     int64   `json:"count"`   // the responses' count
	Estimated bool    `json:"estimated,omitempty"`
	Page      int     `json:"page"` // rows of a response
	N         int     `json:"n"`    // timed requests
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
	Medusa    float64 `json:"medusa_ms,omitempty"`
	Skipped   string  `json:"skipped,omitempty"`
	Err       string  `json:"error,omitempty"`
}

// client sends the benchmark's requests, one at a time, on one kept-alive
// loopback connection.
type client struct {
	hc          *http.Client
	base, token string
}

func newClient(base, token string) *client {
	return &client{
		hc:    &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 2}},
		base:  base,
		token: token,
	}
}

// get sends GET path and reads the whole answer; d is the time from sending
// to the last byte.
func (c *client) get(ctx context.Context, path string) (status int, body []byte, d time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	t0 := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	body, err = io.ReadAll(resp.Body)
	d = time.Since(t0)
	resp.Body.Close()
	return resp.StatusCode, body, d, err
}

// page is what the benchmark reads of a list response.
type page struct {
	rows       int
	firstID    string
	count      int64
	hasCount   bool
	offset     int
	limit      int
	estimated  bool
	nextCursor string
}

// parsePage reads a list answer whose rows are under key.
func parsePage(key string, status int, body []byte) (page, error) {
	if status != http.StatusOK {
		return page{}, fmt.Errorf("HTTP %d: %s", status, snippet(body))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return page{}, fmt.Errorf("answer is not a JSON object: %v: %s", err, snippet(body))
	}
	var p page
	var rows []struct {
		ID string `json:"id"`
	}
	list, ok := raw[key]
	if !ok {
		return page{}, fmt.Errorf("answer has no %q: %s", key, snippet(body))
	}
	if err := json.Unmarshal(list, &rows); err != nil {
		return page{}, fmt.Errorf("%q is not a list of rows: %v", key, err)
	}
	p.rows = len(rows)
	if len(rows) > 0 {
		p.firstID = rows[0].ID
	}
	var errs []error
	field := func(k string, into any) bool {
		v, ok := raw[k]
		if ok && string(v) != "null" {
			if err := json.Unmarshal(v, into); err != nil {
				errs = append(errs, fmt.Errorf("%q: %v", k, err))
			}
			return true
		}
		return false
	}
	p.hasCount = field("count", &p.count)
	field("offset", &p.offset)
	field("limit", &p.limit)
	field(estimatedKey, &p.estimated)
	field(nextCursorKey, &p.nextCursor)
	if len(errs) > 0 {
		return page{}, fmt.Errorf("answer fields: %v", errs)
	}
	return p, nil
}

func snippet(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// checkPage says whether a response is right for a shape that matches
// matched live rows and starts at row start: as many rows as remain (up to
// the limit) and the exact count. A count the response marks as estimated
// is not checked (the tables show it beside the true one); a page reached by
// cursor may leave the count out (needCount false).
func checkPage(p page, matched int64, start int, needCount bool) error {
	if !p.hasCount && needCount {
		return fmt.Errorf("answer has no count")
	}
	limit := p.limit
	if limit == 0 {
		limit = defaultPageLen
	}
	want := max(0, min(int64(limit), matched-int64(start)))
	if int64(p.rows) != want {
		return fmt.Errorf("%d rows on the page, want %d (%d rows match, page from row %d, limit %d)", p.rows, want, matched, start, limit)
	}
	if p.hasCount && !p.estimated && p.count != matched {
		return fmt.Errorf("count %d, want %d", p.count, matched)
	}
	return nil
}

// measureShape measures one shape: it counts the rows the shape matches,
// reaches a cursor shape's page, warms up, then times requests, checking
// every answer.
// counter counts the live rows of a table matching an SQL predicate
// (truth, on the benchmark's database).
type counter func(ctx context.Context, table, where string) (int64, error)

func measureShape(ctx context.Context, c *client, count counter, v vars, s shape, o measureOptions) shapeResult {
	path := v.path(s)
	key := listKey(path)
	r := shapeResult{List: key, Name: s.Name, Path: path, Medusa: s.Medusa}
	fail := func(err error) shapeResult { r.Err = err.Error(); return r }
	tbl, err := table(path)
	if err != nil {
		return fail(err)
	}
	if r.Matched, err = count(ctx, tbl, v.where(s)); err != nil {
		return fail(err)
	}
	if r.Matched == 0 {
		r.Skipped = "matches no row at this size"
		return r
	}
	depth, err := v.depth(s)
	if err != nil {
		return fail(err)
	}
	var firstID string
	if s.Depth != "" {
		cur, id, skip, err := cursorAt(ctx, c, path, depth)
		if err != nil {
			return fail(err)
		}
		if skip != "" {
			r.Skipped = skip
			return r
		}
		firstID = id
		path = withParam(path, cursorParam, cur)
		r.Path = withParam(r.Path, cursorParam, "…") + fmt.Sprintf(" (next_cursor of the page ending at row %d)", depth)
	}
	one := func() (time.Duration, error) {
		st, body, d, err := c.get(ctx, path)
		if err != nil {
			return 0, err
		}
		p, err := parsePage(key, st, body)
		if err != nil {
			return 0, err
		}
		start := p.offset
		if s.Depth != "" {
			start = depth
			if p.firstID != firstID {
				return 0, fmt.Errorf("cursor page starts at %s, the offset page at row %d at %s", p.firstID, depth, firstID)
			}
		}
		if err := checkPage(p, r.Matched, start, s.Depth == ""); err != nil {
			return 0, err
		}
		r.Count, r.Estimated, r.Page = p.count, p.estimated, p.rows
		return d, nil
	}
	var warm time.Duration
	for range max(o.warmup, 1) {
		d, err := one()
		if err != nil {
			return fail(err)
		}
		warm += d
	}
	mean := warm / time.Duration(max(o.warmup, 1))
	n := o.maxN
	if mean > 0 {
		n = int(min(int64(o.maxN), int64(o.budget/mean)))
	}
	n = max(n, o.minN)
	ds := make([]time.Duration, 0, n)
	for range n {
		d, err := one()
		if err != nil {
			return fail(err)
		}
		ds = append(ds, d)
	}
	r.N = len(ds)
	r.P50, r.P99, r.Max = ms(percentile(ds, 50)), ms(percentile(ds, 99)), ms(slices.Max(ds))
	return r
}

// cursorAt finds the cursor of the page that starts depth rows deep: the
// one the page ending just before it answers as next_cursor, built from
// that row's order values (one deep offset request, not timed), and the id
// of the row at depth, which the cursor page must start with. skip says
// why there is none.
func cursorAt(ctx context.Context, c *client, path string, depth int) (cursor, firstID, skip string, err error) {
	key := listKey(path)
	get := func(p string) (page, []byte, error) {
		st, body, _, err := c.get(ctx, p)
		if err != nil {
			return page{}, nil, err
		}
		pg, err := parsePage(key, st, body)
		return pg, body, err
	}
	first, _, err := get(withParam(path, cursorParam, ""))
	if err != nil {
		return "", "", "", err
	}
	if first.nextCursor == "" {
		return "", "", "no " + nextCursorKey + " in the answers (no cursor pagination on this build)", nil
	}
	// A client that pages by cursor from the start reaches the depth one
	// next_cursor at a time; the benchmark builds the cursor of the row
	// just before it (sqlb.EncodeCursor, what that page's next_cursor
	// holds), read by offset, untimed.
	order := []sqlb.Order{}
	if _, q, ok := strings.Cut(path, "?"); ok {
		if vals, err := url.ParseQuery(q); err == nil && vals.Get("order") != "" {
			f, desc := strings.CutPrefix(vals.Get("order"), "-")
			order = append(order, sqlb.Order{Field: f, Desc: desc})
		}
	}
	pkDesc := len(order) > 0 && order[0].Desc
	order = append(order, sqlb.Order{Field: "id", Desc: pkDesc})
	fields := make([]string, len(order))
	for i, o := range order {
		fields[i] = o.Field
	}
	_, body, err := get(withParam(withParam(withParam(path, "offset", strconv.Itoa(depth-1)), "limit", "1"), "fields", strings.Join(fields, ",")))
	if err != nil {
		return "", "", "", err
	}
	var answer map[string]json.RawMessage
	var rows []map[string]any
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", "", "", fmt.Errorf("row at depth %d of %s: %v", depth-1, path, err)
	}
	if err := json.Unmarshal(answer[key], &rows); err != nil || len(rows) != 1 {
		return "", "", "", fmt.Errorf("no row at depth %d of %s: %v", depth-1, path, err)
	}
	vals := make([]any, len(order))
	for i, f := range fields {
		vals[i] = rows[0][f]
	}
	cursor, err = sqlb.EncodeCursor(strings.TrimSuffix(key, "s"), order, vals)
	if err != nil {
		return "", "", "", err
	}
	at, _, err := get(withParam(withParam(path, "offset", strconv.Itoa(depth)), "limit", "1"))
	if err != nil {
		return "", "", "", err
	}
	if at.rows != 1 {
		return "", "", "", fmt.Errorf("no row at depth %d of %s", depth, path)
	}
	return cursor, at.firstID, "", nil
}

// withParam adds k=v to path's query string, replacing a k there.
func withParam(path, k, v string) string {
	p, q, _ := strings.Cut(path, "?")
	var kept []string
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		if name, _, _ := strings.Cut(kv, "="); name == k {
			continue
		}
		kept = append(kept, kv)
	}
	kept = append(kept, k+"="+url.QueryEscape(v))
	return p + "?" + strings.Join(kept, "&")
}

// percentile is the nearest-rank percentile p of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
