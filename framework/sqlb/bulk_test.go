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

// TestUniqueMissing checks Unique and Missing below and above smallSet
// (where they switch from a scan to a map), up to 100,000 values.
func TestUniqueMissing(t *testing.T) {
	for _, n := range []int{0, 3, smallSet, smallSet + 1, 100_000} {
		vs := make([]int, 0, 2*n)
		for i := range n {
			vs = append(vs, i, i/2) // 0 0 1 0 2 1 3 1 …: every value of [0, n), first seen in order
		}
		u := Unique(vs)
		if len(u) != n {
			t.Fatalf("n=%d: %d unique values", n, len(u))
		}
		for i, v := range u {
			if v != i {
				t.Fatalf("n=%d: value %d is %d, want first-seen order", n, i, v)
			}
		}
		missing := Missing(u, u[:n/2])
		if len(missing) != n-n/2 || (len(missing) > 0 && missing[0] != n/2) {
			t.Fatalf("n=%d: %d values missing, want %d from %d", n, len(missing), n-n/2, n/2)
		}
	}
}
