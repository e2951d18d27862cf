package modgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/medusa-go/medusa/modgen/dml"
)

// kindSpec is everything the generator knows about one field kind, in one
// place: the column's type, the Go type of the DTO, sqlc's override, the
// query-string filter, the request body rule, the JSON schema, the JSON
// writer and the generated tests' sample value. Adding a field kind is a
// dml constant and constructor (with its default check in dml's validation),
// one entry of kinds, and, only when its Go type is new to them, a jsonw
// writer and a bulk-insert conversion (docs/modgen.md, "Adding a field
// kind").
type kindSpec struct {
	// sql is the Postgres column type.
	sql string
	// goType is the Go type of a non-NULL value, as source text;
	// goImport is the package it needs ("" for a predeclared type).
	goType, goImport string
	// selfNull: the Go type holds NULL itself (nil), so a nullable field is
	// not a pointer, and the kind is not filterable.
	selfNull bool
	// sqlcType is the type name sqlc reports for the column when sqlc's
	// own Go type must be overridden with goType ("" when it needs none).
	sqlcType string
	// conv is the sqlb conversion of a query-string filter value ("AsInt"),
	// qsType its qs type and ops the qs operators it accepts.
	conv, qsType, ops string
	// bodyRule is the request body's rule of a field (a format of the
	// field's name) and bodyType the type it decodes into.
	bodyRule, bodyType string
	// schema is the JSON schema of a value (without nullability).
	schema func(*dml.Field) map[string]any
	// appendJSON is the jsonw (or strconv) writer of a value; see
	// appendJSONBody.
	appendJSON jsonWriter
	// sample is a Go expression of a value for row n in the generated tests.
	sample func(x *dml.Field, n string) string
}

// jsonWriter is how the generated AppendJSON writes one value of a kind.
type jsonWriter uint8

const (
	jsonValue  jsonWriter = iota // jsonw.AppendJSONValue (encoding/json's rendering)
	jsonString                   // jsonw.AppendJSONString / AppendJSONStringPtr
	jsonTime                     // jsonw.AppendJSONTime / AppendJSONTimePtr
	jsonBool                     // strconv.AppendBool when not nullable
	jsonInt                      // strconv.AppendInt when not nullable
)

// Filter operators of the generated list routes.
const (
	opsText    = "qs.OpsCompare | qs.Ops(qs.OpLike, qs.OpILike)"
	opsCompare = "qs.OpsCompare"
	opsEqual   = "qs.OpsEquality"
)

func jsonType(typ string) func(*dml.Field) map[string]any {
	return func(*dml.Field) map[string]any { return map[string]any{"type": typ} }
}

func textSample(x *dml.Field, n string) string {
	return "fmt.Sprintf(\"" + x.Name + "_%d@test.com\", " + n + ")"
}

