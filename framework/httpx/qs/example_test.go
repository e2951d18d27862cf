package qs_test

import (
	"fmt"

	"github.com/medusa-go/medusa/framework/httpx/qs"
)

// A list route declares its query once; Parse gives fields, pagination,
// order and a route-agnostic filter.
func ExampleQuerySpec_ParseRaw() {
	spec := qs.MustQuerySpec(qs.QueryConfig{
		Defaults:     []string{"id", "email", "first_name", "created_at"},
		List:         true,
		Search:       true,
		DefaultOrder: "id",
		Filters: []qs.FilterField{
			{Name: "id", Array: true},
			{Name: "email", Array: true, Ops: qs.OpsAll},
			{Name: "created_at", Type: qs.TypeTime, Ops: qs.OpsCompare},
		},
	})
	q, err := spec.ParseRaw("fields=email&limit=10&order=-created_at&email[$in]=a@x.io,b@x.io&created_at[$gte]=2024-01-01")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Fields, q.Limit, q.Offset, q.Order)
	for _, c := range q.Filter.Conds {
		fmt.Println(c.Field, c.Op, c.Values)
	}

	_, err = spec.ParseRaw("limit=-1&foo=1")
	fmt.Println(err)
	// Output:
	// [id email] 10 0 [{created_at true}]
	// email $in [a@x.io b@x.io]
	// created_at $gte [2024-01-01 00:00:00 +0000 UTC]
	// Invalid request: Value for field 'limit' too small, expected at least: '0'; Unrecognized fields: 'foo'
}
