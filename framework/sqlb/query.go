package sqlb

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/framework/db"
)

// Where collects ANDed predicates and their bind parameters.
type Where struct {
	args  *[]any
	preds []string
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
	// DTO's Cursor method. It needs every Order term in one direction.
	After []any
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
	Order   []Order
	Limit   int
	Offset  int
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
	if len(s.Order) > 0 {
		b.WriteString(" ORDER BY ")
		for i, o := range s.Order {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(QuoteIdent(o.Field))
			if o.Desc {
				b.WriteString(" DESC")
			} else {
				b.WriteString(" ASC")
			}
		}
	}
	if s.Limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d", s.Limit)
	}
	if s.Offset > 0 {
		fmt.Fprintf(&b, " OFFSET %d", s.Offset)
	}
	return b.String()
}

// CountSQL renders SELECT count(*) with the same WHERE.
func (s *Select) CountSQL() string {
	return "SELECT count(*) FROM " + s.Table + " WHERE " + s.Where.SQL()
}

// QuoteIdent double-quotes an identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Keyset adds the keyset predicate (o1, o2, ...) > ($1, $2, ...) (or < for
// descending order) for after over the order terms.
func Keyset(w *Where, order []Order, after []any) error {
	if len(after) != len(order) {
		return fmt.Errorf("keyset cursor has %d values for %d order fields", len(after), len(order))
	}
	desc := order[0].Desc
	cols := make([]string, len(order))
	ph := make([]string, len(order))
	for i, o := range order {
		if o.Desc != desc {
			return fmt.Errorf("keyset pagination needs every order field in one direction")
		}
		cols[i] = QuoteIdent(o.Field)
		ph[i] = w.Arg(after[i])
	}
	op := ">"
	if desc {
		op = "<"
	}
	w.Add("(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.Join(ph, ", ") + ")")
	return nil
}

// DB is what a generated service needs of the database: queries and
// transactions. *pgxpool.Pool satisfies it.
type DB interface {
	db.DBTX
	db.Beginner
}
