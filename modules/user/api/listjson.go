package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/medusa-go/medusa/framework/httpx"
)

// writeList answers 200 with the bytes httpx.WriteJSON writes for
// map[string]any{plural: rows, "count": count, "offset": offset, "limit":
// limit} (keys sorted, no HTML escaping beyond what the rows carry), but it
// copies each row's MarshalJSON output as is: encoding/json would validate and
// compact every row again, about 15% of GET /admin/users' CPU
// (docs/perf/api.md). The rows' MarshalJSON must return compact JSON, as
// the generated models' rt.MarshalSelected does. A row that is not a
// json.Marshaler, or fails to marshal, falls back to httpx.WriteJSON.
func writeList[T any](w http.ResponseWriter, plural string, rows []T, count, offset, limit int) {
	fallback := func() {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{plural: rows, "count": count, "offset": offset, "limit": limit})
	}
	type field struct {
		key string
		n   int
	}
	fields := []field{{"count", count}, {"limit", limit}, {"offset", offset}, {plural, -1}}
	slices.SortFunc(fields, func(a, b field) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	b := make([]byte, 0, 64+512*len(rows))
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(f.key)
		if err != nil {
			fallback()
			return
		}
		b = append(b, k...)
		b = append(b, ':')
		if f.key != plural {
			b = strconv.AppendInt(b, int64(f.n), 10)
			continue
		}
		b = append(b, '[')
		for j := range rows {
			m, ok := any(rows[j]).(json.Marshaler)
			if !ok {
				fallback()
				return
			}
			out, err := m.MarshalJSON()
			if err != nil {
				fallback()
				return
			}
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, out...)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
