package sqlb

import "testing"

func TestSearchJoinable(t *testing.T) {
	for q, want := range map[string]bool{
		"person4242": true, "Last97": true, "a@b.com": true, "ÉTÉ": true,
		"a%b": false, "a_b": false, `a\`: false, "a\x1fb": false,
	} {
		if got := SearchJoinable(q); got != want {
			t.Errorf("SearchJoinable(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestSearchNarrows(t *testing.T) {
	for q, want := range map[string]bool{"person4242": true, "a%b": true, "a_b": true, "a\x1fb": true, `a\`: false, `a\%b`: false} {
		if got := SearchNarrows(q); got != want {
			t.Errorf("SearchNarrows(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestBulkParams(t *testing.T) {
	if JSONText(nil) != nil || JSONText([]byte{}) != nil || *JSONText([]byte(`{"a":1}`)) != `{"a":1}` || *JSONText([]byte(`null`)) != "null" {
		t.Fatal("JSONText")
	}
	if ArrayText(nil) != nil || *ArrayText([]string{}) != "[]" || *ArrayText([]string{"a", `"b`}) != `["a","\"b"]` {
		t.Fatal("ArrayText")
	}
}
