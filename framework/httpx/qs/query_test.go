package qs_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
)

func mustParse(t *testing.T, s *qs.QuerySpec, raw string) *qs.Query {
	t.Helper()
	q, err := s.ParseRaw(raw)
	if err != nil {
		t.Fatalf("ParseRaw(%q): %v", raw, err)
	}
	return q
}

func parseErr(t *testing.T, s *qs.QuerySpec, raw string) (int, string, string) {
	t.Helper()
	_, err := s.ParseRaw(raw)
	if err == nil {
		t.Fatalf("ParseRaw(%q): no error", raw)
	}
	status, body := httpx.Status(err)
	return status, body.Type, body.Message
}

func TestQueryDefaults(t *testing.T) {
	q := mustParse(t, listUsersQuery, "")
	if q.Limit != 50 || q.Offset != 0 || q.Q != "" || !q.Filter.Empty() {
		t.Errorf("defaults: %+v", q)
	}
	if !reflect.DeepEqual(q.Fields, userFields) {
		t.Errorf("fields %v", q.Fields)
	}
	if !reflect.DeepEqual(q.Order, []qs.Order{{Field: "id"}}) {
		t.Errorf("order %v", q.Order)
	}
}

func TestQueryPagination(t *testing.T) {
	q := mustParse(t, listUsersQuery, "limit=10&offset=20&order=-created_at&q=jo%20hn")
	if q.Limit != 10 || q.Offset != 20 || q.Q != "jo hn" {
		t.Errorf("%+v", q)
	}
	if !reflect.DeepEqual(q.Order, []qs.Order{{Field: "created_at", Desc: true}}) {
		t.Errorf("order %v", q.Order)
	}
	if q := mustParse(t, listUsersQuery, "limit=0"); q.Limit != 0 {
		t.Errorf("limit=0: %d", q.Limit)
	}
}

// TestQueryCursor checks the cursor parameter (a medusa-go extension): a
// string, empty or not, set apart from an absent one; refused with an
// offset, with a list or object, and on a spec without it.
func TestQueryCursor(t *testing.T) {
	for _, c := range []struct {
		raw, cursor string
		set         bool
	}{
		{"", "", false},
		{"cursor=", "", true},
		{"cursor=WyJ1c2VyOmlkIl0&limit=5", "WyJ1c2VyOmlkIl0", true},
		{"cursor=a&offset=0", "a", true},
	} {
		q := mustParse(t, listUsersQuery, c.raw)
		if q.Cursor != c.cursor || q.CursorSet != c.set {
			t.Errorf("%q: cursor %q, set %v; want %q, %v", c.raw, q.Cursor, q.CursorSet, c.cursor, c.set)
		}
	}
	for _, c := range []struct {
		spec     *qs.QuerySpec
		raw, msg string
	}{
		{listUsersQuery, "cursor=a&offset=5", "Invalid request: cursor cannot be combined with an offset"},
		{listUsersQuery, "offset=1&cursor=", "Invalid request: cursor cannot be combined with an offset"},
		{listUsersQuery, "cursor[]=a&cursor[]=b", "Invalid request: Expected type: 'string' for field 'cursor', got: 'array'"},
		{listInvitesQuery, "cursor=a", "Invalid request: Unrecognized fields: 'cursor'"},
	} {
		status, typ, msg := parseErr(t, c.spec, c.raw)
		if status != http.StatusBadRequest || typ != "invalid_data" || !strings.Contains(msg, c.msg) {
			t.Errorf("%q: %d %s %q, want 400 invalid_data %q", c.raw, status, typ, msg, c.msg)
		}
	}
	if _, err := qs.NewQuerySpec(qs.QueryConfig{List: true, Cursor: true, Filters: []qs.FilterField{{Name: "cursor"}}}); err == nil {
		t.Error("a filter named cursor was accepted")
	}
}

