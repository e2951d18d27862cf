package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// A shape is one measured GET of the Admin API. To measure another query,
// add a line to userShapes or postShapes: the path, the SQL predicate that
// says which live rows it matches (the benchmark counts them itself and
// checks every response against that number), and, for a page reached by
// cursor, its depth.
type shape struct {
	// Name labels the shape in the tables, the same at every size (it may
	// hold placeholders such as {deep}; they are shown as written).
	Name string
	// Path is the request: an /admin/<plural> path and its query string,
	// with placeholders (see vars) replaced by query-escaped values.
	Path string
	// Where is an SQL predicate on the listed table: the rows the request
	// matches, with placeholders replaced by SQL literals. Soft-deleted rows
	// are left out (deleted_at IS NULL is added). Empty means every live
	// row.
	Where string
	// Depth, when set, makes this a cursor shape: the timed request is
	// Path plus cursor=<the next_cursor of the page that ends just before
	// row Depth>, a page that starts Depth rows deep. Responses without
	// next_cursor (a build without cursor pagination) skip the shape.
	Depth string
	// Medusa is Medusa 2.21.2's p50 in ms for this query at 1,000,001
	// users, as issue 18 measured it (0: not measured); shown beside the
	// 1M rows' table.
	Medusa float64
}

// userShapes are issue 18's queries of GET /admin/users, in its order, then
// the cursor pages.
var userShapes = []shape{
	{Name: "first page (default order)", Path: "/admin/users", Medusa: 72},
	{Name: "order=-email", Path: "/admin/users?order=-email", Medusa: 69},
	{Name: "email=…", Path: "/admin/users?email={email}", Where: "lower(email) = lower({email})", Medusa: 7.2},
	{Name: "q=person77777", Path: "/admin/users?q=person77777", Where: searchWhere("person77777", "first_name", "last_name", "email"), Medusa: 1248},
	{Name: "q=First42", Path: "/admin/users?q=First42", Where: searchWhere("First42", "first_name", "last_name", "email"), Medusa: 560},
	{Name: "created_at[$gte]=start (every row)", Path: "/admin/users?created_at[$gte]={start}", Where: "created_at >= {start}", Medusa: 68},
	{Name: "offset={deep}", Path: "/admin/users?offset={deep}", Medusa: 199},
	{Name: "order=first_name&limit=20", Path: "/admin/users?order=first_name&limit=20", Medusa: 150},
	{Name: "order=-created_at&limit=20", Path: "/admin/users?order=-created_at&limit=20", Medusa: 140},
	{Name: "last_name=Last42", Path: "/admin/users?last_name=Last42", Where: "last_name = 'Last42'", Medusa: 188},
	{Name: "order=first_name&offset={mid}", Path: "/admin/users?order=first_name&offset={mid}", Medusa: 501},
	{Name: "cursor page at depth {mid}, order=first_name", Path: "/admin/users?order=first_name", Depth: "{mid}"},
	{Name: "cursor page at depth {deep} (default order)", Path: "/admin/users", Depth: "{deep}"},
}

// postShapes are the same kinds of query on the blog test module's posts,
// a generated module with no kept row count.
var postShapes = []shape{
	{Name: "first page (default order)", Path: "/admin/posts"},
	{Name: "order=-created_at&limit=20", Path: "/admin/posts?order=-created_at&limit=20"},
	{Name: "order=-views&limit=20", Path: "/admin/posts?order=-views&limit=20"},
	{Name: "title=…", Path: "/admin/posts?title={title}", Where: "title = {title}"},
	{Name: "q=post77777", Path: "/admin/posts?q=post77777", Where: searchWhere("post77777", "title")},
	{Name: "q=topic42", Path: "/admin/posts?q=topic42", Where: searchWhere("topic42", "title")},
	{Name: "views[$gte]=9990", Path: "/admin/posts?views[$gte]=9990", Where: "views >= 9990"},
	{Name: "offset={deep}", Path: "/admin/posts?offset={deep}"},
	{Name: "cursor page at depth {deep} (default order)", Path: "/admin/posts", Depth: "{deep}"},
}

// searchWhere is what q=term matches: a row any of whose searchable columns
// contains term, whatever the case (Medusa's ILIKE '%term%').
func searchWhere(term string, cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s ILIKE %s", c, sqlString("%"+term+"%"))
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// vars are the placeholders of shapes at one size.
type vars struct {
	rows  int    // {rows}: live rows seeded per table
	start string // {start}: the first seeded created_at (RFC 3339)
	email string // {email}: a live user's e-mail address, halfway down the table
	title string // {title}: a live post's title, halfway down the table
}

// deep and mid are the depths of deep pages: 90 % and half of the rows
// (offset 900,000 and 500,000 at a million rows, as in issue 18).
func (v vars) deep() int { return v.rows / 10 * 9 }
func (v vars) mid() int  { return v.rows / 2 }

func (v vars) replacer(quote func(string) string) *strings.Replacer {
	return strings.NewReplacer(
		"{rows}", strconv.Itoa(v.rows),
		"{deep}", strconv.Itoa(v.deep()),
		"{mid}", strconv.Itoa(v.mid()),
		"{start}", quote(v.start),
		"{email}", quote(v.email),
		"{title}", quote(v.title),
	)
}

// path is s.Path with its placeholders replaced (values query-escaped).
func (v vars) path(s shape) string { return v.replacer(url.QueryEscape).Replace(s.Path) }

// where is the live rows' predicate of s with its placeholders replaced
// (values as SQL literals).
func (v vars) where(s shape) string {
	w := s.Where
	if w == "" {
		w = "true"
	}
	return "deleted_at IS NULL AND " + v.replacer(sqlString).Replace(w)
}

// depth is the row index a cursor shape's page starts at (0 if s is not a
// cursor shape).
func (v vars) depth(s shape) (int, error) {
	if s.Depth == "" {
		return 0, nil
	}
	d, err := strconv.Atoi(v.replacer(func(string) string { return "" }).Replace(s.Depth))
	if err != nil {
		return 0, fmt.Errorf("shape %q: depth %q is not a number of rows", s.Name, s.Depth)
	}
	return d, nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// listKey is the response key of a list path: "users" for
// /admin/users?order=email.
func listKey(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// table is the table a list path reads ("user" for /admin/users).
func table(path string) (string, error) {
	switch k := listKey(path); k {
	case "users":
		return `"user"`, nil
	case "posts":
		return "post", nil
	default:
		return "", fmt.Errorf("no seeded table behind %s (add it to table in shapes.go)", k)
	}
}
