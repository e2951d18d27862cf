// Package httpx is medusa-go's HTTP layer: the pieces every admin and auth
// route shares, matching the wire behaviour of Medusa's admin and auth
// APIs. It is named httpx to stay clear of net/http.
//
// # Errors
//
// WriteError writes Medusa's error JSON {code?, type, message} with the
// status of the error's type (merrors.HTTP). Errors that are not
// *merrors.Error become 500 unknown_error "An unknown error occurred." and
// are logged with the request id, never sent. ErrUnauthorized is the bare
// 401 {"message":"Unauthorized"}. WithStatus fixes another status (413, 415,
// 429, or 400 for invalid_argument query errors). WriteJSON writes any value.
//
// # Bodies
//
// A route declares its body once, as rules over a struct, and decodes it
// strictly (unknown fields, wrong types, invalid JSON or UTF-8, trailing
// data, duplicate keys, nesting deeper than MaxBodyDepth and bodies over the
// limit are refused with Medusa's zod-style messages):
//
//	type UpdateUser struct {
//		FirstName httpx.Opt[string]         `json:"first_name"`
//		Metadata  httpx.Opt[map[string]any] `json:"metadata"`
//	}
//	var updateUser = httpx.MustBody[UpdateUser](
//		httpx.String("first_name").Nullish(),
//		httpx.Object("metadata").Nullish(),
//	)
//	in, err := updateUser.Decode(r) // in.FirstName.Set / .Null / .Value
//
// ReadJSON applies the same checks without a schema, for routes that read
// only the keys they know.
//
// # Queries
//
// A route declares its query string with a QueryConfig compiled once into a
// QuerySpec; Parse returns the selected fields, limit, offset, order, q,
// extra params and a route-agnostic Filter (field → operator → values),
// accepting the forms Medusa's qs-based parser accepts (a[b]=x, a[]=x,
// a[0]=x, a.b=x, repeated keys, comma lists).
//
// # Middleware and routing
//
// AssignRequestID, AccessLog (secrets redacted, no headers), Recover,
// LimitBody, ScopePerRequest (a container scope per request, see Scope),
// CORS (Medusa's admin/store/auth CORS with credentials) and NotFound,
// Medusa's JSON 404. Routes are registered on net/http's ServeMux patterns;
// applications register them through framework/module's Router.
//
// WriteWhole answers a complete body; on a server whose connections come
// from OneWriteListener (with ConnContext), as app.Serve's do, it sends the
// header and the body with one write instead of net/http's two for bodies
// over ~4 KiB.
//
// # Authentication
//
// Auth issues and verifies HS256 JWTs and builds Medusa's
// authenticate(actorTypes, authTypes, options) middleware over bearer
// tokens, Postgres-backed cookie sessions (SessionStore, migrations in
// framework/httpx/migrations) and an API-key hook. AuthFrom reads the
// request's AuthContext.
//
// # Rate limiting
//
// Limiter is an in-process, bounded token-bucket limiter for login and
// register, per client IP (Middleware with ClientIP) and per identifier
// (Allow with IdentifierKey), answering 429 with a Medusa-shaped body.
//
// See docs/http.md for the full rules and their choices.
package httpx
