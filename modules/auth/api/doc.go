// Package api holds the Auth Module's HTTP routes, Medusa's /auth routes:
// email+password login and registration, cookie sessions, token refresh,
// and the reset-password flow. Routes registers them on the application's
// module.Router; see docs/auth.md.
//
// Tokens are issued with httpauth.Auth.IssueToken and carry actor_id,
// actor_type, auth_identity_id, app_metadata, iat and exp. Login and register
// are rate limited per client IP and per email (mw.Limiter). No handler
// logs a request body, a password or a token.
package api
