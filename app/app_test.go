package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/internal/testkit"
	"github.com/medusa-go/medusa/modules"
	"github.com/medusa-go/medusa/modules/user"
	userflows "github.com/medusa-go/medusa/modules/user/flows"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newApp builds an application on a fresh, migrated database.
func newApp(t *testing.T, mode string, def app.Config, opts ...app.Option) *app.App {
	t.Helper()
	pool := pgtest.NewPool(t, migrations(t, def)...)
	cfg, err := config.Load(config.Development, def.Settings, func(k string) string {
		return map[string]string{"MEDUSA_WORKER_MODE": mode, "JWT_SECRET": "test-secret-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	def.Settings = cfg
	a, err := app.New(context.Background(), def, pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// migrations are the migration sources of application def.
func migrations(t testing.TB, def app.Config) []migrate.Source {
	t.Helper()
	srcs, err := app.Migrations(def)
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

// adminToken creates a user and returns a bearer token acting as them.
func adminToken(t *testing.T, a *app.App) (string, user.User) {
	t.Helper()
	svc, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	us, err := svc.CreateUsers(context.Background(), user.CreateUserInput{Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Auth.IssueToken(authtoken.AuthContext{ActorID: us[0].ID, ActorType: "user", AuthIdentityID: "authid_test", AppMetadata: map[string]any{"user_id": us[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	return tok, us[0]
}

// Application code: a step that resolves the User Module from the container
// and creates John Smith (deleting him in its compensation), a "create-user"
// workflow returning {user}, and a custom GET route that runs it with the
// request's scope.
var createUserStep = workflows.NewStep("create-user",
	func(ctx context.Context, sc workflows.StepContext, _ struct{}) (user.User, string, error) {
		users, err := container.Resolve(sc.Container, user.Key)
		if err != nil {
			return user.User{}, "", err
		}
		first, last := "John", "Smith"
		created, err := users.CreateUsers(ctx, user.CreateUserInput{FirstName: &first, LastName: &last, Email: "john.smith@example.com"})
		if err != nil {
			return user.User{}, "", err
		}
		return created[0], created[0].ID, nil
	},
	func(ctx context.Context, sc workflows.StepContext, id string) error {
		if id == "" {
			return nil
		}
		users, err := container.Resolve(sc.Container, user.Key)
		if err != nil {
			return err
		}
		return users.DeleteUsers(ctx, id)
	})

type createUserResult struct {
	User user.User `json:"user"`
}

var createUserWorkflow = workflows.New("create-user", func(wc *workflows.Context, _ struct{}) (createUserResult, error) {
	u, err := createUserStep.Run(wc, struct{}{})
	return createUserResult{User: u}, err
})

func helloRoutes(r *module.Router) error {
	r.HandleFunc("GET /hello-world", func(w http.ResponseWriter, r *http.Request) {
		res, err := createUserWorkflow.Run(r.Context(), httpx.Scope(r), struct{}{})
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, res)
	})
	return nil
}

func TestCustomRouteRunsWorkflow(t *testing.T) {
	a := newApp(t, "shared", app.Config{Routes: helloRoutes})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/hello-world")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		User struct {
			ID, Email, FirstName, LastName string
		} `json:"user"`
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &body); err != nil || !strings.HasPrefix(body.User.ID, "user_") || !strings.Contains(string(raw), `"first_name":"John"`) {
		t.Fatalf("body %s (%v)", raw, err)
	}
	// The second call violates the unique email: the workflow reverts and
	// the route answers Medusa's error.
	resp, err = http.Get(srv.URL + "/hello-world")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "User with email: john.smith@example.com, already exists.") {
		t.Fatalf("duplicate: %d %s", resp.StatusCode, raw)
	}
}

func TestWorkerModeServesOnlyHealth(t *testing.T) {
	a := newApp(t, "worker", app.Config{Routes: helloRoutes})
	for path, want := range map[string]int{"/health": 200, "/admin/users": 404, "/hello-world": 404} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestMalformedAdminRequests sends malformed requests to the real admin and
// auth routes: every one must get a 4xx with a Medusa-shaped JSON body, none
// a 500.
func TestMalformedAdminRequests(t *testing.T) {
	a := newApp(t, "shared", app.Config{})
	tok, me := adminToken(t, a)
	h := a.Handler()
	big := `{"first_name":"` + strings.Repeat("a", app.MaxBodyBytes+10) + `"}`
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	cases := []struct {
		name, method, path, body string
		noAuth                   bool
		ctype                    string
	}{
		{name: "no token", method: "GET", path: "/admin/users", noAuth: true},
		{name: "garbage token", method: "GET", path: "/admin/invites", noAuth: true, ctype: "bearer:garbage"},
		{name: "limit -1", method: "GET", path: "/admin/users?limit=-1"},
		{name: "limit huge", method: "GET", path: "/admin/users?limit=1000000000"},
		{name: "limit not a number", method: "GET", path: "/admin/users?limit=ten"},
		{name: "offset negative", method: "GET", path: "/admin/users?offset=-5"},
		{name: "offset float", method: "GET", path: "/admin/users?offset=1.5"},
		{name: "unknown order", method: "GET", path: "/admin/users?order=password"},
		{name: "unknown order desc", method: "GET", path: "/admin/users?order=-nope"},
		{name: "unknown fields", method: "GET", path: "/admin/users?fields=id,password"},
		{name: "unknown relation", method: "GET", path: "/admin/users?fields=*roles"},
		{name: "unknown filter", method: "GET", path: "/admin/users?password=x"},
		{name: "bad operator", method: "GET", path: "/admin/users?email[$regex]=x"},
		{name: "three-level key", method: "GET", path: "/admin/users?a.b.c=1"},
		{name: "bad date", method: "GET", path: "/admin/users?created_at[$gt]=yesterday"},
		{name: "and/or on users", method: "GET", path: "/admin/users?$or[0][email]=a"},
		{name: "invites unknown field", method: "GET", path: "/admin/invites?fields=secret"},
		{name: "invites bad limit", method: "GET", path: "/admin/invites?limit=abc"},
		{name: "user not found", method: "GET", path: "/admin/users/user_missing"},
		{name: "invite not found", method: "GET", path: "/admin/invites/invite_missing"},
		{name: "update unknown user", method: "POST", path: "/admin/users/user_missing", body: `{"first_name":"x"}`},
		{name: "update unknown field", method: "POST", path: "/admin/users/" + me.ID, body: `{"password":"x"}`},
		{name: "update email", method: "POST", path: "/admin/users/" + me.ID, body: `{"email":"x@y.z"}`},
		{name: "update wrong type", method: "POST", path: "/admin/users/" + me.ID, body: `{"first_name":42}`},
		{name: "update metadata array", method: "POST", path: "/admin/users/" + me.ID, body: `{"metadata":[1,2]}`},
		{name: "update invalid json", method: "POST", path: "/admin/users/" + me.ID, body: `{"first_name":`},
		{name: "update trailing data", method: "POST", path: "/admin/users/" + me.ID, body: `{"first_name":"a"} {}`},
		{name: "update body is array", method: "POST", path: "/admin/users/" + me.ID, body: `[]`},
		{name: "update body is string", method: "POST", path: "/admin/users/" + me.ID, body: `"x"`},
		{name: "update invalid utf-8", method: "POST", path: "/admin/users/" + me.ID, body: "{\"first_name\":\"\xff\xfe\"}"},
		{name: "update oversized", method: "POST", path: "/admin/users/" + me.ID, body: big},
		{name: "update deep nesting", method: "POST", path: "/admin/users/" + me.ID, body: `{"metadata":` + deep + `}`},
		{name: "update duplicate key", method: "POST", path: "/admin/users/" + me.ID, body: `{"first_name":"a","first_name":"b"}`},
		{name: "delete self", method: "DELETE", path: "/admin/users/" + me.ID},
		{name: "invite no email", method: "POST", path: "/admin/invites", body: `{}`},
		{name: "invite email number", method: "POST", path: "/admin/invites", body: `{"email":5}`},
		{name: "invite email null", method: "POST", path: "/admin/invites", body: `{"email":null}`},
		{name: "invite unknown field", method: "POST", path: "/admin/invites", body: `{"email":"a@b.c","role":"admin"}`},
		{name: "invite existing user", method: "POST", path: "/admin/invites", body: `{"email":"admin@example.com"}`},
		{name: "invite empty body", method: "POST", path: "/admin/invites", body: ``},
		{name: "resend unknown invite", method: "POST", path: "/admin/invites/invite_missing/resend"},
		{name: "accept without token param", method: "POST", path: "/admin/invites/accept", body: `{}`},
		{name: "accept as a user", method: "POST", path: "/admin/invites/accept?token=x", body: `{}`},
		{name: "login wrong types", method: "POST", path: "/auth/user/emailpass", body: `{"email":1,"password":2}`, noAuth: true},
		{name: "login invalid json", method: "POST", path: "/auth/user/emailpass", body: `{`, noAuth: true},
		{name: "register no password", method: "POST", path: "/auth/user/emailpass/register", body: `{"email":"a@b.c"}`, noAuth: true},
		{name: "refresh without token", method: "POST", path: "/auth/token/refresh", noAuth: true},
		{name: "unknown route", method: "GET", path: "/admin/nothing"},
		{name: "POST /admin/users (not a Medusa route)", method: "POST", path: "/admin/users", body: `{"email":"a@b.c"}`},
		{name: "PUT on a GET route", method: "PUT", path: "/admin/invites", body: `{}`},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			switch {
			case strings.HasPrefix(c.ctype, "bearer:"):
				req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(c.ctype, "bearer:"))
			case !c.noAuth:
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("status %d, want 4xx; body %s", rec.Code, rec.Body.String())
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not JSON: %q", rec.Body.String())
			}
			if msg, _ := body["message"].(string); msg == "" {
				t.Fatalf("no message in %s", rec.Body.String())
			}
			if rec.Code != 401 && rec.Code != 404 || body["type"] != nil {
				if typ, _ := body["type"].(string); typ == "" && rec.Code != 401 {
					t.Fatalf("no type in %s", rec.Body.String())
				}
			}
		})
	}
}

// TestInviteNotificationIsSent: POST /admin/invites → invite.created on the
// durable bus → the invite subscriber → the (development) log provider with
// the accept link.
func TestInviteNotificationIsSent(t *testing.T) {
	var logs testkit.Buffer
	a := newApp(t, "shared", app.Config{Settings: config.Config{AdminURL: "https://admin.example.com/app"}}, app.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	if err := a.Container.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Container.Stop(ctx) //nolint:errcheck
	tok, _ := adminToken(t, a)
	req := httptest.NewRequest("POST", "/admin/invites", strings.NewReader(`{"email":"new@example.com"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("create invite: %d %s", rec.Code, rec.Body.String())
	}
	var body struct{ Invite struct{ Token string } }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	want := "https://admin.example.com/app/invite?token=" + body.Invite.Token
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no notification with %s within 15 s; logs:\n%s", want, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "to=new@example.com") {
		t.Fatalf("notification not addressed to the invitee:\n%s", logs.String())
	}
}

// A subscriber and a scheduled job, registered as application code does,
// each run a workflow.
func TestSubscriberAndScheduledJobRunWorkflows(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	record := workflows.NewStep("record", func(ctx context.Context, sc workflows.StepContext, s string) (string, string, error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, s)
		return s, s, nil
	}, nil)
	wf := workflows.New("record-something", func(wc *workflows.Context, s string) (string, error) { return record.Run(wc, s) })

	a := newApp(t, "shared", app.Config{
		Subscribers: []eventbus.Subscriber{{ID: "test.user-created", Events: []string{"user.created"}, Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			_, err := wf.Run(ctx, c, "event:"+msg.Name)
			return err
		}}},
		Jobs: []jobs.Scheduled{{Name: "test-tick", Every: time.Second, Handler: func(ctx context.Context, c *container.Container, run jobs.Run) error {
			_, err := wf.Run(ctx, c, "tick")
			return err
		}}},
		Workflows: []workflows.Definition{wf},
	})
	ctx := context.Background()
	if err := a.Container.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Container.Stop(ctx) //nolint:errcheck
	if _, err := userflows.CreateUsersWorkflow.Run(ctx, a.Container.Scope(), userflows.CreateUsersInput{Users: []user.CreateUserInput{{Email: "sub@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(seen, ",")
		mu.Unlock()
		if strings.Contains(got, "event:user.created") && strings.Contains(got, "tick") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s the workflow saw %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCORSOnAdminRoutes(t *testing.T) {
	pool := pgtest.NewPool(t, migrations(t, app.Config{})...)
	cfg, err := config.FromEnv(config.Development, func(k string) string {
		return map[string]string{"ADMIN_CORS": "http://localhost:7001,/^https:\\/\\/.+\\.example\\.com$/", "JWT_SECRET": "test-secret-0123456789"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Config{Settings: cfg}, pool)
	if err != nil {
		t.Fatal(err)
	}
	for origin, allowed := range map[string]bool{"http://localhost:7001": true, "https://shop.example.com": true, "https://evil.test": false} {
		req := httptest.NewRequest("OPTIONS", "/admin/users", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		got := rec.Header().Get("Access-Control-Allow-Origin") == origin
		if got != allowed {
			t.Errorf("%s: allowed=%v, want %v (status %d, headers %v)", origin, got, allowed, rec.Code, rec.Header())
		}
	}
}

// The create and resend responses (rendered from the workflow's output) are
// byte for byte what GET /admin/invites/{id} answers right after, and a
// fields selection still applies.
func TestInviteWriteResponsesMatchRetrieve(t *testing.T) {
	a := newApp(t, "shared", app.Config{})
	tok, _ := adminToken(t, a)
	do := func(method, path, body string) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	created := do("POST", "/admin/invites", `{"email":"match@example.com","metadata":{"a":1}}`)
	var v struct{ Invite struct{ ID string } }
	if err := json.Unmarshal([]byte(created), &v); err != nil || v.Invite.ID == "" {
		t.Fatalf("create: %s %v", created, err)
	}
	if got := do("GET", "/admin/invites/"+v.Invite.ID, ""); got != created {
		t.Fatalf("create response\n%s\ndiffers from retrieve\n%s", created, got)
	}
	resent := do("POST", "/admin/invites/"+v.Invite.ID+"/resend", "")
	if resent == created {
		t.Fatal("resend returned the old token")
	}
	if got := do("GET", "/admin/invites/"+v.Invite.ID, ""); got != resent {
		t.Fatalf("resend response\n%s\ndiffers from retrieve\n%s", resent, got)
	}
	if got := do("POST", "/admin/invites?fields=id,email", `{"email":"other@example.com"}`); !strings.Contains(got, `"email":"other@example.com"`) || strings.Contains(got, "token") {
		t.Fatalf("fields selection ignored: %s", got)
	}
}

// The application's workflow engine parks a run waiting for an async step,
// and a completion (as a webhook route would make) resumes it: the engine
// that completes the step takes the parked run in the completion's own
// transaction, so no wake-up job is needed.
func TestAppParksWaitingRuns(t *testing.T) {
	ask := workflows.NewStep("ask-approval", func(ctx context.Context, sc workflows.StepContext, s string) (string, string, error) {
		return "", s, nil
	}, nil, workflows.WithAsync())
	wf := workflows.New("approval", func(wc *workflows.Context, s string) (string, error) { return ask.Run(wc, s) })
	a := newApp(t, "shared", app.Config{})
	ctx := context.Background()
	if err := a.Container.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Container.Stop(ctx) //nolint:errcheck
	parked := make(chan struct{}, 1)
	a.Workflows.Subscribe(func(ev workflows.Event) {
		if ev.Type == workflows.EventPark {
			parked <- struct{}{}
		}
	})
	type res struct {
		out string
		err error
	}
	done := make(chan res, 1)
	go func() {
		out, err := wf.Run(ctx, a.Container.Scope(), "order", workflows.WithTransactionID("tx-approval"))
		done <- res{out, err}
	}()
	select {
	case <-parked:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not park")
	}
	var jobs int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'medusa_workflow_wake'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if err := a.Workflows.SetStepSuccess(ctx, workflows.RunKey{WorkflowID: "approval", TransactionID: "tx-approval"}, "ask-approval", "approved"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.out != "approved" {
			t.Fatalf("Run = %q, %v", r.out, r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the completed run did not finish")
	}
	var after int
	if err := a.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'medusa_workflow_wake'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != jobs {
		t.Errorf("wake-up jobs: %d before the completion, %d after; want no new one (the completing engine took the run)", jobs, after)
	}
}

// The session sweep, a scheduled job, deletes expired sessions and keeps the
// others.
func TestSessionSweepDeletesExpiredSessions(t *testing.T) {
	a := newApp(t, "shared", app.Config{})
	ctx := context.Background()
	if _, err := a.Pool.Exec(ctx, `INSERT INTO http_session (id, data, expires_at, created_at) VALUES
		('old', '{}', now() - interval '1 hour', now() - interval '2 hours'),
		('live', '{}', now() + interval '1 hour', now())`); err != nil {
		t.Fatal(err)
	}
	if err := a.Container.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Container.Stop(ctx) //nolint:errcheck
	if err := a.Jobs.RunNow(ctx, app.SessionSweep, time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ids []string
		rows, err := a.Pool.Query(ctx, `SELECT id FROM http_session ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if strings.Join(ids, ",") == "live" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions after the sweep: %v", ids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An application's own /admin route requires a signed-in user, like every
// route under /admin; an explicit module.Public() opts out.
func TestCustomAdminRouteRequiresAUser(t *testing.T) {
	a := newApp(t, "shared", app.Config{Routes: func(r *module.Router) error {
		r.HandleFunc("GET /admin/custom", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secret")) })
		r.HandleFunc("GET /admin/custom/public", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("open")) }, module.Public())
		return nil
	}})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	tok, _ := adminToken(t, a)
	for _, tc := range []struct {
		path, token string
		status      int
	}{
		{"/admin/custom", "", 401},
		{"/admin/custom", "not-a-token", 401},
		{"/admin/custom", tok, 200},
		{"/admin/custom/public", "", 200},
		{app.OpenAPIPath, "", 401},
		{app.OpenAPIPath, tok, 200},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s (token %t): %d, want %d", tc.path, tc.token != "", resp.StatusCode, tc.status)
		}
	}
	var custom *module.RouteInfo
	for i, ri := range a.Routes {
		if ri.Pattern == "GET /admin/custom" {
			custom = &a.Routes[i]
		}
	}
	if custom == nil || custom.Module != "app" || custom.Auth != "user" {
		t.Fatalf("route info %+v", custom)
	}
}

// A bad module option stops the application with one line naming the
// module and the option, before anything is registered.
func TestBadModuleOptionsStopTheStart(t *testing.T) {
	pool := pgtest.NewPool(t, migrations(t, app.Config{})...)
	settings, err := config.Load(config.Development, config.Config{}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mod  module.Module
		want string
	}{
		{modules.User.With(map[string]any{"valid_duration": true}), "module user: Expected type: 'number' for option 'valid_duration', got: 'boolean'"},
		{modules.User.With(map[string]any{"jwt_secrett": "x"}), "module user: Unrecognized options of the user module: 'jwt_secrett'"},
		{modules.Auth.With(map[string]any{"auth_methods_per_actor": "emailpass"}), `module auth: option "auth_methods_per_actor": expected an object, got string`},
		{module.Module{Name: "blog-posts"}, `invalid module name "blog-posts"`},
		{module.Module{Name: "app"}, `the application's name "app" is also a module's`},
	} {
		_, err := app.New(context.Background(), app.Config{Settings: settings, Modules: []module.Module{tc.mod}}, pool)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", tc.mod.Name, err, tc.want)
		}
	}
	// Good options reach the module: invites last as long as valid_duration says.
	a, err := app.New(context.Background(), app.Config{Settings: settings, Modules: []module.Module{modules.User.With(user.Options{ValidDuration: 2 * time.Hour})}}, pool)
	if err != nil {
		t.Fatal(err)
	}
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := users.CreateInvites(context.Background(), user.CreateInviteInput{Email: "options@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(invs[0].ExpiresAt); d > 2*time.Hour || d < 110*time.Minute {
		t.Fatalf("invite expires in %s, want 2h (the module's option)", d)
	}
}

// The README's "Using the modules from Go" (inviteColleague, in
// example_test.go) on a real application: it finds the Smiths and invites a
// colleague; a second invite for the same email fails with Medusa's message
// and leaves the first one alone.
func TestUsingModulesFromGo(t *testing.T) {
	a := newApp(t, "shared", app.Config{})
	ctx := context.Background()
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	last := "Smith"
	if _, err := users.CreateUsers(ctx, user.CreateUserInput{Email: "jane@example.com", LastName: &last}); err != nil {
		t.Fatal(err)
	}
	inv, err := inviteColleague(ctx, a.Container.Scope(), "colleague@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Email != "colleague@example.com" || inv.Token == "" || !strings.HasPrefix(inv.ID, "invite_") {
		t.Fatalf("invite %+v", inv)
	}
	_, err = inviteColleague(ctx, a.Container.Scope(), "colleague@example.com")
	if err == nil || !strings.Contains(err.Error(), "Invite with email: colleague@example.com, already exists.") {
		t.Fatalf("second invite: %v", err)
	}
	invs, n, err := users.ListAndCountInvites(ctx, user.InviteFilter{})
	if err != nil || n != 1 || invs[0].ID != inv.ID {
		t.Fatalf("invites after the refused one: %d %v", n, err)
	}
}

// docs/custom-routes.md's routes (shopRoutes, in example_test.go) on a real
// application: /admin requires a user unless Public, the /store route
// requires a customer, and the application's POST /admin/invites replaces
// the User Module's (it refuses what the built-in one accepts).
func TestShopRoutes(t *testing.T) {
	a := newApp(t, "shared", app.Config{Name: "shop", Routes: shopRoutes})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	admin, _ := adminToken(t, a)
	customer, err := a.Auth.IssueToken(authtoken.AuthContext{ActorID: "cus_01", ActorType: "customer", AuthIdentityID: "authid_cus"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, token, body string
		status                    int
		want                      string
	}{
		{"GET", "/admin/reports/sales", "", "", 401, `{"message":"Unauthorized"}`},
		{"GET", "/admin/reports/sales", customer, "", 401, `{"message":"Unauthorized"}`},
		{"GET", "/admin/reports/sales", admin, "", 200, `"total":0`},
		{"GET", "/admin/status", "", "", 200, `{"status":"ok"}`},
		{"GET", "/store/wishlist", "", "", 401, `{"message":"Unauthorized"}`},
		{"GET", "/store/wishlist", admin, "", 401, `{"message":"Unauthorized"}`},
		{"GET", "/store/wishlist", customer, "", 200, `{"customer_id":"cus_01","items":[]}`},
		{"POST", "/admin/invites", "", `{"email":"ann@example.com"}`, 401, `{"message":"Unauthorized"}`},
		{"POST", "/admin/invites", admin, `{"email":"ann@other.org"}`, 400, `"message":"Only example.com addresses can be invited"`},
		{"POST", "/admin/invites", admin, `{"email":"ann@example.com","role":"admin"}`, 400, `Unrecognized fields: 'role'`},
		{"POST", "/admin/invites", admin, `{"email":"ann@example.com"}`, 200, `"email":"ann@example.com"`},
		{"POST", "/admin/invites", admin, `{"email":"ann@example.com"}`, 400, `Invite with email: ann@example.com, already exists.`},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s %s %s: %d %s, want %d with %s", tc.method, tc.path, tc.body, resp.StatusCode, raw, tc.status, tc.want)
		}
	}
	// Nothing refused was written: one invite.
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := users.ListAndCountInvites(context.Background(), user.InviteFilter{}); err != nil || n != 1 {
		t.Fatalf("%d invites (%v), want 1", n, err)
	}
	for _, ri := range a.Routes {
		if ri.Pattern == "POST /admin/invites" && ri.Module != "shop" {
			t.Fatalf("POST /admin/invites is served by module %q, want the application's", ri.Module)
		}
	}
}
