package query_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/query"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Graph reads posts with their author (a user of another module, through a
// link), their comments (an in-module relation), and the count.
func ExampleQuery_Graph() {
	ctx := context.Background()
	var q *query.Query // query.New(reg, root), or resolved from a container under query.Key
	res, err := q.Graph(ctx, query.Input{
		Entity:     "post",
		Fields:     []string{"id", "title", "author.email", "comments.*"},
		Filters:    map[string]any{"title": map[string]any{"$ilike": "%go%"}},
		Pagination: query.Page(0, 20, sqlb.Order{Field: "created_at", Desc: true}),
	})
	if err != nil {
		fmt.Println(err) // e.g. invalid_data: Invalid field "autor.email": post has no relation or link "autor"; did you mean "author"?
		return
	}
	b, _ := res.MarshalJSON() // {"data": [...], "metadata": {"count": …, "skip": 0, "take": 20}}
	fmt.Println(string(b))
}

// A list route on Query: Medusa's "fields" (fields=*author,
// fields=+author.email) and filters reach Graph through httpx's parsing.
func ExampleFromHTTP() {
	var q *query.Query
	allowed, relations, err := q.Allowed("post")
	if err != nil {
		panic(err)
	}
	spec := qs.MustQuerySpec(qs.QueryConfig{Defaults: []string{"id", "title"}, Allowed: allowed, Relations: relations, List: true})
	http.HandleFunc("GET /admin/posts", func(w http.ResponseWriter, r *http.Request) {
		hq, err := spec.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		res, err := q.Graph(r.Context(), query.FromHTTP("post", hq, true))
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, res)
	})
}
