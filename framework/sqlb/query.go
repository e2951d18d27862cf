package sqlb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medusa-go/medusa/framework/db"
)

// Where collects ANDed predicates and their bind parameters.
type Where struct {
	args  *[]any
	preds []string
	// rank is the search a list without an explicit order ranks by
	// (RankSearch); nil when none.
	rank *searchRank
	// grams is the search's gram index lookup (SearchGrams); nil when none.
	grams *gramSearch
	// search is 1 + the index in preds of q's predicate (AddSearch); 0
	// when none.
	search int
}

// clone returns a copy of w with its own arguments and predicates, to add
// more without changing w.
func (w *Where) clone() *Where {
	args := slices.Clone(*w.args)
	return &Where{args: &args, preds: slices.Clone(w.preds), rank: w.rank, grams: w.grams, search: w.search}
}

// RankSearch asks a list of these predicates that gives no explicit order
// to put first the rows where one of the searchable columns equals q (a
// medusa-go extension of Medusa's q), the rest after them, each group in
// the default order. cols are the columns as their equality filters
// compare them: a quoted column (`"title"`), compared with q as it is, or
// `lower("email")` for a case-insensitive field, compared with lower(q).
// Either way the field's btree index (its list index, or the lower() one of
// a case-insensitive field) finds the exact matches without reading every
// row q matches (docs/modgen.md, "Lists at scale"). Only the first call
// counts; a Sub group's is ignored.
func (w *Where) RankSearch(q string, cols ...string) {
	if w.rank == nil && q != "" && len(cols) > 0 {
		w.rank = &searchRank{q: q, cols: cols}
	}
}

// GramLen is the length, in characters, of the grams a model's gram search
// index holds (GramsFunc). The index holds the grams that start at every
// other character of a text, so it serves a q of at least GramLen+1
// characters (GramSearchable).
const GramLen = 5

// GramsFunc is the SQL function a gram search index is built with (the
// generated migrations create it): the GramLen-character substrings of
// lower(text) that start at its 1st, 3rd, 5th … character.
const GramsFunc = "medusa_search_grams"

// GramsFuncSQL creates GramsFunc (idempotent): every migration that
// creates a gram search index carries it, so modules do not depend on each
// other's migrations. It is IMMUTABLE, as an index expression must be:
// lower() folds case as ILIKE does (with the text's collation), character
// by character, so a text that contains q, whatever the case, holds q's
// grams at every other character from q's first or from its second,
// whichever lines up with the text's (see Where.SearchGrams).
var GramsFuncSQL = `CREATE OR REPLACE FUNCTION ` + GramsFunc + `(t text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $medusa$
DECLARE
  l text := lower(t);
  g text[] := '{}';
BEGIN
  FOR i IN 1 .. length(l) - ` + strconv.Itoa(GramLen-1) + ` BY 2 LOOP
    g[(i + 1) / 2] := substr(l, i, ` + strconv.Itoa(GramLen) + `);
  END LOOP;
  RETURN g;
END
$medusa$;`

// GramSearchable reports whether a gram index can narrow the rows whose
// search text contains q (ILIKE '%q%'): q is matched as one literal
// substring of the joined fields (SearchJoinable) and is at least
// GramLen+1 characters long, so that q holds a gram from its first
// character and one from its second.
func GramSearchable(q string) bool {
	return SearchJoinable(q) && utf8.RuneCountInString(q) > GramLen
}

// SearchGrams tells a list whose predicates match q in expr (ILIKE
// '%q%', a model's search expression) that expr has a gram index
// (GramsFunc(expr), among rows not soft-deleted): Find then adds
//
//	(medusa_search_grams(<expr>) @> medusa_search_grams(<q>)
//	 OR medusa_search_grams(<expr>) @> medusa_search_grams(substr(<q>, 2)))
//
// to the statements when the planner expects few rows to match (at most
// the count bound, or SearchNarrowMax): two index lookups, each by the
// rarest of its grams, which find a selective q in a few index pages
// however common its other grams are, where the trigram index reads every
// posting list of q's trigrams (docs/modgen.md, "Lists at scale"). A text
// that contains q at an odd character holds q's grams from q's first
// character on, every other one; at an even character, those from q's
// second. So the predicate holds on every row the search matches, and it
// never changes the result. Nothing is
// added for a q that GramSearchable refuses, for a list that includes
// soft-deleted rows, or past the first call; a Sub group's is ignored.
func (w *Where) SearchGrams(expr, q string) {
	if w.grams == nil && GramSearchable(q) {
		w.grams = &gramSearch{expr: expr, q: q}
	}
}

