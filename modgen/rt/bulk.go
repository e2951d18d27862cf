package rt

import "encoding/json"

// InsertChunk is the number of rows a generated Create method inserts with
// one statement; larger inputs take several statements in the same
// transaction.
const InsertChunk = 10000

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
