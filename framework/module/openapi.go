package module

import (
	"encoding/json"
	"fmt"
)

// MergeOpenAPI merges the OpenAPI documents of modules into one (OpenAPI
// 3.1, title and version as given): their paths and component schemas.
// Two modules that define the same path or schema differently are an
// error; the same definition twice is kept once. Modules without a
// document are skipped.
func MergeOpenAPI(title, version string, mods []Module) ([]byte, error) {
	paths := map[string]json.RawMessage{}
	schemas := map[string]json.RawMessage{}
	owner := map[string]string{}
	for _, m := range mods {
		if len(m.OpenAPI) == 0 {
			continue
		}
		var doc struct {
			Paths      map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.OpenAPI, &doc); err != nil {
			return nil, fmt.Errorf("module %s: OpenAPI document: %w", m.Name, err)
		}
		for _, part := range []struct {
			kind string
			from map[string]json.RawMessage
			into map[string]json.RawMessage
		}{{"path", doc.Paths, paths}, {"schema", doc.Components.Schemas, schemas}} {
			for k, v := range part.from {
				if prev, ok := part.into[k]; ok && !sameJSON(prev, v) {
					return nil, fmt.Errorf("module %s: OpenAPI %s %q is also defined by module %s", m.Name, part.kind, k, owner[part.kind+k])
				}
				part.into[k] = v
				owner[part.kind+k] = m.Name
			}
		}
	}
	out := map[string]any{
		"openapi":    "3.1.0",
		"info":       map[string]string{"title": title, "version": version},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas},
	}
	return json.MarshalIndent(out, "", "  ") // map keys are sorted: the output is deterministic
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
