package body_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/body"
)

func decodeErr[T any](t *testing.T, b *body.Body[T], body string) (int, string) {
	t.Helper()
	_, err := b.DecodeBytes([]byte(body))
	if err == nil {
		t.Fatalf("DecodeBytes(%s): no error", body)
	}
	status, m := httpx.Status(err)
	if m.Type != "invalid_data" {
		t.Errorf("type %q", m.Type)
	}
	return status, m.Message
}

func TestBodyAbsentNullValue(t *testing.T) {
	in, err := updateUser.DecodeBytes([]byte(`{"first_name":"Jo","last_name":null,"metadata":{"a":[1,{"b":null}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := in.FirstName.Get(); !ok || v != "Jo" {
		t.Errorf("first_name %+v", in.FirstName)
	}
	if !in.LastName.Set || !in.LastName.Null || in.LastName.Pointer() != nil {
		t.Errorf("last_name %+v", in.LastName)
	}
	if in.AvatarURL.Set {
		t.Errorf("avatar_url should be absent: %+v", in.AvatarURL)
	}
	if m, ok := in.Metadata.Get(); !ok || m["a"] == nil {
		t.Errorf("metadata %+v", in.Metadata)
	}
	out, _ := json.Marshal(in)
	if string(out) != `{"first_name":"Jo","last_name":null,"avatar_url":null,"metadata":{"a":[1,{"b":null}]}}` {
		t.Errorf("marshal %s", out)
	}
	// Empty and whitespace bodies are {}.
	for _, b := range []string{"", "  \n"} {
		in, err := updateUser.DecodeBytes([]byte(b))
		if err != nil || in.FirstName.Set {
			t.Errorf("%q: %v %+v", b, err, in)
		}
	}
}

type address struct {
	City string          `json:"city"`
	Zip  body.Opt[int]   `json:"zip"`
	Tags []string        `json:"tags"`
	Raw  json.RawMessage `json:"raw"`
}

type nested struct {
	Name    string            `json:"name"`
	Count   int               `json:"count"`
	Score   body.Opt[float64] `json:"score"`
	Active  bool              `json:"active"`
	Address address           `json:"address"`
	Extra   any               `json:"extra"`
	Skip    string            `json:"-"`
}

var nestedBody = body.MustBody[nested](
	body.String("name"),
	body.Int("count"),
	body.Number("score").Optional(),
	body.Bool("active"),
	body.Object("address",
		body.String("city"),
		body.Int("zip").Nullish(),
		body.Array("tags", body.String("")),
		body.Any("raw"),
	),
	body.Any("extra").Optional(),
)

func TestBodyNested(t *testing.T) {
	in, err := nestedBody.DecodeBytes([]byte(`{"name":"n","count":3,"active":true,"address":{"city":"c","zip":12,"tags":["a","b"],"raw":[1]},"extra":{"x":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.Count != 3 || in.Address.Zip.Value != 12 || len(in.Address.Tags) != 2 || string(in.Address.Raw) != "[1]" || in.Score.Set {
		t.Errorf("%+v", in)
	}
	for body, want := range map[string]string{
		`{"name":"n","count":1.5,"active":true,"address":{"city":"c","tags":[],"raw":1}}`:                  "Invalid request: Expected type: 'integer' for field 'count', got: 'float'",
		`{"name":"n","count":1,"active":true,"address":{"city":"c","tags":["a",2],"raw":1}}`:               "Invalid request: Expected type: 'string' for field 'address, tags, 1', got: 'number'",
		`{"name":"n","count":1,"active":true,"address":{"city":"c","tags":[],"raw":1,"x":1,"y":2}}`:        "Invalid request: Unrecognized fields: 'x, y'",
		`{"name":"n","count":1,"active":true,"address":{"tags":[],"raw":1}}`:                               "Invalid request: Field 'address, city' is required",
		`{"name":"n","count":1,"active":"yes","address":{"city":"c","tags":[]}}`:                           "Invalid request: Expected type: 'boolean' for field 'active', got: 'string'; Field 'address, raw' is required",
		`{"count":1,"active":true,"address":{"city":"c","tags":[],"raw":1},"score":null}`:                  "Invalid request: Field 'name' is required; Expected type: 'number' for field 'score', got: 'null'",
		`{"name":"n","count":1e400,"active":true,"address":{"city":"c","tags":[],"raw":1}}`:                "Invalid request: Value for field 'count' is out of range",
		`{"name":"n","count":99999999999999999999,"active":true,"address":{"city":"c","tags":[],"raw":1}}`: "Invalid request: Value for field 'count' is out of range for int",
		`{"name":"n","count":1,"active":true,"address":null}`:                                              "Invalid request: Expected type: 'object' for field 'address', got: 'null'",
		`{"a":1,"b":2,"c":3,"d":4}`: "Invalid request: Field 'name' is required; Field 'count' is required; Field 'active' is required",
	} {
		if status, msg := decodeErr(t, nestedBody, body); status != 400 || msg != want {
			t.Errorf("%s:\n got %d %q\nwant %q", body, status, msg, want)
		}
	}
}

// optional mimics framework/opt.Optional: NewBody accepts any Set/Null/Value
// struct with a json.Unmarshaler pointer.
type optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

func TestBodyForeignOptional(t *testing.T) {
	type in struct {
		Name optional[string] `json:"name"`
	}
	b := body.MustBody[in](body.String("name").Nullish())
	v, err := b.DecodeBytes([]byte(`{"name":null}`))
	if err != nil || !v.Name.Set || !v.Name.Null {
		t.Fatalf("%v %+v", err, v)
	}
}

func TestBodyTypedRecord(t *testing.T) {
	type labels struct {
		Labels map[string]string `json:"labels"`
	}
	b := body.MustBody[labels](body.Object("labels"))
	if v, err := b.DecodeBytes([]byte(`{"labels":{"a":"x"}}`)); err != nil || v.Labels["a"] != "x" {
		t.Fatalf("%v %+v", err, v)
	}
	if status, msg := decodeErr(t, b, `{"labels":{"a":1}}`); status != 400 || msg != "Invalid request: Expected type: 'string' for field 'labels', got: 'number'" {
		t.Errorf("%d %q", status, msg)
	}
}

func TestNewBodyChecks(t *testing.T) {
	type s struct {
		A string           `json:"a"`
		B body.Opt[string] `json:"b"`
	}
	cases := map[string]error{}
	_, cases["missing rule for tagged field"] = body.NewBody[s](body.String("a"))
	_, cases["rule without field"] = body.NewBody[s](body.String("a"), body.String("b").Optional(), body.String("c"))
	_, cases["optional on plain field"] = body.NewBody[s](body.String("a").Optional(), body.String("b").Optional())
	_, cases["wrong go type"] = body.NewBody[s](body.Number("a"), body.String("b").Optional())
	_, cases["repeated rule"] = body.NewBody[s](body.String("a"), body.String("a"), body.String("b").Optional())
	_, cases["not a struct"] = body.NewBody[map[string]any]()
	_, cases["object on string"] = body.NewBody[s](body.Object("a"), body.String("b").Optional())
	_, cases["array on string"] = body.NewBody[s](body.Array("a", body.String("")), body.String("b").Optional())
	_, cases["bool on string"] = body.NewBody[s](body.Bool("a"), body.String("b").Optional())
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := body.NewBody[s](body.String("a"), body.String("b").Nullish()); err != nil {
		t.Errorf("valid schema: %v", err)
	}
}

func TestBodyDepthBoundary(t *testing.T) {
	// The body object plus 31 arrays is 32 levels: accepted; one more is not.
	ok := `{"metadata":{"a":` + strings.Repeat("[", 30) + strings.Repeat("]", 30) + `}}`
	if _, err := updateUser.DecodeBytes([]byte(ok)); err != nil {
		t.Errorf("32 levels: %v", err)
	}
	bad := `{"metadata":{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}}`
	if status, msg := decodeErr(t, updateUser, bad); status != 400 || msg != "Invalid request: body is nested too deeply (at most 32 levels)" {
		t.Errorf("%d %q", status, msg)
	}
}

func TestBodyDecodeRequest(t *testing.T) {
	small := createInvite.WithLimit(20)
	for _, c := range []struct {
		name, ct, body string
		chunked        bool
		want           int
	}{
		{"json", "application/json", `{"email":"a@b.c"}`, false, 200},
		{"json charset", "application/json; charset=utf-8", `{"email":"a@b.c"}`, false, 200},
		{"+json", "application/merge-patch+json", `{"email":"a@b.c"}`, false, 200},
		{"no content type", "", `{"email":"a@b.c"}`, false, 200},
		{"text", "text/plain", `{"email":"a@b.c"}`, false, 415},
		{"bad media type", "application/json; ===", `{"email":"a@b.c"}`, false, 415},
		{"over limit", "application/json", `{"email":"abcdefghijklmnop"}`, false, 413},
		{"over limit chunked", "application/json", `{"email":"abcdefghijklmnop"}`, true, 413},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(strings.NewReader(c.body))
		}
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		_, err := small.Decode(req)
		status, _ := httpx.Status(err)
		if status != c.want {
			t.Errorf("%s: %d, want %d (%v)", c.name, status, c.want, err)
		}
	}
	// LimitBody's MaxBytesReader trips while reading a body without length.
	h := httpx.LimitBody(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := createInvite.Decode(r)
		httpx.WriteError(w, r, err)
	}))
	req := httptest.NewRequest("POST", "/", nil)
	req.Body = io.NopCloser(bytes.NewReader([]byte(`{"email":"abcdefghijklmnop"}`)))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "the limit is 10 bytes") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestReadJSON(t *testing.T) {
	for _, c := range []struct {
		name, ct, body string
		want           int
		out            string
	}{
		{"object", "application/json", `{"email":"a","extra":[1]}`, 200, `{"email":"a","extra":[1]}`},
		{"empty", "", ``, 200, `{}`},
		{"array", "", `[1]`, 200, `[1]`},
		{"invalid", "application/json", `{"a":}`, 400, ""},
		{"duplicate", "application/json", `{"a":1,"a":2}`, 400, ""},
		{"utf-8", "application/json", "{\"a\":\"\xff\"}", 400, ""},
		{"content type", "text/plain", `{}`, 415, ""},
		{"too large", "application/json", `{"a":"` + strings.Repeat("x", 200) + `"}`, 413, ""},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		data, err := body.ReadJSON(req, 100)
		status, _ := httpx.Status(err)
		if status != c.want || (err == nil && string(data) != c.out) {
			t.Errorf("%s: %d %q (%v)", c.name, status, data, err)
		}
	}
}
