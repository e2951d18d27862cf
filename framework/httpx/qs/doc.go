// Package qs parses and validates query strings the way Medusa's admin API
// does (its qs-based parser and zod validators).
//
// A route declares its query string with a QueryConfig compiled once into a
// QuerySpec; Parse returns the selected fields, limit, offset, order, q,
// extra params and a route-agnostic Filter (field → operator → values),
// accepting the forms Medusa's parser accepts (a[b]=x, a[]=x, a[0]=x,
// a.b=x, repeated keys, comma lists). Errors are *merrors.Error values that
// httpx.WriteError answers with a 400.
//
// It is named qs, after the parser Medusa uses, to stay clear of
// framework/query (reading records across module links).
package qs
