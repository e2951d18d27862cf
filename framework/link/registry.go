package link

import (
	"errors"
	"fmt"
	"github.com/medusa-go/medusa/framework/names"
	"slices"
	"sort"
	"strings"

	"github.com/medusa-go/medusa/framework/entity"
	merrors "github.com/medusa-go/medusa/framework/errors"
)

// End is a link seen from one of its entities: the relation by which From
// reaches To.
type End struct {
	// Name is the relation's name on From ("author", "posts").
	Name string
	From *entity.Entity
	To   *entity.Entity
	// List reports that a From record has a list of To records.
	List bool
	// Cascade reports that To is deleteCascade: deleting a From record
	// deletes the To records linked to it.
	Cascade bool
	// FromColumn and ToColumn are the link table's columns holding the
	// keys of From and To.
	FromColumn, ToColumn string
	Def                  *Definition
}

// Registry holds an application's entities and link definitions, checked
// together. It is immutable and safe for concurrent use; build it once at
// start-up with NewRegistry.
type Registry struct {
	entities []*entity.Entity
	byName   map[string]*entity.Entity
	byKey    map[string]*entity.Entity // module + "\x00" + linkable key
	defs     []*Definition
	ends     map[*entity.Entity][]End
	tables   map[string]*Definition
}

// NewRegistry checks the entities (every module's, e.g. user.Entities and
// blog.Entities) and the link definitions between them, and returns the
// registry the link service, Sync and Query work from. Every problem is
// reported, each naming the definition:
//
//   - a side without an entity, or whose entity is not among entities
//     ("Service blog was not found");
//   - two entities of one name, or two definitions of one table;
//   - a relation name an entity already uses for a field, an in-module
//     relation or another link ("You need to provide an alias");
//   - both sides keyed by the same column, a bad extra column.
func NewRegistry(entities []*entity.Entity, defs ...*Definition) (*Registry, error) {
	r := &Registry{byName: map[string]*entity.Entity{}, byKey: map[string]*entity.Entity{}, ends: map[*entity.Entity][]End{}, tables: map[string]*Definition{}}
	var errs []error
	for _, e := range entities {
		if e == nil {
			errs = append(errs, errors.New("a nil entity"))
			continue
		}
		if prev, ok := r.byName[e.Name]; ok && prev != e {
			errs = append(errs, fmt.Errorf("entity %q is defined by modules %q and %q; Query reads entities by name, which must be unique", e.Name, prev.Module, e.Module))
			continue
		}
		if _, ok := r.byName[e.Name]; ok {
			continue
		}
		r.byName[e.Name] = e
		r.byKey[e.Module+"\x00"+e.Linkable] = e
		r.entities = append(r.entities, e)
	}
	for _, d := range defs {
		if err := r.add(d); err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", d, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("link: %w", errors.Join(errs...))
	}
	return r, nil
}

func (r *Registry) add(d *Definition) error {
	if d == nil {
		return errors.New("a nil definition")
	}
	for i, s := range []Side{d.Left, d.Right} {
		if s.Entity == nil {
			return merrors.New(merrors.InvalidData, "Invalid linkable passed for the argument %d: a side needs an entity (link.Of(<module>.<Model>Entity))", i+1)
		}
		if r.byName[s.Entity.Name] != s.Entity {
			return merrors.New(merrors.InvalidData, "Service %s was not found: pass the %s module's Entities to link.NewRegistry (entity %q)", s.Entity.Module, s.Entity.Module, s.Entity.Name)
		}
	}
	if d.leftColumn() == d.rightColumn() {
		return fmt.Errorf("both sides are keyed by %q; the link table needs two key columns", d.leftColumn())
	}
	if d.IDPrefix == "" {
		return errors.New("an empty IDPrefix")
	}
	if d.TableName != "" && !identRe.MatchString(d.TableName) {
		return fmt.Errorf("table name %q is not snake_case", d.TableName)
	}
	seen := map[string]bool{}
	for _, c := range d.Columns {
		switch {
		case !identRe.MatchString(c.Name):
			return fmt.Errorf("extra column %q is not snake_case", c.Name)
		case slices.Contains(reserved, c.Name) || c.Name == d.leftColumn() || c.Name == d.rightColumn():
			return fmt.Errorf("extra column %q is one of the link table's own columns", c.Name)
		case seen[c.Name]:
			return fmt.Errorf("extra column %q is defined twice", c.Name)
		}
		seen[c.Name] = true
		if _, err := c.sqlDef(); err != nil {
			return err
		}
	}
	t := d.Table()
	if prev, ok := r.tables[t]; ok {
		return fmt.Errorf("table %q is also the table of link %s; give one of them link.Table(...)", t, prev)
	}
	left := End{Name: d.Right.relation(), From: d.Left.Entity, To: d.Right.Entity, List: d.Right.IsList, Cascade: d.Right.Cascade, FromColumn: d.leftColumn(), ToColumn: d.rightColumn(), Def: d}
	right := End{Name: d.Left.relation(), From: d.Right.Entity, To: d.Left.Entity, List: d.Left.IsList, Cascade: d.Left.Cascade, FromColumn: d.rightColumn(), ToColumn: d.leftColumn(), Def: d}
	for _, end := range []End{left, right} {
		if err := r.free(end); err != nil {
			return err
		}
	}
	r.tables[t] = d
	r.defs = append(r.defs, d)
	r.ends[left.From] = append(r.ends[left.From], left)
	r.ends[right.From] = append(r.ends[right.From], right)
	return nil
}

