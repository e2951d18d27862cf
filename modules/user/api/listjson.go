package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/medusa-go/medusa/framework/httpx"
)

// jsonAppender is implemented by every generated model (AppendJSON, written
// by modgen): MarshalJSON's bytes appended to b, with no allocation per row.
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// listBufs recycles the response buffers of writeList: a page of 50 users is
// ~12.6 kB, and net/http copies what Write is given before Write returns.
// Buffers that grew beyond maxPooledList are left to the GC.
var listBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

const maxPooledList = 256 << 10

// writeList answers 200 with the bytes httpx.WriteJSON writes for
// map[string]any{plural: rows, "count": count, "offset": offset, "limit":
// limit} (keys sorted, no HTML escaping beyond what the rows carry), but it
// appends each row's JSON as is: encoding/json would validate and compact
// every row again, about 15% of GET /admin/users' CPU (docs/perf/api.md).
// Rows whose pointer is a jsonAppender are appended in place; other rows
// must be json.Marshalers returning compact JSON, as the generated models'
// MarshalJSON does. A row that is neither, or fails to marshal,
// falls back to httpx.WriteJSON.
func writeList[T any](w http.ResponseWriter, r *http.Request, plural string, rows []T, count, offset, limit int) {
	fallback := func() {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{plural: rows, "count": count, "offset": offset, "limit": limit})
	}
	type field struct {
		key string
		n   int
	}
	fields := [...]field{{"count", count}, {"limit", limit}, {"offset", offset}, {plural, -1}}
	slices.SortFunc(fields[:], func(a, b field) int { return strings.Compare(a.key, b.key) })
	bp := listBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledList {
			listBufs.Put(bp)
		}
	}()
	b := (*bp)[:0]
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, f.key)
		b = append(b, ':')
		if f.key != plural {
			b = strconv.AppendInt(b, int64(f.n), 10)
			continue
		}
		b = append(b, '[')
		for j := range rows {
			if j > 0 {
				b = append(b, ',')
			}
			var err error
			if a, ok := any(&rows[j]).(jsonAppender); ok {
				b, err = a.AppendJSON(b)
			} else if m, ok := any(rows[j]).(json.Marshaler); ok {
				var out []byte
				out, err = m.MarshalJSON()
				b = append(b, out...)
			} else {
				fallback()
				return
			}
			if err != nil {
				fallback()
				return
			}
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	*bp = b
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	httpx.WriteWhole(w, r, http.StatusOK, b)
}

// appendKey appends k as encoding/json quotes an object key: keys of
// letters, digits and '_' are copied, anything else goes through
// json.Marshal.
func appendKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			q, _ := json.Marshal(k)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"')
}
