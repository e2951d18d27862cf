package httpx_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestMalformedRequests sends bad requests to the test route set: every one
// must get a 4xx with a Medusa-shaped body ({type, message}, or the bare
// {"message":"Unauthorized"}), never a 5xx. want is the status; msg a
// substring of the message.
func TestMalformedRequests(t *testing.T) {
	app := newTestApp(t, nil)
	tok := app.userToken(t)
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	big := `{"email":"` + strings.Repeat("a", 5000) + `"}`
	cases := []struct {
		name, method, target string
		body                 []byte
		token                string
		contentType          string
		want                 int
		msg                  string
	}{
		// Bodies.
		{"wrong type string", "POST", "/admin/invites", []byte(`{"email":1}`), tok, "", 400, "Invalid request: Expected type: 'string' for field 'email', got: 'number'"},
		{"wrong type bool", "POST", "/admin/invites", []byte(`{"email":true}`), tok, "", 400, "got: 'boolean'"},
		{"wrong type array", "POST", "/admin/invites", []byte(`{"email":["a"]}`), tok, "", 400, "got: 'array'"},
		{"wrong type object", "POST", "/admin/invites", []byte(`{"email":{}}`), tok, "", 400, "got: 'object'"},
		{"null not nullable", "POST", "/admin/invites", []byte(`{"email":null}`), tok, "", 400, "Expected type: 'string' for field 'email', got: 'null'"},
		{"missing required", "POST", "/admin/invites", []byte(`{}`), tok, "", 400, "Invalid request: Field 'email' is required"},
		{"empty body", "POST", "/admin/invites", nil, tok, "", 400, "Field 'email' is required"},
		{"unknown field", "POST", "/admin/invites", []byte(`{"email":"a@b.c","foo":1}`), tok, "", 400, "Invalid request: Unrecognized fields: 'foo'"},
		{"unknown fields listed", "POST", "/admin/users/u1", []byte(`{"foo":1,"bar":2}`), tok, "", 400, "Unrecognized fields: 'foo, bar'"},
		{"email not updatable", "POST", "/admin/users/u1", []byte(`{"email":"x@y.z"}`), tok, "", 400, "Unrecognized fields: 'email'"},
		{"metadata not object", "POST", "/admin/users/u1", []byte(`{"metadata":"x"}`), tok, "", 400, "Expected type: 'object' for field 'metadata', got: 'string'"},
		{"metadata array", "POST", "/admin/users/u1", []byte(`{"metadata":[1]}`), tok, "", 400, "got: 'array'"},
		{"three issues max", "POST", "/admin/users/u1", []byte(`{"first_name":1,"last_name":2,"avatar_url":3,"metadata":4}`), tok, "", 400, "got: 'number'; Expected type: 'string' for field 'last_name', got: 'number'; Expected type: 'string' for field 'avatar_url', got: 'number'"},
		{"top-level array", "POST", "/admin/invites", []byte(`[{"email":"a"}]`), tok, "", 400, "Expected type: 'object' for field '', got: 'array'"},
		{"top-level string", "POST", "/admin/invites", []byte(`"x"`), tok, "", 400, "got: 'string'"},
		{"top-level null", "POST", "/admin/invites", []byte(`null`), tok, "", 400, "got: 'null'"},
		{"invalid json", "POST", "/admin/invites", []byte(`{"email":`), tok, "", 400, "not valid JSON"},
		{"invalid json token", "POST", "/admin/invites", []byte(`{email:"a"}`), tok, "", 400, "not valid JSON"},
		{"trailing comma", "POST", "/admin/invites", []byte(`{"email":"a",}`), tok, "", 400, "not valid JSON"},
		{"trailing data", "POST", "/admin/invites", []byte(`{"email":"a"} {}`), tok, "", 400, "unexpected data after the top-level value"},
		{"trailing garbage", "POST", "/admin/invites", []byte(`{"email":"a"}x`), tok, "", 400, "not valid JSON"},
		{"invalid utf-8", "POST", "/admin/invites", []byte("{\"email\":\"\xff\xfe\"}"), tok, "", 400, "not valid UTF-8"},
		{"duplicate key", "POST", "/admin/invites", []byte(`{"email":"a","email":"b"}`), tok, "", 400, "Duplicate field 'email'"},
		{"deep nesting", "POST", "/admin/users/u1", []byte(`{"metadata":` + deep + `}`), tok, "", 400, "nested too deeply"},
		{"oversized body", "POST", "/admin/invites", []byte(big), tok, "", 413, "Request body too large"},
		{"wrong content type", "POST", "/admin/invites", []byte(`email=a`), tok, "application/x-www-form-urlencoded", 415, "Content-Type must be application/json"},
		{"login password number", "POST", "/auth/user/emailpass", []byte(`{"email":"a@b.c","password":123}`), "", "", 400, "Expected type: 'string' for field 'password', got: 'number'"},
		// Queries.
		{"limit negative", "GET", "/admin/users?limit=-1", nil, tok, "", 400, "Value for field 'limit' too small, expected at least: '0'"},
		{"limit huge", "GET", "/admin/users?limit=1000000000", nil, tok, "", 400, "Value for field 'limit' too big, expected at most: '1000'"},
		{"limit overflow", "GET", "/admin/users?limit=99999999999999999999999", nil, tok, "", 400, "too big"},
		{"limit nan", "GET", "/admin/users?limit=abc", nil, tok, "", 400, "Expected type: 'number' for field 'limit', got: 'nan'"},
		{"limit float", "GET", "/admin/users?limit=1.5", nil, tok, "", 400, "got: 'nan'"},
		{"limit array", "GET", "/admin/users?limit=1&limit=2", nil, tok, "", 400, "Expected type: 'number' for field 'limit', got: 'array'"},
		{"offset negative", "GET", "/admin/users?offset=-5", nil, tok, "", 400, "Value for field 'offset' too small"},
		{"unknown order", "GET", "/admin/users?order=password", nil, tok, "", 400, "Order field password is not valid"},
		{"unknown order desc", "GET", "/admin/users?order=-nope", nil, tok, "", 400, "Order field nope is not valid"},
		{"order array", "GET", "/admin/users?order[]=id", nil, tok, "", 400, "Expected type: 'string' for field 'order', got: 'array'"},
		{"unknown fields", "GET", "/admin/users?fields=id,password_hash", nil, tok, "", 400, "Requested fields [password_hash] are not valid"},
		{"unknown plus field", "GET", "/admin/users?fields=%2Bsecret", nil, tok, "", 400, "Requested fields [secret] are not valid"},
		{"unknown relation", "GET", "/admin/users/u1?fields=*roles", nil, tok, "", 400, "Requested fields [*roles] are not valid"},
		{"unknown query param", "GET", "/admin/users?foo=bar", nil, tok, "", 400, "Unrecognized fields: 'foo'"},
		{"list param on retrieve", "GET", "/admin/users/u1?limit=5", nil, tok, "", 400, "Unrecognized fields: 'limit'"},
		{"three-level key", "GET", "/admin/users?a.b.c=1", nil, tok, "", 400, "Key accessor more than 2 levels deep: a.b.c"},
		{"bad operator", "GET", "/admin/users?created_at[$foo]=2024-01-01", nil, tok, "", 400, "Unrecognized fields: '$foo'"},
		{"like on date", "GET", "/admin/users?created_at[$like]=x", nil, tok, "", 400, "Unrecognized fields: '$like'"},
		{"bad date", "GET", "/admin/users?created_at[$gte]=yesterday", nil, tok, "", 400, "Expected type: 'date' for field 'created_at, $gte', got: 'string'"},
		{"operator value array", "GET", "/admin/users?created_at[$gt][]=2024-01-01", nil, tok, "", 400, "got: 'array'"},
		{"operator on plain field", "GET", "/admin/users?first_name[$eq]=x", nil, tok, "", 400, "Expected type: 'string' for field 'first_name', got: 'object'"},
		{"array on plain field", "GET", "/admin/users?first_name=a&first_name=b", nil, tok, "", 400, "got: 'array'"},
		{"and not allowed", "GET", "/admin/users?$and[0][email]=a", nil, tok, "", 400, "Unrecognized fields: '$and'"},
		{"or not array", "GET", "/admin/invites?$or[email]=a", nil, tok, "", 400, "Expected type: 'array' for field '$or', got: 'object'"},
		{"or unknown field", "GET", "/admin/invites?$or[0][password]=a", nil, tok, "", 400, "Unrecognized fields: 'password'"},
		{"too deep brackets", "GET", "/admin/invites?a[b][c][d][e][f][g]=1", nil, tok, "", 400, "nested more than 5 levels"},
		{"bad percent", "GET", "/admin/users?q=%zz", nil, tok, "", 400, "invalid percent-encoding"},
		{"query invalid utf-8", "GET", "/admin/users?q=%ff%fe", nil, tok, "", 400, "not valid UTF-8"},
		{"conflicting shapes", "GET", "/admin/users?email=a&email[$eq]=b", nil, tok, "", 400, "conflicting values for query key 'email'"},
		{"fields array", "GET", "/admin/users?fields=id&fields=email", nil, tok, "", 400, "Expected type: 'string' for field 'fields', got: 'array'"},
		{"missing token param", "POST", "/admin/invites/accept", []byte(`{}`), tok, "", 400, "Field 'token' is required"},
		// Auth.
		{"no token", "GET", "/admin/users", nil, "", "", 401, "Unauthorized"},
		{"garbage token", "GET", "/admin/users", nil, "not.a.jwt", "", 401, "Unauthorized"},
		// Routing.
		{"unknown route", "GET", "/admin/nope", nil, tok, "", 404, "Cannot GET /admin/nope"},
		{"wrong method", "PUT", "/health", nil, tok, "", 404, "Cannot PUT /health"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := newReq(c.method, c.target, c.body, c.token)
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp := app.do(req)
			if resp.status < 400 || resp.status >= 500 {
				t.Fatalf("status %d, want 4xx; body %s", resp.status, resp.body)
			}
			if resp.status != c.want {
				t.Errorf("status %d, want %d; body %s", resp.status, c.want, resp.body)
			}
			m := resp.json(t)
			msg, _ := m["message"].(string)
			if msg == "" {
				t.Fatalf("no message in %s", resp.body)
			}
			if resp.status == 401 {
				if !bytes.Equal(resp.body, []byte(`{"message":"Unauthorized"}`)) {
					t.Errorf("401 body %s, want exactly {\"message\":\"Unauthorized\"}", resp.body)
				}
			} else if typ, _ := m["type"].(string); typ == "" {
				t.Errorf("no type in %s", resp.body)
			}
			for k := range m {
				if k != "message" && k != "type" && k != "code" {
					t.Errorf("unexpected key %q in error body %s", k, resp.body)
				}
			}
			if !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	_ = http.MethodGet
}
