// Package jsonw writes the JSON of generated models without reflection:
// Selection (which fields a response selects), the typed Append helpers the
// generated AppendJSON methods call (strings, times, pointers, any value,
// byte for byte what encoding/json writes), and Linked, the records that
// framework/query attaches to a row through module links (One, Many),
// rendered after the row's own fields.
package jsonw
