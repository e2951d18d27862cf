package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	var seen string
	h := httpx.AssignRequestID()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = httpx.RequestID(r.Context()) }))
	for in, keep := range map[string]bool{
		"":                          false,
		"abc-123_x.y:z":             true,
		"has space":                 false,
		"new\nline":                 false,
		strings.Repeat("a", 128):    true,
		strings.Repeat("a", 129):    false,
		"<script>alert(1)</script>": false,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		if in != "" {
			req.Header["X-Request-Id"] = []string{in}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		out := rec.Header().Get("X-Request-Id")
		if out != seen {
			t.Errorf("%q: header %q, context %q", in, out, seen)
		}
		if keep && out != in {
			t.Errorf("%q: replaced by %q", in, out)
		}
		if !keep && !uuidV4.MatchString(out) {
			t.Errorf("%q: generated id %q is not a UUID v4", in, out)
		}
	}
	if a, b := httpx.NewUUID(), httpx.NewUUID(); a == b {
		t.Error("two equal UUIDs")
	}
}

func TestWriteError(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want int
		body string
	}{
		{"not found", merrors.New(merrors.NotFound, "User with id: u1 was not found"), 404, `{"type":"not_found","message":"User with id: u1 was not found"}`},
		{"invalid data", merrors.New(merrors.InvalidData, "bad"), 400, `{"type":"invalid_data","message":"bad"}`},
		{"duplicate", merrors.New(merrors.DuplicateError, "dup"), 422, `{"code":"invalid_request_error","type":"duplicate_error","message":"dup"}`},
		{"wrapped", fmt.Errorf("update user: %w", merrors.New(merrors.NotAllowed, "A user cannot delete itself")), 400, `{"type":"not_allowed","message":"A user cannot delete itself"}`},
		{"unknown", errors.New("pq: connection refused at 10.0.0.3"), 500, `{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}`},
		{"unauthorized", httpx.ErrUnauthorized, 401, `{"message":"Unauthorized"}`},
		{"wrapped unauthorized", fmt.Errorf("accept: %w", httpx.ErrUnauthorized), 401, `{"message":"Unauthorized"}`},
		{"with status", httpx.WithStatus(merrors.New(merrors.InvalidArgument, "x"), 400), 400, `{"type":"invalid_argument","message":"x"}`},
		{"too many", httpx.TooManyRequests(1500 * time.Millisecond), 429, `{"code":"too_many_requests","type":"not_allowed","message":"Too many requests, please try again later."}`},
	} {
		logs := &bytes.Buffer{}
		h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { httpx.WriteError(w, r, c.err) }),
			httpx.AssignRequestID(), httpx.AccessLog(slog.New(slog.NewJSONHandler(logs, nil))))
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("X-Request-Id", "req-1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want || rec.Body.String() != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.name, rec.Code, rec.Body, c.want, c.body)
		}
		if c.want == 500 {
			if !strings.Contains(logs.String(), "connection refused at 10.0.0.3") || !strings.Contains(logs.String(), `"request_id":"req-1"`) {
				t.Errorf("500 not logged with cause and request id: %s", logs)
			}
		}
		if c.want == 429 && rec.Header().Get("Retry-After") != "2" {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	httpx.WriteJSON(rec, 201, map[string]string{"html": "<a&b>"})
	if rec.Code != 201 || rec.Body.String() != `{"html":"<a&b>"}` || rec.Header().Get("Content-Length") != "16" {
		t.Errorf("%d %q %v", rec.Code, rec.Body, rec.Header())
	}
	rec = httptest.NewRecorder()
	httpx.WriteJSON(rec, 200, map[string]any{"f": func() {}})
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "unknown_error") {
		t.Errorf("unencodable: %d %s", rec.Code, rec.Body)
	}
}

func TestRecover(t *testing.T) {
	app := newTestApp(t, nil)
	resp := app.do(newReq("GET", "/admin/panic", nil, app.userToken(t)))
	if resp.status != 500 || string(resp.body) != `{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}` {
		t.Errorf("%d %s", resp.status, resp.body)
	}
	id := resp.header.Get("X-Request-Id")
	logs := app.logs.String()
	if !strings.Contains(logs, "boom: secret internals") || !strings.Contains(logs, `"request_id":"`+id+`"`) || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic not logged with stack and request id %s: %s", id, logs)
	}
	// After a partial write, Recover leaves the response alone.
	h := httpx.Recover()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(202)
		panic("late")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 202 || rec.Body.Len() != 0 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	// http.ErrAbortHandler propagates.
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v", v)
		}
	}()
	httpx.Recover()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestAccessLogRedacts(t *testing.T) {
	app := newTestApp(t, nil)
	tok := app.userToken(t)
	req := newReq("POST", "/admin/invites/accept?token=invite-secret-123&fields=email&x%5Ftoken=t2&api_key=k&password=p", []byte(`{"password":"hunter2"}`), tok)
	req.Header.Set("Cookie", "connect.sid=cookie-secret")
	app.do(req)
	login := newReq("POST", "/auth/user/emailpass", []byte(`{"email":"a@b.c","password":"hunter2"}`), "")
	app.do(login)
	logs := app.logs.String()
	for _, secret := range []string{"invite-secret-123", "t2", "hunter2", "cookie-secret", tok, "=k&", "=p\""} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q: %s", secret, logs)
		}
	}
	var line map[string]any
	first := strings.SplitN(logs, "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	if line["query"] != "token=REDACTED&fields=email&x%5Ftoken=REDACTED&api_key=REDACTED&password=REDACTED" || line["status"] != 400.0 || line["path"] != "/admin/invites/accept" {
		t.Errorf("log line %s", first)
	}
	if got := httpx.RedactQuery("a=1&code=2&b&signature=3&keyword=4"); got != "a=1&code=REDACTED&b&signature=REDACTED&keyword=4" {
		t.Errorf("%q", got)
	}
}

func TestScopePerRequest(t *testing.T) {
	app := newTestApp(t, nil)
	resp := app.do(newReq("GET", "/admin/scope", nil, app.userToken(t)))
	if !strings.Contains(string(resp.body), `"scoped":true`) {
		t.Errorf("%s", resp.body)
	}
	if httpx.Scope(httptest.NewRequest("GET", "/", nil)) != nil {
		t.Error("scope without middleware")
	}
}
