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
// GET /admin/invites/accept?token=… (not in Medusa) needs no authentication:
// it tells an accept page whether and why an invite token is refused.
func Mount(mux *http.ServeMux, auth *httpx.Auth) {
	userAuth := auth.Authenticate([]string{"user"}, []string{httpx.AuthBearer, httpx.AuthSession}, httpx.AuthOptions{})
	inviteAuth := auth.Authenticate([]string{"user"}, []string{httpx.AuthSession, httpx.AuthBearer, httpx.AuthAPIKey}, httpx.AuthOptions{})
	accept := auth.Authenticate([]string{"user"}, []string{httpx.AuthSession, httpx.AuthBearer}, httpx.AuthOptions{AllowUnregistered: true})

	h := func(mw httpx.Middleware, fn http.HandlerFunc) http.Handler { return mw(fn) }
	mux.Handle("GET /admin/users", h(userAuth, users.handleList))
	mux.Handle("GET /admin/users/me", h(userAuth, handleMe))
	mux.Handle("GET /admin/users/{id}", h(userAuth, users.handleGet))
	mux.Handle("POST /admin/users/{id}", h(userAuth, handleUpdateUser))
	mux.Handle("DELETE /admin/users/{id}", h(userAuth, handleDeleteUser))

	mux.Handle("GET /admin/invites", h(inviteAuth, invites.handleList))
	mux.Handle("POST /admin/invites", h(inviteAuth, handleCreateInvite))
	mux.Handle("POST /admin/invites/accept", h(accept, handleAcceptInvite))
	mux.HandleFunc("GET /admin/invites/accept", handleInviteState)
	mux.Handle("GET /admin/invites/{id}", h(inviteAuth, invites.handleGet))
	mux.Handle("DELETE /admin/invites/{id}", h(inviteAuth, handleDeleteInvite))
	mux.Handle("POST /admin/invites/{id}/resend", h(inviteAuth, handleResendInvite))
}
