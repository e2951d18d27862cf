package link

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/framework/entity"
)

// Side is one side of a link: an entity (a model of a module), and how the
// link treats it (Medusa's { linkable, isList, deleteCascade, alias }).
// Build it with Of.
type Side struct {
	Entity *entity.Entity
	// IsList: many records of this side per record of the other side (the
	// other side reaches this one by its plural name). Both sides: a
	// many-to-many link.
	IsList bool
	// Cascade (deleteCascade): when a record of the other side is
	// soft-deleted, restored or deleted, the records of this side linked to
	// it are too.
	Cascade bool
	// Alias is the name the other side reaches this one by, instead of the
	// model's name ("author" for a user).
	Alias string
}

// Of returns the side of entity e, one record per record of the other side.
func Of(e *entity.Entity) Side { return Side{Entity: e} }

// List marks the side as a list (isList): many records of it per record of
// the other side.
func (s Side) List() Side { s.IsList = true; return s }

// DeleteCascade marks the side deleteCascade: deleting a record of the other
// side deletes the records of this side linked to it.
func (s Side) DeleteCascade() Side { s.Cascade = true; return s }

// As names the relation by which the other side reaches this one.
func (s Side) As(alias string) Side { s.Alias = alias; return s }

// relation is the name the other side reaches s by: the alias, else the
// model's name, plural when s is a list.
func (s Side) relation() string {
	switch {
	case s.Alias != "":
		return s.Alias
	case s.Entity == nil:
		return ""
	case s.IsList:
		return s.Entity.Plural
	}
	return s.Entity.Name
}

// Definition is one link between two entities (Medusa's defineLink), stored
// in its own link table. Build it with Define; NewRegistry validates it.
type Definition struct {
	Left, Right Side
	// TableName overrides the link table's name (Medusa's
	// database.table), which survives renamed modules and models.
	TableName string
	// IDPrefix is the prefix of a link row's id ("link" by default).
	IDPrefix string
	// Columns are the extra columns of the link table.
	Columns []Column
}

// Option configures a Definition.
type Option func(*Definition)

// Table fixes the link table's name.
func Table(name string) Option { return func(d *Definition) { d.TableName = name } }

// IDPrefix sets the prefix of the link rows' ids.
func IDPrefix(p string) Option { return func(d *Definition) { d.IDPrefix = p } }

// Extra adds extra columns to the link table (Medusa's
// database.extraColumns), written with each link's Data.
func Extra(cols ...Column) Option {
	return func(d *Definition) { d.Columns = append(d.Columns, cols...) }
}

// Define declares a link between left and right (their order fixes the
// table's name and the order of a Pair's ends):
//
//	var PostAuthor = link.Define(link.Of(blog.PostEntity).List(), link.Of(user.UserEntity).As("author"))
//
// gives posts an "author" (a user) and users their "posts".
func Define(left, right Side, opts ...Option) *Definition {
	d := &Definition{Left: left, Right: right, IDPrefix: "link"}
	for _, o := range opts {
		o(d)
	}
	return d
}

// ColumnType is the type of an extra column (Medusa's extraColumns types).
type ColumnType string

// The extra column types and their Postgres types.
const (
	String   ColumnType = "string"   // character varying(255)
	Text     ColumnType = "text"     // text
	Integer  ColumnType = "integer"  // integer
	SmallInt ColumnType = "smallint" // smallint
	BigInt   ColumnType = "bigint"   // bigint
	Float    ColumnType = "float"    // real
	Double   ColumnType = "double"   // double precision
	Decimal  ColumnType = "decimal"  // numeric
	Boolean  ColumnType = "boolean"  // boolean
	Date     ColumnType = "date"     // date
	Time     ColumnType = "time"     // time without time zone
	DateTime ColumnType = "datetime" // timestamp with time zone
	JSON     ColumnType = "json"     // jsonb
	Array    ColumnType = "array"    // text[]
	Enum     ColumnType = "enum"     // text with a CHECK of Options
	UUID     ColumnType = "uuid"     // uuid
	Blob     ColumnType = "blob"     // bytea
)

var sqlTypes = map[ColumnType]string{
	String: "character varying(255)", Text: "text", Integer: "integer", SmallInt: "smallint", BigInt: "bigint",
	Float: "real", Double: "double precision", Decimal: "numeric", Boolean: "boolean", Date: "date",
	Time: "time without time zone", DateTime: "timestamp with time zone", JSON: "jsonb", Array: "text[]",
	Enum: "text", UUID: "uuid", Blob: "bytea",
}

// Column is an extra column of a link table.
type Column struct {
	Name string
	Type ColumnType
	// Nullable allows NULL; like Medusa, a column is NOT NULL by default.
	Nullable bool
	// Default is the column's default: a Go value of the column's type
	// (string, bool, a number, any JSON value for json, []string for
	// array), or nil for none.
	Default any
	// Options are the values of an enum column.
	Options []string
}

var identRe = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reserved are the columns every link table has.
var reserved = []string{"id", "created_at", "updated_at", "deleted_at"}

