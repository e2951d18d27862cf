package names

import "testing"

func TestNearest(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"titel", "title"}, {"Author", "author"}, {"x", ""}, {"completely_else", ""},
	} {
		if got := Nearest(c.name, []string{"id", "title", "author"}); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
