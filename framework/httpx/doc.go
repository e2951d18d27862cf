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
// # Beside the core
//
// The core is kept small, the way chi keeps its router apart from its
// middlewares. Request bodies are decoded by framework/httpx/body, query
// strings parsed by framework/httpx/qs, optional middlewares (CORS, CSRF,
// rate limiting, overload) live in framework/httpx/mw, authentication
// (Authenticate, cookie sessions) in framework/httpauth, and JWT signing in
// framework/authtoken.
//
// # Middleware and routing
//
// AssignRequestID, AccessLog (secrets redacted, no headers), Recover,
// LimitBody, ScopePerRequest (a container scope per request, see Scope),
// Chain, ForPrefix and NotFound, Medusa's JSON 404. Routes are registered
// on net/http's ServeMux patterns; applications register them through
// framework/module's Router.
//
// WriteWhole answers a complete body; on a server whose connections come
// from OneWriteListener (with ConnContext), as app.Serve's do, it sends the
// header and the body with one write instead of net/http's two for bodies
// over ~4 KiB.
//
// LimitConnections bounds the connections a listener serves; ClientIP is
// the client's address as the rate limiter keys it; TooManyRequests is the
// 429 error.
//
// See docs/http.md for the full rules and their choices.
package httpx
