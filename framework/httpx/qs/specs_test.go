package qs_test

import "github.com/medusa-go/medusa/framework/httpx/qs"

// The query specs of the admin users and invites routes, as the tests use them.

var userFields = []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}

var dateOps = qs.OpsCompare

var listUsersQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults:     userFields,
	List:         true,
	Search:       true,
	DefaultOrder: "id",
	Filters: []qs.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: qs.OpsAll},
		{Name: "first_name"},
		{Name: "last_name"},
		{Name: "created_at", Type: qs.TypeTime, Ops: dateOps},
		{Name: "updated_at", Type: qs.TypeTime, Ops: dateOps},
		{Name: "deleted_at", Type: qs.TypeTime, Ops: dateOps},
	},
})

var listInvitesQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults: []string{"id", "email", "accepted", "token", "expires_at", "metadata", "created_at", "updated_at", "deleted_at"},
	List:     true,
	Search:   true,
	AndOr:    true,
	Filters: []qs.FilterField{
		{Name: "id", Array: true},
		{Name: "email", Array: true, Ops: qs.OpsAll},
		{Name: "created_at", Type: qs.TypeTime, Ops: dateOps},
	},
})

var retrieveUserQuery = qs.MustQuerySpec(qs.QueryConfig{Defaults: userFields})

var acceptQuery = qs.MustQuerySpec(qs.QueryConfig{
	Defaults: userFields,
	Params:   []qs.Param{{Name: "token", Required: true}},
})
