package sqlb

import (
	"fmt"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

func TestSplitRelations(t *testing.T) {
	rels := []Relation{{Name: "author", Key: "author_id"}, {Name: "tags"}}
	t.Run("nothing to split returns cfg as it is", func(t *testing.T) {
		cfg := FindConfig{Select: []string{"id", "title"}, Take: 3}
		got, rs, err := SplitRelations("book", rels, cfg)
		if err != nil || rs != nil || fmt.Sprint(got) != fmt.Sprint(cfg) {
			t.Fatalf("got %+v, %v, %v", got, rs, err)
		}
	})
	t.Run("dotted selects and nested relations", func(t *testing.T) {
		cfg := FindConfig{Select: []string{"title", "author.name", "tags.*", "author.books.title"}, Relations: []string{"tags.books"}, WithDeleted: true, Take: 5}
		got, rs, err := SplitRelations("book", rels, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.Select) != "[title]" || got.Relations != nil || got.Take != 5 || fmt.Sprint(got.also) != "[author_id]" {
			t.Fatalf("root %+v", got)
		}
		if len(rs) != 2 || rs[0].Name != "tags" || rs[1].Name != "author" {
			t.Fatalf("relations %+v", rs)
		}
		if c := rs[0].Config; c.Select != nil || fmt.Sprint(c.Relations) != "[books]" || !c.WithDeleted {
			t.Fatalf("tags config %+v", c)
		}
		if c := rs[1].Config; fmt.Sprint(c.Select) != "[name books.title]" || !c.WithDeleted {
			t.Fatalf("author config %+v", c)
		}
	})
	t.Run("only relations selected keeps the primary key", func(t *testing.T) {
		got, _, err := SplitRelations("book", rels, FindConfig{Select: []string{"tags"}})
		if err != nil || !got.onlyPK || got.Select != nil {
			t.Fatalf("got %+v, %v", got, err)
		}
		cols, err := got.columns(Table{PK: "id", Fields: []string{"id", "title"}})
		if err != nil || fmt.Sprint(cols) != "[id]" {
			t.Fatalf("columns %v, %v", cols, err)
		}
	})
	t.Run("star selects every field", func(t *testing.T) {
		got, rs, err := SplitRelations("book", rels, FindConfig{Select: []string{"*", "title"}})
		if err != nil || got.Select != nil || len(rs) != 0 {
			t.Fatalf("got %+v %+v, %v", got, rs, err)
		}
	})
	for _, c := range []struct {
		cfg  FindConfig
		want string
	}{
		{FindConfig{Relations: []string{"autor"}}, `Invalid relation "autor" for book; did you mean "author"?; valid: author, tags`},
		{FindConfig{Select: []string{"tagz.value"}}, `Invalid relation "tagz" for book; did you mean "tags"?`},
		{FindConfig{Relations: []string{"zzzzzzzz"}}, `Invalid relation "zzzzzzzz" for book; valid: author, tags`},
	} {
		_, _, err := SplitRelations("book", rels, c.cfg)
		if !merrors.Is(err, merrors.InvalidData) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.cfg, err, c.want)
		}
	}
	if _, _, err := SplitRelations("user", nil, FindConfig{Relations: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "it has none") {
		t.Errorf("model without relations: %v", err)
	}
}

func TestLoadAndGroup(t *testing.T) {
	type parent struct {
		ID, Ref string
		Kids    []string
		One     *string
	}
	rows := []parent{{ID: "a", Ref: "x"}, {ID: "b", Ref: "y"}, {ID: "c", Ref: "x"}, {ID: "d"}}
	var asked [][]string
	err := LoadOne(rows, func(p *parent) string { return p.Ref }, func(ids []string) ([]string, error) {
		asked = append(asked, ids)
		return []string{"x"}, nil
	}, func(s *string) string { return *s }, func(p *parent, s *string) { p.One = s })
	if err != nil || fmt.Sprint(asked) != "[[x y]]" || rows[0].One == nil || *rows[0].One != "x" || rows[1].One != nil || rows[3].One != nil {
		t.Fatalf("LoadOne: %v, asked %v, rows %+v", err, asked, rows)
	}
	asked = nil
	err = LoadMany(rows, func(p *parent) string { return p.ID }, func(ids []string) ([]string, []string, error) {
		asked = append(asked, ids)
		return []string{"k1", "k2", "k3", "k4"}, []string{"c", "a", "c", "a"}, nil
	}, func(p *parent, ks []string) { p.Kids = ks })
	if err != nil || fmt.Sprint(asked) != "[[a b c d]]" {
		t.Fatalf("LoadMany: %v, asked %v", err, asked)
	}
	if fmt.Sprint(rows[0].Kids, rows[1].Kids, rows[2].Kids) != "[k2 k4] [] [k1 k3]" || rows[1].Kids == nil {
		t.Fatalf("children %+v", rows)
	}
	// a sub-slice cannot grow into its neighbour
	rows[0].Kids = append(rows[0].Kids, "extra")
	if fmt.Sprint(rows[2].Kids) != "[k1 k3]" {
		t.Fatalf("append to one group changed another: %v", rows[2].Kids)
	}
	if err := LoadMany([]parent{}, func(p *parent) string { return p.ID }, func([]string) ([]string, []string, error) {
		t.Fatal("find called without keys")
		return nil, nil, nil
	}, func(*parent, []string) {}); err != nil {
		t.Fatal(err)
	}
}

func TestParseFilters(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err := ParseFilters(map[string]any{
		"id":         []string{"a", "b"},
		"title":      map[string]any{"$ilike": "%x%", "$ne": "y"},
		"views":      map[string]any{"$gte": 3},
		"created_at": map[string]any{"$lt": at},
		"q":          "search",
		"$or":        []any{map[string]any{"active": true}, map[string]any{"views": int64(7)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "{search [{created_at $lt [2030-01-02 03:04:05 +0000 UTC]} {id $in [a b]} {title $ilike [%x%]} {title $ne [y]} {views $gte [3]}] [] [{ [{active $eq [true]}] [] []} { [{views $eq [7]}] [] []}]}"
	if fmt.Sprint(got) != want {
		t.Fatalf("got  %v\nwant %s", got, want)
	}
	if v := got.Conds[4].Values[0]; v != float64(3) {
		t.Fatalf("numbers become float64: %T", v)
	}
	for _, c := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"title": map[string]any{"$ilik": "x"}}, "Invalid filter title: unknown operator $ilik (did you mean $ilike?)"},
		{map[string]any{"title": struct{}{}}, "Invalid filter title: unsupported value"},
		{map[string]any{"title": map[string]any{"$eq": []string{"a"}}}, "Invalid filter title.$eq: takes one value, not a list"},
		{map[string]any{"$or": "x"}, "Invalid filter $or: expected a list of filter objects"},
		{map[string]any{"$and": []any{map[string]any{"a": nil}}}, "Invalid filter $and[0].a: unsupported value <nil>"},
		{map[string]any{"q": 3}, "Invalid filter q: expected a string"},
	} {
		_, err := ParseFilters(c.in)
		if !merrors.Is(err, merrors.InvalidData) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: %v, want %s", c.in, err, c.want)
		}
	}
	if err := UnknownFilter("post", "titel", []string{"id", "title"}); !strings.Contains(err.Error(), `did you mean "title"?`) {
		t.Errorf("UnknownFilter: %v", err)
	}
}
