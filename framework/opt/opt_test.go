package opt

import (
	"encoding/json"
	"testing"
)

func TestOptionalJSON(t *testing.T) {
	var v struct {
		A Optional[string] `json:"a,omitzero"`
		B Optional[string] `json:"b,omitzero"`
		C Optional[string] `json:"c,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"a":"x","b":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Set || v.A.Null || v.A.Value != "x" || !v.B.Set || !v.B.Null || v.C.Set {
		t.Fatalf("decoded %+v", v)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"a":"x","b":null}` {
		t.Fatalf("encoded %s", b)
	}
	if Ptr[string](nil) != Null[string]() || *Some(3).Pointer() != 3 || Null[int]().Pointer() != nil {
		t.Fatal("constructors")
	}
}