func TestQueryLimitBounds(t *testing.T) {
	if q := mustParse(t, listUsersQuery, "limit=1000"); q.Limit != 1000 {
		t.Errorf("limit 1000: %d", q.Limit)
	}
	for raw, want := range map[string]string{
		"limit=1001":    "Invalid request: Value for field 'limit' too big, expected at most: '1000'",
		"limit=-1":      "Invalid request: Value for field 'limit' too small, expected at least: '0'",
		"limit=":        "Invalid request: Expected type: 'number' for field 'limit', got: 'string'",
		"limit=12abc":   "Invalid request: Expected type: 'number' for field 'limit', got: 'nan'",
		"limit=-":       "Invalid request: Expected type: 'number' for field 'limit', got: 'nan'",
		"offset=-1":     "Invalid request: Value for field 'offset' too small, expected at least: '0'",
		"limit[a]=1":    "Invalid request: Expected type: 'number' for field 'limit', got: 'object'",
		"offset=9e9":    "Invalid request: Expected type: 'number' for field 'offset', got: 'nan'",
		"offset=-9e999": "Invalid request: Expected type: 'number' for field 'offset', got: 'nan'",
	} {
		status, typ, msg := parseErr(t, listUsersQuery, raw)
		if status != 400 || typ != "invalid_data" || msg != want {
			t.Errorf("%s: %d %s %q, want 400 invalid_data %q", raw, status, typ, msg, want)
		}
	}
}

func TestQueryFields(t *testing.T) {
	for raw, want := range map[string][]string{
		"fields=email":                  {"id", "email"},
		"fields=email,first_name":       {"id", "email", "first_name"},
		"fields=id,email":               {"id", "email"},
		"fields=%2Bemail":               userFields,
		"fields=+email":                 userFields, // '+' decodes to a space: also "add"
		"fields=-metadata,-deleted_at":  {"id", "first_name", "last_name", "email", "avatar_url", "created_at", "updated_at"},
		"fields=-id":                    userFields, // id always stays
		"fields=":                       userFields,
		"fields=email,-email":           {"id"},
		"fields=email,%2Bfirst_name,,,": {"id", "email", "first_name"},
	} {
		q := mustParse(t, retrieveUserQuery, raw)
		if !reflect.DeepEqual(q.Fields, want) {
			t.Errorf("%s: %v, want %v", raw, q.Fields, want)
		}
	}
	rel := qs.MustQuerySpec(qs.QueryConfig{Defaults: []string{"id", "name"}, Allowed: []string{"id", "name", "roles.id"}, Relations: []string{"roles"}})
	for raw, want := range map[string][]string{
		"fields=*roles":         {"id", "name", "roles.*"},
		"fields=name,roles.*":   {"id", "name", "roles.*"},
		"fields=%2Broles.id":    {"id", "name", "roles.id"},
		"fields=roles.id":       {"id", "roles.id"},
		"fields=*roles,-name":   {"id", "roles.*"},
		"fields=-roles.id,name": {"id", "name"},
	} {
		q := mustParse(t, rel, raw)
		if !reflect.DeepEqual(q.Fields, want) {
			t.Errorf("%s: %v, want %v", raw, q.Fields, want)
		}
	}
	status, typ, msg := parseErr(t, retrieveUserQuery, "fields=email,nope,-bad,*rel")
	if status != 400 || typ != "invalid_data" || msg != "Requested fields [nope, bad, *rel] are not valid" {
		t.Errorf("%d %s %q", status, typ, msg)
	}
}

func TestQueryOrder(t *testing.T) {
	s := qs.MustQuerySpec(qs.QueryConfig{Defaults: []string{"id", "email", "token"}, Orderable: []string{"id", "email"}, List: true})
	if q := mustParse(t, s, "order=email"); !reflect.DeepEqual(q.Order, []qs.Order{{Field: "email"}}) {
		t.Errorf("%v", q.Order)
	}
	if q := mustParse(t, s, ""); q.Order != nil {
		t.Errorf("no default order: %v", q.Order)
	}
	if _, _, msg := parseErr(t, s, "order=-token"); msg != "Order field token is not valid" {
		t.Errorf("%q", msg)
	}
}

func conds(f qs.Filter) []qs.Cond { return f.Conds }