// gramSearch is a SearchGrams.
type gramSearch struct{ expr, q string }

// pred adds the gram lookup's argument to w and returns its predicate.
func (g *gramSearch) pred(w *Where) string {
	col, p := GramsFunc+"("+g.expr+") @> ", w.Arg(g.q)
	return "(" + col + GramsFunc + "(" + p + ") OR " + col + GramsFunc + "(substr(" + p + ", 2)))"
}

// searchRank is a RankSearch.
type searchRank struct {
	q    string
	cols []string
}

// pred adds the predicate of an exact match to w's arguments and returns
// it; it is NULL on a row whose columns are NULL or differ from q.
func (r *searchRank) pred(w *Where) string {
	p := w.Arg(r.q)
	ors := make([]string, len(r.cols))
	for i, c := range r.cols {
		ors[i] = colEquals(c, p)
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// colEquals is the exact match of one RankSearch column c with placeholder
// p: c = p, or c = lower(p) for a case-insensitive column (lower(…)).
func colEquals(c, p string) string {
	if strings.HasPrefix(c, "lower(") {
		return c + " = lower(" + p + ")"
	}
	return c + " = " + p
}

// NewWhere returns an empty Where with its own argument list.
func NewWhere() *Where { return &Where{args: new([]any)} }

// Sub returns a Where sharing w's arguments, for a nested group.
func (w *Where) Sub() *Where { return &Where{args: w.args} }

// Arg adds a bind parameter and returns its placeholder ("$3").
func (w *Where) Arg(v any) string {
	*w.args = append(*w.args, v)
	return "$" + strconv.Itoa(len(*w.args))
}

// Add appends a predicate.
func (w *Where) Add(pred string) { w.preds = append(w.preds, pred) }

// AddSearch appends q's predicate: the rows one of whose searchable fields
// contains q (Medusa's ILIKE '%q%'). It is Add, but for a list ranked by
// exact matches (RankSearch), whose part of exact matches holds it as
// `(pred) IS NOT FALSE`: a row where a searchable field equals q contains
// it, so the part reads the same rows, but the planner no longer reads the
// search's trigram index (every posting list of q's trigrams) to AND it
// with the fields' btree lookups. Not so for a q holding the escape
// character, which a field equal to q need not match (SearchNarrows).
// Only the first call counts.
func (w *Where) AddSearch(pred string) {
	if w.search == 0 {
		w.search = len(w.preds) + 1
	}
	w.Add(pred)
}

// searched reports whether the predicates hold a q search (AddSearch,
// RankSearch or SearchGrams).
func (w *Where) searched() bool { return w.search != 0 || w.rank != nil || w.grams != nil }

// exactPart returns w for the part of a ranked search's exact matches:
// with q's predicate weakened (see AddSearch), or w itself.
func (w *Where) exactPart() *Where {
	if w.search == 0 || w.rank == nil || !SearchNarrows(w.rank.q) {
		return w
	}
	c := w.clone()
	c.preds[w.search-1] = "(" + c.preds[w.search-1] + ") IS NOT FALSE"
	return c
}

// Empty reports whether no predicate was added.
func (w *Where) Empty() bool { return len(w.preds) == 0 }

// SQL returns the predicates joined with AND ("true" when empty).
func (w *Where) SQL() string {
	if len(w.preds) == 0 {
		return "true"
	}
	return strings.Join(w.preds, " AND ")
}

// AnyOf adds (a OR b OR ...) of the non-empty groups; with no group it adds
// nothing.
func (w *Where) AnyOf(groups ...*Where) {
	var parts []string
	for _, g := range groups {
		parts = append(parts, "("+g.SQL()+")")
	}
	if len(parts) > 0 {
		w.Add("(" + strings.Join(parts, " OR ") + ")")
	}
}

// Args returns the bind parameters.
func (w *Where) Args() []any { return *w.args }

// EqualityOnly reports whether every predicate binds no value, or is an
// equality of one column with one bound value or list (`"col" = $1`,
// `"col" = ANY($1)`, as Filter.Apply writes Eq and In, and their
// case-insensitive forms `lower("col") = lower($1)` and
// `lower("col") = ANY(ARRAY(SELECT lower(v) FROM unnest($1::text[]) AS v))`
// of ApplyFolded): the predicates whose plan does not depend on the values
// bound, so that a generic plan of a prepared statement is the custom one
// (Find, docs/modgen.md). Ranges, LIKE/ILIKE (q), negations, OR groups and
// keysets report false.
func (w *Where) EqualityOnly() bool {
	for _, p := range w.preds {
		if strings.IndexByte(p, '$') >= 0 && !isEquality(p) {
			return false
		}
	}
	return true
}

// isEquality reports whether p is `"col" = $n` or `"col" = ANY($n)`, or
// one of their case-insensitive forms (ApplyFolded).
func isEquality(p string) bool {
	folded := false
	if rest, ok := strings.CutPrefix(p, "lower("); ok {
		p, folded = rest, true
	}
	if len(p) < 2 || p[0] != '"' {
		return false
	}
	end := strings.IndexByte(p[1:], '"')
	if end < 0 {
		return false
	}
	rest := p[end+2:]
	if folded {
		var ok bool
		if rest, ok = strings.CutPrefix(rest, ")"); !ok {
			return false
		}
	}
	rest, ok := strings.CutPrefix(rest, " = ")
	if !ok {
		return false
	}
	if folded {
		if inner, ok := strings.CutPrefix(rest, "lower("); ok {
			rest, ok = strings.CutSuffix(inner, ")")
			return ok && isPlaceholder(rest)
		}
		inner, ok := strings.CutPrefix(rest, "ANY(ARRAY(SELECT lower(v) FROM unnest(")
		if !ok {
			return false
		}
		rest, ok = strings.CutSuffix(inner, "::text[]) AS v))")
		return ok && isPlaceholder(rest)
	}
	if inner, ok := strings.CutPrefix(rest, "ANY("); ok {
		rest, ok = strings.CutSuffix(inner, ")")
		if !ok {
			return false
		}
	}
	return isPlaceholder(rest)
}

// isPlaceholder reports whether s is "$" and digits.
func isPlaceholder(s string) bool {
	if len(s) < 2 || s[0] != '$' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Order is one ORDER BY term.
type Order struct {
	Field string
	Desc  bool
}

// FindConfig is Medusa's FindConfig: which fields to return, order, paging
// and soft-deleted rows.
type FindConfig struct {
	// Select limits the returned fields (the primary key is always
	// included); empty means all.
	Select []string
	// Order defaults to the primary key ascending; the primary key is
	// appended as a tie-breaker so that pages are stable.
	Order []Order
	// Skip and Take page by offset; Take 0 means no limit.
	Skip, Take int
	// WithDeleted includes soft-deleted rows.
	WithDeleted bool
	// After pages by keyset: the values, in Order order (tie-breaker
	// included), of the last row of the previous page, as returned by the
	// DTO's Cursor method. NULLs and mixed directions are read in order
	// (see Cursor). A q search that is ranked (no Order, see
	// Where.RankSearch) cannot be continued with After: use Cursor.
	After []any
	// Cursor pages by keyset with an opaque cursor (a medusa-go
	// extension): the page starts after the row Page.Next was made from.
	// A cursor is bound to the model and the order (a cursor of another
	// one fails with invalid_data); it reads the rows after it with index
	// range scans whatever the depth, NULLs of a nullable order column
	// included (they sort last ascending, first descending), and continues
	// a ranked q search in its rank. Skip still skips rows after it.
	Cursor string
	// CountLimit bounds the count of a counted find (a medusa-go
	// extension): 0 counts every matching row, exactly (Medusa's
	// listAndCount); n > 0 counts exactly up to n rows and, past n,
	// answers the planner's estimate of the matches (at least n+1), which
	// Page.Estimated reports. A list without filters of a table with kept
	// counts (Table.RowCount) is exact whatever the bound. A q search is
	// bounded by at most SearchCountMax, and one the planner expects to
	// match more rows than its bound is not counted at all: its count is
	// the estimate (see Find).
	CountLimit int
	// Relations lists the model's relations to load with the rows (Medusa's
	// FindConfig relations): "books", or a nested path "books.tags". Each
	// relation costs one statement per level, whatever the number of rows.
	// Select may also name a relation's fields with a dot ("books.title",
	// or "books.*" for all of them), which loads the relation too.
	Relations []string
	// also lists columns read but not rendered (see ReadAlso).
	also []string
	// onlyPK selects the primary key alone (a Select that named only
	// relations, see SplitRelations).
	onlyPK bool
}

// columns validates cfg's selection against t (see Columns).
func (cfg FindConfig) columns(t Table) ([]string, error) {
	if cfg.onlyPK {
		return []string{t.PK}, nil
	}
	return Columns(t.Model, t.Fields, t.PK, cfg.Select)
}

// ReadAlso returns cfg reading cols too, without rendering them: the keys
// that relation loading needs (a belongsTo's foreign key, a child's key to
// its parent) when Select leaves them out.
func (cfg FindConfig) ReadAlso(cols ...string) FindConfig {
	if len(cols) == 0 {
		return cfg
	}
	cfg.also = append(slices.Clip(cfg.also), cols...)
	return cfg
}

// Select is a SELECT statement under construction.
type Select struct {
	Table   string
	Columns []string
	Where   *Where
	// Lead is an ORDER BY term before Order ("10 DESC"), if any.
	Lead   string
	Order  []Order
	Limit  int
	Offset int
}

// SQL renders the statement.
func (s *Select) SQL() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(s.Columns, ", "))
	b.WriteString(" FROM ")
	b.WriteString(s.Table)
	b.WriteString(" WHERE ")
	b.WriteString(s.Where.SQL())
	if len(s.Order) > 0 || s.Lead != "" {
		b.WriteString(" ORDER BY ")
		if s.Lead != "" {
			b.WriteString(s.Lead)
			if len(s.Order) > 0 {
				b.WriteString(", ")
			}
		}
		writeOrder(&b, "", s.Order)
	}
	if s.Limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", s.Limit)
	}
	if s.Offset > 0 {
		fmt.Fprintf(&b, " OFFSET %d", s.Offset)
	}
	return b.String()
}

