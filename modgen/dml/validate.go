package dml

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Error is one problem in a module's definitions: where it is, what is
// wrong, and how to fix it.
type Error struct {
	Pos     Pos
	Model   string
	Field   string
	Problem string
	Fix     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	if e.Model != "" {
		fmt.Fprintf(&b, "model %q", e.Model)
		if e.Field != "" {
			fmt.Fprintf(&b, ", field %q", e.Field)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("\n\tfix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors is every problem Validate found, in definition order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return fmt.Sprintf("%d problem(s) in model definitions:\n%s", len(es), strings.Join(parts, "\n"))
}

// Implicit column names present on every model.
const (
	CreatedAt = "created_at"
	UpdatedAt = "updated_at"
	DeletedAt = "deleted_at"
)

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks the module's definitions and completes them: it adds the
// implicit created_at, updated_at and deleted_at fields, the "<rel>_id"
// column of every BelongsTo, and makes a lone id field the primary key. It
// returns Errors listing every problem found. Validate is idempotent.
func (mod *Module) Validate() error {
	if mod.validated {
		return nil
	}
	var errs Errors
	add := func(p Pos, model, field, problem, fix string) {
		errs = append(errs, &Error{Pos: p, Model: model, Field: field, Problem: problem, Fix: fix})
	}
	if !identRe.MatchString(mod.Name) {
		add(mod.Pos, "", "", fmt.Sprintf("module name %q is not snake_case", mod.Name), "name the module with lower-case letters, digits and underscores, e.g. \"user\"")
	}
	if len(mod.Models) == 0 {
		add(mod.Pos, "", "", fmt.Sprintf("module %q has no models", mod.Name), "pass at least one dml.Define(...) to dml.NewModule")
	}
	seenModel := map[string]*Model{}
	seenTable := map[string]*Model{}
	for _, m := range mod.Models {
		if prev, ok := seenModel[m.Name]; ok {
			add(m.Pos, m.Name, "", fmt.Sprintf("model %q is defined twice (first at %s)", m.Name, prev.Pos), "rename one of the models or remove the duplicate")
			continue
		}
		seenModel[m.Name] = m
		if !identRe.MatchString(m.Name) {
			add(m.Pos, m.Name, "", "model name is not snake_case", "use lower-case letters, digits and underscores, e.g. \"provider_identity\"")
		}
		if prev, ok := seenTable[m.TableName]; ok && prev != m {
			add(m.Pos, m.Name, "", fmt.Sprintf("table %q is also used by model %q", m.TableName, prev.Name), "give one of the models another table name with .Table(...)")
		}
		seenTable[m.TableName] = m
	}
	for _, m := range mod.Models {
		validateModel(mod, m, add)
	}
	if len(errs) > 0 {
		return errs
	}
	mod.validated = true
	return nil
}

func validateModel(mod *Module, m *Model, add func(Pos, string, string, string, string)) {
	names := map[string]Pos{}
	var ids, pks []*Field
	for _, p := range m.props {
		n := p.propName()
		if prev, ok := names[n]; ok {
			add(p.position(), m.Name, n, fmt.Sprintf("field %q is defined twice (first at %s)", n, prev), "remove one definition or rename it")
			continue
		}
		names[n] = p.position()
		if !identRe.MatchString(n) {
			add(p.position(), m.Name, n, "field name is not snake_case", "use lower-case letters, digits and underscores, e.g. \"first_name\"")
		}
		if n == CreatedAt || n == UpdatedAt || n == DeletedAt {
			add(p.position(), m.Name, n, fmt.Sprintf("Cannot define field(s) %q as they are implicitly defined on every model", n), "remove the field: created_at, updated_at and deleted_at are added to every model")
		}
	}
	for _, f := range m.Fields {
		if f.Kind == KindID {
			ids = append(ids, f)
		}
		if f.IsPK {
			pks = append(pks, f)
		}
		validateField(m, f, add)
	}
	if len(ids) > 1 {
		add(ids[1].Pos, m.Name, ids[1].Name, fmt.Sprintf("model already has an id field %q; a model can have only one id", ids[0].Name), "use dml.Text for the second identifier, or remove it")
	}
	switch {
	case len(pks) > 1:
		add(pks[1].Pos, m.Name, pks[1].Name, fmt.Sprintf("second primary key (first is %q); composite primary keys are not supported", pks[0].Name), "keep .PrimaryKey() on one field and use .Unique() on the other")
	case len(pks) == 0 && len(ids) == 1:
		ids[0].IsPK = true
	case len(pks) == 0:
		add(m.Pos, m.Name, "", "model has no primary key", "add dml.ID().Prefix(\"<prefix>\").PrimaryKey()")
	}
	if pk := firstPK(m); pk != nil && pk.IsNullable {
		add(pk.Pos, m.Name, pk.Name, "the primary key cannot be nullable", "remove .Nullable() from the primary key")
	}
	// relations
	if len(m.Relations) > MaxRelations {
		add(m.Pos, m.Name, "", fmt.Sprintf("model has %d relations; at most %d are supported", len(m.Relations), MaxRelations), "split the model")
	}
	for _, r := range m.Relations {
		if r.Name == "linked" {
			add(r.Pos, m.Name, r.Name, "relation name \"linked\" is reserved (the generated row type holds the records Query links to it under that name)", "rename the relation")
		}
		t := mod.Model(r.Target)
		if t == nil {
			add(r.Pos, m.Name, r.Name, fmt.Sprintf("relation targets unknown model %q", r.Target), fmt.Sprintf("define model %q in module %q or fix the target name", r.Target, mod.Name))
			continue
		}
		switch r.Kind {
		case BelongsToRel:
			// the owning side: an inverse is optional in Medusa only when
			// mappedBy is given; require it to be consistent when present.
			if r.Mapped != "" {
				inv := t.Relation(r.Mapped)
				if inv == nil || (inv.Kind != HasManyRel && inv.Kind != HasOneRel) || inv.Target != m.Name {
					add(r.Pos, m.Name, r.Name, fmt.Sprintf("Missing property %q on %q entity. Make sure to define it as a relationship", r.Mapped, Pascal(t.Name)), fmt.Sprintf("add dml.HasMany(%q, %q) (or HasOne) to model %q, or fix MappedBy", r.Mapped, m.Name, t.Name))
				}
			}
			col := r.Name + "_id"
			if _, ok := names[col]; ok {
				add(r.Pos, m.Name, r.Name, fmt.Sprintf("belongsTo %q adds column %q, which is also defined as a field", r.Name, col), fmt.Sprintf("remove the %q field: the relation creates it", col))
				continue
			}
			names[col] = r.Pos
			fk := &Field{Name: col, Kind: KindText, IsNullable: r.IsNullable, Pos: r.Pos, FK: r}
			m.Fields = append(m.Fields, fk)
		case HasOneRel, HasManyRel:
			mapped := r.Mapped
			if mapped == "" {
				mapped = m.Name
			}
			inv := t.Relation(mapped)
			if inv == nil || inv.Kind != BelongsToRel || inv.Target != m.Name {
				add(r.Pos, m.Name, r.Name, fmt.Sprintf("Missing property %q on %q entity. Make sure to define it as a relationship", mapped, Pascal(t.Name)), fmt.Sprintf("add dml.BelongsTo(%q, %q) to model %q, or set .MappedBy(...) to its name", mapped, m.Name, t.Name))
			}
		case ManyToManyRel:
			mapped := r.Mapped
			if mapped == "" {
				mapped = Pluralize(m.Name)
			}
			inv := t.Relation(mapped)
			if inv == nil || inv.Kind != ManyToManyRel || inv.Target != m.Name {
				add(r.Pos, m.Name, r.Name, fmt.Sprintf("Missing property %q on %q entity. Make sure to define it as a relationship", mapped, Pascal(t.Name)), fmt.Sprintf("add dml.ManyToMany(%q, %q) to model %q, or set .MappedBy(...) to its name", mapped, m.Name, t.Name))
			}
		default:
			add(r.Pos, m.Name, r.Name, fmt.Sprintf("unknown relation kind %q", r.Kind), "use dml.HasOne, dml.HasMany, dml.BelongsTo or dml.ManyToMany")
		}
	}
	// implicit fields
	p := m.Pos
	m.Fields = append(m.Fields,
		&Field{Name: CreatedAt, Kind: KindDateTime, HasDefault: true, DefaultValue: Now, Pos: p, implicit: true},
		&Field{Name: UpdatedAt, Kind: KindDateTime, HasDefault: true, DefaultValue: Now, Pos: p, implicit: true},
		&Field{Name: DeletedAt, Kind: KindDateTime, IsNullable: true, Pos: p, implicit: true},
	)
	// cascades
	for _, c := range m.CascadeDelete {
		r := m.Relation(c)
		switch {
		case r == nil:
			add(m.Pos, m.Name, c, fmt.Sprintf("cascade names unknown relation %q", c), "name a hasOne or hasMany relation of this model in .Cascades(...)")
		case r.Kind == BelongsToRel:
			add(r.Pos, m.Name, c, "Child to parent cascades are not allowed", "cascade from the parent: put .Cascades(...) on the model holding the hasOne/hasMany")
		case r.Kind == ManyToManyRel:
			add(r.Pos, m.Name, c, "cascades over manyToMany relations are not supported", "cascade hasOne/hasMany relations only")
		}
	}
	for _, o := range m.Overrides {
		if !slices.Contains(Methods, o) {
			add(m.Pos, m.Name, "", fmt.Sprintf("Override names unknown method %q", o), "use one of dml.MethodRetrieve ... dml.MethodRestore")
		}
	}
	// sortable and filterable fields
	declared := func(kind string, names []string, p Pos) {
		seen := map[string]bool{}
		for _, n := range names {
			f := m.Field(n)
			switch {
			case seen[n]:
				add(p, m.Name, n, fmt.Sprintf("field %q is listed twice in %s", n, kind), "list each field once")
			case f == nil:
				fix := "name fields of the model (or the implicit created_at, updated_at, deleted_at)"
				if r := m.Relation(n); r != nil && r.Kind == BelongsToRel {
					fix = fmt.Sprintf("name the relation's column %q", n+"_id")
				}
				add(p, m.Name, n, fmt.Sprintf("%s names unknown field %q", kind, n), fix)
			case !f.Scalar():
				add(p, m.Name, n, fmt.Sprintf("a %s field cannot be in %s: lists are not ordered or filtered by json and array fields", f.Kind, kind), fmt.Sprintf("remove %q from %s", n, kind))
			}
			seen[n] = true
		}
	}
	declared("Sortable", m.SortFields, m.SortPos)
	declared("Filterable", m.FilterFields, m.FilterPos)
	// indexes
	idxNames := map[string]bool{}
	for _, ix := range AllIndexes(m) {
		if idxNames[ix.Name] {
			add(ix.Pos, m.Name, "", fmt.Sprintf("index name %q is used twice", ix.Name), "give one of the indexes another Name")
		}
		idxNames[ix.Name] = true
		var unknown []string
		for _, c := range ix.On {
			if m.Field(c) == nil {
				unknown = append(unknown, c)
			}
		}
		if len(ix.On) == 0 {
			add(ix.Pos, m.Name, "", "index has no columns", "list the columns in Index.On")
		}
		if len(unknown) > 0 {
			add(ix.Pos, m.Name, strings.Join(unknown, ","), fmt.Sprintf("Cannot apply indexes on fields (%s) for model %s", strings.Join(unknown, ", "), Pascal(m.Name)), "index only fields defined on the model (or the implicit created_at, updated_at, deleted_at)")
		}
	}
}

func firstPK(m *Model) *Field {
	for _, f := range m.Fields {
		if f.IsPK {
			return f
		}
	}
	return nil
}

// MaxRelations is the most relations one model may have (the generated row
// type records which ones it loaded in a 64-bit set).
const MaxRelations = 64

// Now is the Default value meaning "the current time" (SQL now()).
const Now = "now()"

func validateField(m *Model, f *Field, add func(Pos, string, string, string, string)) {
	switch f.Kind {
	case KindEnum:
		if len(f.EnumValues) == 0 {
			add(f.Pos, m.Name, f.Name, "enum has no values", fmt.Sprintf("list the allowed values: dml.Enum(%q, \"a\", \"b\")", f.Name))
		}
		seen := map[string]bool{}
		for _, v := range f.EnumValues {
			if seen[v] {
				add(f.Pos, m.Name, f.Name, fmt.Sprintf("enum value %q is listed twice", v), "remove the duplicate value")
			}
			seen[v] = true
		}
	case KindID, KindText, KindNumber, KindBigNumber, KindBoolean, KindDateTime, KindJSON, KindArray:
	default:
		add(f.Pos, m.Name, f.Name, fmt.Sprintf("unknown field kind %q", f.Kind), "build fields with dml.ID, dml.Text, dml.Number, ...")
	}
	if f.IDPrefix != "" && f.Kind != KindID {
		add(f.Pos, m.Name, f.Name, ".Prefix is only meaningful on an id field", "remove .Prefix or use dml.ID()")
	}
	if f.IsSearch && f.Kind != KindText && f.Kind != KindID && f.Kind != KindEnum {
		add(f.Pos, m.Name, f.Name, fmt.Sprintf("a %s field cannot be searchable", f.Kind), "only text, id and enum fields can be .Searchable()")
	}
	if f.IsFold && f.Kind != KindText {
		add(f.Pos, m.Name, f.Name, fmt.Sprintf("a %s field cannot be .CaseInsensitive()", f.Kind), "only text fields compare without regard to case; remove .CaseInsensitive()")
	}
	if f.IsFold && f.IsPK {
		add(f.Pos, m.Name, f.Name, "a primary key cannot be .CaseInsensitive()", "keep the primary key exact; put .CaseInsensitive() on another text field")
	}
	if f.HasDefault {
		if err := checkDefault(f); err != "" {
			add(f.Pos, m.Name, f.Name, err, fmt.Sprintf("pass a value of the field's type to .Default (%s)", goTypeHint(f.Kind)))
		}
	}
}

func goTypeHint(k Kind) string {
	switch k {
	case KindText, KindID, KindEnum:
		return "a string"
	case KindNumber:
		return "an int"
	case KindBigNumber:
		return "a float64 or int"
	case KindBoolean:
		return "a bool"
	case KindDateTime:
		return "dml.Now"
	case KindArray:
		return "a []string"
	}
	return "a JSON-marshalable value"
}

func checkDefault(f *Field) string {
	v := f.DefaultValue
	bad := fmt.Sprintf("default %#v does not fit a %s field", v, f.Kind)
	switch f.Kind {
	case KindText, KindID:
		if _, ok := v.(string); !ok {
			return bad
		}
	case KindEnum:
		s, ok := v.(string)
		if !ok || !slices.Contains(f.EnumValues, s) {
			return fmt.Sprintf("default %#v is not one of the enum values %q", v, f.EnumValues)
		}
	case KindNumber:
		switch v.(type) {
		case int, int32, int64:
		default:
			return bad
		}
	case KindBigNumber:
		switch v.(type) {
		case int, int32, int64, float64:
		default:
			return bad
		}
	case KindBoolean:
		if _, ok := v.(bool); !ok {
			return bad
		}
	case KindDateTime:
		if v != Now {
			return bad
		}
	case KindArray:
		if _, ok := v.([]string); !ok {
			return bad
		}
	case KindJSON:
		if _, err := json.Marshal(v); err != nil {
			return fmt.Sprintf("default cannot be marshalled to JSON: %v", err)
		}
	}
	return ""
}

// AllIndexes returns the model's indexes with Medusa's defaults applied:
// field-level .Index()/.Unique(), BelongsTo foreign keys, the
// IDX_<table>_deleted_at index, the model-level Indexes, each with its
// final name and soft-delete-aware WHERE clause (unless AllRows), then the
// indexes its Sortable and Filterable fields need (see Model.Sortable).
func AllIndexes(m *Model) []Index {
	var out []Index
	for _, f := range m.Fields {
		if f.IsUnique {
			out = append(out, Index{Name: f.UniqueName, On: []string{f.Name}, Unique: true, Pos: f.Pos})
		}
		if f.IsIndexed {
			out = append(out, Index{Name: f.IndexName, On: []string{f.Name}, Pos: f.Pos})
		}
		if f.FK != nil {
			out = append(out, Index{On: []string{f.Name}, Pos: f.Pos})
		}
	}
	if m.Field(DeletedAt) != nil {
		out = append(out, Index{On: []string{DeletedAt}, Where: "deleted_at IS NULL", Pos: m.Pos})
	}
	out = append(out, m.IndexList...)
	for i := range out {
		ix := &out[i]
		if ix.Name == "" {
			ix.Name = "IDX_" + m.TableName + "_" + strings.Join(ix.On, "_")
			if ix.Unique {
				ix.Name += "_unique"
			}
		}
		if !ix.AllRows {
			ix.Where = SoftDeleteWhere(ix.Where)
		}
	}
	return append(out, listIndexes(m, out)...)
}

// SoftDeleteWhere appends "deleted_at IS NULL" to an index predicate unless
// it already mentions deleted_at (Medusa's rule).
func SoftDeleteWhere(where string) string {
	w := strings.TrimSpace(where)
	switch {
	case w == "":
		return "deleted_at IS NULL"
	case strings.Contains(strings.ToLower(w), "deleted_at"):
		return w
	}
	return "(" + w + ") AND deleted_at IS NULL"
}