func TestQueryFilters(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		raw  string
		want []qs.Cond
	}{
		{"id=a", []qs.Cond{{Field: "id", Op: qs.OpEq, Values: []any{"a"}}}},
		{"id=a,b", []qs.Cond{{Field: "id", Op: qs.OpEq, Values: []any{"a,b"}}}}, // as Medusa: a plain value is not split
		{"id=a&id=b", []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"id=a&id=b,c", []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"a", "b,c"}}}},
		{"id[]=a,b", []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"id[]=a&id[]=b", []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"id%5B1%5D=b&id%5B0%5D=a", []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"email[$in][]=a&email[$in][]=b", []qs.Cond{{Field: "email", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"email[$in]=a,b", []qs.Cond{{Field: "email", Op: qs.OpIn, Values: []any{"a", "b"}}}},
		{"email%5B%24in%5D%5B0%5D=a%40x.io", []qs.Cond{{Field: "email", Op: qs.OpIn, Values: []any{"a@x.io"}}}},
		{"email[$nin][]=a,b", []qs.Cond{{Field: "email", Op: qs.OpNin, Values: []any{"a", "b"}}}},
		{"email[$ilike]=%25jo%25&email[$ne]=x", []qs.Cond{{Field: "email", Op: qs.OpNe, Values: []any{"x"}}, {Field: "email", Op: qs.OpILike, Values: []any{"%jo%"}}}},
		{"email[$like]=a&email[$re]=b&email[$contains]=c&email[$eq]=d", []qs.Cond{
			{Field: "email", Op: qs.OpEq, Values: []any{"d"}}, {Field: "email", Op: qs.OpLike, Values: []any{"a"}},
			{Field: "email", Op: qs.OpRe, Values: []any{"b"}}, {Field: "email", Op: qs.OpContains, Values: []any{"c"}}}},
		{"created_at[$gte]=2024-01-02T03:04:05Z&created_at[$lt]=2024-01-02", []qs.Cond{
			{Field: "created_at", Op: qs.OpGte, Values: []any{t0}}, {Field: "created_at", Op: qs.OpLt, Values: []any{time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}}}},
		{"created_at.$gt=2024-01-02T03:04:05Z", []qs.Cond{{Field: "created_at", Op: qs.OpGt, Values: []any{t0}}}},
		{"created_at=2024-01-02T03:04:05Z", []qs.Cond{{Field: "created_at", Op: qs.OpEq, Values: []any{t0}}}},
		{"first_name=Jo&id=x", []qs.Cond{{Field: "id", Op: qs.OpEq, Values: []any{"x"}}, {Field: "first_name", Op: qs.OpEq, Values: []any{"Jo"}}}},
	} {
		q := mustParse(t, listUsersQuery, c.raw)
		if got := conds(q.Filter); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.raw, got, c.want)
		}
	}
}

func TestQueryAndOr(t *testing.T) {
	q := mustParse(t, listInvitesQuery, "$or[0][email]=a&$or[1][id][]=x,y&$and[0][created_at][$gte]=2024-01-01&email=z")
	want := qs.Filter{
		Conds: []qs.Cond{{Field: "email", Op: qs.OpEq, Values: []any{"z"}}},
		And:   []qs.Filter{{Conds: []qs.Cond{{Field: "created_at", Op: qs.OpGte, Values: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}}}},
		Or: []qs.Filter{
			{Conds: []qs.Cond{{Field: "email", Op: qs.OpEq, Values: []any{"a"}}}},
			{Conds: []qs.Cond{{Field: "id", Op: qs.OpIn, Values: []any{"x", "y"}}}},
		},
	}
	if !reflect.DeepEqual(q.Filter, want) {
		t.Errorf("got %#v\nwant %#v", q.Filter, want)
	}
	// Nested $and inside $or.
	q = mustParse(t, listInvitesQuery, "$or[0][$and][0][email]=a")
	if len(q.Filter.Or) != 1 || len(q.Filter.Or[0].And) != 1 || q.Filter.Or[0].And[0].Conds[0].Values[0] != "a" {
		t.Errorf("nested: %#v", q.Filter)
	}
	if _, _, msg := parseErr(t, listInvitesQuery, "$or[0]=a"); msg != "Invalid request: Expected type: 'object' for field '$or, 0', got: 'string'" {
		t.Errorf("%q", msg)
	}
}

