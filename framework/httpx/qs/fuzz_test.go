package qs_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
)

var fuzzSpec = qs.MustQuerySpec(qs.QueryConfig{
	Defaults:     []string{"id", "email", "created_at"},
	Allowed:      []string{"id", "email", "created_at", "roles.id"},
	Relations:    []string{"roles"},
	List:         true,
	Search:       true,
	AndOr:        true,
	DefaultOrder: "-created_at",
	MaxLimit:     500,
	Filters: []qs.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: qs.OpsAll},
		{Name: "n", Type: qs.TypeNumber, Array: true, Ops: qs.OpsCompare},
		{Name: "b", Type: qs.TypeBool},
		{Name: "created_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
	},
	Params: []qs.Param{{Name: "token"}},
})

// FuzzParseQuery checks that any query string either parses into a query
// within the spec's bounds or fails with a 4xx Medusa error; never a panic
// or a 5xx. Seeds live in testdata/fuzz/FuzzParseQuery.
func FuzzParseQuery(f *testing.F) {
	f.Add("limit=10&offset=5&order=email&fields=%2Broles.id&email[$in][]=a,b&$or[0][n][$gt]=1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := fuzzSpec.ParseRaw(raw)
		if err != nil {
			status, body := httpx.Status(err)
			var me *merrors.Error
			if status < 400 || status >= 500 || body.Type == "" || body.Message == "" || !errors.As(err, &me) {
				t.Fatalf("ParseRaw(%q): status %d body %+v (%v)", raw, status, body, err)
			}
			return
		}
		if q.Limit < 0 || q.Limit > 500 || q.Offset < 0 {
			t.Fatalf("ParseRaw(%q): limit %d offset %d", raw, q.Limit, q.Offset)
		}
		for _, f := range q.Fields {
			switch f {
			case "id", "email", "created_at", "roles.id", "roles.*":
			default:
				t.Fatalf("ParseRaw(%q): field %q not allowed", raw, f)
			}
		}
		if len(q.Order) != 1 {
			t.Fatalf("ParseRaw(%q): order %v", raw, q.Order)
		}
		switch q.Order[0].Field {
		case "id", "email", "created_at", "roles.id":
		default:
			t.Fatalf("ParseRaw(%q): order field %q", raw, q.Order[0].Field)
		}
		checkFilter(t, raw, q.Filter)
	})
}

func checkFilter(t *testing.T, raw string, f qs.Filter) {
	for _, c := range f.Conds {
		if len(c.Values) == 0 && c.Op != qs.OpIn && c.Op != qs.OpNin {
			t.Fatalf("ParseRaw(%q): %+v without value", raw, c)
		}
		if c.Op != qs.OpIn && c.Op != qs.OpNin && len(c.Values) != 1 {
			t.Fatalf("ParseRaw(%q): %+v has %d values", raw, c, len(c.Values))
		}
		for _, v := range c.Values {
			ok := false
			switch c.Field {
			case "id", "email":
				_, ok = v.(string)
			case "n":
				_, ok = v.(float64)
				ok = ok && c.Op != qs.OpLike
			case "b":
				_, ok = v.(bool)
				ok = ok && c.Op == qs.OpEq
			case "created_at":
				_, ok = v.(time.Time)
			}
			if !ok {
				t.Fatalf("ParseRaw(%q): %+v has value %T", raw, c, v)
			}
		}
		if c.Field == "id" && c.Op != qs.OpEq && c.Op != qs.OpIn {
			t.Fatalf("ParseRaw(%q): id with %s", raw, c.Op)
		}
		if !strings.HasPrefix(string(c.Op), "$") {
			t.Fatalf("ParseRaw(%q): op %q", raw, c.Op)
		}
	}
	for _, s := range f.And {
		checkFilter(t, raw, s)
	}
	for _, s := range f.Or {
		checkFilter(t, raw, s)
	}
}
