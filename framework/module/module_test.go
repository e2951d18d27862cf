package module_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/module"
)

type blogOptions struct {
	PageSize int           `json:"page_size"`
	Title    string        `json:"title"`
	Tags     []string      `json:"tags"`
	TTL      time.Duration `json:"-"`
}

func blog() module.Module {
	return module.Module{Name: "blog", Options: module.TypedOptions[blogOptions](nil, func(o blogOptions) error {
		if o.PageSize < 0 {
			return errorString("option \"page_size\" must not be negative")
		}
		return nil
	})}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		given any
		want  blogOptions
		err   string
	}{
		{given: nil, want: blogOptions{}},
		{given: blogOptions{PageSize: 5}, want: blogOptions{PageSize: 5}},
		{given: &blogOptions{Title: "x"}, want: blogOptions{Title: "x"}},
		{given: map[string]any{"page_size": 20, "tags": []any{"a"}}, want: blogOptions{PageSize: 20, Tags: []string{"a"}}},
		{given: map[string]any{"page_size": "20"}, err: `module blog: option "page_size": expected a number, got string`},
		{given: map[string]any{"tags": "a"}, err: `module blog: option "tags": expected an array, got string`},
		{given: map[string]any{"page_sise": 1}, err: `module blog: unknown option "page_sise" (options: page_size, tags, title)`},
		{given: map[string]any{"page_size": -1}, err: `module blog: option "page_size" must not be negative`},
		{given: 42, err: "module blog: options must be a module_test.blogOptions or a map[string]any, got int"},
	} {
		got, err := blog().With(tc.given).DecodeOptions()
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%v: error %v, want %q", tc.given, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.given, err)
			continue
		}
		if a, b := mustJSON(got), mustJSON(tc.want); a != b {
			t.Errorf("%v: got %s, want %s", tc.given, a, b)
		}
	}
	// A module that takes no options refuses some.
	if _, err := (module.Module{Name: "plain"}).With(map[string]any{"x": 1}).DecodeOptions(); err == nil || !strings.Contains(err.Error(), "module plain: takes no options") {
		t.Errorf("no options: %v", err)
	}
	if _, err := (module.Module{Name: "bad-name"}).DecodeOptions(); err == nil || !strings.Contains(err.Error(), `invalid module name "bad-name"`) {
		t.Errorf("bad name: %v", err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCompose(t *testing.T) {
	core := []module.Module{{Name: "jobs"}, {Name: "user", Routes: func(*module.Router) error { return nil }}, {Name: "auth"}}
	mods, err := module.Compose(core, []module.Module{{Name: "blog"}, {Name: "user"}, module.Disable("auth")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range mods {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ","); got != "jobs,user,blog" {
		t.Fatalf("composed %s, want jobs,user,blog (user replaced in place, auth disabled)", got)
	}
	if mods[1].Routes != nil {
		t.Fatal("the later user module did not replace the earlier one")
	}
	if _, err := module.Compose([]module.Module{{Name: "9lives"}}); err == nil {
		t.Fatal("invalid name accepted")
	}
}

func TestRouterProtectsAdminByDefault(t *testing.T) {
	auth, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: "router-test-secret-0123"})
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }
	routes := module.NewRoutes(container.New(), auth)
	r := routes.For("blog", nil)
	r.HandleFunc("GET /admin/posts", ok)
	r.HandleFunc("GET /admin/feed", ok, module.Public())
	r.HandleFunc("GET /admin", ok)
	r.HandleFunc("GET /administrator", ok)
	r.HandleFunc("GET /store/posts", ok)
	r.HandleFunc("GET /hello", ok)
	r.HandleFunc("GET /admin/any", ok, module.Authenticate([]string{"*"}, []string{httpauth.AuthBearer}, httpauth.AuthOptions{}))
	// A later module overrides a route: same method and path.
	routes.For("app", nil).HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("overridden")) })
	mux := http.NewServeMux()
	if err := routes.Mount(mux); err != nil {
		t.Fatal(err)
	}
	userTok, _ := auth.IssueToken(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	customerTok, _ := auth.IssueToken(authtoken.AuthContext{ActorID: "cus_1", ActorType: "customer", AuthIdentityID: "authid_2"})
	for _, tc := range []struct {
		path, token string
		status      int
		body        string
	}{
		{"/admin/posts", "", 401, `{"message":"Unauthorized"}`},
		{"/admin/posts", userTok, 200, "ok"},
		{"/admin/posts", customerTok, 401, ""},
		{"/admin", "", 401, ""},
		{"/admin/feed", "", 200, "ok"},
		{"/administrator", "", 200, "ok"},
		{"/store/posts", "", 200, "ok"},
		{"/store/posts", customerTok, 200, "ok"},
		{"/hello", "", 200, "overridden"},
		{"/admin/any", customerTok, 200, "ok"},
		{"/admin/any", "", 401, ""},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != tc.status || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("GET %s (token %t): %d %q, want %d %q", tc.path, tc.token != "", rec.Code, rec.Body, tc.status, tc.body)
		}
	}
	var admin, public int
	for _, ri := range routes.Info() {
		switch ri.Auth {
		case "user":
			admin++
		case "public":
			public++
		}
	}
	if admin != 2 || public != 3 {
		t.Errorf("route info: %d user, %d public: %+v", admin, public, routes.Info())
	}
}

func TestRouterMountErrors(t *testing.T) {
	routes := module.NewRoutes(container.New(), nil)
	routes.For("blog", nil).HandleFunc("GET /admin/posts", func(http.ResponseWriter, *http.Request) {})
	routes.For("blog", nil).Handle("GET /nothing", nil)
	routes.For("blog", nil).HandleFunc("GET /bad/{", func(http.ResponseWriter, *http.Request) {})
	err := routes.Mount(http.NewServeMux())
	for _, want := range []string{
		`module blog: route "GET /admin/posts" needs authentication but the application has no HTTP auth`,
		`module blog: route "GET /nothing" has no handler`,
		`module blog: route "GET /bad/{"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("mount error %v, want it to contain %q", err, want)
		}
	}
}

func TestMergeOpenAPI(t *testing.T) {
	a := module.Module{Name: "a", OpenAPI: []byte(`{"paths":{"/admin/as":{"get":{}}},"components":{"schemas":{"Error":{"type":"object"},"A":{"type":"object"}}}}`)}
	b := module.Module{Name: "b", OpenAPI: []byte(`{"paths":{"/admin/bs":{"get":{}}},"components":{"schemas":{"Error":{"type": "object"}}}}`)}
	doc, err := module.MergeOpenAPI("shop", "1.0.0", []module.Module{a, {Name: "none"}, b})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		OpenAPI    string         `json:"openapi"`
		Paths      map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpenAPI != "3.1.0" || len(got.Paths) != 2 || len(got.Components.Schemas) != 2 {
		t.Fatalf("merged: %s", doc)
	}
	c := module.Module{Name: "c", OpenAPI: []byte(`{"components":{"schemas":{"A":{"type":"string"}}}}`)}
	if _, err := module.MergeOpenAPI("shop", "1", []module.Module{a, c}); err == nil || !strings.Contains(err.Error(), `module c: OpenAPI schema "A" is also defined by module a`) {
		t.Fatalf("conflict: %v", err)
	}
	if _, err := module.MergeOpenAPI("shop", "1", []module.Module{{Name: "d", OpenAPI: []byte("{")}}); err == nil {
		t.Fatal("broken document accepted")
	}
}
