package models

import "github.com/medusa-go/medusa/modgen/dml"

// User is a back-office user (table "user", ids "user_<ULID>").
var User = dml.Define("user",
	dml.ID().Prefix("user").PrimaryKey(),
	dml.Text("first_name").Nullable().Searchable(),
	dml.Text("last_name").Nullable().Searchable(),
	dml.Text("email").Searchable().CaseInsensitive(), // one user per mailbox, whatever the case
	dml.Text("avatar_url").Nullable(),
	dml.JSON("metadata").Nullable(),
).Indexes(
	dml.Index{On: []string{"email"}, Unique: true}, // IDX_user_email_unique on lower(email) WHERE deleted_at IS NULL
).CountRows(). // the admin list's count without counting rows (few writes, many lists)
	// What the admin user list orders and filters by (modules/user/api), each
	// with its index; a list is refused any other order (avatar_url, say).
	Sortable("first_name", "last_name", "email", "created_at", "updated_at", "deleted_at").
	Filterable("first_name", "last_name", "email", "created_at", "updated_at", "deleted_at")

// Invite is an invitation to become a user (table "invite", ids
// "invite_<ULID>"). Create and Update are overridden by the module's
// hand-written service.go (existing-user check, token and expiry; the extra
// token_generated event), which calls the generated createInvites and
// updateInvites.
var Invite = dml.Define("invite",
	dml.ID().Prefix("invite").PrimaryKey(),
	dml.Text("email").Searchable().CaseInsensitive(),
	dml.Boolean("accepted").Default(false),
	dml.Text("token"),
	dml.DateTime("expires_at"),
	dml.JSON("metadata").Nullable(),
).Indexes(
	dml.Index{On: []string{"email"}, Unique: true}, // IDX_invite_email_unique on lower(email)
	dml.Index{On: []string{"token"}},               // IDX_invite_token
).Override(dml.MethodCreate, dml.MethodUpdate).
	Sortable("email", "accepted", "expires_at", "created_at", "updated_at", "deleted_at").
	Filterable("email", "accepted", "expires_at", "created_at", "updated_at", "deleted_at").
	Small() // pending invitations: a list reads them whole; seven list indexes would tax every invite

// Module is the User Module: container key "user".
var Module = dml.NewModule("user", User, Invite)
