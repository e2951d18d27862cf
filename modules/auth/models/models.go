package models

import "github.com/medusa-go/medusa/modgen/dml"

// AuthIdentity is one authenticated principal; app_metadata links it to an
// actor ({"user_id": "user_..."}). Table "auth_identity", ids "authid_<ULID>".
var AuthIdentity = dml.Define("auth_identity",
	dml.ID().Prefix("authid").PrimaryKey(),
	dml.HasMany("provider_identities", "provider_identity").MappedBy("auth_identity"),
	dml.JSON("app_metadata").Nullable(),
).Cascades("provider_identities").
	Sortable() // lists in id order only (the module's lists are lookups)

// ProviderIdentity is how an auth identity logs in with one provider: for
// emailpass, entity_id is the email and provider_metadata holds the password
// hash (never returned by the API). entity_id compares without regard to
// case, for every provider: one identity per mailbox (the ids other
// providers use are numbers or opaque strings no two of which differ only
// in case; if one did, the second would be refused, never merged). Table "provider_identity", ids
// "provid_<ULID>". The methods that return rows are overridden by the
// module's service.go, which strips provider_metadata.password from them.
var ProviderIdentity = dml.Define("provider_identity",
	dml.ID().Prefix("provid").PrimaryKey(),
	dml.Text("entity_id").CaseInsensitive(),
	dml.Text("provider"),
	dml.BelongsTo("auth_identity", "auth_identity").MappedBy("provider_identities"),
	dml.JSON("user_metadata").Nullable(),
	dml.JSON("provider_metadata").Nullable(),
).Indexes(
	dml.Index{On: []string{"entity_id", "provider"}, Unique: true},
).Override(dml.MethodRetrieve, dml.MethodList, dml.MethodListAndCount, dml.MethodCreate, dml.MethodUpdate).
	Sortable().                                 // lists in id order only
	Filterable("entity_id", "auth_identity_id") // served by the unique and the foreign key index

// Module is the Auth Module: container key "auth".
var Module = dml.NewModule("auth", AuthIdentity, ProviderIdentity)
