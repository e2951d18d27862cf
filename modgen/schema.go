package modgen

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/modgen/dml"
)

// Schema is a module's database schema as the models describe it. Its JSON
// form is the snapshot committed next to the migrations; the next
// generation diffs the models against it.
type Schema struct {
	Module      string   `json:"module"`
	GeneratedBy string   `json:"generated_by"`
	Extensions  []string `json:"extensions,omitempty"`
	Tables      []Table  `json:"tables"`
}

// Table is one table of a Schema.
type Table struct {
	Name        string       `json:"name"`
	Columns     []Column     `json:"columns"`
	PrimaryKey  []string     `json:"primary_key"`
	Indexes     []IndexDef   `json:"indexes,omitempty"`
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
	Checks      []Check      `json:"checks,omitempty"`
}

// Column is one column.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is a SQL expression, empty for none.
	Default string `json:"default,omitempty"`
}

// IndexDef is one index.
type IndexDef struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Unique  bool     `json:"unique,omitempty"`
	Using   string   `json:"using,omitempty"`
	Ops     string   `json:"ops,omitempty"`
	Where   string   `json:"where,omitempty"`
}

// ForeignKey is one foreign key constraint.
type ForeignKey struct {
	Name      string `json:"name"`
	Column    string `json:"column"`
	RefTable  string `json:"ref_table"`
	RefColumn string `json:"ref_column"`
	OnDelete  string `json:"on_delete,omitempty"`
}

// Check is one CHECK constraint.
type Check struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
}

func (t *Table) column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// SQLType is the Postgres column type of a field kind.
func SQLType(k dml.Kind) string {
	switch k {
	case dml.KindNumber:
		return "integer"
	case dml.KindBigNumber:
		return "numeric"
	case dml.KindBoolean:
		return "boolean"
	case dml.KindDateTime:
		return "timestamptz"
	case dml.KindJSON:
		return "jsonb"
	case dml.KindArray:
		return "text[]"
	}
	return "text"
}

// sqlDefault renders a field's default as a SQL expression.
func sqlDefault(f *dml.Field) string {
	if !f.HasDefault {
		return ""
	}
	v := f.DefaultValue
	switch f.Kind {
	case dml.KindDateTime:
		return "now()"
	case dml.KindBoolean:
		return strconv.FormatBool(v.(bool))
	case dml.KindNumber, dml.KindBigNumber:
		return fmt.Sprint(v)
	case dml.KindJSON:
		b, _ := json.Marshal(v)
		return quote(string(b)) + "::jsonb"
	case dml.KindArray:
		items := v.([]string)
		q := make([]string, len(items))
		for i, s := range items {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	}
	return quote(fmt.Sprint(v))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func qi(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TrgmOps is the operator class of the trigram indexes that serve the free
// text "q" filter.
const TrgmOps = "gin_trgm_ops"

// BuildSchema turns a validated module into its Schema. Every searchable text
// field also gets a pg_trgm GIN index ("IDX_<table>_<col>_trgm", among
// non-deleted rows) so that q's ILIKE '%…%' can use an index.
func BuildSchema(mod *dml.Module) (*Schema, error) {
	if err := mod.Validate(); err != nil {
		return nil, err
	}
	s := &Schema{Module: mod.Name, GeneratedBy: "medusa-go"}
	trgm := false
	for _, m := range mod.Models {
		t := Table{Name: m.TableName}
		for _, f := range m.Fields {
			t.Columns = append(t.Columns, Column{Name: f.Name, Type: SQLType(f.Kind), Nullable: f.IsNullable, Default: sqlDefault(f)})
			if f.IsPK {
				t.PrimaryKey = append(t.PrimaryKey, f.Name)
			}
			if f.Kind == dml.KindEnum {
				q := make([]string, len(f.EnumValues))
				for i, v := range f.EnumValues {
					q[i] = quote(v)
				}
				t.Checks = append(t.Checks, Check{Name: m.TableName + "_" + f.Name + "_check", Expr: qi(f.Name) + " IN (" + strings.Join(q, ", ") + ")"})
			}
			if f.FK != nil {
				target := mod.Model(f.FK.Target)
				fk := ForeignKey{Name: m.TableName + "_" + f.Name + "_foreign", Column: f.Name, RefTable: target.TableName, RefColumn: target.PK().Name}
				if cascades(target, m) {
					fk.OnDelete = "CASCADE"
				}
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
		}
		for _, ix := range dml.AllIndexes(m) {
			t.Indexes = append(t.Indexes, IndexDef{Name: ix.Name, Columns: ix.On, Unique: ix.Unique, Using: ix.Using, Ops: ix.Ops, Where: ix.Where})
		}
		for _, f := range m.Fields {
			if f.IsSearch && (f.Kind == dml.KindText || f.Kind == dml.KindEnum) {
				trgm = true
				t.Indexes = append(t.Indexes, IndexDef{Name: "IDX_" + m.TableName + "_" + f.Name + "_trgm", Columns: []string{f.Name}, Using: "gin", Ops: TrgmOps, Where: "deleted_at IS NULL"})
			}
		}
		s.Tables = append(s.Tables, t)
	}
	// many-to-many pivot tables, created by the side whose name sorts first
	for _, m := range mod.Models {
		for _, r := range m.Relations {
			if r.Kind != dml.ManyToManyRel {
				continue
			}
			other := mod.Model(r.Target)
			if other.Name < m.Name {
				continue
			}
			name := PivotName(m, other, r)
			a, b := m.Name+"_id", other.Name+"_id"
			s.Tables = append(s.Tables, Table{
				Name:       name,
				Columns:    []Column{{Name: a, Type: "text"}, {Name: b, Type: "text"}},
				PrimaryKey: []string{a, b},
				Indexes:    []IndexDef{{Name: "IDX_" + name + "_" + b, Columns: []string{b}}},
				ForeignKeys: []ForeignKey{
					{Name: name + "_" + a + "_foreign", Column: a, RefTable: m.TableName, RefColumn: m.PK().Name, OnDelete: "CASCADE"},
					{Name: name + "_" + b + "_foreign", Column: b, RefTable: other.TableName, RefColumn: other.PK().Name, OnDelete: "CASCADE"},
				},
			})
		}
	}
	if trgm {
		s.Extensions = []string{"pg_trgm"}
	}
	return s, nil
}

// PivotName is a manyToMany's pivot table: the explicit one, or the two
// model names sorted, the second pluralised ("product_tags").
func PivotName(a, b *dml.Model, r *dml.Relation) string {
	if r.Pivot != "" {
		return r.Pivot
	}
	if inv := b.Relation(r.Mapped); inv != nil && inv.Pivot != "" {
		return inv.Pivot
	}
	names := []string{a.Name, b.Name}
	sort.Strings(names)
	return names[0] + "_" + strings.ToLower(dml.Pluralize(names[1]))
}

// cascades reports whether parent soft-deletes child with it.
func cascades(parent, child *dml.Model) bool {
	for _, c := range parent.CascadeDelete {
		if r := parent.Relation(c); r != nil && r.Target == child.Name {
			return true
		}
	}
	return false
}

// MarshalSnapshot renders s as indented JSON with a trailing newline.
func MarshalSnapshot(s *Schema) []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

// UnmarshalSnapshot parses a snapshot.
func UnmarshalSnapshot(b []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("modgen: parse schema snapshot: %w", err)
	}
	return &s, nil
}
