// Package authtoken signs and verifies the HS256 JSON Web Tokens of
// Medusa's auth (http.jwtSecret): the auth token that carries an
// AuthContext (IssueToken, VerifyToken) and any other claims signed with the
// same secret (Sign, Parse; the Auth Module's reset-password tokens).
//
// A Signer remembers the tokens it verified until they expire, so a token
// sent again skips the signature check (see VerifyToken). It has no HTTP
// code: framework/httpauth builds the request middleware on it.
package authtoken
