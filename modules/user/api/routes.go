package api

import (
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/module"
)

// Routes registers the Admin API routes of users and invites on r: users
// by bearer token or session, invites also by secret API key, invite
// acceptance by the token of a registered auth identity that has no user
// yet. Handlers resolve the User Module from the request's container scope
// (httpx.ScopePerRequest must run before). GET /admin/invites/accept?token=…
// (not in Medusa) is public: it tells an accept page whether and why an
// invite token is refused.
func Routes(r *module.Router) error {
	users := module.Authenticate([]string{"user"}, []string{httpauth.AuthBearer, httpauth.AuthSession}, httpauth.AuthOptions{})
	invites := module.Authenticate([]string{"user"}, []string{httpauth.AuthSession, httpauth.AuthBearer, httpauth.AuthAPIKey}, httpauth.AuthOptions{})
	accept := module.Authenticate([]string{"user"}, []string{httpauth.AuthSession, httpauth.AuthBearer}, httpauth.AuthOptions{AllowUnregistered: true})

	// Lists count exactly up to the application's MEDUSA_LIST_COUNT_LIMIT.
	countLimit := config.ListCountLimitIn(r.Container())
	r.HandleFunc("GET /admin/users", usersRes.handleList(countLimit), users)
	r.HandleFunc("GET /admin/users/me", handleMe, users)
	r.HandleFunc("GET /admin/users/{id}", usersRes.handleGet, users)
	r.HandleFunc("POST /admin/users/{id}", handleUpdateUser, users)
	r.HandleFunc("DELETE /admin/users/{id}", handleDeleteUser, users)

	r.HandleFunc("GET /admin/invites", invitesRes.handleList(countLimit), invites)
	r.HandleFunc("POST /admin/invites", handleCreateInvite, invites)
	r.HandleFunc("POST /admin/invites/accept", handleAcceptInvite, accept)
	r.HandleFunc("GET /admin/invites/accept", handleInviteState, module.Public())
	r.HandleFunc("GET /admin/invites/{id}", invitesRes.handleGet, invites)
	r.HandleFunc("DELETE /admin/invites/{id}", handleDeleteInvite, invites)
	r.HandleFunc("POST /admin/invites/{id}/resend", handleResendInvite, invites)
	return nil
}
