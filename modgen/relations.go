package modgen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/medusa-go/medusa/modgen/dml"
)

const (
	entityPath = "github.com/medusa-go/medusa/framework/entity"
)

// relInfo is what the generated code needs of one relation of a model.
type relInfo struct {
	r      *dml.Relation
	target *dml.Model
	bit    uint64
	field  string // Go field of the DTO holding the related rows
	list   bool   // a []T field (hasMany, manyToMany), else a *T
	// fkCol is the foreign key column: on the model for a belongsTo, on the
	// target for a hasOne or hasMany; fkNull says it is nullable.
	fkCol  string
	fkNull bool
	// pivot, parentCol and childCol describe a manyToMany's pivot table.
	pivot, parentCol, childCol string
}

// relInfos lists m's relations in definition order.
func relInfos(mod *dml.Module, m *dml.Model) []relInfo {
	var out []relInfo
	for i, r := range m.Relations {
		t := mod.Model(r.Target)
		ri := relInfo{r: r, target: t, bit: 1 << i, field: dml.Pascal(r.Name)}
		switch r.Kind {
		case dml.BelongsToRel:
			ri.fkCol = r.Name + "_id"
			ri.fkNull = r.IsNullable
		case dml.HasOneRel, dml.HasManyRel:
			mapped := r.Mapped
			if mapped == "" {
				mapped = m.Name
			}
			ri.fkCol = mapped + "_id"
			if inv := t.Relation(mapped); inv != nil {
				ri.fkNull = inv.IsNullable
			}
			ri.list = r.Kind == dml.HasManyRel
		case dml.ManyToManyRel:
			ri.list = true
			ri.pivot = PivotName(m, t, r)
			ri.parentCol, ri.childCol = m.Name+"_id", t.Name+"_id"
		}
		out = append(out, ri)
	}
	return out
}

// relType is the DTO field type of a relation.
func (ri relInfo) relType() jen.Code {
	if ri.list {
		return jen.Index().Id(ri.target.GoName())
	}
	return jen.Op("*").Id(ri.target.GoName())
}

// key returns the Go expression (over variable v, a pointer to a row) of
// a string key column, dereferencing a nullable one.
func keyExpr(v, field string, nullable bool) jen.Code {
	if nullable {
		return jen.Qual(sqlbPath, "Str").Call(jen.Id(v).Dot(field))
	}
	return jen.Id(v).Dot(field)
}

