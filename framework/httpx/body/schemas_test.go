package body_test

import "github.com/medusa-go/medusa/framework/httpx/body"

// The body schemas of the admin users and invites routes, as the tests use them.

type updateUserBody struct {
	FirstName body.Opt[string]         `json:"first_name"`
	LastName  body.Opt[string]         `json:"last_name"`
	AvatarURL body.Opt[string]         `json:"avatar_url"`
	Metadata  body.Opt[map[string]any] `json:"metadata"`
}

var updateUser = body.MustBody[updateUserBody](
	body.String("first_name").Nullish(),
	body.String("last_name").Nullish(),
	body.String("avatar_url").Nullish(),
	body.Object("metadata").Nullish(),
)

type createInviteBody struct {
	Email    string                   `json:"email"`
	Metadata body.Opt[map[string]any] `json:"metadata"`
}

var createInvite = body.MustBody[createInviteBody](
	body.String("email"),
	body.Object("metadata").Nullish(),
)
