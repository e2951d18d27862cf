package httpx_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

var fuzzSpec = httpx.MustQuerySpec(httpx.QueryConfig{
	Defaults:     []string{"id", "email", "created_at"},
	Allowed:      []string{"id", "email", "created_at", "roles.id"},
	Relations:    []string{"roles"},
	List:         true,
	Search:       true,
	AndOr:        true,
	DefaultOrder: "-created_at",
	MaxLimit:     500,
	Filters: []httpx.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: httpx.OpsAll},
		{Name: "n", Type: httpx.TypeNumber, Array: true, Ops: httpx.OpsCompare},
		{Name: "b", Type: httpx.TypeBool},
		{Name: "created_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
	},
	Params: []httpx.Param{{Name: "token"}},
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

func checkFilter(t *testing.T, raw string, f httpx.Filter) {
	for _, c := range f.Conds {
		if len(c.Values) == 0 && c.Op != httpx.OpIn && c.Op != httpx.OpNin {
			t.Fatalf("ParseRaw(%q): %+v without value", raw, c)
		}
		if c.Op != httpx.OpIn && c.Op != httpx.OpNin && len(c.Values) != 1 {
			t.Fatalf("ParseRaw(%q): %+v has %d values", raw, c, len(c.Values))
		}
		for _, v := range c.Values {
			ok := false
			switch c.Field {
			case "id", "email":
				_, ok = v.(string)
			case "n":
				_, ok = v.(float64)
				ok = ok && c.Op != httpx.OpLike
			case "b":
				_, ok = v.(bool)
				ok = ok && c.Op == httpx.OpEq
			case "created_at":
				_, ok = v.(time.Time)
			}
			if !ok {
				t.Fatalf("ParseRaw(%q): %+v has value %T", raw, c, v)
			}
		}
		if c.Field == "id" && c.Op != httpx.OpEq && c.Op != httpx.OpIn {
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

// FuzzDecodeBody checks that any body either decodes or fails with a 4xx
// invalid_data error; never a panic or a 5xx.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"first_name":"a","metadata":{"x":[1,{"y":null}]}}`, `{"first_name":1}`, `[]`, `{"name":"n","count":1,"active":true,"address":{"city":"c","tags":["a"],"raw":1}}`, "{\"a\":\"\xff\"}", `{"count":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) error{
			func(b []byte) error { _, err := updateUser.DecodeBytes(b); return err },
			func(b []byte) error { _, err := nestedBody.DecodeBytes(b); return err },
		} {
			err := decode(data)
			if err == nil {
				continue
			}
			status, body := httpx.Status(err)
			if status != 400 || body.Type != "invalid_data" || !strings.HasPrefix(body.Message, "Invalid request: ") {
				t.Fatalf("%q: %d %+v", data, status, body)
			}
		}
	})
}