// kinds holds the spec of every field kind of dml.
var kinds = map[dml.Kind]kindSpec{
	dml.KindID: {
		sql: "text", goType: "string", conv: "AsString", qsType: "qs.TypeString", ops: opsText,
		bodyRule: "body.String(%q)", bodyType: "string", schema: jsonType("string"), appendJSON: jsonString,
		sample: textSample,
	},
	dml.KindText: {
		sql: "text", goType: "string", conv: "AsString", qsType: "qs.TypeString", ops: opsText,
		bodyRule: "body.String(%q)", bodyType: "string", schema: jsonType("string"), appendJSON: jsonString,
		sample: textSample,
	},
	dml.KindEnum: {
		sql: "text", goType: "string", conv: "AsString", qsType: "qs.TypeString", ops: opsText,
		bodyRule: "body.String(%q)", bodyType: "string", appendJSON: jsonString,
		schema: func(x *dml.Field) map[string]any { return map[string]any{"type": "string", "enum": x.EnumValues} },
		sample: func(x *dml.Field, _ string) string { return `"` + x.EnumValues[0] + `"` },
	},
	dml.KindNumber: {
		sql: "integer", goType: "int", sqlcType: "pg_catalog.int4", conv: "AsInt", qsType: "qs.TypeNumber", ops: opsCompare,
		bodyRule: "body.Int(%q)", bodyType: "int", schema: jsonType("integer"), appendJSON: jsonInt,
		sample: func(_ *dml.Field, n string) string { return n },
	},
	dml.KindBigNumber: {
		sql: "numeric", goType: "float64", sqlcType: "pg_catalog.numeric", conv: "AsFloat", qsType: "qs.TypeNumber", ops: opsCompare,
		bodyRule: "body.Number(%q)", bodyType: "float64", schema: jsonType("number"), appendJSON: jsonValue,
		sample: func(_ *dml.Field, n string) string { return "float64(" + n + ")" },
	},
	dml.KindBoolean: {
		sql: "boolean", goType: "bool", conv: "AsBool", qsType: "qs.TypeBool", ops: opsEqual,
		bodyRule: "body.Bool(%q)", bodyType: "bool", schema: jsonType("boolean"), appendJSON: jsonBool,
		sample: func(*dml.Field, string) string { return "true" },
	},
	dml.KindDateTime: {
		sql: "timestamptz", goType: "time.Time", goImport: "time", sqlcType: "timestamptz",
		conv: "AsTime", qsType: "qs.TypeTime", ops: opsCompare, bodyRule: "body.String(%q)", bodyType: "string",
		schema:     func(*dml.Field) map[string]any { return map[string]any{"type": "string", "format": "date-time"} },
		appendJSON: jsonTime,
		sample: func(_ *dml.Field, n string) string {
			return "time.Date(2030, 1, " + n + ", 0, 0, 0, 0, time.UTC)"
		},
	},
	dml.KindJSON: {
		sql: "jsonb", goType: "json.RawMessage", goImport: "encoding/json", selfNull: true, sqlcType: "jsonb",
		bodyRule: "body.Any(%q)", bodyType: "json.RawMessage", appendJSON: jsonValue,
		schema: func(*dml.Field) map[string]any { return map[string]any{} },
		sample: func(_ *dml.Field, n string) string {
			return "json.RawMessage(fmt.Sprintf(`{\"n\":%d}`, " + n + "))"
		},
	},
	dml.KindArray: {
		sql: "text[]", goType: "[]string", selfNull: true, bodyRule: "body.Array(%q, body.String(\"\"))", bodyType: "[]string",
		schema: func(*dml.Field) map[string]any {
			return map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
		},
		appendJSON: jsonValue,
		sample:     func(_ *dml.Field, n string) string { return "[]string{fmt.Sprint(" + n + ")}" },
	},
}

// kindOf returns f's kind spec; an unknown kind is text's (dml's
// validation refuses unknown kinds before anything is generated).
func kindOf(f *dml.Field) kindSpec {
	if k, ok := kinds[f.Kind]; ok {
		return k
	}
	return kinds[dml.KindText]
}

// goTypeCode is the kind's Go type for jennifer.
func (k kindSpec) goTypeCode() jen.Code {
	switch {
	case k.goImport != "":
		pkg, name := k.goImport, k.goType[len(k.goType)-len(lastIdent(k.goType)):]
		return jen.Qual(pkg, name)
	case k.goType == "[]string":
		return jen.Index().String()
	}
	return jen.Id(k.goType)
}

// lastIdent is the identifier after the last dot of a qualified Go type.
func lastIdent(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return s[i+1:]
		}
	}
	return s
}

// sqlcOverrides is the overrides section of a module's sqlc.yaml block: for
// every kind whose Go type is not sqlc's own, the column type mapped to it,
// NULL-able as a pointer (or as the type itself when it holds NULL).
func sqlcOverrides() string {
	var specs []kindSpec
	for _, k := range kinds {
		if k.sqlcType != "" && !slices.ContainsFunc(specs, func(s kindSpec) bool { return s.sqlcType == k.sqlcType }) {
			specs = append(specs, k)
		}
	}
	slices.SortFunc(specs, func(a, b kindSpec) int { return strings.Compare(a.sqlcType, b.sqlcType) })
	var b strings.Builder
	for _, k := range specs {
		typ := k.goType
		if k.goImport != "" {
			typ = k.goImport + "." + lastIdent(k.goType)
		}
		fmt.Fprintf(&b, "          - db_type: %s\n            go_type: %s\n", k.sqlcType, typ)
		if k.selfNull {
			fmt.Fprintf(&b, "          - db_type: %s\n            nullable: true\n            go_type: %s\n", k.sqlcType, typ)
		} else {
			fmt.Fprintf(&b, "          - db_type: %s\n            nullable: true\n            go_type:\n              type: %s\n              pointer: true\n", k.sqlcType, typ)
		}
	}
	return b.String()
}
