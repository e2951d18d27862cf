package api

import (
	"encoding/json"
	"net/http"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/body"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// updateUserBody is POST /admin/users/{id}'s body (email is not updatable).
type updateUserBody struct {
	FirstName body.Opt[string]          `json:"first_name"`
	LastName  body.Opt[string]          `json:"last_name"`
	AvatarURL body.Opt[string]          `json:"avatar_url"`
	Metadata  body.Opt[json.RawMessage] `json:"metadata"`
}

var updateUser = body.MustBody[updateUserBody](
	body.String("first_name").Nullish(),
	body.String("last_name").Nullish(),
	body.String("avatar_url").Nullish(),
	body.Object("metadata").Nullish(),
)

// POST /admin/users/{id}
func handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := userQuery.Parse(r); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	b, err := updateUser.Decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in := user.UpdateUserInput{ID: id, FirstName: b.FirstName, LastName: b.LastName, AvatarURL: b.AvatarURL, Metadata: b.Metadata}
	if _, err := flows.UpdateUsersWorkflow.Run(r.Context(), httpx.Scope(r), flows.UpdateUsersInput{Updates: []user.UpdateUserInput{in}}); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	usersRes.respond(w, r, id)
}

type deleted struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// DELETE /admin/users/{id}: Medusa 2.12 forbids deleting oneself.
func handleDeleteUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if ac, ok := httpauth.AuthFrom(r.Context()); ok && ac.ActorID == id {
		httpx.WriteError(w, r, merrors.New(merrors.NotAllowed, "A user cannot delete itself"))
		return
	}
	if _, err := flows.RemoveUserAccountWorkflow.Run(r.Context(), httpx.Scope(r), flows.RemoveUserAccountInput{UserID: id}); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, deleted{ID: id, Object: "user", Deleted: true})
}

// createInviteBody is POST /admin/invites' body.
type createInviteBody struct {
	Email    string                    `json:"email"`
	Metadata body.Opt[json.RawMessage] `json:"metadata"`
}

var createInvite = body.MustBody[createInviteBody](
	body.String("email"),
	body.Object("metadata").Nullish(),
)

// POST /admin/invites: 200 (not 201) with the invite, token included.
func handleCreateInvite(w http.ResponseWriter, r *http.Request) {
	if _, err := inviteQuery.Parse(r); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	b, err := createInvite.Decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in := user.CreateInviteInput{Email: b.Email}
	if md, ok := b.Metadata.Get(); ok {
		in.Metadata = md
	}
	created, err := flows.CreateInvitesWorkflow.Run(r.Context(), httpx.Scope(r), flows.CreateInvitesInput{Invites: []user.CreateInviteInput{in}})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	invitesRes.respondWith(w, r, created[0])
}

// DELETE /admin/invites/{id}: soft delete; unknown ids still answer 200.
func handleDeleteInvite(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := flows.DeleteInvitesWorkflow.Run(r.Context(), httpx.Scope(r), flows.DeleteInvitesInput{IDs: []string{id}}); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, deleted{ID: id, Object: "invite", Deleted: true})
}

// POST /admin/invites/{id}/resend: new token and expiry.
func handleResendInvite(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := inviteQuery.Parse(r); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	refreshed, err := flows.RefreshInviteTokensWorkflow.Run(r.Context(), httpx.Scope(r), flows.RefreshInviteTokensInput{InviteIDs: []string{id}})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	invitesRes.respondWith(w, r, refreshed[0])
}

var acceptQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults: userFields,
	Params:   []qs.Param{{Name: "token", Required: true}},
})

type acceptBody struct {
	Email     body.Opt[string] `json:"email"`
	FirstName body.Opt[string] `json:"first_name"`
	LastName  body.Opt[string] `json:"last_name"`
}

var acceptInvite = body.MustBody[acceptBody](
	body.String("email").Nullish(),
	body.String("first_name").Nullish(),
	body.String("last_name").Nullish(),
)

// POST /admin/invites/accept?token=…: needs the token of a registered auth
// identity with no actor yet; any workflow failure is 401 Unauthorized, as
// in Medusa (the reason is logged, not sent), except a transient one (the
// database unavailable, a deadline): 503, to be retried.
func handleAcceptInvite(w http.ResponseWriter, r *http.Request) {
	ac, _ := httpauth.AuthFrom(r.Context())
	if ac.ActorID != "" {
		httpx.WriteError(w, r, merrors.New(merrors.InvalidData, "The user is already authenticated and cannot accept an invite."))
		return
	}
	q, err := acceptQuery.Parse(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	b, err := acceptInvite.Decode(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in := flows.AcceptInviteInput{
		InviteToken:    q.Params["token"],
		AuthIdentityID: ac.AuthIdentityID,
		User:           flows.AcceptInviteUser{Email: b.Email.Pointer(), FirstName: b.FirstName.Pointer(), LastName: b.LastName.Pointer()},
	}
	created, err := flows.AcceptInviteWorkflow.Run(r.Context(), httpx.Scope(r), in)
	if merrors.IsTransient(err) {
		// The database was unavailable or a deadline passed: not a refusal,
		// so 503 and retry, not 401.
		httpx.WriteError(w, r, err)
		return
	}
	if err != nil {
		httpx.Logger(r.Context()).WarnContext(r.Context(), "invite acceptance refused", "request_id", httpx.RequestID(r.Context()), "reason", err.Error())
		httpx.WriteError(w, r, httpx.ErrUnauthorized)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"user": created[0]})
}

// inviteStateErrors are the error codes of GET /admin/invites/accept, one
// per refused InviteState, with the message a person reads.
var inviteStateErrors = map[user.InviteState]*merrors.Error{
	user.InviteInvalid:  merrors.New(merrors.NotFound, "This invite link is not valid. Check that you copied the whole link, or ask for a new invite.").WithCode("invite_invalid"),
	user.InviteExpired:  merrors.New(merrors.InvalidData, "This invite has expired. Ask an admin to resend it.").WithCode("invite_expired"),
	user.InviteAccepted: merrors.New(merrors.InvalidData, "This invite has already been accepted. Sign in instead.").WithCode("invite_accepted"),
	user.InviteReplaced: merrors.New(merrors.InvalidData, "This invite link was replaced by a newer one. Use the link in the most recent invite e-mail.").WithCode("invite_replaced"),
	user.InviteRevoked:  merrors.New(merrors.InvalidData, "This invite was withdrawn by an admin. Ask for a new invite.").WithCode("invite_revoked"),
}

type inviteStateBody struct {
	Invite inviteSummary `json:"invite"`
}

type inviteSummary struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

var inviteStateQuery = qs.MustQuerySpec(qs.QueryConfig{
	Params: []qs.Param{{Name: "token", Required: true}},
})

// GET /admin/invites/accept?token=…: not in Medusa. Tells an accept page,
// before and after the invitee fills in the form, whether the token can be
// accepted: 200 {invite: {id, email, expires_at}} (never the token), or an
// error whose code says why not: invite_invalid (404), invite_expired,
// invite_accepted, invite_replaced, invite_revoked (400). The token is the
// credential: no session or bearer token is needed.
func handleInviteState(w http.ResponseWriter, r *http.Request) {
	q, err := inviteStateQuery.Parse(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	svc, err := service(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	state, inv, err := svc.InviteTokenState(r.Context(), q.Params["token"])
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if e, refused := inviteStateErrors[state]; refused {
		httpx.WriteError(w, r, e)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, inviteStateBody{Invite: inviteSummary{ID: inv.ID, Email: inv.Email, ExpiresAt: inv.ExpiresAt}})
}
