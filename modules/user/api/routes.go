package api

import (
	"net/http"

	"github.com/medusa-go/medusa/framework/httpx"
)

// Mount adds the Admin API routes of users and invites (reference §3.2,
// §3.3) to mux, authenticated with auth: users by bearer token or session,
// invites also by API key, invite acceptance by the token of a registered
// auth identity that has no user yet. Handlers resolve the User Module from
// the request's container scope (httpx.ScopePerRequest must run before).
func Mount(mux *http.ServeMux, auth *httpx.Auth) {
	users := auth.Authenticate([]string{"user"}, []string{httpx.AuthBearer, httpx.AuthSession}, httpx.AuthOptions{})
	invites := auth.Authenticate([]string{"user"}, []string{httpx.AuthSession, httpx.AuthBearer, httpx.AuthAPIKey}, httpx.AuthOptions{})
	accept := auth.Authenticate([]string{"user"}, []string{httpx.AuthSession, httpx.AuthBearer}, httpx.AuthOptions{AllowUnregistered: true})

	h := func(mw httpx.Middleware, fn http.HandlerFunc) http.Handler { return mw(fn) }
	mux.Handle("GET /admin/users", h(users, handleListUsers))
	mux.Handle("GET /admin/users/me", h(users, handleMe))
	mux.Handle("GET /admin/users/{id}", h(users, handleGetUser))
	mux.Handle("POST /admin/users/{id}", h(users, handleUpdateUser))
	mux.Handle("DELETE /admin/users/{id}", h(users, handleDeleteUser))

	mux.Handle("GET /admin/invites", h(invites, handleListInvites))
	mux.Handle("POST /admin/invites", h(invites, handleCreateInvite))
	mux.Handle("POST /admin/invites/accept", h(accept, handleAcceptInvite))
	mux.Handle("GET /admin/invites/{id}", h(invites, handleGetInvite))
	mux.Handle("DELETE /admin/invites/{id}", h(invites, handleDeleteInvite))
	mux.Handle("POST /admin/invites/{id}/resend", h(invites, handleResendInvite))
}
