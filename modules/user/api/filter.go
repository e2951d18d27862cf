package api

import (
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// applyCond adds one parsed query condition to a typed service filter.
// Values arrive typed by the route's FilterField (string or time.Time here).
func applyCond[T comparable](f *sqlb.Filter[T], c qs.Cond) error {
	vals := make([]T, 0, len(c.Values))
	for _, v := range c.Values {
		t, ok := v.(T)
		if !ok {
			return merrors.New(merrors.InvalidData, "Invalid request: Expected type: '%T' for field '%s', got: '%T'", *new(T), c.Field, v)
		}
		vals = append(vals, t)
	}
	one := func() *T {
		if len(vals) == 0 {
			return nil
		}
		v := vals[0]
		return &v
	}
	var g sqlb.Filter[T]
	switch c.Op {
	case qs.OpEq:
		g.Eq = one()
	case qs.OpNe:
		g.Ne = one()
	case qs.OpIn:
		g.SetIn(vals)
	case qs.OpNin:
		g.Nin = vals
	case qs.OpGt:
		g.Gt = one()
	case qs.OpGte:
		g.Gte = one()
	case qs.OpLt:
		g.Lt = one()
	case qs.OpLte:
		g.Lte = one()
	case qs.OpLike, qs.OpILike:
		s, ok := any(*one()).(string)
		if !ok {
			return merrors.New(merrors.InvalidData, "Invalid request: operator %s needs a text field, not '%s'", c.Op, c.Field)
		}
		if c.Op == qs.OpLike {
			g.Like = &s
		} else {
			g.ILike = &s
		}
	default:
		return merrors.New(merrors.InvalidData, "Invalid request: operator %s is not supported on '%s'", c.Op, c.Field)
	}
	*f = f.And(g)
	return nil
}

// fieldSetter applies a condition to one typed field of a service filter.
type fieldSetter func(c qs.Cond) error

func stringField(f *sqlb.Filter[string]) fieldSetter {
	return func(c qs.Cond) error { return applyCond(f, c) }
}

func boolField(f *sqlb.Filter[bool]) fieldSetter {
	return func(c qs.Cond) error { return applyCond(f, c) }
}

func timeField(f *sqlb.Filter[time.Time]) fieldSetter {
	return func(c qs.Cond) error { return applyCond(f, c) }
}

// build converts a parsed filter tree into a typed one with fields, which
// maps a field name of the target filter to its setter, and nest, which
// converts sub-filters of $and/$or.
func build[F any](src qs.Filter, fields func(*F) map[string]fieldSetter, and, or func(*F, []F)) (F, error) {
	var out F
	var set map[string]fieldSetter // made on the first condition: most lists have none
	for _, c := range src.Conds {
		if set == nil {
			set = fields(&out)
		}
		s, ok := set[c.Field]
		if !ok {
			return out, merrors.New(merrors.InvalidData, "Invalid request: Unrecognized fields: '%s'", c.Field)
		}
		if err := s(c); err != nil {
			return out, err
		}
	}
	conv := func(list []qs.Filter) ([]F, error) {
		var fs []F
		for _, sub := range list {
			f, err := build(sub, fields, and, or)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		return fs, nil
	}
	a, err := conv(src.And)
	if err != nil {
		return out, err
	}
	o, err := conv(src.Or)
	if err != nil {
		return out, err
	}
	if len(a) > 0 {
		and(&out, a)
	}
	if len(o) > 0 {
		or(&out, o)
	}
	return out, nil
}

// findConfig turns the parsed query into the service's FindConfig.
func findConfig(q *qs.Query) sqlb.FindConfig {
	cfg := sqlb.FindConfig{Select: q.Fields, Skip: q.Offset, Take: q.Limit, Cursor: q.Cursor}
	for _, o := range q.Order {
		cfg.Order = append(cfg.Order, sqlb.Order{Field: o.Field, Desc: o.Desc})
	}
	return cfg
}