// relationDecls writes m's relation support: the relation list for
// sqlb.SplitRelations, the loader of each relation (one statement per
// relation), find<P>Through (the read through a join table, for
// manyToMany relations and module links), and the attach and detach
// methods of manyToMany relations.
func (g *gen) relationDecls(f *jen.File, m *dml.Model) {
	G, P := m.GoName(), m.Plural()
	lc := dml.Camel(m.Name)
	rels := relInfos(g.mod, m)
	pk := dml.Pascal(m.PK().Name)

	var decl []jen.Code
	for _, ri := range rels {
		d := jen.Dict{jen.Id("Name"): jen.Lit(ri.r.Name)}
		if ri.r.Kind == dml.BelongsToRel {
			d[jen.Id("Key")] = jen.Lit(ri.fkCol)
		}
		decl = append(decl, jen.Values(d))
	}
	f.Comment(fmt.Sprintf("%sRelations are %s's relations, for FindConfig.Relations and dotted selects.", lc, m.Name))
	if len(decl) == 0 {
		f.Var().Id(lc+"Relations").Index().Qual(sqlbPath, "Relation")
	} else {
		f.Var().Id(lc+"Relations").Op("=").Index().Qual(sqlbPath, "Relation").Values(decl...)
	}
	f.Line()

	// the loader
	var cases []jen.Code
	for _, ri := range rels {
		T := ri.target.GoName()
		tpk := dml.Pascal(ri.target.PK().Name)
		tP := ri.target.Plural()
		mark := jen.Id("x").Dot("loaded").Op("|=").Lit(int(ri.bit))
		var call jen.Code
		switch ri.r.Kind {
		case dml.BelongsToRel:
			call = jen.Qual(sqlbPath, "LoadOne").Call(jen.Id("rows"),
				jen.Func().Params(jen.Id("x").Op("*").Id(G)).String().Block(jen.Return(keyExpr("x", dml.Pascal(ri.fkCol), ri.fkNull))),
				jen.Func().Params(jen.Id("ids").Index().String()).Params(jen.Index().Id(T), jen.Error()).Block(
					jen.List(jen.Id("out"), jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("find"+tP).Call(jen.Id("ctx"), jen.Id(T+"Filter").Values(jen.Dict{jen.Id(tpk): jen.Qual(sqlbPath, "In").Call(jen.Id("ids").Op("..."))}), jen.Id("r").Dot("Config"), jen.False()),
					jen.Return(jen.Id("out"), jen.Err()),
				),
				jen.Func().Params(jen.Id("y").Op("*").Id(T)).String().Block(jen.Return(jen.Id("y").Dot(tpk))),
				jen.Func().Params(jen.Id("x").Op("*").Id(G), jen.Id("y").Op("*").Id(T)).Block(jen.Id("x").Dot(ri.field).Op("=").Id("y"), mark),
			)
		case dml.HasOneRel, dml.HasManyRel:
			set := []jen.Code{jen.Id("x").Dot(ri.field).Op("=").Id("ys"), mark}
			if !ri.list {
				set = []jen.Code{jen.If(jen.Len(jen.Id("ys")).Op(">").Lit(0)).Block(jen.Id("x").Dot(ri.field).Op("=").Op("&").Id("ys").Index(jen.Lit(0))), mark}
			}
			call = jen.Qual(sqlbPath, "LoadMany").Call(jen.Id("rows"),
				jen.Func().Params(jen.Id("x").Op("*").Id(G)).String().Block(jen.Return(jen.Id("x").Dot(pk))),
				jen.Func().Params(jen.Id("ids").Index().String()).Params(jen.Index().Id(T), jen.Index().String(), jen.Error()).Block(
					jen.List(jen.Id("out"), jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("find"+tP).Call(jen.Id("ctx"), jen.Id(T+"Filter").Values(jen.Dict{jen.Id(dml.Pascal(ri.fkCol)): jen.Qual(sqlbPath, "In").Call(jen.Id("ids").Op("..."))}), jen.Id("r").Dot("Config").Dot("ReadAlso").Call(jen.Lit(ri.fkCol)), jen.False()),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Nil(), jen.Err())),
					jen.Return(jen.Id("out"), jen.Qual(sqlbPath, "ParentKeys").Call(jen.Id("out"), jen.Func().Params(jen.Id("y").Op("*").Id(T)).String().Block(jen.Return(keyExpr("y", dml.Pascal(ri.fkCol), ri.fkNull)))), jen.Nil()),
				),
				jen.Func().Params(jen.Id("x").Op("*").Id(G), jen.Id("ys").Index().Id(T)).Block(set...),
			)
		case dml.ManyToManyRel:
			call = jen.Qual(sqlbPath, "LoadMany").Call(jen.Id("rows"),
				jen.Func().Params(jen.Id("x").Op("*").Id(G)).String().Block(jen.Return(jen.Id("x").Dot(pk))),
				jen.Func().Params(jen.Id("ids").Index().String()).Params(jen.Index().Id(T), jen.Index().String(), jen.Error()).Block(
					jen.Return(jen.Id("s").Dot("find"+tP+"Through").Call(jen.Id("ctx"),
						jen.Qual(sqlbPath, "Through").Values(jen.Dict{jen.Id("Table"): jen.Lit(qi(ri.pivot)), jen.Id("Parent"): jen.Lit(ri.parentCol), jen.Id("Child"): jen.Lit(ri.childCol)}),
						jen.Id("ids"), jen.Id("r").Dot("Config"))),
				),
				jen.Func().Params(jen.Id("x").Op("*").Id(G), jen.Id("ys").Index().Id(T)).Block(jen.Id("x").Dot(ri.field).Op("=").Id("ys"), mark),
			)
		}
		cases = append(cases, jen.Case(jen.Lit(ri.r.Name)).Block(jen.Err().Op("=").Add(call)))
	}
	if len(cases) > 0 {
		f.Comment(fmt.Sprintf("load%sRelations loads rels into rows: one statement per relation, whatever the", G))
		f.Comment("number of rows (each relation's own nested relations are loaded the same way).")
		f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("load"+G+"Relations").Params(ctxParam(), jen.Id("rows").Index().Id(G), jen.Id("rels").Index().Qual(sqlbPath, "RelConfig")).Error().Block(
			jen.For(jen.List(jen.Id("_"), jen.Id("r")).Op(":=").Range().Id("rels")).Block(
				jen.Var().Err().Error(),
				jen.Switch(jen.Id("r").Dot("Name")).Block(cases...),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			),
			jen.Return(jen.Nil()),
		)
	}
	f.Line()

	// read through a join table
	f.Comment(fmt.Sprintf("find%sThrough reads the %s rows joined to parents through via (a manyToMany pivot", P, m.Name))
	f.Comment("or a module link's table) in one statement, with the parent key of each row, and")
	f.Comment("loads cfg's relations into them.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("find"+P+"Through").Params(ctxParam(), jen.Id("via").Qual(sqlbPath, "Through"), jen.Id("parents").Index().String(), jen.Id("cfg").Qual(sqlbPath, "FindConfig")).Params(jen.Index().Id(G), jen.Index().String(), jen.Error()).Block(
		jen.List(jen.Id("cfg"), relsVar(g.mod, m), jen.Err()).Op(":=").Qual(sqlbPath, "SplitRelations").Call(jen.Lit(m.Name), jen.Id(lc+"Relations"), jen.Id("cfg")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Nil(), jen.Err())),
		jen.List(jen.Id("out"), jen.Id("keys"), jen.Err()).Op(":=").Qual(sqlbPath, "FindThrough").Call(jen.Id("ctx"), jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")), jen.Id(lc+"Table"), jen.Id("cfg"), jen.Id("via"), jen.Id("parents"),
			jen.Line().Func().Params(jen.Id("selected").Index().String()).Id(G).Block(jen.Return(jen.Id(G).Values(jen.Dict{jen.Id("selected"): jen.Id("selected")}))),
			jen.Line().Parens(jen.Op("*").Id(G)).Dot("dest")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Nil(), jen.Id("mapErr").Call(jen.Err()))),
		loadRelations(g.mod, m, jen.Nil(), jen.Nil(), jen.Err()),
		jen.Return(jen.Id("out"), jen.Id("keys"), jen.Nil()),
	)
	f.Line()

	// attach / detach
	for _, ri := range rels {
		if ri.r.Kind != dml.ManyToManyRel {
			continue
		}
		R := dml.Pascal(ri.r.Name)
		param := dml.Camel(ri.target.Name) + "IDs"
		attachSQL := fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", qi(ri.pivot), qi(ri.parentCol), qi(ri.childCol))
		detachSQL := fmt.Sprintf("DELETE FROM %s WHERE %s = $1 AND %s = ANY($2)", qi(ri.pivot), qi(ri.parentCol), qi(ri.childCol))
		for _, op := range []struct{ name, sql, doc string }{
			{"Attach", attachSQL, fmt.Sprintf("Attach%s%s relates the %s id to %s rows (the %s relation; rows of pivot table\n%s). Existing pairs are kept. An id of no row fails with not_found (\"You tried to set\nrelationship …\") and attaches nothing; no %s is a no-op.", G, R, m.Name, ri.target.Name, ri.r.Name, ri.pivot, param)},
			{"Detach", detachSQL, fmt.Sprintf("Detach%s%s removes the relation of the %s id to %s rows (the %s relation);\npairs that do not exist are ignored; no %s is a no-op.", G, R, m.Name, ri.target.Name, ri.r.Name, param)},
		} {
			for _, l := range strings.Split(op.doc, "\n") {
				f.Comment(l)
			}
			f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(op.name+G+R).Params(ctxParam(), jen.Id("id").String(), jen.Id(param).Op("...").String()).Error().Block(
				jen.Id(param).Op("=").Qual(sqlbPath, "Unique").Call(jen.Id(param)),
				jen.If(jen.Len(jen.Id(param)).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
				jen.Return(jen.Id("s").Dot("Tx").Call(jen.Id("ctx"), jen.Func().Params(ctxParam(), jen.Id("_").Op("*").Qual(g.dbPkg, "Queries")).Error().Block(
					jen.List(jen.Id("_"), jen.Err()).Op(":=").Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")).Dot("Exec").Call(jen.Id("ctx"), jen.Lit(op.sql), jen.Id("id"), jen.Id(param)),
					jen.Return(jen.Err()),
				))),
			)
			f.Line()
		}
	}
}

