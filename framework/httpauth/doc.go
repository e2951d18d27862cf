// Package httpauth authenticates HTTP requests the way Medusa's
// authenticate(actorTypes, authTypes, options) middleware does.
//
// Auth holds an authtoken.Signer (HS256 JWTs) and builds the middleware
// (Authenticate) over bearer tokens, Postgres-backed cookie sessions
// (SessionStore, table http_session, migrations in
// framework/httpauth/migrations) and an API-key hook
// (APIKeyAuthenticator). AuthFrom reads the request's AuthContext; AuthKey
// is the container key under which the application registers its Auth.
//
// Code that only signs or verifies tokens (the Auth Module's reset-password
// tokens) uses framework/authtoken and does not import the HTTP layer.
package httpauth
