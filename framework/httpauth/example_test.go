package httpauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
)

// A route behind Authenticate, on a mux wrapped in the standard middleware.
// (In an application, module.Router applies /admin's authentication by
// default.)
func ExampleAuth_Authenticate() {
	auth, _ := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: "example-secret"})
	root := container.New()
	mux := http.NewServeMux()
	requireUser := auth.Authenticate([]string{"user"}, []string{httpauth.AuthBearer, httpauth.AuthSession}, httpauth.AuthOptions{})
	mux.Handle("GET /admin/users/me", requireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ac, _ := httpauth.AuthFrom(r.Context())
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"user": map[string]string{"id": ac.ActorID}})
	})))
	r := httpx.Chain(mux, httpx.AssignRequestID(), httpx.Recover(), httpx.LimitBody(0), httpx.ScopePerRequest(root))

	tok, _ := auth.IssueToken(authtoken.AuthContext{ActorID: "user_01", ActorType: "user", AuthIdentityID: "authid_01"})
	for _, h := range []string{"Bearer " + tok, "Bearer forged", ""} {
		req := httptest.NewRequest("GET", "/admin/users/me", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 {"user":{"id":"user_01"}}
	// 401 {"message":"Unauthorized"}
	// 401 {"message":"Unauthorized"}
}
