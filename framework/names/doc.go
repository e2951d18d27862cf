// Package names suggests the valid name nearest to an unknown one, for error
// messages ("unknown field \"titel\"; did you mean \"title\"?"): the
// container's missing keys, the SQL builder's fields, relations and filter
// operators, module links' entities and Query's fields. It imports only the
// standard library.
package names
