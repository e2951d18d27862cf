// Package dashboard serves the admin dashboard: a single-page application
// of plain HTML, CSS and JavaScript modules embedded in the binary (no Node
// build step), served under a configurable path ("/app" by default, as
// Medusa's admin.path).
//
// The dashboard talks to the server only through the Admin and Auth HTTP
// APIs that Medusa's JS SDK uses: it signs in with POST
// /auth/user/emailpass and turns the token into a cookie session with POST
// /auth/session, then calls /admin/users, /admin/invites and friends with
// that cookie. Its pages: sign in and out, the invite accept page
// (<path>/invite?token=…, which signs the invitee in afterwards), users,
// a user, my profile, invites, forgotten and reset password, and one
// generic page per module resource that the server's OpenAPI document
// (GET /admin/openapi.json) describes.
//
// Every path under the prefix that is not an asset answers the same
// index page (the browser's history API does the routing). Every response
// carries a Content-Security-Policy without inline script (script-src
// 'self'), frame-ancestors 'none', X-Content-Type-Options: nosniff and
// Referrer-Policy: no-referrer (accept and reset links carry tokens).
// Assets are compressed once at start-up and sent gzip-encoded to clients
// that accept it, with an ETag; the index references them with a content
// hash, so a new build is never mixed with a cached old one.
//
//	h, err := dashboard.New(dashboard.Options{Path: "/app"})
//	if err != nil { ... }
//	mux.Handle("/app", h)
//	mux.Handle("/app/", h)
package dashboard