// relationJSON is the part of AppendJSON rendering the loaded relations
// and the linked records.
func relationJSON(mod *dml.Module, m *dml.Model) []jen.Code {
	var out []jen.Code
	b := func() *jen.Statement { return jen.Id("b") }
	for _, ri := range relInfos(mod, m) {
		fn := "AppendJSONOne"
		if ri.list {
			fn = "AppendJSONList"
		}
		out = append(out, jen.If(jen.Id("x").Dot("loaded").Op("&").Lit(int(ri.bit)).Op("!=").Lit(0)).Block(
			b().Op("=").Append(b(), jen.Lit(`,"`+ri.r.Name+`":`).Op("...")),
			jen.If(jen.List(b(), jen.Err()).Op("=").Qual(jsonwPath, fn).Call(b(), jen.Id("x").Dot(ri.field)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		))
	}
	out = append(out, jen.If(jen.List(b(), jen.Err()).Op("=").Id("x").Dot("Linked").Dot("AppendJSON").Call(b()), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())))
	return out
}

// convOf is the sqlb conversion of a filter value to field x's Go type.
func convOf(x *dml.Field) string { return kindOf(x).conv }

// filterFromTree writes <lc>FilterFromTree, which turns an sqlb.FilterTree
// (Query's filters) into the model's typed filter.
func (g *gen) filterFromTree(f *jen.File, m *dml.Model) {
	G := m.GoName()
	lc := dml.Camel(m.Name)
	var cases, names []jen.Code
	for _, x := range m.Fields {
		if !filterable(x) {
			continue
		}
		names = append(names, jen.Lit(x.Name))
		cases = append(cases, jen.Case(jen.Lit(x.Name)).Block(
			jen.Err().Op("=").Qual(sqlbPath, "SetOp").Call(jen.Op("&").Id("out").Dot(dml.Pascal(x.Name)), jen.Id("c").Dot("Field"), jen.Id("c").Dot("Op"), jen.Id("c").Dot("Values"), jen.Qual(sqlbPath, convOf(x))),
		))
	}
	cases = append(cases, jen.Default().Block(jen.Err().Op("=").Qual(sqlbPath, "UnknownFilter").Call(jen.Lit(m.Name), jen.Id("c").Dot("Field"), jen.Index().String().Add(wrappedValues(names...)))))
	sub := func(list, field string) jen.Code {
		return jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("t").Dot(list)).Block(
			jen.List(jen.Id("y"), jen.Err()).Op(":=").Id(lc+"FilterFromTree").Call(jen.Id("x")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("out"), jen.Err())),
			jen.Id("out").Dot(field).Op("=").Append(jen.Id("out").Dot(field), jen.Id("y")),
		)
	}
	f.Comment(fmt.Sprintf("%sFilterFromTree turns a model-agnostic filter (Query's filters, sqlb.ParseFilters) into a", lc))
	f.Comment(fmt.Sprintf("%sFilter; a field it cannot filter on fails with invalid_data naming the nearest one.", G))
	f.Func().Id(lc+"FilterFromTree").Params(jen.Id("t").Qual(sqlbPath, "FilterTree")).Params(jen.Id(G+"Filter"), jen.Error()).Block(
		jen.Id("out").Op(":=").Id(G+"Filter").Values(jen.Dict{jen.Id("Q"): jen.Id("t").Dot("Q")}),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("t").Dot("Conds")).Block(
			jen.Var().Err().Error(),
			jen.Switch(jen.Id("c").Dot("Field")).Block(cases...),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("out"), jen.Err())),
		),
		sub("And", "And"),
		sub("Or", "Or"),
		jen.Return(jen.Id("out"), jen.Nil()),
	)
	f.Line()
}