func TestQueryTypedFilters(t *testing.T) {
	s := qs.MustQuerySpec(qs.QueryConfig{List: true, Filters: []qs.FilterField{
		{Name: "n", Type: qs.TypeNumber, Array: true, Ops: qs.OpsCompare},
		{Name: "b", Type: qs.TypeBool},
	}})
	q := mustParse(t, s, "n[$lte]=9&n[$gt]=1.5&n[$in]=1,2&n[$ne]=-3e2&n[$nin][]=4&n[$gte]=0&n[$lt]=10&n[$eq]=5&b=true")
	want := []qs.Cond{
		{Field: "n", Op: qs.OpEq, Values: []any{5.0}},
		{Field: "n", Op: qs.OpNe, Values: []any{-300.0}},
		{Field: "n", Op: qs.OpIn, Values: []any{1.0, 2.0}},
		{Field: "n", Op: qs.OpNin, Values: []any{4.0}},
		{Field: "n", Op: qs.OpGt, Values: []any{1.5}},
		{Field: "n", Op: qs.OpGte, Values: []any{0.0}},
		{Field: "n", Op: qs.OpLt, Values: []any{10.0}},
		{Field: "n", Op: qs.OpLte, Values: []any{9.0}},
		{Field: "b", Op: qs.OpEq, Values: []any{true}},
	}
	if !reflect.DeepEqual(q.Filter.Conds, want) {
		t.Errorf("got %#v", q.Filter.Conds)
	}
	for raw, want := range map[string]string{
		"n=x":         "Invalid request: Expected type: 'number' for field 'n', got: 'nan'",
		"n=NaN":       "Invalid request: Expected type: 'number' for field 'n', got: 'nan'",
		"n[]=1,x":     "Invalid request: Expected type: 'number' for field 'n, 1', got: 'nan'",
		"b=yes":       "Invalid request: Expected type: 'boolean' for field 'b', got: 'string'",
		"n[$like]=1":  "Invalid request: Unrecognized fields: '$like'",
		"n[$in][a]=1": "Invalid request: Expected type: 'array' for field 'n, $in', got: 'object'",
	} {
		if _, _, msg := parseErr(t, s, raw); msg != want {
			t.Errorf("%s: %q, want %q", raw, msg, want)
		}
	}
}

func TestQueryIssuesOrderAndLimit(t *testing.T) {
	// Known keys in schema order, then unrecognised keys; three issues at most.
	_, _, msg := parseErr(t, listUsersQuery, "zzz=1&limit=x&fields=a&fields=b&yyy=2&offset=y")
	want := "Invalid request: Expected type: 'string' for field 'fields', got: 'array'; Expected type: 'number' for field 'offset', got: 'nan'; Expected type: 'number' for field 'limit', got: 'nan'"
	if msg != want {
		t.Errorf("%q\nwant %q", msg, want)
	}
	_, _, msg = parseErr(t, listUsersQuery, "zzz=1&yyy=2")
	if msg != "Invalid request: Unrecognized fields: 'zzz, yyy'" {
		t.Errorf("%q", msg)
	}
}

func TestQueryParams(t *testing.T) {
	q := mustParse(t, acceptQuery, "token=abc.def&fields=email")
	if q.Params["token"] != "abc.def" || !reflect.DeepEqual(q.Fields, []string{"id", "email"}) {
		t.Errorf("%+v", q)
	}
	if _, _, msg := parseErr(t, acceptQuery, "token[]=a"); msg != "Invalid request: Expected type: 'string' for field 'token', got: 'array'" {
		t.Errorf("%q", msg)
	}
}

func TestQueryKeyAccessorDepth(t *testing.T) {
	status, typ, msg := parseErr(t, listUsersQuery, "created_at.%24gte.x=1")
	if status != 400 || typ != "invalid_argument" || msg != "Key accessor more than 2 levels deep: created_at.$gte.x" {
		t.Errorf("%d %s %q", status, typ, msg)
	}
	_, err := listUsersQuery.ParseRaw("a.b.c=1")
	if !merrors.Is(err, merrors.InvalidArgument) {
		t.Errorf("errors.As finds no invalid_argument: %v", err)
	}
}

