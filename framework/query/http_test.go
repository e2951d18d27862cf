package query

import (
	"encoding/json"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/sqlb"
)

func TestFromHTTP(t *testing.T) {
	spec := qs.MustQuerySpec(qs.QueryConfig{
		Defaults: []string{"id", "title"}, Allowed: []string{"id", "title", "views", "author.email"}, Relations: []string{"author"},
		List: true, Search: true, AndOr: true,
		Filters: []qs.FilterField{{Name: "title", Type: qs.TypeString, Array: true, Ops: qs.OpsCompare | qs.Ops(qs.OpILike)}, {Name: "views", Type: qs.TypeNumber, Ops: qs.OpsCompare}},
	})
	hq, err := spec.ParseRaw("fields=*author,+author.email&limit=5&offset=10&order=-views&q=go&title[$ilike]=%25x%25&$or[0][views][$gt]=3&$or[1][title]=a")
	if err != nil {
		t.Fatal(err)
	}
	in := FromHTTP("post", hq, true)
	b, _ := json.Marshal(in)
	want := `{"entity":"post","fields":["id","title","author.*","author.email"],"filters":{"$or":[{"views":{"$gt":3}},{"title":{"$eq":"a"}}],"q":"go","title":{"$ilike":"%x%"}},"pagination":{"skip":10,"take":5,"order":[{"Field":"views","Desc":true}]}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	tree, err := sqlb.ParseFilters(in.Filters)
	if err != nil || tree.Q != "go" || len(tree.Or) != 2 {
		t.Fatalf("the filters do not parse back: %+v, %v", tree, err)
	}
	if in := FromHTTP("post", &qs.Query{Fields: []string{"id"}}, false); in.Pagination != nil || in.Filters != nil {
		t.Fatalf("a retrieve route: %+v", in)
	}
}
