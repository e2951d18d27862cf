// Package body decodes request bodies strictly, the way Medusa's admin and
// auth APIs validate them with zod.
//
// A route declares its body once, as rules over a struct, and decodes it
// (unknown fields, wrong types, invalid JSON or UTF-8, trailing data,
// duplicate keys, nesting deeper than MaxBodyDepth and bodies over the limit
// are refused with Medusa's zod-style messages):
//
//	type UpdateUser struct {
//		FirstName body.Opt[string]         `json:"first_name"`
//		Metadata  body.Opt[map[string]any] `json:"metadata"`
//	}
//	var updateUser = body.MustBody[UpdateUser](
//		body.String("first_name").Nullish(),
//		body.Object("metadata").Nullish(),
//	)
//	in, err := updateUser.Decode(r) // in.FirstName.Set / .Null / .Value
//
// ReadJSON applies the same checks without a schema, for routes that read
// only the keys they know. The JSON is read once into a small tree (its own
// parser, which keeps the order of keys for the order of the issues and
// finds duplicate names), validated against the rules, then decoded with
// encoding/json. Errors are *merrors.Error values that httpx.WriteError
// answers with 400, 413 or 415.
package body
