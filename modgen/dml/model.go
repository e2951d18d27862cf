package dml

import (
	"slices"
	"strings"
	"unicode"
)

// Index is a model-level index (Medusa's .indexes([...])).
type Index struct {
	// Name defaults to IDX_<table>_<cols>[_unique].
	Name string
	// On lists the columns.
	On []string
	// Unique makes it a unique index.
	Unique bool
	// Where is a SQL predicate; "deleted_at IS NULL" is appended unless it
	// mentions deleted_at.
	Where string
	// Using is the index method ("btree" when empty, or "gin").
	Using string
	// Ops is an operator class applied to every column (e.g. "gin_trgm_ops").
	Ops string
	// AllRows indexes soft-deleted rows too: no "deleted_at IS NULL" is
	// added to Where (the list index of a sortable or filterable
	// deleted_at, whose lists and filters reach soft-deleted rows).
	AllRows bool
	// Exact indexes case-insensitive columns as stored instead of
	// lower(<col>) (the order index of a sortable case-insensitive field:
	// ORDER BY compares the stored values).
	Exact bool
	Pos   Pos
}

// Method names one of the eight generated service methods per model.
type Method string

// The generated methods (Medusa's MedusaService).
const (
	MethodRetrieve     Method = "Retrieve"
	MethodList         Method = "List"
	MethodListAndCount Method = "ListAndCount"
	MethodCreate       Method = "Create"
	MethodUpdate       Method = "Update"
	MethodDelete       Method = "Delete"
	MethodSoftDelete   Method = "SoftDelete"
	MethodRestore      Method = "Restore"
)

// Methods lists the generated methods in order.
var Methods = []Method{MethodRetrieve, MethodList, MethodListAndCount, MethodCreate, MethodUpdate, MethodDelete, MethodSoftDelete, MethodRestore}

// Model is one data model: a table, its fields, relations and indexes.
type Model struct {
	Name          string
	TableName     string
	Singular      string
	PluralN       string
	Fields        []*Field
	Relations     []*Relation
	IndexList     []Index
	CascadeDelete []string
	Overrides     []Method
	// RowCount keeps an exact count of the table's rows in Postgres (see
	// CountRows).
	RowCount bool
	// SortFields are the fields declared with Sortable, in call order;
	// SortDeclared tells a model that declared none (Sortable()) from one
	// that did not call it.
	SortFields   []string
	SortDeclared bool
	SortPos      Pos
	// FilterFields are the fields declared with Filterable (see
	// SortFields).
	FilterFields   []string
	FilterDeclared bool
	FilterPos      Pos
	// IsSmall marks a table that stays small (see Small).
	IsSmall bool
	Pos     Pos
	props   []Property
}

// Define declares a model called name (snake_case, e.g. "user" or
// "provider_identity") with the given fields and relations. The table name is
// the model name; the Go name is its PascalCase.
func Define(name string, props ...Property) *Model {
	m := &Model{Name: name, TableName: name, Pos: caller(1), props: props}
	for _, p := range props {
		switch p := p.(type) {
		case *Field:
			m.Fields = append(m.Fields, p)
		case *Relation:
			m.Relations = append(m.Relations, p)
		}
	}
	return m
}

// CountRows keeps an exact count of the model's rows, maintained by
// statement-level triggers in the writing transactions (MVCC-exact: every
// transaction sees the count of its own snapshot), so that a list without
// filters answers its count without counting rows. It suits tables that are
// listed more often than written; each write statement adds a small insert
// (see docs/modgen.md, "Exact row counts").
func (m *Model) CountRows() *Model { m.RowCount = true; return m }

// Table overrides the table name.
func (m *Model) Table(t string) *Model { m.TableName = t; return m }

// Names overrides the Go singular and plural names used in method names
// (RetrieveUser, ListUsers); by default PascalCase(name) and its English
// plural.
func (m *Model) Names(singular, plural string) *Model {
	m.Singular, m.PluralN = singular, plural
	return m
}

// Indexes adds model-level indexes.
func (m *Model) Indexes(ix ...Index) *Model {
	p := caller(1)
	for _, i := range ix {
		if i.Pos.File == "" {
			i.Pos = p
		}
		m.IndexList = append(m.IndexList, i)
	}
	return m
}

// Small says the table stays small (a few hundred rows, such as pending
// invites): its Sortable and Filterable fields get no list indexes, since
// a list reads such a table whole in less time than an index costs every
// write. Declarations still decide what lists may order and filter by.
func (m *Model) Small() *Model { m.IsSmall = true; return m }

// Sortable declares the fields a list of the model may be ordered by
// (besides the primary key, always sortable), as Medusa's "allowed" fields
// of a route do: the generated service and routes refuse an order by any
// other field (invalid_data), and the generator creates, for each, an
// index that serves the list ordered by it, both directions, with its
// keyset pages and deep offsets:
//
//	IDX_<table>_<field>_<pk> ON <table> (<field>, <pk>) WHERE deleted_at IS NULL
//
// unless an index of the model already serves it (a btree index on
// (<field>, <pk>), or a unique one on <field>, among non-deleted rows). The
// implicit created_at, updated_at and deleted_at may be named; deleted_at's
// index holds every row (lists ordered by it usually include soft-deleted
// rows). A model that does not call Sortable may be ordered by every field
// but json and array ones (Medusa's default), and the generator warns about
// each such field no index serves. Sortable() with no field leaves only the
// primary key. See docs/modgen.md, "Indexes for lists".
func (m *Model) Sortable(fields ...string) *Model {
	if !m.SortDeclared {
		m.SortDeclared, m.SortPos = true, caller(1)
	}
	m.SortFields = append(m.SortFields, fields...)
	return m
}

