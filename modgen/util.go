package modgen

import "sort"

func sortStrings(s []string) { sort.Strings(s) }

func gofmt(b []byte) []byte {
	if f, err := formatGo(b); err == nil {
		return f
	}
	return b
}
