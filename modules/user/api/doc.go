// Package api is the User Module's Admin API: /admin/users (list, retrieve,
// me, update, delete) and /admin/invites (list, create, retrieve, delete,
// resend, accept), wire-compatible with Medusa's admin user and invite routes:
// the same query parameters, strict bodies, response shapes, status codes
// and error messages, so Medusa's JS SDK works against it unchanged.
//
// Reads go straight to the module's service; writes run the module's
// workflows (modules/user/flows) with the request's container scope.
package api
