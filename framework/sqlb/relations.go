package sqlb

import (
	"github.com/medusa-go/medusa/framework/names"
	"slices"
	"strings"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Relation names one in-module relation of a model for SplitRelations.
// Key is the column of the model's own table that loading the relation
// reads (a belongsTo's foreign key); empty means the primary key, which is
// always read.
type Relation struct {
	Name string
	Key  string
}

// RelConfig is the configuration one relation is loaded with: the fields
// selected under it, its own nested relations, and WithDeleted.
type RelConfig struct {
	Name   string
	Config FindConfig
}

// SplitRelations separates the relation part of cfg, for a model with the
// given relations: the returned config has only the model's own fields in
// Select (and reads the keys the relations need, see ReadAlso), and each
// relation named in Relations or in a dotted Select entry ("books.title",
// "books.*", "books.tags.value") gets its RelConfig, in order of first
// mention. A Select entry "*" means every field. A Select that names only
// relations keeps the primary key alone. An unknown relation fails with
// invalid_data naming the nearest one. With no relation asked for, cfg is
// returned as it is.
func SplitRelations(model string, relations []Relation, cfg FindConfig) (FindConfig, []RelConfig, error) {
	dotted := len(cfg.Relations) > 0
	for _, s := range cfg.Select {
		if s == "*" || strings.IndexByte(s, '.') >= 0 || isRelation(relations, s) {
			dotted = true
			break
		}
	}
	if !dotted {
		return cfg, nil, nil
	}
	var rels []RelConfig
	get := func(name string) (*RelConfig, error) {
		if !isRelation(relations, name) {
			names := make([]string, len(relations))
			for i, r := range relations {
				names[i] = r.Name
			}
			return nil, unknown("relation", name, model, names)
		}
		for i := range rels {
			if rels[i].Name == name {
				return &rels[i], nil
			}
		}
		rels = append(rels, RelConfig{Name: name, Config: FindConfig{WithDeleted: cfg.WithDeleted}})
		return &rels[len(rels)-1], nil
	}
	for _, r := range cfg.Relations {
		head, rest, _ := strings.Cut(r, ".")
		rc, err := get(head)
		if err != nil {
			return cfg, nil, err
		}
		if rest != "" && !slices.Contains(rc.Config.Relations, rest) {
			rc.Config.Relations = append(rc.Config.Relations, rest)
		}
	}
	var root []string
	all, selected := false, len(cfg.Select) > 0
	for _, s := range cfg.Select {
		head, rest, ok := strings.Cut(s, ".")
		switch {
		case s == "*":
			all = true
		case !ok && !isRelation(relations, s):
			root = append(root, s)
		default:
			rc, err := get(head)
			if err != nil {
				return cfg, nil, err
			}
			if rest == "" {
				rest = "*"
			}
			if !slices.Contains(rc.Config.Select, rest) {
				rc.Config.Select = append(rc.Config.Select, rest)
			}
		}
	}
	out := cfg
	out.Relations = nil
	switch {
	case all || !selected:
		out.Select = nil
	case len(root) == 0:
		out.Select, out.onlyPK = nil, true // the primary key alone
	default:
		out.Select = root
	}
	for i := range rels {
		c := &rels[i].Config
		if slices.Contains(c.Select, "*") && !hasDotted(c.Select) {
			c.Select = nil
		}
		for _, r := range relations {
			if r.Name == rels[i].Name && r.Key != "" {
				out = out.ReadAlso(r.Key)
			}
		}
	}
	return out, rels, nil
}

func hasDotted(sel []string) bool {
	for _, s := range sel {
		if strings.IndexByte(s, '.') >= 0 {
			return true
		}
	}
	return false
}

func isRelation(relations []Relation, name string) bool {
	for _, r := range relations {
		if r.Name == name {
			return true
		}
	}
	return false
}

// unknown is the invalid_data error of an unknown name, naming the nearest
// valid one.
func unknown(what, name, model string, valid []string) error {
	msg := "Invalid " + what + " " + quote(name) + " for " + model
	if n := names.Nearest(name, valid); n != "" {
		msg += "; did you mean " + quote(n) + "?"
	}
	if len(valid) == 0 {
		msg += "; it has none"
	} else {
		msg += "; valid: " + strings.Join(valid, ", ")
	}
	return merrors.New(merrors.InvalidData, "%s", msg)
}

func quote(s string) string { return `"` + s + `"` }

// Str returns *p, or "" for nil: the key of a nullable foreign key.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Keys returns the distinct non-empty keys of rows, in first-seen order.
func Keys[P any](rows []P, key func(*P) string) []string {
	out := make([]string, 0, len(rows))
	seen := make(map[string]struct{}, len(rows))
	for i := range rows {
		k := key(&rows[i])
		if k == "" {
			continue
		}
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}

// Group orders children by their parent key (stable: each parent's
// children keep their order) and returns, per parent key, its children as
// a sub-slice of one new slice.
func Group[C any](children []C, parent func(i int, c *C) string) map[string][]C {
	idx := make([]int, len(children))
	keys := make([]string, len(children))
	for i := range children {
		idx[i] = i
		keys[i] = parent(i, &children[i])
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sorted := make([]C, len(children))
	out := map[string][]C{}
	start := 0
	for i, j := range idx {
		sorted[i] = children[j]
		if i+1 == len(idx) || keys[idx[i+1]] != keys[j] {
			out[keys[j]] = sorted[start : i+1 : i+1]
			start = i + 1
		}
	}
	return out
}

// LoadOne loads a to-one relation (a belongsTo) of rows in one read: find
// gets the targets of the rows' distinct keys, and set gives each row its
// target (nil when it has none).
func LoadOne[P, C any](rows []P, key func(*P) string, find func(ids []string) ([]C, error), id func(*C) string, set func(*P, *C)) error {
	ids := Keys(rows, key)
	var found []C
	if len(ids) > 0 {
		var err error
		if found, err = find(ids); err != nil {
			return err
		}
	}
	byID := make(map[string]*C, len(found))
	for i := range found {
		byID[id(&found[i])] = &found[i]
	}
	for i := range rows {
		set(&rows[i], byID[key(&rows[i])])
	}
	return nil
}

// LoadMany loads a to-many relation (hasMany, hasOne, manyToMany) of rows
// in one read: find gets the children of the rows' keys together with the
// parent key of each child (in the same order), and set gives each row its
// children (an empty, non-nil slice when it has none).
func LoadMany[P, C any](rows []P, key func(*P) string, find func(ids []string) ([]C, []string, error), set func(*P, []C)) error {
	ids := Keys(rows, key)
	var (
		found   []C
		parents []string
	)
	if len(ids) > 0 {
		var err error
		if found, parents, err = find(ids); err != nil {
			return err
		}
	}
	groups := Group(found, func(i int, _ *C) string { return parents[i] })
	for i := range rows {
		g := groups[key(&rows[i])]
		if g == nil {
			g = []C{}
		}
		set(&rows[i], g)
	}
	return nil
}

// ParentKeys returns, for children read by a foreign key, the key of each
// child's parent: for LoadMany's find.
func ParentKeys[C any](children []C, key func(*C) string) []string {
	out := make([]string, len(children))
	for i := range children {
		out[i] = key(&children[i])
	}
	return out
}

// Through describes a join table between rows and their parents: a
// many-to-many pivot, or a module link's table.
type Through struct {
	// Table is the quoted join table.
	Table string
	// Parent is its column holding the parents' keys, Child the one holding
	// the primary keys of the rows read.
	Parent, Child string
	// Live keeps only the join rows not soft-deleted (a link table has
	// deleted_at; a pivot has not).
	Live bool
}

// selectedOf is what a row read with cfg holds (nil: all fields).
func selectedOf(cfg FindConfig, cols []string) []string {
	if len(cfg.Select) > 0 || cfg.onlyPK {
		return cols
	}
	return nil
}
