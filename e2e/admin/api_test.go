package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/user"
	userflows "github.com/medusa-go/medusa/modules/user/flows"
)

type response struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, c *http.Client, method, u string, body any, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := response{status: res.StatusCode, header: res.Header}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &out.body)
	return out
}

// GET /admin/invites/accept?token= answers what the accept page shows:
// the invite for a good token, a distinct code for each refused one, and
// never the token itself; POST /admin/invites/accept keeps Medusa's bare
// 401.
func TestInviteStateAPI(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	invs, err := e.Users.CreateInvites(ctx,
		user.CreateInviteInput{Email: "ok@store.test"}, user.CreateInviteInput{Email: "resent@store.test"},
		user.CreateInviteInput{Email: "gone@store.test"}, user.CreateInviteInput{Email: "late@store.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.RefreshInviteTokens(ctx, invs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.SoftDeleteInvites(ctx, invs[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Pool.Exec(ctx, `UPDATE invite SET expires_at = now() - interval '1 minute' WHERE id = $1`, invs[3].ID); err != nil {
		t.Fatal(err)
	}
	c := http.DefaultClient
	state := func(token string) response {
		return call(t, c, "GET", e.URL+"/admin/invites/accept?token="+url.QueryEscape(token), nil)
	}
	ok := state(invs[0].Token)
	inv, _ := ok.body["invite"].(map[string]any)
	if ok.status != 200 || inv["email"] != "ok@store.test" || inv["id"] != invs[0].ID || inv["expires_at"] == nil {
		t.Fatalf("good token: %d %v", ok.status, ok.body)
	}
	if _, leaks := inv["token"]; leaks {
		t.Fatal("the answer carries the token")
	}
	for name, tc := range map[string]struct {
		token  string
		status int
		code   string
	}{
		"resent":   {invs[1].Token, 400, "invite_replaced"},
		"deleted":  {invs[2].Token, 400, "invite_revoked"},
		"expired":  {invs[3].Token, 400, "invite_expired"},
		"garbage":  {"garbage", 404, "invite_invalid"},
		"tampered": {invs[0].Token + "x", 404, "invite_invalid"},
		"empty":    {"", 404, "invite_invalid"},
	} {
		r := state(tc.token)
		if r.status != tc.status || (tc.code != "" && r.body["code"] != tc.code) || r.body["message"] == "" {
			t.Errorf("%s: %d %v, want %d %s", name, r.status, r.body, tc.status, tc.code)
		}
	}
	if r := call(t, c, "GET", e.URL+"/admin/invites/accept", nil); r.status != 400 || !strings.Contains(r.body["message"].(string), "token") {
		t.Errorf("no token: %d %v", r.status, r.body)
	}

	// Accepting an expired invite still answers Medusa's bare 401.
	reg := call(t, c, "POST", e.URL+"/auth/user/emailpass/register", map[string]string{"email": "late@store.test", "password": "late-password"})
	tok, _ := reg.body["token"].(string)
	r := call(t, c, "POST", e.URL+"/admin/invites/accept?token="+url.QueryEscape(invs[3].Token), map[string]string{"first_name": "Late"}, "Authorization", "Bearer "+tok)
	if r.status != 401 || len(r.body) != 1 || r.body["message"] != "Unauthorized" {
		t.Fatalf("accept of an expired invite: %d %v", r.status, r.body)
	}
	// Accepted: the state says so, and the invite is listed as accepted.
	r = call(t, c, "POST", e.URL+"/admin/invites/accept?token="+url.QueryEscape(invs[0].Token), map[string]string{"first_name": "Ok"},
		"Authorization", "Bearer "+call(t, c, "POST", e.URL+"/auth/user/emailpass/register", map[string]string{"email": "ok@store.test", "password": "ok-password"}).body["token"].(string))
	if r.status != 200 {
		t.Fatalf("accept: %d %v", r.status, r.body)
	}
	if r := state(invs[0].Token); r.status != 400 || r.body["code"] != "invite_accepted" {
		t.Fatalf("used token: %d %v", r.status, r.body)
	}
	boss := e.account(t, adminEmail, adminPassword, "", "")
	admin, err := e.App.Auth.IssueToken(authtoken.AuthContext{ActorID: boss.ID, ActorType: "user", AuthIdentityID: "authid_test", AppMetadata: map[string]any{"user_id": boss.ID}})
	if err != nil {
		t.Fatal(err)
	}
	list := call(t, c, "GET", e.URL+"/admin/invites?accepted=true&deleted_at[$gt]=1970-01-01T00:00:00Z&fields=id,email,accepted", nil, "Authorization", "Bearer "+admin)
	rows, _ := list.body["invites"].([]any)
	if list.status != 200 || len(rows) != 1 || rows[0].(map[string]any)["email"] != "ok@store.test" || rows[0].(map[string]any)["accepted"] != true {
		t.Fatalf("accepted invites: %d %v", list.status, list.body)
	}
	if r := call(t, c, "GET", e.URL+"/admin/invites?accepted=maybe", nil, "Authorization", "Bearer "+admin); r.status != 400 {
		t.Fatalf("accepted=maybe: %d %v", r.status, r.body)
	}
}

// CSRF: a state change authenticated by the session cookie is refused when
// the browser says it comes from another site, and accepted from the
// dashboard's own origin, from a trusted CORS origin, with a bearer token,
// and from clients that are not browsers.
func TestCSRFOnTheAPI(t *testing.T) {
	e := start(t)
	e.account(t, adminEmail, adminPassword, "", "")
	c := http.DefaultClient
	tok := call(t, c, "POST", e.URL+"/auth/user/emailpass", map[string]string{"email": adminEmail, "password": adminPassword}).body["token"].(string)
	sess := call(t, c, "POST", e.URL+"/auth/session", nil, "Authorization", "Bearer "+tok)
	var cookie string
	for _, ck := range sess.header["Set-Cookie"] {
		if strings.HasPrefix(ck, "connect.sid=") {
			cookie = strings.SplitN(ck, ";", 2)[0]
			if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || strings.Contains(ck, "Secure") {
				t.Errorf("session cookie over plain HTTP: %s", ck)
			}
		}
	}
	if cookie == "" {
		t.Fatalf("no session cookie: %v", sess.header)
	}
	invite := func(email string, header ...string) response {
		return call(t, c, "POST", e.URL+"/admin/invites", map[string]string{"email": email}, header...)
	}
	if r := invite("a@store.test", "Cookie", cookie, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test"); r.status != 403 || r.body["type"] != "not_allowed" {
		t.Fatalf("cross-site with the cookie: %d %v", r.status, r.body)
	}
	if r := invite("b@store.test", "Cookie", cookie, "Origin", "https://evil.test"); r.status != 403 {
		t.Fatalf("foreign Origin with the cookie: %d %v", r.status, r.body)
	}
	if r := call(t, c, "DELETE", e.URL+"/auth/session", nil, "Cookie", cookie, "Sec-Fetch-Site", "cross-site"); r.status != 403 {
		t.Fatalf("cross-site sign-out: %d %v", r.status, r.body)
	}
	if r := invite("c@store.test", "Cookie", cookie, "Sec-Fetch-Site", "same-origin", "Origin", e.URL); r.status != 200 {
		t.Fatalf("same-origin with the cookie: %d %v", r.status, r.body)
	}
	if r := invite("d@store.test", "Cookie", cookie); r.status != 200 {
		t.Fatalf("non-browser client with the cookie: %d %v", r.status, r.body)
	}
	if r := invite("e@store.test", "Authorization", "Bearer "+tok, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.test"); r.status != 200 {
		t.Fatalf("cross-site with a bearer token: %d %v", r.status, r.body)
	}
	if r := call(t, c, "GET", e.URL+"/admin/users", nil, "Cookie", cookie, "Sec-Fetch-Site", "cross-site"); r.status != 200 {
		t.Fatalf("cross-site GET: %d %v", r.status, r.body)
	}
}

// Behind TLS the session cookie is Secure (and stays HttpOnly, SameSite).
func TestSessionCookieOverTLS(t *testing.T) {
	srcs, err := app.Migrations(app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t, srcs...)
	cfg, err := config.FromEnv(config.Development, func(k string) string {
		return map[string]string{"JWT_SECRET": "dashboard-test-secret-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Config{Settings: cfg}, pool, app.WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(a.Handler())
	defer srv.Close()
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{URL: srv.URL, App: a, Users: users}
	e.account(t, adminEmail, adminPassword, "", "")
	c := srv.Client()
	tok := call(t, c, "POST", srv.URL+"/auth/user/emailpass", map[string]string{"email": adminEmail, "password": adminPassword}).body["token"].(string)
	sess := call(t, c, "POST", srv.URL+"/auth/session", nil, "Authorization", "Bearer "+tok)
	ck := strings.Join(sess.header["Set-Cookie"], "\n")
	if !strings.Contains(ck, "connect.sid=") || !strings.Contains(ck, "Secure") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Fatalf("session cookie over TLS: %s", ck)
	}
}

// MEDUSA_ADMIN_PATH moves the dashboard (and the links in e-mails),
// MEDUSA_ADMIN_DISABLE switches it off, and a bad path stops the start.
func TestAdminPathSettings(t *testing.T) {
	settings := func(kv ...string) (config.Config, error) {
		return config.Load(config.Development, config.Config{}, func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return map[string]string{"JWT_SECRET": "dashboard-test-secret-0123456789"}[k]
		})
	}
	withEnv := func(kv ...string) app.Config {
		s, err := settings(kv...)
		if err != nil {
			t.Fatal(err)
		}
		return app.Config{Settings: s}
	}
	c := http.DefaultClient
	page := func(u string) (int, string) {
		res, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, res.Header.Get("Content-Type")
	}

	e := startApp(t, withEnv("MEDUSA_ADMIN_PATH", "/console"))
	if st, ct := page(e.URL + "/console/users"); st != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/console/users: %d %s", st, ct)
	}
	if st, ct := page(e.URL + "/app/users"); st != 404 || !strings.Contains(ct, "json") {
		t.Fatalf("/app/users with the dashboard at /console: %d %s", st, ct)
	}
	if _, err := userflows.CreateInvitesWorkflow.Run(context.Background(), e.App.Container, userflows.CreateInvitesInput{Invites: []user.CreateInviteInput{{Email: "moved@store.test"}}}); err != nil {
		t.Fatal(err)
	}
	if link, _ := e.Sent.wait(t, "moved@store.test", "user-invite", 1).Data["accept_url"].(string); !strings.HasPrefix(link, "http://localhost:9000/console/invite?token=") {
		t.Fatalf("accept link %q", link)
	}

	off := startApp(t, withEnv("MEDUSA_ADMIN_DISABLE", "true"))
	if st, _ := page(off.URL + "/app"); st != 404 {
		t.Fatalf("disabled dashboard: %d", st)
	}

	srcs, err := app.Migrations(app.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t, srcs...)
	for _, bad := range [][]string{{"MEDUSA_ADMIN_PATH", "/admin"}, {"MEDUSA_ADMIN_PATH", "app/"}, {"MEDUSA_ADMIN_DISABLE", "perhaps"}} {
		cfg, err := settings(bad...)
		if err == nil {
			_, err = app.New(context.Background(), app.Config{Settings: cfg}, pool, app.WithLogger(testLogger(t)))
		}
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: %v", bad[0], bad[1], err)
		}
	}
}
