// Package opt holds Optional, the value of an update input field that tells
// absent (leave the column), null (clear it) and a value apart, with its JSON
// form. Generated update inputs use it; framework/httpx/body's Opt is the
// same type, so a decoded request body passes to a service as is.
package opt
