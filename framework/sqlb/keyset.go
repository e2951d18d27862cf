package sqlb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// term is one term of a list's order, as keyset pagination sees it: a
// column, or the rank of a q search (rows whose searchable field equals q
// first, see Where.RankSearch).
type term struct {
	col      string // the column; "" for the rank
	desc     bool
	nullable bool
}

// part is one part of a list's rows, read after the parts before it: the
// page walks them in order until it has its rows. A list is one part,
// unless it starts after a cursor (the rows after the cursor's row, split
// where an index cannot serve them in one scan: around NULLs, and at the
// rank of a q search) or ranks a q search (exact matches, then the rest).
// Every part is ordered by the list's columns.
type part struct {
	preds []cond // ANDed to the filter
	rank  int8   // the rank of the part's rows: noRank, or 0 (not exact) or 1 (exact)
}

const noRank int8 = -1

// condKind is what a cond tests.
type condKind uint8

const (
	condEq      condKind = iota // col = v (col IS NULL for a NULL v)
	condAfter                   // (cols...) > (vs...), or < when descending: a row comparison
	condIsNull                  // col IS NULL
	condNotNull                 // col IS NOT NULL
	condRank                    // the rank's predicate holds (v true) or not
)

// cond is one predicate of a part.
type cond struct {
	kind condKind
	cols []string // quoted column(s)
	vals []any
	desc bool
	rank bool
}

// sql adds c to w; rank builds the rank's predicate on w.
func (c cond) sql(w *Where, rank func(*Where) string) string {
	switch c.kind {
	case condEq:
		if c.vals[0] == nil {
			return c.cols[0] + " IS NULL"
		}
		return c.cols[0] + " = " + w.Arg(c.vals[0])
	case condAfter:
		op := " > "
		if c.desc {
			op = " < "
		}
		if len(c.cols) == 1 {
			return c.cols[0] + op + w.Arg(c.vals[0])
		}
		ph := make([]string, len(c.vals))
		for i, v := range c.vals {
			ph[i] = w.Arg(v)
		}
		return "(" + strings.Join(c.cols, ", ") + ")" + op + "(" + strings.Join(ph, ", ") + ")"
	case condIsNull:
		return c.cols[0] + " IS NULL"
	case condNotNull:
		return c.cols[0] + " IS NOT NULL"
	default: // condRank
		if c.rank {
			return rank(w)
		}
		return rank(w) + " IS NOT TRUE"
	}
}

// startParts are the parts of a list read from its start: all rows, or,
// ranked, the exact matches and then the rest.
func startParts(terms []term) []part {
	if len(terms) > 0 && terms[0].col == "" {
		return []part{{preds: []cond{{kind: condRank, rank: true}}, rank: 1}, {preds: []cond{{kind: condRank}}, rank: 0}}
	}
	return []part{{rank: noRank}}
}

// keysetParts splits the rows after the row whose values of terms are
// after (nil for NULL) into parts that indexes serve, in order. Postgres
// sorts NULLs last in ascending order and first in descending order, and a
// row comparison (a, b) > (x, y) is NULL, so false, when it meets a NULL
// before deciding; the rows it would drop are read by parts of their own:
//
//	order first_name, id; after ("Ann", "u_9"):  (first_name, id) > ($1, $2), then first_name IS NULL
//	order first_name, id; after (NULL, "u_9"):   first_name IS NULL AND id > $1
//	order -first_name, -id; after (NULL, "u_9"): first_name IS NULL AND id < $1, then first_name IS NOT NULL
//
// Consecutive terms in one direction whose values are not NULL share one
// row comparison, as long as the terms after the first of them cannot be
// NULL. Mixed directions are split at each change.
func keysetParts(terms []term, after []any) ([]part, error) {
	m := len(terms)
	if len(after) != m {
		return nil, fmt.Errorf("the cursor has %d values for %d order fields", len(after), m)
	}
	null := make([]bool, m)
	for i, t := range terms {
		null[i] = isNil(after[i])
		switch {
		case t.col == "":
			if _, ok := after[i].(bool); !ok {
				return nil, fmt.Errorf("the cursor's search rank is %v, not a boolean", after[i])
			}
		case null[i] && !t.nullable:
			return nil, fmt.Errorf("the cursor has no value for %s, which cannot be NULL", t.col)
		}
	}
	prefix := func(n int) []cond {
		out := make([]cond, 0, n+1)
		for i := range n {
			if terms[i].col == "" {
				out = append(out, cond{kind: condRank, rank: after[i].(bool)})
				continue
			}
			v := after[i]
			if null[i] {
				v = nil
			}
			out = append(out, cond{kind: condEq, cols: []string{QuoteIdent(terms[i].col)}, vals: []any{v}})
		}
		return out
	}
	rank := noRank
	if m > 0 && terms[0].col == "" {
		rank = 0
		if after[0].(bool) {
			rank = 1
		}
	}
	var parts []part
	add := func(level int, c cond) {
		r := rank
		if level == 0 && terms[0].col == "" {
			r = 0 // after the exact matches: the rest
		}
		parts = append(parts, part{preds: append(prefix(level), c), rank: r})
	}
	for j := m - 1; j >= 0; {
		t := terms[j]
		switch {
		case t.col == "":
			// the rank orders exact matches (true) first
			if after[j].(bool) {
				add(j, cond{kind: condRank})
			}
			j--
			continue
		case null[j]:
			// NULLs are last ascending (nothing after them), first descending
			if t.desc {
				add(j, cond{kind: condNotNull, cols: []string{QuoteIdent(t.col)}})
			}
			j--
			continue
		}
		k := j
		for k > 0 && terms[k-1].col != "" && !null[k-1] && terms[k-1].desc == t.desc && !terms[k].nullable {
			k--
		}
		c := cond{kind: condAfter, desc: t.desc}
		for i := k; i <= j; i++ {
			c.cols = append(c.cols, QuoteIdent(terms[i].col))
			c.vals = append(c.vals, after[i])
		}
		add(k, c)
		if terms[k].nullable && !t.desc {
			add(k, cond{kind: condIsNull, cols: []string{QuoteIdent(terms[k].col)}})
		}
		j = k - 1
	}
	return parts, nil
}

