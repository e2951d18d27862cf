package api

import (
	"context"
	"net/http"
	"sync"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user"
)

// resource is the read side of one model's admin routes: list with count,
// and retrieve by id, straight from the module's service.
type resource[T, F any] struct {
	name, plural string        // "user", "users": the response keys
	one, list    *qs.QuerySpec // retrieve and list query strings
	filter       func(*qs.Query) (F, error)
	id           func(T) string
	// The service's methods, as method expressions.
	page     func(*user.Service, context.Context, F, ...sqlb.FindConfig) (sqlb.Page[T], error)
	retrieve func(*user.Service, context.Context, string, ...sqlb.FindConfig) (T, error)
	// pages recycles the arrays of listed rows (*[]T, see sqlb.WithRows).
	pages *sync.Pool
}

// maxPooledPage bounds the rows of an array that pages keeps.
const maxPooledPage = 1024

// handleList answers {<plural>, count, offset, limit} (and count_estimated,
// next_cursor: see listInfo), counting exactly up to countLimit rows (0:
// always, see sqlb.FindConfig.CountLimit).
func (res resource[T, F]) handleList(countLimit int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := res.list.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		f, err := res.filter(q)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		svc, err := service(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		p, _ := res.pages.Get().(*[]T)
		if p == nil {
			p = new([]T)
		}
		cfg := findConfig(q)
		cfg.CountLimit = countLimit
		pg, err := res.page(svc, sqlb.WithRows(r.Context(), *p), f, cfg)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		rows := pg.Rows
		if rows == nil {
			rows = []T{}
		}
		writeList(w, r, res.plural, rows, listInfo{count: pg.Count, offset: q.Offset, limit: q.Limit,
			estimated: pg.Estimated, cursor: q.CursorSet, next: pg.Next})
		// The response is written: the rows' array (page's, or a new one)
		// serves the next list, cleared so that it holds on to no strings.
		if c := cap(rows); c > 0 && c <= maxPooledPage {
			rows = rows[:c]
			clear(rows)
			*p = rows[:0]
			res.pages.Put(p)
		}
	}
}

// respond answers {<name>} for id with the fields the query selects.
func (res resource[T, F]) respond(w http.ResponseWriter, r *http.Request, id string) {
	q, err := res.one.Parse(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	svc, err := service(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := res.retrieve(svc, r.Context(), id, findConfig(q))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{res.name: v})
}

// handleGet answers GET /admin/<plural>/{id}.
func (res resource[T, F]) handleGet(w http.ResponseWriter, r *http.Request) {
	res.respond(w, r, r.PathValue("id"))
}

// respondWith answers {<name>} with v, the row a workflow just wrote (all
// fields), when the request selects no fields; otherwise it re-reads the row
// with the selection, as respond does. It saves the re-read on the common
// path.
func (res resource[T, F]) respondWith(w http.ResponseWriter, r *http.Request, v T) {
	if r.URL.Query().Has("fields") {
		res.respond(w, r, res.id(v))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{res.name: v})
}
