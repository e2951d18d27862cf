package api

import (
	"net/http"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/modules/user"
)

// inviteFields are the default fields of the admin invite routes.
var inviteFields = []string{"id", "email", "accepted", "token", "expires_at", "metadata", "created_at", "updated_at", "deleted_at"}

var (
	inviteQuery = httpx.MustQuerySpec(httpx.QueryConfig{Defaults: inviteFields})
	listInvites = httpx.MustQuerySpec(httpx.QueryConfig{
		Defaults:     inviteFields,
		List:         true,
		DefaultOrder: "id",
		Orderable:    []string{"id", "email", "accepted", "expires_at", "created_at", "updated_at", "deleted_at"},
		Search:       true,
		AndOr:        true,
		Filters: []httpx.FilterField{
			{Name: "id", Type: httpx.TypeString, Array: true, Ops: httpx.OpsEquality},
			{Name: "email", Type: httpx.TypeString, Array: true, Ops: httpx.OpsAll &^ httpx.Ops(httpx.OpRe, httpx.OpContains)},
			{Name: "created_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
			{Name: "updated_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
			{Name: "deleted_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
		},
	})
)

func inviteFilter(q *httpx.Query) (user.InviteFilter, error) {
	f, err := build(q.Filter, func(f *user.InviteFilter) map[string]fieldSetter {
		return map[string]fieldSetter{
			"id":         stringField(&f.ID),
			"email":      stringField(&f.Email),
			"created_at": timeField(&f.CreatedAt),
			"updated_at": timeField(&f.UpdatedAt),
			"deleted_at": timeField(&f.DeletedAt),
		}
	}, func(f *user.InviteFilter, a []user.InviteFilter) { f.And = a }, func(f *user.InviteFilter, o []user.InviteFilter) { f.Or = o })
	f.Q = q.Q
	return f, err
}

// GET /admin/invites
func handleListInvites(w http.ResponseWriter, r *http.Request) {
	q, err := listInvites.Parse(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	f, err := inviteFilter(q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	svc, err := service(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, count, err := svc.ListAndCountInvites(r.Context(), f, findConfig(q))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if list == nil {
		list = []user.Invite{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"invites": list, "count": count, "offset": q.Offset, "limit": q.Limit})
}

// retrieveInvite answers {invite} for id with the fields the query selects.
func retrieveInvite(w http.ResponseWriter, r *http.Request, id string) {
	q, err := inviteQuery.Parse(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	svc, err := service(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	inv, err := svc.RetrieveInvite(r.Context(), id, findConfig(q))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"invite": inv})
}

// GET /admin/invites/{id}
func handleGetInvite(w http.ResponseWriter, r *http.Request) {
	retrieveInvite(w, r, r.PathValue("id"))
}