// linkableFile renders linkable_gen.go: one entity.Entity per model (what
// module links and Query know of it) and the module's Entities.
func (g *gen) linkableFile() *jen.File {
	f := g.file()
	f.ImportName(entityPath, "entity")
	var all []jen.Code
	for _, m := range g.mod.Models {
		G, P := m.GoName(), m.Plural()
		lc := dml.Camel(m.Name)
		pk := m.PK().Name
		adapter := lc + "EntityService"
		var rels []jen.Code
		var relCases []jen.Code
		for _, ri := range relInfos(g.mod, m) {
			rels = append(rels, jen.Values(jen.Dict{jen.Id("Name"): jen.Lit(ri.r.Name), jen.Id("Target"): jen.Lit(ri.target.Name), jen.Id("List"): jen.Lit(ri.list)}))
			var body []jen.Code
			if ri.list {
				body = []jen.Code{
					jen.Id("out").Op(":=").Make(jen.Index().Any(), jen.Len(jen.Id("x").Dot(ri.field))),
					jen.For(jen.Id("i").Op(":=").Range().Id("x").Dot(ri.field)).Block(jen.Id("out").Index(jen.Id("i")).Op("=").Op("&").Id("x").Dot(ri.field).Index(jen.Id("i"))),
					jen.Return(jen.Id("out")),
				}
			} else {
				body = []jen.Code{
					jen.If(jen.Id("x").Dot(ri.field).Op("==").Nil()).Block(jen.Return(jen.Nil())),
					jen.Return(jen.Index().Any().Values(jen.Id("x").Dot(ri.field))),
				}
			}
			relCases = append(relCases, jen.Case(jen.Lit(ri.r.Name)).Block(body...))
		}
		entity := jen.Dict{
			jen.Id("Module"): jen.Lit(g.mod.Name), jen.Id("Name"): jen.Lit(m.Name), jen.Id("Entity"): jen.Lit(G),
			jen.Id("Table"): jen.Lit(m.TableName), jen.Id("PrimaryKey"): jen.Lit(pk), jen.Id("Linkable"): jen.Lit(m.Name + "_" + pk),
			jen.Id("Plural"): jen.Lit(dml.Pluralize(m.Name)), jen.Id("Fields"): jen.Id(lc + "Fields"), jen.Id("Sortable"): jen.Id(lc + "Sortable"),
		}
		if len(rels) > 0 {
			entity[jen.Id("Relations")] = jen.Index().Qual(entityPath, "Relation").Values(rels...)
		}
		related := []jen.Code{jen.Return(jen.Nil())}
		if len(relCases) > 0 {
			related = []jen.Code{jen.Switch(jen.Id("relation")).Block(relCases...), jen.Return(jen.Nil())}
		}
		f.Comment(fmt.Sprintf("%sEntity describes the %s model to module links and Query (Medusa's linkable", G, m.Name))
		f.Comment(fmt.Sprintf("%s.%s: {linkable: %q, primaryKey: %q, serviceName: %q, entity: %q}).", dml.Camel(m.Name), pk, m.Name+"_"+pk, pk, g.mod.Name, G))
		f.Var().Id(G+"Entity").Op("=").Qual(entityPath, "Describe").Call(jen.Qual(entityPath, "Entity").Values(entity), jen.Qual(entityPath, "Model").Types(jen.Id(G)).Values(jen.Dict{
			jen.Id("Key"):     jen.Func().Params(jen.Id("x").Op("*").Id(G)).String().Block(jen.Return(jen.Id("x").Dot(dml.Pascal(pk)))),
			jen.Id("Value"):   jen.Func().Params(jen.Id("x").Op("*").Id(G), jen.Id("field").String()).Any().Block(jen.Return(jen.Id("x").Dot("value").Call(jen.Id("field")))),
			jen.Id("Linked"):  jen.Func().Params(jen.Id("x").Op("*").Id(G)).Op("*").Qual(jsonwPath, "Linked").Block(jen.Return(jen.Op("&").Id("x").Dot("Linked"))),
			jen.Id("Related"): jen.Func().Params(jen.Id("x").Op("*").Id(G), jen.Id("relation").String()).Index().Any().Block(related...),
			jen.Id("Resolve"): jen.Func().Params(ctxParam(), jen.Id("c").Op("*").Qual(containerPath, "Container")).Params(jen.Qual(entityPath, "Service").Types(jen.Id(G)), jen.Error()).Block(
				jen.List(jen.Id("s"), jen.Err()).Op(":=").Qual(containerPath, "ResolveContext").Call(jen.Id("ctx"), jen.Id("c"), jen.Id("Key")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Return(jen.Id(adapter).Values(jen.Id("s")), jen.Nil()),
			),
		}))
		f.Line()
		f.Comment(fmt.Sprintf("%s is the service as %sEntity uses it.", adapter, G))
		f.Type().Id(adapter).Struct(jen.Id("s").Op("*").Id("Service"))
		f.Line()
		f.Func().Params(jen.Id("a").Id(adapter)).Id("List").Params(ctxParam(), jen.Id("t").Qual(sqlbPath, "FilterTree"), jen.Id("cfg").Qual(sqlbPath, "FindConfig"), jen.Id("count").Bool()).Params(jen.Index().Id(G), jen.Int(), jen.Error()).Block(
			jen.List(jen.Id("f"), jen.Err()).Op(":=").Id(lc+"FilterFromTree").Call(jen.Id("t")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
			jen.Return(jen.Id("a").Dot("s").Dot("find"+P).Call(jen.Id("ctx"), jen.Id("f"), jen.Id("cfg"), jen.Id("count"))),
		)
		f.Line()
		f.Func().Params(jen.Id("a").Id(adapter)).Id("Through").Params(ctxParam(), jen.Id("via").Qual(sqlbPath, "Through"), jen.Id("parents").Index().String(), jen.Id("cfg").Qual(sqlbPath, "FindConfig")).Params(jen.Index().Id(G), jen.Index().String(), jen.Error()).Block(
			jen.Return(jen.Id("a").Dot("s").Dot("find"+P+"Through").Call(jen.Id("ctx"), jen.Id("via"), jen.Id("parents"), jen.Id("cfg"))),
		)
		f.Line()
		prepT := jen.Qual(entityPath, "Prepared").Types(jen.Id(G))
		hasRels := len(relInfos(g.mod, m)) > 0
		declare := ":=" // in Prepare, rels is the one new variable of SplitRelations' results
		if !hasRels {
			declare = "="
		}
		// prepared adds the relation loader to a Prepared's fields when m has relations.
		prepared := func(d jen.Dict) jen.Dict {
			if hasRels {
				d[jen.Id("Load")] = jen.Id("a").Dot("loader").Call(jen.Id("rels"))
			}
			return d
		}
		newRow := jen.Func().Params(jen.Id("selected").Index().String()).Id(G).Block(jen.Return(jen.Id(G).Values(jen.Dict{jen.Id("selected"): jen.Id("selected")})))
		f.Func().Params(jen.Id("a").Id(adapter)).Id("Prepare").Params(jen.Id("t").Qual(sqlbPath, "FilterTree"), jen.Id("cfg").Qual(sqlbPath, "FindConfig"), jen.Id("count").Bool()).Params(prepT, jen.Error()).Block(
			jen.List(jen.Id("f"), jen.Err()).Op(":=").Id(lc+"FilterFromTree").Call(jen.Id("t")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Add(prepT).Values(), jen.Err())),
			jen.List(jen.Id("cfg"), relsVar(g.mod, m), jen.Err()).Op(declare).Qual(sqlbPath, "SplitRelations").Call(jen.Lit(m.Name), jen.Id(lc+"Relations"), jen.Id("cfg")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Add(prepT).Values(), jen.Err())),
			jen.List(jen.Id("r"), jen.Err()).Op(":=").Qual(sqlbPath, "NewRead").Call(jen.Id(lc+"Table"), jen.Id("cfg"), jen.Id("count"), jen.Id("f").Dot("apply"), newRow, jen.Parens(jen.Op("*").Id(G)).Dot("dest")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Add(prepT).Values(), jen.Err())),
			jen.Return(jen.Add(prepT).Values(prepared(jen.Dict{jen.Id("Read"): jen.Id("r"), jen.Id("Batchable"): jen.Id("r").Dot("Batchable").Call(), jen.Id("Keys"): jen.Id("r").Dot("Keys"), jen.Id("DB"): jen.Id("a").Dot("s").Dot("db")})), jen.Nil()),
		)
		f.Line()
		f.Func().Params(jen.Id("a").Id(adapter)).Id("PrepareThrough").Params(jen.Id("via").Qual(sqlbPath, "Through"), jen.Id("parents").Qual(sqlbPath, "Parents"), jen.Id("cfg").Qual(sqlbPath, "FindConfig")).Params(prepT, jen.Error()).Block(
			jen.List(jen.Id("cfg"), relsVar(g.mod, m), jen.Err()).Op(":=").Qual(sqlbPath, "SplitRelations").Call(jen.Lit(m.Name), jen.Id(lc+"Relations"), jen.Id("cfg")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Add(prepT).Values(), jen.Err())),
			jen.List(jen.Id("r"), jen.Err()).Op(":=").Qual(sqlbPath, "NewThroughRead").Call(jen.Id(lc+"Table"), jen.Id("cfg"), jen.Id("via"), jen.Id("parents"), newRow, jen.Parens(jen.Op("*").Id(G)).Dot("dest")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Add(prepT).Values(), jen.Err())),
			jen.Return(jen.Add(prepT).Values(prepared(jen.Dict{jen.Id("Read"): jen.Id("r"), jen.Id("Batchable"): jen.True(), jen.Id("DB"): jen.Id("a").Dot("s").Dot("db")})), jen.Nil()),
		)
		f.Line()
		if hasRels {
			f.Comment("loader loads rels into rows read by a Prepared read (nil: nothing to load).")
			f.Func().Params(jen.Id("a").Id(adapter)).Id("loader").Params(jen.Id("rels").Index().Qual(sqlbPath, "RelConfig")).Func().Params(jen.Qual("context", "Context"), jen.Index().Id(G)).Error().Block(
				jen.If(jen.Len(jen.Id("rels")).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
				jen.Return(jen.Func().Params(ctxParam(), jen.Id("rows").Index().Id(G)).Error().Block(
					jen.Return(jen.Id("a").Dot("s").Dot("load"+G+"Relations").Call(jen.Id("ctx"), jen.Id("rows"), jen.Id("rels"))),
				)),
			)
			f.Line()
		}
		for _, meth := range []dml.Method{dml.MethodSoftDelete, dml.MethodRestore} {
			f.Func().Params(jen.Id("a").Id(adapter)).Id(string(meth)).Params(ctxParam(), jen.Id("ids").Op("...").String()).Params(jen.Map(jen.String()).Index().String(), jen.Error()).Block(
				jen.Return(jen.Id("a").Dot("s").Dot(g.pub(m, meth)).Call(jen.Id("ctx"), jen.Id("ids").Op("..."))),
			)
			f.Line()
		}
		f.Func().Params(jen.Id("a").Id(adapter)).Id("Delete").Params(ctxParam(), jen.Id("ids").Op("...").String()).Error().Block(
			jen.Return(jen.Id("a").Dot("s").Dot(g.pub(m, dml.MethodDelete)).Call(jen.Id("ctx"), jen.Id("ids").Op("..."))),
		)
		f.Line()
		all = append(all, jen.Id(G+"Entity"))
	}
	f.Comment(fmt.Sprintf("Entities are the %s module's models as module links and Query know them, in", g.mod.Name))
	f.Comment("definition order (hand them to framework/link's NewRegistry).")
	f.Var().Id("Entities").Op("=").Index().Op("*").Qual(entityPath, "Entity").Values(all...)
	return f
}

// relsVar is the name SplitRelations' relations are assigned to: rels, or
// _ when model m has no relations (no loader is generated for it).
func relsVar(mod *dml.Module, m *dml.Model) *jen.Statement {
	if len(relInfos(mod, m)) == 0 {
		return jen.Id("_")
	}
	return jen.Id("rels")
}

// loadRelations is the statement that loads rels into out after a read of
// model m, returning fail (with the error) when it fails; nothing when m
// has no relations.
func loadRelations(mod *dml.Module, m *dml.Model, fail ...jen.Code) jen.Code {
	if len(relInfos(mod, m)) == 0 {
		return jen.Null()
	}
	return jen.If(jen.Len(jen.Id("rels")).Op(">").Lit(0)).Block(
		jen.If(
			jen.Err().Op(":=").Id("s").Dot("load"+m.GoName()+"Relations").Call(jen.Id("ctx"), jen.Id("out"), jen.Id("rels")),
			jen.Err().Op("!=").Nil(),
		).Block(jen.Return(fail...)),
	)
}
