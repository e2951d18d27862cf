package parse

import (
	"fmt"
	"net/url"
	"strings"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Invalid is the invalid_data error "Invalid request: msg".
func Invalid(msg string) *merrors.Error {
	return merrors.New(merrors.InvalidData, "Invalid request: %s", msg)
}

// maxListedNames is how many names an error message lists before "…", so a
// hostile request cannot make the error body as large as itself.
const maxListedNames = 10

// JoinNames joins names with ", " as zod does, listing at most
// maxListedNames of them, and shortening each to 100 bytes.
func JoinNames(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == maxListedNames {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if len(n) > 100 {
			n = strings.ToValidUTF8(n[:100], "") + "…"
		}
		b.WriteString(n)
	}
	return b.String()
}

// Issues collects validation issues in the order they are found.
type Issues struct{ List []string }

// Add adds an issue.
func (is *Issues) Add(format string, args ...any) {
	is.List = append(is.List, fmt.Sprintf(format, args...))
}

// Err is the first three issues as one invalid_data error, or nil.
func (is *Issues) Err() error {
	if len(is.List) == 0 {
		return nil
	}
	l := is.List
	if len(l) > 3 {
		l = l[:3]
	}
	return Invalid(strings.Join(l, "; "))
}

// TypeIssue adds zod's "Expected type" issue.
func TypeIssue(is *Issues, expected, path string, got string) {
	is.Add("Expected type: '%s' for field '%s', got: '%s'", expected, path, got)
}

// JoinPath joins a field path and a name as the error messages show them.
func JoinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + ", " + name
}

// QueryUnescape decodes a query component: '+' is a space, %XX escapes are
// decoded, and the result must be valid UTF-8.
func QueryUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}
