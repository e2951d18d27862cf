package body_test

import "github.com/medusa-go/medusa/framework/httpx/internal/adminspec"

// The body schemas of the admin users and invites routes, as the tests use them.

type updateUserBody = adminspec.UpdateUserBody

var (
	updateUser   = adminspec.UpdateUser
	createInvite = adminspec.CreateInvite
)
