package modgen

import (
	"go/format"
	"sort"
)

func sortStrings(s []string) { sort.Strings(s) }

func gofmt(b []byte) []byte {
	if f, err := format.Source(b); err == nil {
		return f
	}
	return b
}
