package entity_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/jsonw"
	"github.com/medusa-go/medusa/framework/sqlb"
)

type item struct {
	ID     string
	Linked jsonw.Linked
}

func (x *item) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, `,"id":`...)
	b = jsonw.AppendJSONString(b, x.ID)
	b, err := x.Linked.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	return jsonw.CloseObject(b, start), nil
}

var items = entity.Describe(entity.Entity{Module: "shop", Name: "item", Entity: "Item", PrimaryKey: "id", Linkable: "item_id", Fields: []string{"id"}},
	entity.Model[item]{
		Key:     func(x *item) string { return x.ID },
		Value:   func(x *item, f string) any { return x.ID },
		Linked:  func(x *item) *jsonw.Linked { return &x.Linked },
		Related: func(*item, string) []any { return nil },
		Resolve: func(context.Context, *container.Container) (entity.Service[item], error) {
			return nil, errors.New("no service")
		},
	})

func TestGroupAndJSON(t *testing.T) {
	// rows read through a join table, with their parents
	rows, _, err := items.List(context.Background(), container.New(), sqlb.FilterTree{}, sqlb.FindConfig{}, false)
	if err == nil || err.Error() != "no service" || rows.Len() != 0 {
		t.Fatalf("List without a service: %v", err)
	}
	if items.Type().String() != "entity_test.item" || items.String() != "shop.item" || !items.HasField("id") {
		t.Fatalf("descriptor %s %s", items.Type(), items)
	}
	all := items.Empty()
	if s, ok := all.Slice().([]item); !ok || len(s) != 0 {
		t.Fatalf("Empty %#v", all.Slice())
	}
	lists := map[bool]string{true: `[{"id":"b"},{"id":"c"}] [] [{"id":"a"}]`, false: `{"id":"b"} null {"id":"a"}`}
	for _, list := range []bool{true, false} {
		found := []item{{ID: "a"}, {ID: "b"}, {ID: "c"}}
		parents := []string{"p2", "p1", "p1"}
		got := items.Group(entity.RowsOf(found), parents, list)
		var out []string
		for _, k := range []string{"p1", "none", "p2"} {
			v, ok := got[k]
			if !ok {
				v = items.None(list)
			}
			b, err := v.AppendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
		if fmt.Sprint(out[0], " ", out[1], " ", out[2]) != lists[list] {
			t.Errorf("list %v: %v", list, out)
		}
	}
}