// deferredSQL renders the statement as a deferred join: the primary keys
// of the page by the same query (which an index-only scan can answer), then
// the page's columns by those keys, in the same order.
func (s *Select) deferredSQL(pk string) string {
	inner := *s
	inner.Columns = []string{QuoteIdent(pk)}
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("t.")
		b.WriteString(c)
	}
	b.WriteString(" FROM ")
	b.WriteString(s.Table)
	b.WriteString(" t JOIN (")
	b.WriteString(inner.SQL())
	b.WriteString(") k ON t.")
	b.WriteString(QuoteIdent(pk))
	b.WriteString(" = k.")
	b.WriteString(QuoteIdent(pk))
	if len(s.Order) > 0 {
		b.WriteString(" ORDER BY ")
		writeOrder(&b, "t.", s.Order)
	}
	return b.String()
}

// CountSQL renders SELECT count(*) with the same WHERE.
func (s *Select) CountSQL() string {
	return "SELECT count(*) FROM " + s.Table + " WHERE " + s.Where.SQL()
}

// QuoteIdent double-quotes an identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// DB is what a generated service needs of the database: queries and
// transactions. *pgxpool.Pool satisfies it.
type DB interface {
	db.DBTX
	db.Beginner
}

// writeOrder writes order's terms ("a" ASC, "b" DESC), each column after
// prefix (a table alias and its dot, or "").
func writeOrder(b *strings.Builder, prefix string, order []Order) {
	for i, o := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		b.WriteString(QuoteIdent(o.Field))
		if o.Desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
	}
}
