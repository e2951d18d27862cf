package qs_test

import "github.com/medusa-go/medusa/framework/httpx/internal/adminspec"

// The query specs of the admin users and invites routes, as the tests use them.

var (
	userFields        = adminspec.UserFields
	listUsersQuery    = adminspec.ListUsersQuery
	listInvitesQuery  = adminspec.ListInvitesQuery
	retrieveUserQuery = adminspec.RetrieveUserQuery
	acceptQuery       = adminspec.AcceptQuery
)