// isNil reports whether v is nil or a nil pointer (a NULL column's value in
// a generated model).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// cursorSig names what a cursor is bound to: the model and its order
// ("user:first_name,id", "user:-created_at,-id"; "*q" is the rank of a q
// search).
func cursorSig(model string, terms []term) string {
	var b strings.Builder
	b.WriteString(model)
	b.WriteByte(':')
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(',')
		}
		if t.desc {
			b.WriteByte('-')
		}
		if t.col == "" {
			b.WriteString("*q")
		} else {
			b.WriteString(t.col)
		}
	}
	return b.String()
}

// encodeCursor returns the opaque cursor of a row: base64url (no padding)
// of the JSON array [sig, value...], the values of the order's terms.
func encodeCursor(sig string, vals []any) (string, error) {
	arr := make([]any, 0, len(vals)+1)
	arr = append(arr, sig)
	for _, v := range vals {
		arr = append(arr, cursorValue(v))
	}
	b, err := json.Marshal(arr)
	if err != nil {
		return "", fmt.Errorf("sqlb: encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// cursorValue is v (a column's Go value, or a pointer to it) as the cursor
// holds it: nil for NULL, a time in RFC 3339 with its fraction, else v.
func cursorValue(v any) any {
	if isNil(v) {
		return nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	v = rv.Interface()
	if t, ok := v.(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	return v
}

// errCursor is the invalid_data error of a cursor that cannot be used.
func errCursor(format string, args ...any) error {
	return merrors.New(merrors.InvalidData, "Invalid cursor: "+format, args...)
}

// decodeCursor returns the values a cursor holds for the order sig names,
// as bind parameters: strings (numbers and times too, which Postgres reads
// as the column's type), booleans, nil. A cursor that is not one, or was
// made for another model or order, fails with invalid_data.
func decodeCursor(cursor, sig string, terms int) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, errCursor("it is not a cursor a list returned (next_cursor)")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var arr []any
	if err := d.Decode(&arr); err != nil || d.More() || len(arr) == 0 {
		return nil, errCursor("it is not a cursor a list returned (next_cursor)")
	}
	got, ok := arr[0].(string)
	if !ok {
		return nil, errCursor("it is not a cursor a list returned (next_cursor)")
	}
	if got != sig {
		model, order, _ := strings.Cut(got, ":")
		wantModel, wantOrder, _ := strings.Cut(sig, ":")
		if model != wantModel {
			return nil, errCursor("it was made for a list of %s, not of %s", model, wantModel)
		}
		return nil, errCursor("it was made for the order %s, not %s; start again with an empty cursor", order, wantOrder)
	}
	vals := arr[1:]
	if len(vals) != terms {
		return nil, errCursor("it holds %d values for %d order fields", len(vals), terms)
	}
	for i, v := range vals {
		switch x := v.(type) {
		case json.Number:
			vals[i] = x.String()
		case string, bool, nil:
		default:
			return nil, errCursor("value %d is not a column's value", i+1)
		}
	}
	return vals, nil
}

// rowValue returns the value of column c of row x, read through dest (the
// generated models' dest: a pointer to the field).
func rowValue[T any](x *T, c string, dest func(*T, string) any) any {
	switch p := dest(x, c).(type) {
	case *string:
		return *p
	case **string:
		if *p == nil {
			return nil
		}
		return **p
	case *time.Time:
		return *p
	case **time.Time:
		if *p == nil {
			return nil
		}
		return **p
	case nil:
		return nil
	default:
		rv := reflect.ValueOf(p).Elem()
		for rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return nil
			}
			rv = rv.Elem()
		}
		return rv.Interface()
	}
}

// orderTerms returns the terms of a normalized order, the rank first when
// ranked; nullable lists the table's nullable columns.
func orderTerms(order []Order, nullable []string, ranked bool) []term {
	out := make([]term, 0, len(order)+1)
	if ranked {
		out = append(out, term{})
	}
	for _, o := range order {
		out = append(out, term{col: o.Field, desc: o.Desc, nullable: slices.Contains(nullable, o.Field)})
	}
	return out
}

// EncodeCursor returns the cursor (FindConfig.Cursor, the list routes'
// cursor parameter) that continues a list of model ordered by order after a
// row whose values of the order's fields are values, in order: the cursor a
// page's Next holds when that row ends it. order is as NormalizeOrder
// returns it, the primary key last. It lets a client start paging by cursor
// after a row it already holds.
func EncodeCursor(model string, order []Order, values []any) (string, error) {
	if len(values) != len(order) {
		return "", fmt.Errorf("sqlb: encode cursor: %d values for %d order fields", len(values), len(order))
	}
	terms := make([]term, len(order))
	for i, o := range order {
		terms[i] = term{col: o.Field, desc: o.Desc}
	}
	return encodeCursor(cursorSig(model, terms), values)
}
