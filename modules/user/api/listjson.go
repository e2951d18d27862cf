package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/jsonw"
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

// listInfo is what a list response holds beside its rows: Medusa's count,
// offset and limit, and the medusa-go extensions count_estimated (present,
// true, when the count is the planner's estimate) and next_cursor (present
// when the request paged by cursor: the next page's cursor, or null).
type listInfo struct {
	count, offset, limit int
	estimated            bool
	cursor               bool
	next                 string
}

// object returns the response as a map, with rows under plural.
func (l listInfo) object(plural string, rows any) map[string]any {
	m := map[string]any{plural: rows, "count": l.count, "offset": l.offset, "limit": l.limit}
	if l.estimated {
		m["count_estimated"] = true
	}
	if l.cursor {
		m["next_cursor"] = nil
		if l.next != "" {
			m["next_cursor"] = l.next
		}
	}
	return m
}

// writeList answers 200 with the bytes httpx.WriteJSON writes for
// info.object(plural, rows) (keys sorted, no HTML escaping beyond what the
// rows carry), but it appends each row's JSON as is: encoding/json would
// validate and compact every row again, about 15% of GET /admin/users' CPU
// (docs/perf/api.md). Rows whose pointer is a jsonAppender are appended in
// place; other rows must be json.Marshalers returning compact JSON, as the
// generated models' MarshalJSON does. A row that is neither, or fails to
// marshal, falls back to httpx.WriteJSON.
func writeList[T any](w http.ResponseWriter, r *http.Request, plural string, rows []T, info listInfo) {
	fallback := func() {
		httpx.WriteJSON(w, http.StatusOK, info.object(plural, rows))
	}
	keys := make([]string, 0, 6)
	keys = append(keys, "count", "limit", "offset", plural)
	if info.estimated {
		keys = append(keys, "count_estimated")
	}
	if info.cursor {
		keys = append(keys, "next_cursor")
	}
	slices.Sort(keys)
	bp := listBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledList {
			listBufs.Put(bp)
		}
	}()
	b := (*bp)[:0]
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, ':')
		switch k {
		case "count":
			b = strconv.AppendInt(b, int64(info.count), 10)
			continue
		case "limit":
			b = strconv.AppendInt(b, int64(info.limit), 10)
			continue
		case "offset":
			b = strconv.AppendInt(b, int64(info.offset), 10)
			continue
		case "count_estimated":
			b = append(b, "true"...)
			continue
		case "next_cursor":
			if info.next == "" {
				b = append(b, "null"...)
			} else {
				b = jsonw.AppendJSONString(b, info.next)
			}
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
