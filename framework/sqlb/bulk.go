package sqlb

import (
	"encoding/json"
	"strings"
)

// SearchJoinable reports whether q may be matched with one ILIKE '%q%'
// against a model's searchable fields joined by the unit separator (\x1f)
// with exactly the result of ORing one ILIKE per field (Medusa's q): q holds
// neither the separator nor a LIKE wildcard (% or _) nor the escape
// character (\), so no match can span two fields or depend on where the
// joined text ends.
func SearchJoinable(q string) bool { return !strings.ContainsAny(q, "\x1f%_\\") }

// SearchNarrows reports whether the ILIKE '%q%' on the joined fields holds
// for every row the per-field OR matches, so that it can narrow the rows
// (through the trigram index) before the OR decides: true unless q holds
// the escape character, which can anchor the pattern at the end of the
// text ('%a\%' matches text ending in "a%").
func SearchNarrows(q string) bool { return !strings.Contains(q, "\\") }

// JSONText returns a JSON value as text for a bulk insert parameter (cast to
// jsonb by the statement); nil or empty is NULL.
func JSONText(b json.RawMessage) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}

// ArrayText returns a text array as JSON text for a bulk insert parameter
// (turned back into text[] by the statement, since unnest cannot take an
// array of arrays); nil is NULL.
func ArrayText(v []string) *string {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v) // a []string always marshals
	s := string(b)
	return &s
}
