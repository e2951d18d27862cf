package sqlb

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Filter holds the operators Medusa accepts on a field. The zero Filter
// filters nothing. Every operator set is ANDed. Like and ILike apply to text
// fields only.
type Filter[T comparable] struct {
	Eq     *T
	Ne     *T
	In     []T
	Nin    []T
	Gt     *T
	Gte    *T
	Lt     *T
	Lte    *T
	Like   *string
	ILike  *string
	IsNull *bool
	// inSet records that In was given, even empty (which matches nothing).
	inSet bool
}

// Eq filters on equality.
func Eq[T comparable](v T) Filter[T] { return Filter[T]{Eq: &v} }

// In filters on membership; an empty list matches nothing. Duplicates are
// removed.
func In[T comparable](vs ...T) Filter[T] { return Filter[T]{In: vs, inSet: true} }

// Ne filters on inequality.
func Ne[T comparable](v T) Filter[T] { return Filter[T]{Ne: &v} }

// Nin filters on non-membership.
func Nin[T comparable](vs ...T) Filter[T] { return Filter[T]{Nin: vs} }

// Gt, Gte, Lt and Lte filter on order.
func Gt[T comparable](v T) Filter[T]  { return Filter[T]{Gt: &v} }
func Gte[T comparable](v T) Filter[T] { return Filter[T]{Gte: &v} }
func Lt[T comparable](v T) Filter[T]  { return Filter[T]{Lt: &v} }
func Lte[T comparable](v T) Filter[T] { return Filter[T]{Lte: &v} }

// Like and ILike filter text with a SQL pattern.
func Like(p string) Filter[string]  { return Filter[string]{Like: &p} }
func ILike(p string) Filter[string] { return Filter[string]{ILike: &p} }

// IsNull filters on null (true) or not null (false).
func IsNull[T comparable](null bool) Filter[T] { return Filter[T]{IsNull: &null} }

// And merges two filters on the same field (both must hold).
func (f Filter[T]) And(g Filter[T]) Filter[T] {
	pick := func(a, b *T) *T {
		if b != nil {
			return b
		}
		return a
	}
	out := f
	out.Eq, out.Ne, out.Gt, out.Gte, out.Lt, out.Lte = pick(f.Eq, g.Eq), pick(f.Ne, g.Ne), pick(f.Gt, g.Gt), pick(f.Gte, g.Gte), pick(f.Lt, g.Lt), pick(f.Lte, g.Lte)
	if g.inSet || g.In != nil {
		out.In, out.inSet = g.In, true
	}
	if g.Nin != nil {
		out.Nin = g.Nin
	}
	if g.Like != nil {
		out.Like = g.Like
	}
	if g.ILike != nil {
		out.ILike = g.ILike
	}
	if g.IsNull != nil {
		out.IsNull = g.IsNull
	}
	return out
}

// SetIn sets the In list and marks it given (so an empty list matches
// nothing); for decoders.
func (f *Filter[T]) SetIn(vs []T) { f.In, f.inSet = vs, true }

// Active reports whether any operator is set.
func (f Filter[T]) Active() bool {
	return f.Eq != nil || f.Ne != nil || f.In != nil || f.inSet || f.Nin != nil || f.Gt != nil || f.Gte != nil || f.Lt != nil || f.Lte != nil || f.Like != nil || f.ILike != nil || f.IsNull != nil
}

// ErrLikeOnNonText is returned when Like or ILike is used on a non-text field.
var ErrLikeOnNonText = errors.New("like/ilike apply to text fields only")

func dedup[T comparable](vs []T) []T {
	out := make([]T, 0, len(vs))
	if len(vs) > smallSet {
		seen := make(map[T]struct{}, len(vs))
		for _, v := range vs {
			if _, dup := seen[v]; !dup {
				seen[v] = struct{}{}
				out = append(out, v)
			}
		}
		return out
	}
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Apply adds f's predicates on column col (already quoted) to w. text says
// whether the column is text (Like/ILike allowed).
func (f Filter[T]) Apply(w *Where, col string, text bool) error {
	if f.Eq != nil {
		w.Add(col + " = " + w.Arg(*f.Eq))
	}
	if f.Ne != nil {
		w.Add(col + " <> " + w.Arg(*f.Ne))
	}
	if f.In != nil || f.inSet {
		vs := dedup(f.In)
		switch len(vs) {
		case 0:
			w.Add("false")
		case 1:
			w.Add(col + " = " + w.Arg(vs[0]))
		default:
			w.Add(col + " = ANY(" + w.Arg(vs) + ")")
		}
	}
	if len(f.Nin) > 0 {
		w.Add("NOT (" + col + " = ANY(" + w.Arg(dedup(f.Nin)) + "))")
	}
	for _, op := range []struct {
		v  *T
		op string
	}{{f.Gt, ">"}, {f.Gte, ">="}, {f.Lt, "<"}, {f.Lte, "<="}} {
		if op.v != nil {
			w.Add(col + " " + op.op + " " + w.Arg(*op.v))
		}
	}
	if f.Like != nil || f.ILike != nil {
		if !text {
			return fmt.Errorf("%s: %w", strings.Trim(col, `"`), ErrLikeOnNonText)
		}
		if f.Like != nil {
			w.Add(col + " LIKE " + w.Arg(*f.Like))
		}
		if f.ILike != nil {
			w.Add(col + " ILIKE " + w.Arg(*f.ILike))
		}
	}
	if f.IsNull != nil {
		if *f.IsNull {
			w.Add(col + " IS NULL")
		} else {
			w.Add(col + " IS NOT NULL")
		}
	}
	return nil
}

// ApplyFolded is Apply for a case-insensitive text column (dml
// Field.CaseInsensitive): Eq, Ne, In and Nin compare lower(col) with the
// lower-cased values, both lowered by Postgres (so that they agree with
// the lower(col) index the column has), and the other operators apply as
// they are.
func ApplyFolded(f Filter[string], w *Where, col string) error {
	key := "lower(" + col + ")"
	if f.Eq != nil {
		w.Add(key + " = lower(" + w.Arg(*f.Eq) + ")")
	}
	if f.Ne != nil {
		w.Add(key + " <> lower(" + w.Arg(*f.Ne) + ")")
	}
	if f.In != nil || f.inSet {
		vs := dedup(f.In)
		switch len(vs) {
		case 0:
			w.Add("false")
		case 1:
			w.Add(key + " = lower(" + w.Arg(vs[0]) + ")")
		default:
			w.Add(key + " = ANY(" + lowerArray(w.Arg(vs)) + ")")
		}
	}
	if len(f.Nin) > 0 {
		w.Add("NOT (" + key + " = ANY(" + lowerArray(w.Arg(dedup(f.Nin))) + "))")
	}
	rest := f
	rest.Eq, rest.Ne, rest.In, rest.Nin, rest.inSet = nil, nil, nil, nil, false
	return rest.Apply(w, col, true)
}

// lowerArray is the SQL of the text array placeholder p with each element
// lower-cased.
func lowerArray(p string) string {
	return "ARRAY(SELECT lower(v) FROM unnest(" + p + "::text[]) AS v)"
}
