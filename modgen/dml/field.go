package dml

import (
	"fmt"
	"runtime"
)

// Kind is a field's data type.
type Kind string

// The field kinds of Medusa's DML.
const (
	KindID        Kind = "id"
	KindText      Kind = "text"
	KindNumber    Kind = "number"
	KindBigNumber Kind = "bigNumber"
	KindBoolean   Kind = "boolean"
	KindDateTime  Kind = "dateTime"
	KindJSON      Kind = "json"
	KindEnum      Kind = "enum"
	KindArray     Kind = "array"
)

// Pos is where in the models' source a definition was made.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.File == "" {
		return "<unknown>"
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

func caller(skip int) Pos {
	_, file, line, ok := runtime.Caller(skip + 1)
	if !ok {
		return Pos{}
	}
	return Pos{File: file, Line: line}
}

// Property is anything a model is defined with: a *Field or a *Relation.
type Property interface {
	propName() string
	position() Pos
}

// Field is a scalar column. Build one with ID, Text, Number, BigNumber,
// Boolean, DateTime, JSON, Enum or Array and refine it with the modifiers.
type Field struct {
	Name       string
	Kind       Kind
	IDPrefix   string
	IsNullable bool
	HasDefault bool
	// DefaultValue is the Go value given to Default: string, bool, int,
	// int64, float64, or for JSON any value encoding/json can marshal.
	DefaultValue any
	IsSearch     bool
	IsUnique     bool
	UniqueName   string
	IsIndexed    bool
	IndexName    string
	IsPK         bool
	// IsFold marks a field compared without regard to case (see
	// CaseInsensitive).
	IsFold bool
	// FK is set on the "<rel>_id" column a BelongsTo adds.
	FK         *Relation
	EnumValues []string
	Pos        Pos
	// implicit marks created_at, updated_at and deleted_at.
	implicit bool
}

func (f *Field) propName() string { return f.Name }
func (f *Field) position() Pos    { return f.Pos }

// Scalar reports whether f holds one comparable value, so that lists can
// be filtered and ordered by it: every kind but json and array.
func (f *Field) Scalar() bool { return f.Kind != KindJSON && f.Kind != KindArray }

// Implicit reports whether f is one of created_at, updated_at, deleted_at.
func (f *Field) Implicit() bool { return f.implicit }

func newField(name string, k Kind) *Field {
	return &Field{Name: name, Kind: k, Pos: caller(2)}
}

// ID is the identifier field, named "id" unless a name is given. Its value is
// "<prefix>_" + ULID unless one is supplied on create.
func ID(name ...string) *Field {
	n := "id"
	if len(name) > 0 {
		n = name[0]
	}
	return newField(n, KindID)
}

// Text is a text column.
func Text(name string) *Field { return newField(name, KindText) }

// Number is an integer column.
func Number(name string) *Field { return newField(name, KindNumber) }

// BigNumber is a numeric column (held as float64 in Go; see docs/modgen.md).
func BigNumber(name string) *Field { return newField(name, KindBigNumber) }

// Boolean is a boolean column.
func Boolean(name string) *Field { return newField(name, KindBoolean) }

// DateTime is a timestamptz column.
func DateTime(name string) *Field { return newField(name, KindDateTime) }

// JSON is a jsonb column.
func JSON(name string) *Field { return newField(name, KindJSON) }

// Enum is a text column restricted to values by a CHECK constraint.
func Enum(name string, values ...string) *Field {
	f := newField(name, KindEnum)
	f.EnumValues = values
	return f
}

// Array is a text[] column.
func Array(name string) *Field { return newField(name, KindArray) }

// Prefix sets the id prefix: generated ids are "<prefix>_" + ULID.
func (f *Field) Prefix(p string) *Field { f.IDPrefix = p; return f }

// Nullable makes the column NULL-able (default null).
func (f *Field) Nullable() *Field { f.IsNullable = true; return f }

// Default sets the column default.
func (f *Field) Default(v any) *Field { f.HasDefault = true; f.DefaultValue = v; return f }

// Searchable includes the field in the free-text "q" filter.
func (f *Field) Searchable() *Field { f.IsSearch = true; return f }

// Unique adds a unique index among non-deleted rows, named
// IDX_<table>_<col>_unique unless a name is given.
func (f *Field) Unique(name ...string) *Field {
	f.IsUnique = true
	if len(name) > 0 {
		f.UniqueName = name[0]
	}
	return f
}

// Index adds an index among non-deleted rows, named IDX_<table>_<col>
// unless a name is given.
func (f *Field) Index(name ...string) *Field {
	f.IsIndexed = true
	if len(name) > 0 {
		f.IndexName = name[0]
	}
	return f
}

// CaseInsensitive makes a text field compare without regard to case, as an
// e-mail address does: every index on it (its own .Unique()/.Index() and the
// model-level Indexes that list it) is on lower(<col>), so a unique one
// refuses "Ann@example.com" next to "ann@example.com", and the generated
// filters' equality operators (eq, ne, in, nin) compare lower-cased values
// on both sides, through that index. The value is stored as given and
// returned as given; like, ilike and the ranges are unchanged.
func (f *Field) CaseInsensitive() *Field { f.IsFold = true; return f }

// PrimaryKey makes the field the primary key.
func (f *Field) PrimaryKey() *Field { f.IsPK = true; return f }

// RelationKind is the kind of a relation.
type RelationKind string

// The relation kinds of Medusa's DML.
const (
	HasOneRel     RelationKind = "hasOne"
	HasManyRel    RelationKind = "hasMany"
	BelongsToRel  RelationKind = "belongsTo"
	ManyToManyRel RelationKind = "manyToMany"
)

// Relation links two models of a module. Targets are named by model name
// (not by Go value) so that models may refer to each other.
type Relation struct {
	Name       string
	Kind       RelationKind
	Target     string
	Mapped     string
	IsNullable bool
	Pivot      string
	Pos        Pos
}

func (r *Relation) propName() string { return r.Name }
func (r *Relation) position() Pos    { return r.Pos }

func newRel(name string, k RelationKind, target string) *Relation {
	return &Relation{Name: name, Kind: k, Target: target, Pos: caller(2)}
}

// HasOne declares a one-to-one relation owned by the target (which holds a
// BelongsTo back to this model).
func HasOne(name, target string) *Relation { return newRel(name, HasOneRel, target) }

// HasMany declares a one-to-many relation; the target holds a BelongsTo.
func HasMany(name, target string) *Relation { return newRel(name, HasManyRel, target) }

// BelongsTo declares the owning side: it adds a "<name>_id" text column with a
// foreign key to the target's primary key and an index.
func BelongsTo(name, target string) *Relation { return newRel(name, BelongsToRel, target) }

// ManyToMany declares a many-to-many relation through a pivot table.
func ManyToMany(name, target string) *Relation { return newRel(name, ManyToManyRel, target) }

// MappedBy names the inverse relation on the target; it defaults to the
// snake_case name of the owning model (plural for hasMany inverses of a
// manyToMany).
func (r *Relation) MappedBy(n string) *Relation { r.Mapped = n; return r }

// Nullable makes a BelongsTo's foreign key column NULL-able.
func (r *Relation) Nullable() *Relation { r.IsNullable = true; return r }

// PivotTable names a ManyToMany's pivot table.
func (r *Relation) PivotTable(t string) *Relation { r.Pivot = t; return r }