func TestQueryLimitsOfParser(t *testing.T) {
	raw := ""
	for i := 0; i <= qs.MaxQueryParams; i++ {
		raw += "q=1&"
	}
	if _, _, msg := parseErr(t, listUsersQuery, raw); msg != "Invalid request: too many query parameters (at most 1000)" {
		t.Errorf("%q", msg)
	}
	// Index beyond MaxArrayIndex is an object key, so a type error, not an allocation.
	if _, _, msg := parseErr(t, listUsersQuery, "id[1000]=a"); msg != "Invalid request: Expected type: 'string' for field 'id', got: 'object'" {
		t.Errorf("%q", msg)
	}
	// Malformed brackets keep the key whole (as qs does): an unknown parameter.
	if _, _, msg := parseErr(t, listUsersQuery, "id[a=1"); msg != "Invalid request: Unrecognized fields: 'id[a'" {
		t.Errorf("%q", msg)
	}
}

func TestQuerySpecValidation(t *testing.T) {
	for name, cfg := range map[string]qs.QueryConfig{
		"default not allowed":    {Defaults: []string{"a"}, Allowed: []string{"b"}},
		"reserved filter":        {Filters: []qs.FilterField{{Name: "limit"}}},
		"repeated filter":        {Filters: []qs.FilterField{{Name: "a"}, {Name: "a"}}},
		"param clashes":          {Filters: []qs.FilterField{{Name: "a"}}, Params: []qs.Param{{Name: "a"}}},
		"default order unknown":  {Defaults: []string{"id"}, DefaultOrder: "-x"},
		"default limit over max": {DefaultLimit: 10, MaxLimit: 5},
	} {
		if _, err := qs.NewQuerySpec(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestQueryParseRequest(t *testing.T) {
	req, _ := http.NewRequest("GET", "/admin/users?limit=3", nil)
	q, err := listUsersQuery.Parse(req)
	if err != nil || q.Limit != 3 {
		t.Fatalf("%v %+v", err, q)
	}
}

func TestErrorListsAreBounded(t *testing.T) {
	var parts []string
	for i := 0; i < 50; i++ {
		parts = append(parts, fmt.Sprintf("unknown_%d=1", i))
	}
	parts = append(parts, strings.Repeat("k", 500)+"=1")
	_, _, msg := parseErr(t, listUsersQuery, strings.Join(parts, "&"))
	if msg != "Invalid request: Unrecognized fields: 'unknown_0, unknown_1, unknown_2, unknown_3, unknown_4, unknown_5, unknown_6, unknown_7, unknown_8, unknown_9, …'" {
		t.Errorf("%q", msg)
	}
	_, _, msg = parseErr(t, retrieveUserQuery, "fields="+strings.Repeat("x", 300))
	if msg != "Requested fields ["+strings.Repeat("x", 100)+"…] are not valid" {
		t.Errorf("%q", msg)
	}
}

func TestOpSets(t *testing.T) {
	if qs.OpsAll != qs.Ops(qs.OpEq, qs.OpNe, qs.OpIn, qs.OpNin, qs.OpLike, qs.OpILike, qs.OpRe, qs.OpContains, qs.OpGt, qs.OpGte, qs.OpLt, qs.OpLte) {
		t.Error("OpsAll")
	}
	if qs.OpsCompare != qs.Ops(qs.OpEq, qs.OpNe, qs.OpIn, qs.OpNin, qs.OpGt, qs.OpGte, qs.OpLt, qs.OpLte) {
		t.Error("OpsCompare")
	}
	if qs.OpsEquality != qs.Ops(qs.OpEq, qs.OpNe, qs.OpIn, qs.OpNin) {
		t.Error("OpsEquality")
	}
	if qs.OpsAll.Has("$and") || qs.OpsAll.Has("") || !qs.OpsCompare.Has(qs.OpLte) || qs.OpsCompare.Has(qs.OpLike) {
		t.Error("Has")
	}
}