// free checks that end's name is not taken on its entity.
func (r *Registry) free(end End) error {
	e := end.From
	taken := ""
	switch {
	case e.HasField(end.Name):
		taken = "a field"
	case func() bool { _, ok := e.Relation(end.Name); return ok }():
		taken = "a relation of its module"
	case end.Name == e.Name+"_link" || strings.HasSuffix(end.Name, "_link"):
		taken = "reserved for link rows"
	default:
		for _, o := range r.ends[e] {
			if o.Name == end.Name {
				taken = "the link " + o.Def.String()
			}
		}
	}
	if taken == "" {
		return nil
	}
	return merrors.New(merrors.InvalidData, "You need to provide an alias for %s.%s: %q already names %s of %s (use Side.As)", end.To.Module, end.To.Linkable, end.Name, taken, e.Name)
}

// Entities returns the registered entities, in the order given.
func (r *Registry) Entities() []*entity.Entity { return r.entities }

// Definitions returns the link definitions, in the order given.
func (r *Registry) Definitions() []*Definition { return r.defs }

// Entity returns the entity called name. An unknown name fails with
// Medusa's message, naming the nearest entity.
func (r *Registry) Entity(name string) (*entity.Entity, error) {
	if e, ok := r.byName[name]; ok {
		return e, nil
	}
	known := make([]string, 0, len(r.byName))
	for n := range r.byName {
		known = append(known, n)
	}
	sort.Strings(known)
	msg := fmt.Sprintf("Service with alias %q was not found.", name)
	if n := names.Nearest(name, known); n != "" {
		msg += fmt.Sprintf(" Did you mean %q?", n)
	}
	return nil, merrors.New(merrors.NotFound, "%s", msg)
}

// EntityByKey returns the entity of module whose linkable key is key.
func (r *Registry) EntityByKey(module, key string) (*entity.Entity, bool) {
	e, ok := r.byKey[module+"\x00"+key]
	return e, ok
}

// Links returns the links of e, each as the relation by which e reaches
// the other side.
func (r *Registry) Links(e *entity.Entity) []End { return r.ends[e] }

// Link returns the link of e called name.
func (r *Registry) Link(e *entity.Entity, name string) (End, bool) {
	for _, end := range r.ends[e] {
		if end.Name == name {
			return end, true
		}
	}
	return End{}, false
}

// definition finds the definition linking from to to in that order (the
// one stored in table, when given).
func (r *Registry) definition(from, to Ref, table string) (*Definition, error) {
	var found []*Definition
	for _, d := range r.defs {
		if d.Left.Entity.Module == from.Module && d.leftColumn() == from.Key && d.Right.Entity.Module == to.Module && d.rightColumn() == to.Key && (table == "" || d.Table() == table) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		msg := fmt.Sprintf("Module to type %s and %s by keys %s and %s was not found. Ensure the link exists, keys are correct, and link is passed in the correct order to method 'link.create'.", from.Module, to.Module, from.Key, to.Key)
		if table != "" {
			msg += fmt.Sprintf(" (no link is stored in table %q)", table)
		}
		return nil, merrors.New(merrors.InvalidData, "%s", msg)
	case 1:
		return found[0], nil
	}
	tables := make([]string, len(found))
	for i, d := range found {
		tables[i] = d.Table()
	}
	return nil, merrors.New(merrors.InvalidData, "Several links join %s.%s and %s.%s (tables %s): set the pair's Link, or build it with the definition's Pair", from.Module, from.Key, to.Module, to.Key, strings.Join(tables, ", "))
}
