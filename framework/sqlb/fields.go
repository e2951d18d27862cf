package sqlb

import (
	"slices"
	"strings"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Columns validates a FindConfig.Select against a model's fields and returns
// the columns to read, in definition order, the primary key always
// included. An empty select means every field.
func Columns(model string, all []string, pk string, sel []string) ([]string, error) {
	if len(sel) == 0 {
		return all, nil
	}
	for _, s := range sel {
		if !slices.Contains(all, s) {
			return nil, merrors.New(merrors.InvalidData, "Invalid field %q in select for %s; valid fields: %s", s, model, strings.Join(all, ", "))
		}
	}
	out := make([]string, 0, len(sel)+1)
	for _, c := range all {
		if c == pk || slices.Contains(sel, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// NormalizeOrder validates order terms against the sortable fields and
// appends the primary key as a tie-breaker (in the direction of the last
// term). With no terms the order is the primary key ascending (Medusa's
// default).
func NormalizeOrder(model string, sortable []string, pk string, order []Order) ([]Order, error) {
	if len(order) == 0 {
		return []Order{{Field: pk}}, nil
	}
	out := make([]Order, 0, len(order)+1)
	hasPK := false
	for _, o := range order {
		if !slices.Contains(sortable, o.Field) {
			return nil, merrors.New(merrors.InvalidData, "Invalid order field %q for %s; sortable fields: %s", o.Field, model, strings.Join(sortable, ", "))
		}
		hasPK = hasPK || o.Field == pk
		out = append(out, o)
	}
	if !hasPK {
		out = append(out, Order{Field: pk, Desc: out[len(out)-1].Desc})
	}
	return out, nil
}

// Unique returns vs without duplicates, in first-seen order.
func Unique[T comparable](vs []T) []T { return dedup(vs) }

// smallSet is the length up to which Unique, Missing and the In filters
// compare values pairwise; above it they use a map, since pairwise the cost
// grows with the square of the length (100,000 ids: half a minute).
const smallSet = 32

// Missing returns the values of want that are not in got.
func Missing[T comparable](want, got []T) []T {
	var out []T
	if len(got) > smallSet {
		have := make(map[T]struct{}, len(got))
		for _, g := range got {
			have[g] = struct{}{}
		}
		for _, w := range want {
			if _, ok := have[w]; !ok {
				out = append(out, w)
			}
		}
		return out
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}

// Contains wraps q for a substring ILIKE match ("%q%").
func Contains(q string) string { return "%" + q + "%" }

// WithOrderColumns returns cols plus the order fields it lacks: they are read
// (so that Cursor works on a page read with a narrow select) but not
// rendered.
func WithOrderColumns(cols []string, order []Order) []string {
	out := cols
	for _, o := range order {
		if !slices.Contains(out, o.Field) {
			if len(out) == len(cols) {
				out = slices.Clone(cols)
			}
			out = append(out, o.Field)
		}
	}
	return out
}

// withAlso returns read plus the columns of also (that are fields of the
// model) it lacks: read but not rendered, like order columns.
func withAlso(read, fields, also []string) []string {
	out := read
	for _, c := range also {
		if !slices.Contains(out, c) && slices.Contains(fields, c) {
			if len(out) == len(read) {
				out = slices.Clone(read)
			}
			out = append(out, c)
		}
	}
	return out
}
