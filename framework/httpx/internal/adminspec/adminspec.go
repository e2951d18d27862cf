// Package adminspec holds small versions of the admin users and invites
// routes' query specs and body schemas, which the tests of httpx, httpx/body
// and httpx/qs share (the real ones are in modules/user/api).
package adminspec

import (
	"github.com/medusa-go/medusa/framework/httpx/body"
	"github.com/medusa-go/medusa/framework/httpx/qs"
)

// UpdateUserBody is the body of POST /admin/users/{id}.
type UpdateUserBody struct {
	FirstName body.Opt[string]         `json:"first_name"`
	LastName  body.Opt[string]         `json:"last_name"`
	AvatarURL body.Opt[string]         `json:"avatar_url"`
	Metadata  body.Opt[map[string]any] `json:"metadata"`
}

// UpdateUser is its schema.
var UpdateUser = body.MustBody[UpdateUserBody](
	body.String("first_name").Nullish(),
	body.String("last_name").Nullish(),
	body.String("avatar_url").Nullish(),
	body.Object("metadata").Nullish(),
)

// CreateInviteBody is the body of POST /admin/invites.
type CreateInviteBody struct {
	Email    string                   `json:"email"`
	Metadata body.Opt[map[string]any] `json:"metadata"`
}

// CreateInvite is its schema.
var CreateInvite = body.MustBody[CreateInviteBody](
	body.String("email"),
	body.Object("metadata").Nullish(),
)

// UserFields are a user's fields.
var UserFields = []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}

// DateOps are the operators of a date filter.
var DateOps = qs.OpsCompare

// ListUsersQuery is GET /admin/users's query.
var ListUsersQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults:     UserFields,
	List:         true,
	Search:       true,
	Cursor:       true,
	DefaultOrder: "id",
	Filters: []qs.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: qs.OpsAll},
		{Name: "first_name"},
		{Name: "last_name"},
		{Name: "created_at", Type: qs.TypeTime, Ops: DateOps},
		{Name: "updated_at", Type: qs.TypeTime, Ops: DateOps},
		{Name: "deleted_at", Type: qs.TypeTime, Ops: DateOps},
	},
})

// ListInvitesQuery is GET /admin/invites's query.
var ListInvitesQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults: []string{"id", "email", "accepted", "token", "expires_at", "metadata", "created_at", "updated_at", "deleted_at"},
	List:     true,
	Search:   true,
	AndOr:    true,
	Filters: []qs.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: qs.OpsAll},
		{Name: "created_at", Type: qs.TypeTime, Ops: DateOps},
	},
})

// RetrieveUserQuery is GET /admin/users/{id}'s query.
var RetrieveUserQuery = qs.MustQuerySpec(qs.QueryConfig{Defaults: UserFields})

// AcceptQuery is POST /admin/invites/accept's query.
var AcceptQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults: UserFields,
	Params:   []qs.Param{{Name: "token", Required: true}},
})
