package rt

import "testing"

func TestBulkParams(t *testing.T) {
	if JSONText(nil) != nil || JSONText([]byte{}) != nil || *JSONText([]byte(`{"a":1}`)) != `{"a":1}` || *JSONText([]byte(`null`)) != "null" {
		t.Fatal("JSONText")
	}
	if ArrayText(nil) != nil || *ArrayText([]string{}) != "[]" || *ArrayText([]string{"a", `"b`}) != `["a","\"b"]` {
		t.Fatal("ArrayText")
	}
}
