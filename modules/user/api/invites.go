package api

import (
	"sync"

	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/modules/user"
)

// inviteFields are the default fields of the admin invite routes.
var inviteFields = []string{"id", "email", "accepted", "token", "expires_at", "metadata", "created_at", "updated_at", "deleted_at"}

var (
	inviteQuery = qs.MustQuerySpec(qs.QueryConfig{Defaults: inviteFields})
	listInvites = qs.MustQuerySpec(qs.QueryConfig{
		Defaults:  inviteFields,
		List:      true,
		Orderable: user.InviteEntity.Sortable, // the model's Sortable fields, each with its index
		Search:    true,
		Cursor:    true,
		AndOr:     true,
		Filters: []qs.FilterField{
			{Name: "id", Type: qs.TypeString, Array: true, Ops: qs.OpsEquality},
			{Name: "email", Type: qs.TypeString, Array: true, Ops: qs.OpsAll &^ qs.Ops(qs.OpRe, qs.OpContains)},
			// Not in Medusa's list filters: with a deleted_at filter it
			// lists accepted invites (accepted ones are soft-deleted).
			{Name: "accepted", Type: qs.TypeBool, Ops: qs.OpsEquality},
			{Name: "created_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
			{Name: "updated_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
			{Name: "deleted_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
		},
	})
)

func inviteFilter(q *qs.Query) (user.InviteFilter, error) {
	f, err := build(q.Filter, func(f *user.InviteFilter) map[string]fieldSetter {
		return map[string]fieldSetter{
			"id":         stringField(&f.ID),
			"email":      stringField(&f.Email),
			"accepted":   boolField(&f.Accepted),
			"created_at": timeField(&f.CreatedAt),
			"updated_at": timeField(&f.UpdatedAt),
			"deleted_at": timeField(&f.DeletedAt),
		}
	}, func(f *user.InviteFilter, a []user.InviteFilter) { f.And = a }, func(f *user.InviteFilter, o []user.InviteFilter) { f.Or = o })
	f.Q = q.Q
	return f, err
}

var invitesRes = resource[user.Invite, user.InviteFilter]{
	name: "invite", plural: "invites", one: inviteQuery, list: listInvites, filter: inviteFilter,
	page:     (*user.Service).ListInvitesPage,
	id:       func(x user.Invite) string { return x.ID },
	retrieve: (*user.Service).RetrieveInvite,
	pages:    &sync.Pool{},
}