// sqlDef renders the column's definition (after its name).
func (c Column) sqlDef() (string, error) {
	t, ok := sqlTypes[c.Type]
	if !ok {
		valid := make([]string, 0, len(sqlTypes))
		for k := range sqlTypes {
			valid = append(valid, string(k))
		}
		slices.Sort(valid)
		return "", fmt.Errorf("column %q: unknown type %q (valid: %s)", c.Name, c.Type, strings.Join(valid, ", "))
	}
	def := t
	if !c.Nullable {
		def += " NOT NULL"
	}
	if c.Default != nil {
		lit, err := c.literal(c.Default)
		if err != nil {
			return "", err
		}
		def += " DEFAULT " + lit
	}
	if c.Type == Enum {
		if len(c.Options) == 0 {
			return "", fmt.Errorf("column %q: an enum needs Options", c.Name)
		}
		q := make([]string, len(c.Options))
		for i, o := range c.Options {
			q[i] = quoteLit(o)
		}
		def += " CHECK (" + quoteIdent(c.Name) + " IN (" + strings.Join(q, ", ") + "))"
	}
	return def, nil
}

// literal renders v as a SQL literal of the column's type.
func (c Column) literal(v any) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("column %q: default %v (%T) does not suit type %s", c.Name, v, v, c.Type)
	}
	switch c.Type {
	case JSON:
		b, err := json.Marshal(v)
		if err != nil {
			return bad()
		}
		return quoteLit(string(b)) + "::jsonb", nil
	case Array:
		xs, ok := v.([]string)
		if !ok {
			return bad()
		}
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = quoteLit(x)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]", nil
	case Boolean:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return strconv.FormatBool(b), nil
	case Integer, SmallInt, BigInt, Float, Double, Decimal:
		switch n := v.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
			return fmt.Sprint(n), nil
		}
		return bad()
	}
	s, ok := v.(string)
	if !ok {
		return bad()
	}
	if c.Type == Enum && !slices.Contains(c.Options, s) {
		return "", fmt.Errorf("column %q: default %q is not one of its options %v", c.Name, s, c.Options)
	}
	return quoteLit(s), nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// maxTableName is the longest link table name; a longer one is compressed.
const maxTableName = 58

// keyStem is a linkable key without its "_id" suffix ("post_id" → "post").
func keyStem(key string) string { return strings.TrimSuffix(strings.ToLower(key), "_id") }

// fullName is the uncompressed link table name:
// <moduleA>_<keyA>_<moduleB>_<keyB>, the keys without "_id", lower-cased.
func (d *Definition) fullName() string {
	if d.TableName != "" {
		return d.TableName
	}
	return strings.ToLower(d.Left.Entity.Module) + "_" + keyStem(d.Left.Entity.Linkable) + "_" +
		strings.ToLower(d.Right.Entity.Module) + "_" + keyStem(d.Right.Entity.Linkable)
}

// Table returns the link table's name: the fixed one, or
// <moduleA>_<keyA>_<moduleB>_<keyB> ("blog_post_user_user"), compressed
// when over 58 characters (see compress).
func (d *Definition) Table() string {
	if d.TableName != "" {
		return d.TableName
	}
	return compress(d.fullName())
}

// compress shortens a table name over 58 characters: repeated consecutive
// segments are dropped; if still too long, each segment is cut to 4
// characters and the name's hash appended, the whole kept within 58.
func compress(name string) string {
	if len(name) <= maxTableName {
		return name
	}
	segs := strings.Split(name, "_")
	var kept []string
	for i, s := range segs {
		if i == 0 || s != segs[i-1] {
			kept = append(kept, s)
		}
	}
	if s := strings.Join(kept, "_"); len(s) <= maxTableName {
		return s
	}
	for i, s := range kept {
		if len(s) > 4 {
			kept[i] = s[:4]
		}
	}
	suffix := "_" + hash(name)
	s := strings.Join(kept, "_")
	if len(s)+len(suffix) > maxTableName {
		s = s[:maxTableName-len(suffix)]
	}
	return s + suffix
}

// hash is the DJB2 hash of s as a signed 32-bit number in hex ("-92128f74"
// for a negative one), the suffix of a link table's index names.
func hash(s string) string {
	h := int32(5381)
	for i := 0; i < len(s); i++ {
		h = h<<5 + h + int32(s[i])
	}
	return strconv.FormatInt(int64(h), 16)
}

// leftColumn and rightColumn are the link table's key columns: the sides'
// linkable keys.
func (d *Definition) leftColumn() string  { return d.Left.Entity.Linkable }
func (d *Definition) rightColumn() string { return d.Right.Entity.Linkable }

// EntryPoint is the link's name as an entity ("post_user"): the two
// models' names.
func (d *Definition) EntryPoint() string { return d.Left.Entity.Name + "_" + d.Right.Entity.Name }

// ServiceName is Medusa's name of the link's service
// ("BlogPostUserUserLink"); EntityName its entity's
// ("LinkBlogPostUserUser").
func (d *Definition) ServiceName() string { return pascal(d.fullName()) + "Link" }

// EntityName: see ServiceName.
func (d *Definition) EntityName() string { return "Link" + pascal(d.fullName()) }

func pascal(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(s, "_") {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// String describes the link: "blog.post ↔ user.user (blog_post_user_user)".
func (d *Definition) String() string {
	name := func(s Side) string {
		if s.Entity == nil {
			return "<nil>"
		}
		return s.Entity.String()
	}
	t := d.TableName
	if d.Left.Entity != nil && d.Right.Entity != nil {
		t = d.Table()
	}
	return fmt.Sprintf("%s <-> %s (%s)", name(d.Left), name(d.Right), t)
}

// manyToMany reports whether both sides are lists.
func (d *Definition) manyToMany() bool { return d.Left.IsList && d.Right.IsList }
