package modgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/medusa-go/medusa/modgen/dml"
)

type routeField struct {
	Name, GoName, Conv, QType, Ops, Rule, BodyType string
	IsTime                                         bool
}

type routeModel struct {
	G, P, LC, Name, Path, PK                    string
	Page, Retrieve, Update, SoftDelete, Restore string
	HasSearch                                   bool
	Filters, Body                               []routeField
	// Relations are the model's relations, which "fields" may select whole
	// ("*books") or by field ("books.title", listed in Selectable with the
	// model's own fields).
	Relations, Selectable []string
}

func (g *gen) routeModels() []routeModel {
	var out []routeModel
	for _, m := range g.mod.Models {
		rm := routeModel{G: m.GoName(), P: m.Plural(), LC: dml.Camel(m.Name), Name: m.Name, Path: routePath(m), PK: m.PK().Name,
			Page: g.pagePub(m), Retrieve: g.pub(m, dml.MethodRetrieve), Update: g.pub(m, dml.MethodUpdate), SoftDelete: g.pub(m, dml.MethodSoftDelete), Restore: g.pub(m, dml.MethodRestore)}
		for _, ri := range relInfos(g.mod, m) {
			rm.Relations = append(rm.Relations, ri.r.Name)
		}
		if len(rm.Relations) > 0 {
			for _, x := range m.Fields {
				rm.Selectable = append(rm.Selectable, x.Name)
			}
			for _, ri := range relInfos(g.mod, m) {
				for _, x := range ri.target.Fields {
					rm.Selectable = append(rm.Selectable, ri.r.Name+"."+x.Name)
				}
			}
		}
		for _, x := range m.Fields {
			rm.HasSearch = rm.HasSearch || x.IsSearch
			k := kindOf(x)
			conv, qt, rule, bt, ops := "sqlb."+k.conv, k.qsType, k.bodyRule, k.bodyType, k.ops
			f := routeField{Name: x.Name, GoName: dml.Pascal(x.Name), Conv: conv, QType: qt, Ops: ops, BodyType: bt, IsTime: x.Kind == dml.KindDateTime}
			if filterable(x) && m.IsFilterable(x.Name) {
				rm.Filters = append(rm.Filters, f)
			}
			if updatable(x) {
				f.Rule = fmt.Sprintf(rule, x.Name)
				if x.IsNullable {
					f.Rule += ".Nullish()"
				} else {
					f.Rule += ".Optional()"
				}
				rm.Body = append(rm.Body, f)
			}
		}
		out = append(out, rm)
	}
	return out
}

func routePath(m *dml.Model) string { return strings.ToLower(dml.Pluralize(m.Name)) }

var routesTmpl = template.Must(template.ParseFS(templates, "templates/routes_gen.go.tmpl"))

func (rm routeModel) PKGo() string { return dml.Pascal(rm.PK) }

func (g *gen) routesBytes() ([]byte, error) {
	var b bytes.Buffer
	if err := routesTmpl.Execute(&b, struct {
		Pkg    string
		Models []routeModel
	}{g.pkg, g.routeModels()}); err != nil {
		return nil, fmt.Errorf("modgen: routes template: %w", err)
	}
	src, err := formatGo(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("modgen: format routes: %w\n%s", err, b.String())
	}
	return src, nil
}

// openAPI renders the OpenAPI 3.1 fragment of the generated admin routes:
// paths and component schemas, to merge into the application's document.
func (g *gen) openAPI() []byte {
	type obj = map[string]any
	schemas := obj{}
	paths := obj{}
	ref := func(n string) obj { return obj{"$ref": "#/components/schemas/" + n} }
	errResp := obj{"description": "Medusa error", "content": obj{"application/json": obj{"schema": ref("Error")}}}
	schemas["Error"] = obj{"type": "object", "required": []string{"type", "message"}, "properties": obj{"code": obj{"type": "string"}, "type": obj{"type": "string"}, "message": obj{"type": "string"}}}
	for _, m := range g.mod.Models {
		G := m.GoName()
		props, upd := obj{}, obj{}
		var req []string
		for _, x := range m.Fields {
			s := jsonSchema(x)
			props[x.Name] = s
			req = append(req, x.Name)
			if updatable(x) {
				upd[x.Name] = s
			}
		}
		schemas[G] = obj{"type": "object", "required": req, "properties": props}
		schemas["Update"+G] = obj{"type": "object", "additionalProperties": false, "properties": upd}
		p := "/admin/" + routePath(m)
		idParam := obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}
		fields := obj{"name": "fields", "in": "query", "schema": obj{"type": "string"}}
		one := obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{m.Name: ref(G)}}}}}
		paths[p] = obj{"get": obj{
			"operationId": "List" + m.Plural(), "summary": "List " + routePath(m),
			"parameters": []obj{fields, {"name": "limit", "in": "query", "schema": obj{"type": "integer", "default": 50}}, {"name": "offset", "in": "query", "schema": obj{"type": "integer", "default": 0}}, {"name": "order", "in": "query", "schema": obj{"type": "string"}}, {"name": "q", "in": "query", "schema": obj{"type": "string"}},
				{"name": "cursor", "in": "query", "schema": obj{"type": "string"}, "description": "medusa-go extension: page by keyset. Empty for the first page, then the previous response's next_cursor. A cursor is bound to the order; it cannot be combined with an offset."}},
			"responses": obj{"200": obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object", "required": []string{routePath(m), "count", "offset", "limit"}, "properties": obj{
				routePath(m): obj{"type": "array", "items": ref(G)}, "count": obj{"type": "integer"}, "offset": obj{"type": "integer"}, "limit": obj{"type": "integer"},
				"count_estimated": obj{"const": true, "description": "medusa-go extension: present when more rows matched than the server counts exactly (MEDUSA_LIST_COUNT_LIMIT); count is then the planner's estimate."},
				"next_cursor":     obj{"type": []any{"string", "null"}, "description": "medusa-go extension: present when the request has a cursor; the cursor of the next page, null at the end."}}}}}}, "400": errResp},
		}}
		paths[p+"/{id}"] = obj{
			"get":    obj{"operationId": "Retrieve" + G, "parameters": []obj{idParam, fields}, "responses": obj{"200": one, "404": errResp}},
			"post":   obj{"operationId": "Update" + G, "parameters": []obj{idParam, fields}, "requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": ref("Update" + G)}}}, "responses": obj{"200": one, "400": errResp, "404": errResp}},
			"delete": obj{"operationId": "Delete" + G, "parameters": []obj{idParam}, "responses": obj{"200": obj{"description": "OK", "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{"id": obj{"type": "string"}, "object": obj{"const": m.Name}, "deleted": obj{"const": true}}}}}}}},
		}
		paths[p+"/{id}/restore"] = obj{
			"post": obj{"operationId": "Restore" + G, "parameters": []obj{idParam, fields}, "responses": obj{"200": one, "404": errResp}},
		}
	}
	doc := obj{"openapi": "3.1.0", "info": obj{"title": "medusa-go " + g.mod.Name + " module (generated)", "version": "0"}, "paths": paths, "components": obj{"schemas": schemas}}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n')
}

func jsonSchema(x *dml.Field) map[string]any {
	s := kindOf(x).schema(x)
	if x.IsNullable && x.Kind != dml.KindJSON {
		s["type"] = []any{s["type"], "null"}
	}
	return s
}
