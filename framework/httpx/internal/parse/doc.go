// Package parse holds what the body and query-string parsers of
// framework/httpx/body and framework/httpx/qs share: the ordered object
// members of a parsed tree (Keyed), the validation issues and Medusa's
// zod-style messages built from them.
package parse