// Filterable declares the fields a list of the model may be filtered by in
// its generated admin routes (besides the primary key, and q over the
// searchable fields), and makes the generator create, for each, an index
// that serves equality, in and range filters on it with the default order:
//
//	IDX_<table>_<field>_<pk> ON <table> (<field>, <pk>) WHERE deleted_at IS NULL
//
// (on lower(<field>) for a case-insensitive field, IDX_..._lower), unless
// an index of the model already leads with the field among non-deleted rows
// (its .Index(), .Unique(), foreign key or Sortable index). The generated
// service's typed filter keeps every field (Go code chooses its filters);
// the routes refuse other filter fields. A module with routes whose model
// does not call Filterable accepts every field but json and array ones, and
// the generator warns about each such field no index leads with.
func (m *Model) Filterable(fields ...string) *Model {
	if !m.FilterDeclared {
		m.FilterDeclared, m.FilterPos = true, caller(1)
	}
	m.FilterFields = append(m.FilterFields, fields...)
	return m
}

// IsSortable reports whether lists of m may be ordered by the field called
// name: the primary key, a field declared with Sortable, or, when the model
// declares none, every field but json and array ones.
func (m *Model) IsSortable(name string) bool {
	return m.listable(name, m.SortDeclared, m.SortFields)
}

// IsFilterable reports whether the generated routes filter m's lists by the
// field called name: the primary key, a field declared with Filterable, or,
// when the model declares none, every field but json and array ones.
func (m *Model) IsFilterable(name string) bool {
	return m.listable(name, m.FilterDeclared, m.FilterFields)
}

func (m *Model) listable(name string, declared bool, names []string) bool {
	f := m.Field(name)
	if f == nil || !f.Scalar() {
		return false
	}
	return !declared || f.IsPK || slices.Contains(names, name)
}

// Cascades soft-deletes (and restores) the named hasOne/hasMany relations
// with the model, and makes their foreign keys ON DELETE CASCADE.
func (m *Model) Cascades(relations ...string) *Model {
	m.CascadeDelete = append(m.CascadeDelete, relations...)
	return m
}

// Override marks generated methods as overridden by hand-written code: the
// generator then emits only the unexported implementation (createInvites)
// and the module's service.go defines the exported method (CreateInvites),
// usually calling the unexported one.
func (m *Model) Override(methods ...Method) *Model {
	m.Overrides = append(m.Overrides, methods...)
	return m
}

// Overridden reports whether method is overridden.
func (m *Model) Overridden(method Method) bool {
	for _, o := range m.Overrides {
		if o == method {
			return true
		}
	}
	return false
}

// GoName is the model's singular Go name ("User").
func (m *Model) GoName() string {
	if m.Singular != "" {
		return m.Singular
	}
	return Pascal(m.Name)
}

// Plural is the model's plural Go name ("Users").
func (m *Model) Plural() string {
	if m.PluralN != "" {
		return m.PluralN
	}
	return Pluralize(m.GoName())
}

// Field returns the field called name (including implicit ones after
// Module.Validate), or nil.
func (m *Model) Field(name string) *Field {
	for _, f := range m.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Relation returns the relation called name, or nil.
func (m *Model) Relation(name string) *Relation {
	for _, r := range m.Relations {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// PK returns the primary-key field (after Validate).
func (m *Model) PK() *Field {
	for _, f := range m.Fields {
		if f.IsPK {
			return f
		}
	}
	return nil
}

// Module is a named set of models: one service, one migrations folder.
type Module struct {
	Name   string
	Models []*Model
	// WithRoutes makes the generator emit admin route handlers and an
	// OpenAPI fragment for every model.
	WithRoutes bool
	// Folder is the module's folder relative to the repository root
	// (slash-separated); empty means modules/<name>, with its queries in
	// queries/<name>. A module in another folder keeps its queries in
	// <Folder>/queries (see In).
	Folder    string
	Pos       Pos
	validated bool
}

// NewModule declares a module (its container key is name) with models.
func NewModule(name string, models ...*Model) *Module {
	return &Module{Name: name, Models: models, Pos: caller(1)}
}

// In generates the module into folder (relative to the repository root,
// slash-separated) instead of modules/<name>, with its queries in
// <folder>/queries: for modules that are not part of the application, such
// as a sample module that tests use.
func (m *Module) In(folder string) *Module { m.Folder = folder; return m }

// Routes opts the module into generated admin routes and OpenAPI.
func (m *Module) Routes() *Module { m.WithRoutes = true; return m }

// Model returns the model called name, or nil.
func (m *Module) Model(name string) *Model {
	for _, x := range m.Models {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// Pascal turns snake_case into PascalCase with Go initialisms ("avatar_url"
// → "AvatarURL", "id" → "ID").
func Pascal(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part == "" {
			continue
		}
		if up := strings.ToUpper(part); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// Camel is Pascal with a lower-case first word ("first_name" → "firstName").
func Camel(s string) string {
	p := Pascal(s)
	if p == "" {
		return p
	}
	first := strings.Split(s, "_")[0]
	if up := strings.ToUpper(first); initialisms[up] {
		return strings.ToLower(up) + p[len(up):]
	}
	r := []rune(p)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

var initialisms = map[string]bool{"ID": true, "URL": true, "API": true, "JSON": true, "HTTP": true, "IP": true, "UUID": true, "SQL": true, "URI": true}

// Pluralize is a small English pluralizer for Go names.
func Pluralize(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasSuffix(l, "y") && len(l) > 1 && !strings.ContainsRune("aeiou", rune(l[len(l)-2])):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(l, "s"), strings.HasSuffix(l, "x"), strings.HasSuffix(l, "z"), strings.HasSuffix(l, "ch"), strings.HasSuffix(l, "sh"):
		return s + "es"
	}
	return s + "s"
}
