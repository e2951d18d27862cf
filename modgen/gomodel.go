package modgen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/medusa-go/medusa/modgen/dml"
)

func ctxParam() jen.Code { return jen.Id("ctx").Qual("context", "Context") }

func (g *gen) modelFile(m *dml.Model) *jen.File {
	f := g.file()
	G := m.GoName()
	lc := dml.Camel(m.Name)
	pk := m.PK()
	PK := dml.Pascal(pk.Name)
	recv := jen.Id("s").Op("*").Id("Service")
	cfgT := jen.Qual(sqlbPath, "FindConfig")
	rowT := jen.Qual(g.dbPkg, G)
	allVar, sortVar := lc+"Fields", lc+"Sortable"

	// DTO
	var fields []jen.Code
	for _, x := range m.Fields {
		fields = append(fields, jen.Id(dml.Pascal(x.Name)).Add(dtoType(x)).Tag(jsonTag(x.Name, "")))
	}
	rels := relInfos(g.mod, m)
	for _, ri := range rels {
		fields = append(fields, jen.Comment(fmt.Sprintf("%s holds the %s relation when it was loaded (FindConfig.Relations).", ri.field, ri.r.Name)), jen.Id(ri.field).Add(ri.relType()).Tag(jsonTag(ri.r.Name, "omitempty")))
	}
	fields = append(fields,
		jen.Comment("Linked holds the records of other modules Query linked to the row (see framework/query)."),
		jen.Id("Linked").Qual(jsonwPath, "Linked").Tag(jsonTag("-", "")),
		jen.Comment("selected lists the fields a select asked for; nil means all."), jen.Id("selected").Index().String())
	if len(rels) > 0 {
		fields = append(fields, jen.Comment("loaded records which relations were loaded (one bit each, in definition order)."), jen.Id("loaded").Uint64())
	}
	f.Comment(fmt.Sprintf("%s is a row of table %q (Medusa's %sDTO). Its JSON holds only the selected", G, m.TableName, G))
	f.Comment("fields when it was read with FindConfig.Select, then the loaded relations and the")
	f.Comment("linked records.")
	f.Type().Id(G).Struct(fields...)
	f.Line()
	var all, sortable []jen.Code
	for _, x := range m.Fields {
		all = append(all, jen.Lit(x.Name))
		if m.IsSortable(x.Name) {
			sortable = append(sortable, jen.Lit(x.Name))
		}
	}
	f.Var().Defs(
		jen.Id(allVar).Op("=").Index().String().Add(wrappedValues(all...)),
		jen.Id(sortVar).Op("=").Index().String().Add(wrappedValues(sortable...)),
	)
	f.Line()
	f.Comment("Fields returns the fields the value holds: the selected ones, or all.")
	f.Func().Params(jen.Id("x").Id(G)).Id("Fields").Params().Index().String().Block(
		jen.If(jen.Id("x").Dot("selected").Op("!=").Nil()).Block(jen.Return(jen.Id("x").Dot("selected"))),
		jen.Return(jen.Id(allVar)),
	)
	f.Line()
	f.Comment("MarshalJSON renders the selected fields (all when none were selected).")
	f.Func().Params(jen.Id("x").Id(G)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("x").Dot("AppendJSON").Call(jen.Make(jen.Index().Byte(), jen.Lit(0), jen.Lit(64*len(m.Fields))))),
	)
	f.Line()
	f.Comment("AppendJSON appends what MarshalJSON returns to b: one typed call per selected field,")
	f.Comment("reading it in place, and no allocation beyond b's growth (list routes render their")
	f.Comment("pages with it).")
	f.Func().Params(jen.Id("x").Op("*").Id(G)).Id("AppendJSON").Params(jen.Id("b").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(appendJSONBody(m, relationJSON(g.mod, m))...)
	f.Line()
	f.Comment("Cursor returns the keyset cursor of x for cfg's order: pass it as FindConfig.After to")
	f.Comment("read the next page.")
	f.Func().Params(jen.Id("x").Id(G)).Id("Cursor").Params(jen.Id("cfg").Add(cfgT)).Index().Any().Block(
		jen.List(jen.Id("order"), jen.Err()).Op(":=").Qual(sqlbPath, "NormalizeOrder").Call(jen.Lit(m.Name), jen.Id(sortVar), jen.Lit(pk.Name), jen.Id("cfg").Dot("Order")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil())),
		jen.Id("out").Op(":=").Make(jen.Index().Any(), jen.Len(jen.Id("order"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("o")).Op(":=").Range().Id("order")).Block(jen.Id("out").Index(jen.Id("i")).Op("=").Id("x").Dot("value").Call(jen.Id("o").Dot("Field"))),
		jen.Return(jen.Id("out")),
	)
	f.Line()
	var valCases, destCases []jen.Code
	for _, x := range m.Fields {
		valCases = append(valCases, jen.Case(jen.Lit(x.Name)).Block(jen.Return(jen.Id("x").Dot(dml.Pascal(x.Name)))))
		destCases = append(destCases, jen.Case(jen.Lit(x.Name)).Block(jen.Return(jen.Op("&").Id("x").Dot(dml.Pascal(x.Name)))))
	}
	f.Func().Params(jen.Id("x").Id(G)).Id("value").Params(jen.Id("field").String()).Any().Block(
		jen.Switch(jen.Id("field")).Block(valCases...),
		jen.Return(jen.Nil()),
	)
	f.Line()
	f.Func().Params(jen.Id("x").Op("*").Id(G)).Id("dest").Params(jen.Id("field").String()).Any().Block(
		jen.Switch(jen.Id("field")).Block(destCases...),
		jen.Return(jen.Nil()),
	)
	f.Line()
	conv := jen.Dict{}
	for _, x := range m.Fields {
		conv[jen.Id(dml.Pascal(x.Name))] = jen.Id("r").Dot(sqlcName(x.Name))
	}
	f.Func().Id(lc + "FromRow").Params(jen.Id("r").Add(rowT)).Id(G).Block(jen.Return(jen.Id(G).Values(conv)))
	f.Line()

	// inputs
	var cin []jen.Code
	cin = append(cin, jen.Comment(fmt.Sprintf("%s is kept when given; otherwise \"%s_\" + a ULID is generated.", PK, pk.IDPrefix)), jen.Id(PK).String().Tag(jsonTag(pk.Name, "omitempty")))
	for _, x := range m.Fields {
		if !updatable(x) {
			continue
		}
		n := dml.Pascal(x.Name)
		switch {
		case x.HasDefault && x.IsNullable:
			cin = append(cin, jen.Comment("Absent means the default; null means NULL."), jen.Id(n).Qual(optPath, "Optional").Types(baseType(x)).Tag(jsonTag(x.Name, "omitzero")))
		case x.HasDefault && !selfNull(x):
			cin = append(cin, jen.Comment(fmt.Sprintf("nil means the default (%s).", sqlDefault(x))), jen.Id(n).Op("*").Add(baseType(x)).Tag(jsonTag(x.Name, "omitempty")))
		case x.HasDefault:
			cin = append(cin, jen.Comment(fmt.Sprintf("nil means the default (%s).", sqlDefault(x))), jen.Id(n).Add(baseType(x)).Tag(jsonTag(x.Name, "omitempty")))
		case x.IsNullable:
			cin = append(cin, jen.Id(n).Add(dtoType(x)).Tag(jsonTag(x.Name, "omitempty")))
		default:
			cin = append(cin, jen.Id(n).Add(baseType(x)).Tag(jsonTag(x.Name, "")))
		}
	}
	f.Comment(fmt.Sprintf("Create%sInput is one %s to create (Medusa's Create%sDTO).", G, m.Name, G))
	f.Type().Id("Create" + G + "Input").Struct(cin...)
	f.Line()
	uin := []jen.Code{jen.Id(PK).String().Tag(jsonTag(pk.Name, ""))}
	for _, x := range m.Fields {
		if !updatable(x) {
			continue
		}
		uin = append(uin, jen.Id(dml.Pascal(x.Name)).Qual(optPath, "Optional").Types(baseType(x)).Tag(jsonTag(x.Name, "omitzero")))
	}
	f.Comment(fmt.Sprintf("Update%sInput updates the %s %s names (Medusa's Update%sDTO): a field left absent", G, m.Name, PK, G))
	f.Comment("is kept, opt.Null sets it to NULL, opt.Some to a value.")
	f.Type().Id("Update" + G + "Input").Struct(uin...)
	f.Line()

	// filter
	fl := []jen.Code{jen.Comment("Q matches rows whose searchable fields contain it (ILIKE '%q%')."), jen.Id("Q").String().Tag(jsonTag("q", "omitempty"))}
	for _, x := range m.Fields {
		if !filterable(x) {
			continue
		}
		fl = append(fl, jen.Id(dml.Pascal(x.Name)).Qual(sqlbPath, "Filter").Types(baseType(x)).Tag(jsonTag(x.Name, "omitzero")))
	}
	fl = append(fl,
		jen.Comment("And and Or combine nested filters ($and, $or)."),
		jen.Id("And").Index().Id(G+"Filter").Tag(jsonTag("$and", "omitempty")),
		jen.Id("Or").Index().Id(G+"Filter").Tag(jsonTag("$or", "omitempty")),
	)
	f.Comment(fmt.Sprintf("%sFilter selects %s rows (Medusa's Filterable%sProps). Set fields are ANDed;", G, m.Name, G))
	f.Comment("a filter on deleted_at includes soft-deleted rows.")
	f.Type().Id(G + "Filter").Struct(fl...)
	f.Line()
	var applies []jen.Code
	// rank: a list without an order puts the rows where a searchable field equals q
	// first, equal as the field's eq filter compares (lower() for a case-insensitive one)
	rank := func(search []*dml.Field) jen.Code {
		args := []jen.Code{jen.Id("f").Dot("Q")}
		for _, c := range search {
			col := qi(c.Name)
			if c.IsFold {
				col = "lower(" + col + ")" // compared as its eq filter compares, through its lower() index
			}
			args = append(args, jen.Lit(col))
		}
		return jen.Id("w").Dot("RankSearch").Call(args...)
	}
	// grams narrows a selective q by the gram index, when the model has one.
	grams := func() jen.Code {
		ix, ok := gramIndex(m)
		if !ok {
			return jen.Null()
		}
		return jen.Add(
			jen.Comment("A q the planner expects to match few rows is also looked up in the gram index"),
			jen.Line(),
			jen.Comment(ix.Name+" (see sqlb.Where.SearchGrams)."),
			jen.Line(),
			jen.Id("w").Dot("SearchGrams").Call(jen.Lit(SearchExpr(m)), jen.Id("f").Dot("Q")),
		)
	}
	if search := searchFields(m); len(search) == 1 {
		applies = append(applies, jen.If(jen.Id("f").Dot("Q").Op("!=").Lit("")).Block(
			jen.Id("w").Dot("AddSearch").Call(jen.Lit(SearchExpr(m)+" ILIKE ").Op("+").Id("w").Dot("Arg").Call(jen.Qual(sqlbPath, "Contains").Call(jen.Id("f").Dot("Q")))),
			jen.Comment("Without an order, rows whose field equals q come first (see sqlb.Where.RankSearch)."),
			rank(search),
			grams(),
		))
	} else if len(search) > 1 {
		var ors []jen.Code
		for _, c := range search {
			ors = append(ors, jen.Lit(qi(c.Name)+" ILIKE ").Op("+").Id("p"))
		}
		applies = append(applies, jen.If(jen.Id("f").Dot("Q").Op("!=").Lit("")).Block(
			jen.Id("p").Op(":=").Id("w").Dot("Arg").Call(jen.Qual(sqlbPath, "Contains").Call(jen.Id("f").Dot("Q"))),
			jen.Id("or").Op(":=").Lit("(").Op("+").Qual("strings", "Join").Call(jen.Index().String().Values(ors...), jen.Lit(" OR ")).Op("+").Lit(")"),
			jen.Comment("Medusa's q is the OR of one ILIKE per field. The ILIKE on the joined fields is what"),
			jen.Comment("the trigram index IDX_"+m.TableName+"_q_trgm serves: alone when it is exact, else as a"),
			jen.Comment("necessary condition before the OR (see sqlb.SearchJoinable, sqlb.SearchNarrows)."),
			jen.Switch().Block(
				jen.Case(jen.Qual(sqlbPath, "SearchJoinable").Call(jen.Id("f").Dot("Q"))).Block(
					jen.Id("w").Dot("AddSearch").Call(jen.Lit("("+SearchExpr(m)+") ILIKE ").Op("+").Id("p")),
				),
				jen.Case(jen.Qual(sqlbPath, "SearchNarrows").Call(jen.Id("f").Dot("Q"))).Block(
					jen.Id("w").Dot("AddSearch").Call(jen.Lit("("+SearchExpr(m)+") ILIKE ").Op("+").Id("p").Op("+").Lit(" AND ").Op("+").Id("or")),
				),
				jen.Default().Block(jen.Id("w").Dot("AddSearch").Call(jen.Id("or"))),
			),
			jen.Comment("Without an order, rows where one of the fields equals q come first (see"),
			jen.Comment("sqlb.Where.RankSearch)."),
			rank(search),
			grams(),
		))
	} else {
		applies = append(applies, jen.If(jen.Id("f").Dot("Q").Op("!=").Lit("")).Block(
			jen.Return(jen.False(), jen.Qual(errorsPath, "New").Call(jen.Qual(errorsPath, "InvalidData"), jen.Lit(m.Name+" has no searchable fields for q"))),
		))
	}
	for _, x := range m.Fields {
		if !filterable(x) {
			continue
		}
		n := dml.Pascal(x.Name)
		apply := jen.Id("f").Dot(n).Dot("Apply").Call(jen.Id("w"), jen.Lit(qi(x.Name)), jen.Lit(isText(x)))
		if x.IsFold {
			apply = jen.Qual(sqlbPath, "ApplyFolded").Call(jen.Id("f").Dot(n), jen.Id("w"), jen.Lit(qi(x.Name)))
		}
		applies = append(applies, jen.If(jen.Err().Op(":=").Add(apply), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.False(), jen.Qual(errorsPath, "Wrap").Call(jen.Qual(errorsPath, "InvalidData"), jen.Err(), jen.Err().Dot("Error").Call())),
		))
	}
	applies = append(applies,
		jen.Id("wd").Op(":=").Id("f").Dot("DeletedAt").Dot("Active").Call(),
		jen.For(jen.List(jen.Id("_"), jen.Id("a")).Op(":=").Range().Id("f").Dot("And")).Block(
			jen.List(jen.Id("d"), jen.Err()).Op(":=").Id("a").Dot("apply").Call(jen.Id("w")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.False(), jen.Err())),
			jen.Id("wd").Op("=").Id("wd").Op("||").Id("d"),
		),
		jen.If(jen.Len(jen.Id("f").Dot("Or")).Op(">").Lit(0)).Block(
			jen.Id("groups").Op(":=").Make(jen.Index().Op("*").Qual(sqlbPath, "Where"), jen.Lit(0), jen.Len(jen.Id("f").Dot("Or"))),
			jen.For(jen.List(jen.Id("_"), jen.Id("o")).Op(":=").Range().Id("f").Dot("Or")).Block(
				jen.Id("sub").Op(":=").Id("w").Dot("Sub").Call(),
				jen.List(jen.Id("d"), jen.Err()).Op(":=").Id("o").Dot("apply").Call(jen.Id("sub")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.False(), jen.Err())),
				jen.Id("wd").Op("=").Id("wd").Op("||").Id("d"),
				jen.Id("groups").Op("=").Append(jen.Id("groups"), jen.Id("sub")),
			),
			jen.Id("w").Dot("AnyOf").Call(jen.Id("groups").Op("...")),
		),
		jen.Return(jen.Id("wd"), jen.Nil()),
	)
	f.Comment("apply adds f's predicates to w and reports whether it filters on deleted_at.")
	f.Func().Params(jen.Id("f").Id(G+"Filter")).Id("apply").Params(jen.Id("w").Op("*").Qual(sqlbPath, "Where")).Params(jen.Bool(), jen.Error()).Block(applies...)
	f.Line()

	g.filterFromTree(f, m)
	g.listMethods(f, m, recv, cfgT)
	g.relationDecls(f, m)
	g.createMethod(f, m)
	g.updateMethod(f, m)
	g.deleteMethods(f, m)
	return f
}

// methodDoc writes the doc comment of one generated service method and returns
// the name to declare it under: the exported method, or, when the model
// overrides it (dml Override), the unexported implementation the hand-written
// exported method in service.go calls. doc starts with the exported name.
func (g *gen) methodDoc(f *jen.File, m *dml.Model, meth dml.Method, doc []string) string {
	name, pub := g.callable(m, meth), g.pub(m, meth)
	for i, d := range doc {
		if i == 0 {
			d = name + strings.TrimPrefix(d, pub)
		}
		f.Comment(d)
	}
	if m.Overridden(meth) {
		f.Comment("")
		f.Comment(fmt.Sprintf("The model overrides %s: the exported method is hand-written in service.go,", pub))
		f.Comment("usually over this one.")
	}
	return name
}

func (g *gen) listMethods(f *jen.File, m *dml.Model, recv *jen.Statement, cfgT *jen.Statement) {
	G, P := m.GoName(), m.Plural()
	lc := dml.Camel(m.Name)
	pk := m.PK()
	table := qi(m.TableName)
	cfgs := jen.Id("cfg").Op("...").Qual(sqlbPath, "FindConfig")

	// core list
	f.Comment(fmt.Sprintf("find%s reads %s rows with SQL built from the filter's used predicates only (see", P, m.Name))
	f.Comment("package sqlb), and counts them too when count is set (ignoring skip, take and after).")
	f.Comment("Relations (cfg.Relations, or a dotted Select) are loaded after, one statement per relation.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("find"+P).Params(ctxParam(), jen.Id("f").Id(G+"Filter"), jen.Id("cfg").Add(cfgT), jen.Id("count").Bool()).Params(jen.Index().Id(G), jen.Int(), jen.Error()).Block(
		jen.List(jen.Id("cfg"), relsVar(g.mod, m), jen.Err()).Op(":=").Qual(sqlbPath, "SplitRelations").Call(jen.Lit(m.Name), jen.Id(lc+"Relations"), jen.Id("cfg")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
		jen.List(jen.Id("out"), jen.Id("n"), jen.Err()).Op(":=").Qual(sqlbPath, "Find").Call(
			jen.Id("ctx"), jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")), jen.Id(lc+"Table"), jen.Id("cfg"), jen.Id("count"), jen.Id("f").Dot("apply"),
			jen.Line().Func().Params(jen.Id("selected").Index().String()).Id(G).Block(jen.Return(jen.Id(G).Values(jen.Dict{jen.Id("selected"): jen.Id("selected")}))),
			jen.Line().Parens(jen.Op("*").Id(G)).Dot("dest"),
		),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Id("mapErr").Call(jen.Err()))),
		loadRelations(g.mod, m, jen.Nil(), jen.Lit(0), jen.Err()),
		jen.Return(jen.Id("out"), jen.Id("n"), jen.Nil()),
	)
	f.Line()
	f.Comment(fmt.Sprintf("%sTable describes table %s to sqlb.Find.", lc, m.TableName))
	td := jen.Dict{
		jen.Id("Model"): jen.Lit(m.Name), jen.Id("Name"): jen.Lit(table), jen.Id("PK"): jen.Lit(pk.Name),
		jen.Id("Fields"): jen.Id(lc + "Fields"), jen.Id("Sortable"): jen.Id(lc + "Sortable"),
	}
	if m.RowCount {
		td[jen.Id("RowCount")] = jen.Lit(m.TableName)
	}
	var nullable []jen.Code
	for _, x := range m.Fields {
		if x.IsNullable {
			nullable = append(nullable, jen.Lit(x.Name))
		}
	}
	if len(nullable) > 0 {
		td[jen.Id("Nullable")] = jen.Index().String().Add(wrappedValues(nullable...))
	}
	f.Var().Id(lc+"Table").Op("=").Qual(sqlbPath, "Table").Values(td)
	f.Line()

	// retrieve
	name := g.methodDoc(f, m, dml.MethodRetrieve, []string{
		fmt.Sprintf("%s returns the %s with the given %s (Medusa's retrieve%s). An empty id fails with", g.pub(m, dml.MethodRetrieve), m.Name, pk.Name, G),
		fmt.Sprintf("not_found %q; a missing or soft-deleted row (unless cfg.WithDeleted) with", fmt.Sprintf("%s - %s must be defined", lc, pk.Name)),
		fmt.Sprintf("not_found %q. cfg (at most one) may select fields.", G+" with "+pk.Name+": <id> was not found"),
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("id").String(), cfgs).Params(jen.Id(G), jen.Error()).Block(
		jen.Return(jen.Qual(sqlbPath, "Retrieve").Call(jen.Id("id"), jen.Id("cfg"),
			jen.Line().Lit(fmt.Sprintf("%s - %s must be defined", lc, pk.Name)), jen.Lit(G+" with "+pk.Name+": %s was not found"),
			jen.Line().Func().Params(jen.Id("c").Qual(sqlbPath, "FindConfig")).Params(jen.Index().Id(G), jen.Error()).Block(
				jen.List(jen.Id("out"), jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("find"+P).Call(jen.Id("ctx"), jen.Id(G+"Filter").Values(jen.Dict{jen.Id(dml.Pascal(pk.Name)): jen.Qual(sqlbPath, "Eq").Call(jen.Id("id"))}), jen.Id("c"), jen.False()),
				jen.Return(jen.Id("out"), jen.Err()),
			))),
	)
	f.Line()

	// list
	name = g.methodDoc(f, m, dml.MethodList, []string{
		fmt.Sprintf("%s returns the %s rows matching f (Medusa's list%s), ordered by %s unless cfg", g.pub(m, dml.MethodList), m.Name, P, pk.Name),
		"says otherwise; soft-deleted rows only with cfg.WithDeleted or a deleted_at filter.",
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("f").Id(G+"Filter"), cfgs).Params(jen.Index().Id(G), jen.Error()).Block(
		jen.List(jen.Id("out"), jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("find"+P).Call(jen.Id("ctx"), jen.Id("f"), jen.Id("firstConfig").Call(jen.Id("cfg")), jen.False()),
		jen.Return(jen.Id("out"), jen.Err()),
	)
	f.Line()

	name = g.methodDoc(f, m, dml.MethodListAndCount, []string{
		fmt.Sprintf("%s is %s plus the number of matching rows, ignoring skip and take", g.pub(m, dml.MethodListAndCount), g.pub(m, dml.MethodList)),
		fmt.Sprintf("(Medusa's listAndCount%s).", P),
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("f").Id(G+"Filter"), cfgs).Params(jen.Index().Id(G), jen.Int(), jen.Error()).Block(
		jen.Return(jen.Id("s").Dot("find"+P).Call(jen.Id("ctx"), jen.Id("f"), jen.Id("firstConfig").Call(jen.Id("cfg")), jen.True())),
	)
	f.Line()

	// page: list and count with the count's bound and the next page's cursor
	page := g.pagePub(m)
	name = page
	if m.Overridden(dml.MethodListAndCount) {
		name = "list" + m.Plural() + "Page"
	}
	f.Comment(fmt.Sprintf("%s is %s as a page (a medusa-go extension): the rows, their count", name, g.pub(m, dml.MethodListAndCount)))
	f.Comment("(exact up to cfg.CountLimit, then the planner's estimate, flagged Estimated) and the")
	f.Comment("cursor of the next page (Next; pass it as cfg.Cursor). Admin list routes call it.")
	if m.Overridden(dml.MethodListAndCount) {
		f.Comment("")
		f.Comment(fmt.Sprintf("The model overrides %s: the exported %s is hand-written in", g.pub(m, dml.MethodListAndCount), page))
		f.Comment("service.go, usually over this one.")
	}
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("f").Id(G+"Filter"), cfgs).Params(jen.Qual(sqlbPath, "Page").Types(jen.Id(G)), jen.Error()).Block(
		jen.List(jen.Id("c"), relsVar(g.mod, m), jen.Err()).Op(":=").Qual(sqlbPath, "SplitRelations").Call(jen.Lit(m.Name), jen.Id(lc+"Relations"), jen.Id("firstConfig").Call(jen.Id("cfg"))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(sqlbPath, "Page").Types(jen.Id(G)).Values(), jen.Err())),
		jen.List(jen.Id("pg"), jen.Err()).Op(":=").Qual(sqlbPath, "FindPage").Call(
			jen.Id("ctx"), jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")), jen.Id(lc+"Table"), jen.Id("c"), jen.Id("f").Dot("apply"),
			jen.Line().Func().Params(jen.Id("selected").Index().String()).Id(G).Block(jen.Return(jen.Id(G).Values(jen.Dict{jen.Id("selected"): jen.Id("selected")}))),
			jen.Line().Parens(jen.Op("*").Id(G)).Dot("dest"),
		),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(sqlbPath, "Page").Types(jen.Id(G)).Values(), jen.Id("mapErr").Call(jen.Err()))),
		pageRelations(g.mod, m),
		jen.Return(jen.Id("pg"), jen.Nil()),
	)
	f.Line()
}

// pageRelations loads the relations of a page's rows (pg.Rows), when m has
// relations.
func pageRelations(mod *dml.Module, m *dml.Model) jen.Code {
	if len(relInfos(mod, m)) == 0 {
		return jen.Null()
	}
	return jen.Id("out").Op(":=").Id("pg").Dot("Rows").Line().Add(loadRelations(mod, m, jen.Qual(sqlbPath, "Page").Types(jen.Id(m.GoName())).Values(), jen.Err()))
}

// pagePub is the exported name of a model's page method: List<Models>Page.
func (g *gen) pagePub(m *dml.Model) string { return g.pub(m, dml.MethodList) + "Page" }

// insertCol is one column of the bulk insert: the arrays the Go side sends
// (one per unnest column) and the expression the SELECT inserts.
type insertCol struct {
	col    string      // quoted column name
	arrays []insertArr // one or two (set flag + value) unnest columns
	expr   string      // SQL over u.cN
}

type insertArr struct {
	name  string   // Go variable
	elem  jen.Code // Go element type
	sql   string   // SQL element type of the unnest parameter
	value jen.Code // Go expression of the element for input x
}

// insertElem is how field f's value travels to the bulk insert: its Go
// element type for a nullable or non-nullable array, the SQL element type and
// the conversion of the input value v (a Go expression) when needed.
func insertElem(f *dml.Field, nullable bool, v jen.Code) (elem jen.Code, sqlType string, value jen.Code, cast func(string) string) {
	cast = func(u string) string { return u }
	switch f.Kind {
	case dml.KindJSON:
		return jen.Op("*").String(), "text", jen.Qual(sqlbPath, "JSONText").Call(v), func(u string) string { return u + "::jsonb" }
	case dml.KindArray:
		return jen.Op("*").String(), "text", jen.Qual(sqlbPath, "ArrayText").Call(v), func(u string) string {
			return "CASE WHEN " + u + " IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(" + u + "::jsonb)) END"
		}
	}
	elem = baseType(f)
	if nullable {
		elem = jen.Op("*").Add(baseType(f))
	}
	return elem, SQLType(f.Kind), v, cast
}

// insertCols describes the bulk insert of m (see createMethod).
func insertCols(m *dml.Model) []insertCol {
	pk := m.PK()
	n := 0
	next := func() string { n++; return fmt.Sprintf("u.c%d", n) }
	cols := []insertCol{{col: qi(pk.Name), arrays: []insertArr{{name: "c" + dml.Pascal(pk.Name), elem: jen.String(), sql: SQLType(pk.Kind), value: jen.Id("id")}}, expr: next()}}
	for _, x := range m.Fields {
		if !updatable(x) {
			continue
		}
		name := "c" + dml.Pascal(x.Name)
		in := jen.Id("x").Dot(dml.Pascal(x.Name))
		c := insertCol{col: qi(x.Name)}
		switch {
		case x.HasDefault && x.IsNullable:
			v := in.Clone().Dot("Pointer").Call()
			if selfNull(x) {
				v = in.Clone().Dot("Value")
			}
			elem, st, val, cast := insertElem(x, true, v)
			set, u := next(), next()
			c.arrays = []insertArr{{name: name + "Set", elem: jen.Bool(), sql: "boolean", value: in.Clone().Dot("Set")}, {name: name, elem: elem, sql: st, value: val}}
			c.expr = fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", set, cast(u), sqlDefault(x))
		case x.HasDefault:
			elem, st, val, cast := insertElem(x, true, in)
			u := next()
			c.arrays = []insertArr{{name: name, elem: elem, sql: st, value: val}}
			c.expr = fmt.Sprintf("COALESCE(%s, %s)", cast(u), sqlDefault(x))
		default:
			elem, st, val, cast := insertElem(x, x.IsNullable, in)
			u := next()
			c.arrays = []insertArr{{name: name, elem: elem, sql: st, value: val}}
			c.expr = cast(u)
		}
		cols = append(cols, c)
	}
	return cols
}

// insertSQL is the bulk insert of m: one INSERT … SELECT FROM unnest(one
// array per column) RETURNING every field.
func insertSQL(m *dml.Model) string {
	var cols, exprs, params, aliases, ret []string
	i := 0
	for _, c := range insertCols(m) {
		cols = append(cols, c.col)
		exprs = append(exprs, c.expr)
		for _, a := range c.arrays {
			i++
			params = append(params, fmt.Sprintf("$%d::%s[]", i, a.sql))
			aliases = append(aliases, fmt.Sprintf("c%d", i))
		}
	}
	cols = append(cols, qi(dml.CreatedAt), qi(dml.UpdatedAt))
	exprs = append(exprs, "now()", "now()")
	for _, x := range m.Fields {
		ret = append(ret, qi(x.Name))
	}
	return fmt.Sprintf("INSERT INTO %s (%s)\nSELECT %s\nFROM unnest(%s) AS u(%s)\nRETURNING %s",
		qi(m.TableName), strings.Join(cols, ", "), strings.Join(exprs, ", "), strings.Join(params, ", "), strings.Join(aliases, ", "), strings.Join(ret, ", "))
}

func (g *gen) createMethod(f *jen.File, m *dml.Model) {
	G, P := m.GoName(), m.Plural()
	lc := dml.Camel(m.Name)
	pk := m.PK()
	PK := dml.Pascal(pk.Name)
	cols := insertCols(m)
	sqlConst := lc + "InsertSQL"
	f.Comment(fmt.Sprintf("%s inserts %s rows sent as one array per column (insert%s).", sqlConst, m.Name, P))
	f.Const().Id(sqlConst).Op("=").Add(sqlConstValue(insertSQL(m)))
	f.Line()

	var decls, assigns, args, scan []jen.Code
	for _, c := range cols {
		for _, a := range c.arrays {
			decls = append(decls, jen.Id(a.name).Op(":=").Make(jen.Index().Add(a.elem), jen.Len(jen.Id("in"))))
			assigns = append(assigns, jen.Id(a.name).Index(jen.Id("i")).Op("=").Add(a.value))
			args = append(args, jen.Id(a.name))
		}
	}
	for _, x := range m.Fields {
		scan = append(scan, jen.Op("&").Id("x").Dot(dml.Pascal(x.Name)))
	}
	idExpr := jen.Qual(idsPath, "New").Call(jen.Lit(pk.IDPrefix))
	body := append([]jen.Code{}, decls...)
	body = append(body,
		jen.Id("pos").Op(":=").Make(jen.Map(jen.String()).Int(), jen.Len(jen.Id("in"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("in")).Block(append([]jen.Code{
			jen.Id("id").Op(":=").Id("x").Dot(PK),
			jen.If(jen.Id("id").Op("==").Lit("")).Block(jen.Id("id").Op("=").Add(idExpr)),
			jen.Id("pos").Index(jen.Id("id")).Op("=").Id("i"),
		}, assigns...)...),
		jen.List(jen.Id("rows"), jen.Err()).Op(":=").Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")).Dot("Query").Add(wrappedCall(append([]jen.Code{jen.Id("ctx"), jen.Id(sqlConst)}, args...)...)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.For(jen.Id("rows").Dot("Next").Call()).Block(
			jen.Var().Id("x").Id(G),
			jen.If(jen.Err().Op(":=").Id("rows").Dot("Scan").Add(wrappedCall(scan...)), jen.Err().Op("!=").Nil()).Block(
				jen.Id("rows").Dot("Close").Call(),
				jen.Return(jen.Err()),
			),
			jen.Id("out").Index(jen.Id("pos").Index(jen.Id("x").Dot(PK))).Op("=").Id("x"),
		),
		jen.Return(jen.Id("rows").Dot("Err").Call()),
	)
	f.Comment(fmt.Sprintf("insert%s inserts in with one %s statement (%s below", P, sqlConst, g.callable(m, dml.MethodCreate)))
	f.Comment("sqlb.CopyMin rows) and puts the returned rows into out in input order, matched by id")
	f.Comment("(ids are unique, or the insert fails).")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("insert"+P).Params(ctxParam(), jen.Id("in").Index().Id("Create"+G+"Input"), jen.Id("out").Index().Id(G)).Error().Block(body...)
	f.Line()

	g.copyMethod(f, m)

	name := g.methodDoc(f, m, dml.MethodCreate, []string{
		fmt.Sprintf("%s inserts rows (Medusa's create%s) and returns them in input order; it emits", g.pub(m, dml.MethodCreate), P),
		fmt.Sprintf("%s {id} per row, with the call's other events (built as they are emitted, see", eventConst(m, "created")),
		"emitIDs). A unique",
		"violation, inside the batch or against the table, fails the whole call with invalid_data",
		fmt.Sprintf("\"%s with <field>: <value>, already exists.\"", strings.ReplaceAll(humanTable(m.TableName), `"`, "")),
		"",
		fmt.Sprintf("Below sqlb.CopyMin rows it sends one INSERT statement (insert%s), from there COPYs of", P),
		fmt.Sprintf("sqlb.StatementRows rows (copy%s); both return the same rows.", P),
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("in").Op("...").Id("Create"+G+"Input")).Params(jen.Index().Id(G), jen.Error()).Block(
		jen.If(jen.Len(jen.Id("in")).Op("==").Lit(0)).Block(jen.Return(jen.Index().Id(G).Values(), jen.Nil())),
		jen.Id("out").Op(":=").Make(jen.Index().Id(G), jen.Len(jen.Id("in"))),
		jen.Err().Op(":=").Id("s").Dot("Tx").Call(jen.Id("ctx"), jen.Func().Params(ctxParam(), jen.Id("_").Op("*").Qual(g.dbPkg, "Queries")).Error().Block(
			jen.Id("insert").Op(":=").Id("s").Dot("insert"+P),
			jen.If(jen.Len(jen.Id("in")).Op(">=").Qual(sqlbPath, "CopyMin")).Block(jen.Id("insert").Op("=").Id("s").Dot("copy"+P)),
			jen.If(jen.Err().Op(":=").Id("insert").Call(jen.Id("ctx"), jen.Id("in"), jen.Id("out")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Id("ids").Op(":=").Make(jen.Index().String(), jen.Len(jen.Id("out"))),
			jen.For(jen.Id("i").Op(":=").Range().Id("out")).Block(
				jen.Id("ids").Index(jen.Id("i")).Op("=").Id("out").Index(jen.Id("i")).Dot(PK),
			),
			jen.Id("s").Dot("emitIDs").Call(jen.Id("ctx"), jen.Id(eventConst(m, "created")), jen.Lit(m.Name), jen.Lit("created"), jen.Id("ids")),
			jen.Return(jen.Nil()),
		)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("out"), jen.Nil()),
	)
	f.Line()
}

// copyReadBack reports whether a copied row reads field x back: its value
// is one the database renders itself, json (jsonb normalises the text),
// timestamps (microseconds, the session's time zone) and numeric.
func copyReadBack(x *dml.Field) bool {
	return x.Kind == dml.KindJSON || x.Kind == dml.KindDateTime || x.Kind == dml.KindBigNumber
}

// goDefault is x's default as a Go value of x's base type (a timestamp's
// is the transaction's now(), variable now in copy<Models>).
func goDefault(x *dml.Field) jen.Code {
	v := x.DefaultValue
	switch x.Kind {
	case dml.KindDateTime:
		return jen.Id("now")
	case dml.KindBoolean:
		return jen.Lit(v.(bool))
	case dml.KindNumber:
		return jen.Lit(int(reflect.ValueOf(v).Int()))
	case dml.KindBigNumber:
		if f, ok := v.(float64); ok {
			return jen.Lit(f)
		}
		return jen.Lit(float64(reflect.ValueOf(v).Int()))
	case dml.KindJSON:
		b, _ := json.Marshal(v) // validated: the default marshals
		return jen.Qual("encoding/json", "RawMessage").Call(jen.Lit(string(b)))
	case dml.KindArray:
		var items []jen.Code
		for _, s := range v.([]string) {
			items = append(items, jen.Lit(s))
		}
		return jen.Index().String().Values(items...)
	}
	return jen.Lit(fmt.Sprint(v))
}

// copyValue is how copy<Models> fills field x of a row (o) from its input
// (x): the value, and for a defaulted field the condition under which the
// input gives one, and the default otherwise.
func copyValue(x *dml.Field) (val, given, def jen.Code) {
	in := jen.Id("x").Dot(dml.Pascal(x.Name))
	own := func(v *jen.Statement) jen.Code { // the row shares no pointer or slice with its input
		switch x.Kind {
		case dml.KindJSON:
			return jen.Qual(sqlbPath, "JSON").Call(v)
		case dml.KindArray:
			return jen.Qual("slices", "Clone").Call(v)
		}
		return v
	}
	switch {
	case x.HasDefault && x.IsNullable: // opt.Optional
		def = goDefault(x)
		if !selfNull(x) {
			return in.Clone().Dot("Pointer").Call(), in.Clone().Dot("Set"), jen.Qual(sqlbPath, "Ptr").Call(def)
		}
		return own(in.Clone().Dot("Value")), in.Clone().Dot("Set"), def
	case x.HasDefault && !selfNull(x): // *T, nil means the default
		return jen.Op("*").Add(in.Clone()), in.Clone().Op("!=").Nil(), goDefault(x)
	case x.HasDefault && x.Kind == dml.KindJSON:
		return in.Clone(), jen.Len(in.Clone()).Op(">").Lit(0), goDefault(x)
	case x.HasDefault:
		return own(in.Clone()), in.Clone().Op("!=").Nil(), goDefault(x)
	case x.IsNullable && !selfNull(x):
		return jen.Qual(sqlbPath, "Clone").Call(in.Clone()), nil, nil
	}
	return own(in.Clone()), nil, nil
}

// copyReadBackCond is the condition under which a copied row reads field
// x back (see copyReadBack): its value is not NULL, and a timestamp's is not
// the default (the transaction's now(), known already). always means every
// row does.
func copyReadBackCond(x *dml.Field) (cond jen.Code, always bool) {
	n := dml.Pascal(x.Name)
	switch {
	case x.Kind == dml.KindDateTime && x.HasDefault && x.IsNullable:
		return jen.Id("x").Dot(n).Dot("Set").Op("&&").Op("!").Id("x").Dot(n).Dot("Null"), false
	case x.Kind == dml.KindDateTime && x.HasDefault:
		return jen.Id("x").Dot(n).Op("!=").Nil(), false
	case x.IsNullable || x.Kind == dml.KindJSON:
		return jen.Id("o").Dot(n).Op("!=").Nil(), false
	}
	return nil, true
}

// copyArg is the COPY value of field n of row o: the field's address when
// the DTO holds a string, number, bool or time (in the row's []any a pointer
// costs no allocation, the value would be copied to the heap), the field
// itself when it is a pointer, json or array (pgx sends a nil slice as NULL,
// a pointer to one as JSON null).
func copyArg(x *dml.Field, n string) jen.Code {
	if x.IsNullable || selfNull(x) {
		return jen.Id("o").Dot(n)
	}
	return jen.Op("&").Id("o").Dot(n)
}

// copyMethod writes copy<Models>, the COPY path of a Create method (see
// sqlb.CopyRows).
func (g *gen) copyMethod(f *jen.File, m *dml.Model) {
	G, P := m.GoName(), m.Plural()
	lc := dml.Camel(m.Name)
	pk := m.PK()
	PK := dml.Pascal(pk.Name)
	colsVar, backConst := lc+"CopyColumns", lc+"ReadBackSQL"

	cols := []jen.Code{jen.Lit(pk.Name)}
	lit := jen.Dict{jen.Id(PK): jen.Id("id"), jen.Id("CreatedAt"): jen.Id("now"), jen.Id("UpdatedAt"): jen.Id("now")}
	var defaults, rowVals, backConds, backScan, backSet []jen.Code
	rowVals = append(rowVals, jen.Op("&").Id("o").Dot(PK))
	backCols := []string{qi(pk.Name)}
	backScan = append(backScan, jen.Op("&").Id("x").Dot(PK))
	always := false
	for _, x := range m.Fields {
		if !updatable(x) {
			continue
		}
		n := dml.Pascal(x.Name)
		cols = append(cols, jen.Lit(x.Name))
		rowVals = append(rowVals, copyArg(x, n))
		val, given, def := copyValue(x)
		if given == nil {
			lit[jen.Id(n)] = val
		} else {
			defaults = append(defaults, jen.If(given).Block(jen.Id("o").Dot(n).Op("=").Add(val)).Else().Block(jen.Id("o").Dot(n).Op("=").Add(def)))
		}
		if copyReadBack(x) {
			c, all := copyReadBackCond(x)
			always = always || all
			if c != nil {
				backConds = append(backConds, c)
			}
			backCols = append(backCols, qi(x.Name))
			backScan = append(backScan, jen.Op("&").Id("x").Dot(n))
			backSet = append(backSet, jen.Id("o").Dot(n).Op("=").Id("x").Dot(n))
		}
	}
	cols = append(cols, jen.Lit(dml.CreatedAt), jen.Lit(dml.UpdatedAt))
	rowVals = append(rowVals, jen.Op("&").Id("o").Dot("CreatedAt"), jen.Op("&").Id("o").Dot("UpdatedAt"))
	readBack := len(backSet) > 0

	f.Comment(fmt.Sprintf("%s are the columns copy%s writes, in the order of its row values.", colsVar, P))
	f.Var().Id(colsVar).Op("=").Index().String().Add(wrappedValues(cols...))
	f.Line()
	if readBack {
		f.Comment(fmt.Sprintf("%s reads back the values of copied %s rows that the database renders", backConst, m.Name))
		f.Comment("itself (json, timestamps, numeric), as the insert's RETURNING would return them.")
		f.Const().Id(backConst).Op("=").Add(sqlConstValue(fmt.Sprintf("SELECT %s FROM %s WHERE %s IN (SELECT unnest($1::text[]))",
			strings.Join(backCols, ", "), qi(m.TableName), qi(pk.Name))))
		f.Line()
	}

	loop := []jen.Code{
		jen.Id("id").Op(":=").Id("x").Dot(PK),
		jen.If(jen.Id("id").Op("==").Lit("")).Block(jen.Id("id").Op("=").Qual(idsPath, "New").Call(jen.Lit(pk.IDPrefix))),
		jen.Id("out").Index(jen.Id("i")).Op("=").Id(G).Values(lit),
	}
	if len(defaults) > 0 || len(backConds) > 0 {
		loop = append(loop, jen.Id("o").Op(":=").Op("&").Id("out").Index(jen.Id("i")))
	}
	loop = append(loop, defaults...)
	mark := []jen.Code{jen.Id("pos").Index(jen.Id("id")).Op("=").Id("i"), jen.Id("back").Op("=").Append(jen.Id("back"), jen.Id("id"))}
	switch {
	case always:
		loop = append(loop, mark...)
	case readBack:
		var cond *jen.Statement
		for i, c := range backConds {
			if i == 0 {
				cond = jen.Add(c)
			} else {
				cond = cond.Op("||").Add(c)
			}
		}
		loop = append(loop, jen.If(cond).Block(mark...))
	}

	rowSet := []jen.Code{jen.Id("o").Op(":=").Op("&").Id("out").Index(jen.Id("i"))}
	for i, v := range rowVals {
		rowSet = append(rowSet, jen.Id("row").Index(jen.Lit(i)).Op("=").Add(v))
	}
	body := []jen.Code{
		jen.List(jen.Id("now"), jen.Err()).Op(":=").Qual(sqlbPath, "Now").Call(jen.Id("ctx"), jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db"))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
	}
	if readBack {
		body = append(body,
			jen.Var().Id("back").Index().String(),
			jen.Id("pos").Op(":=").Map(jen.String()).Int().Values(),
		)
	}
	copyRows := jen.Qual(sqlbPath, "CopyRows").Call(jen.Id("ctx"), jen.Lit(m.TableName), jen.Id(colsVar), jen.Len(jen.Id("out")), jen.Line().Func().Params(jen.Id("i").Int(), jen.Id("row").Index().Any()).Block(
		rowSet...,
	))
	body = append(body, jen.For(jen.List(jen.Id("i"), jen.Id("x")).Op(":=").Range().Id("in")).Block(loop...))
	if !readBack {
		body = append(body, jen.Return(copyRows))
	} else {
		body = append(body,
			jen.If(jen.Err().Op(":=").Add(copyRows), jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("back")).Op("==").Lit(0)).Block(jen.Return(jen.Err())),
			jen.List(jen.Id("rows"), jen.Err()).Op(":=").Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")).Dot("Query").Call(jen.Id("ctx"), jen.Id(backConst), jen.Id("back")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.For(jen.Id("rows").Dot("Next").Call()).Block(append([]jen.Code{
				jen.Var().Id("x").Id(G),
				jen.If(jen.Err().Op(":=").Id("rows").Dot("Scan").Add(wrappedCall(backScan...)), jen.Err().Op("!=").Nil()).Block(
					jen.Id("rows").Dot("Close").Call(),
					jen.Return(jen.Err()),
				),
				jen.Id("o").Op(":=").Op("&").Id("out").Index(jen.Id("pos").Index(jen.Id("x").Dot(PK))),
			}, backSet...)...),
			jen.Return(jen.Id("rows").Dot("Err").Call()),
		)
	}
	f.Comment(fmt.Sprintf("copy%s writes in with COPYs of sqlb.StatementRows rows (%s from sqlb.CopyMin rows) and", P, g.callable(m, dml.MethodCreate)))
	f.Comment("fills out in input order with the rows the insert's RETURNING would give: the inputs")
	if readBack {
		f.Comment("with their defaults, the transaction's now() as created_at and updated_at and, read")
		f.Comment(fmt.Sprintf("back by %s, the values the database renders itself.", backConst))
	} else {
		f.Comment("with their defaults and the transaction's now() as created_at and updated_at.")
	}
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("copy"+P).Params(ctxParam(), jen.Id("in").Index().Id("Create"+G+"Input"), jen.Id("out").Index().Id(G)).Error().Block(body...)
	f.Line()
}

func humanTable(t string) string {
	s := strings.ReplaceAll(t, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func (g *gen) updateMethod(f *jen.File, m *dml.Model) {
	G, P := m.GoName(), m.Plural()
	lc := dml.Camel(m.Name)
	pk := m.PK()
	PK := dml.Pascal(pk.Name)
	params := jen.Dict{jen.Id(sqlcName(pk.Name)): jen.Id("in").Dot(PK)}
	for _, x := range m.Fields {
		if !updatable(x) {
			continue
		}
		n := dml.Pascal(x.Name)
		sn := sqlcName(x.Name)
		params[jen.Id("Set"+sn)] = jen.Id("in").Dot(n).Dot("Set")
		if selfNull(x) {
			params[jen.Id(sn)] = jen.Id("in").Dot(n).Dot("Value")
		} else {
			params[jen.Id(sn)] = jen.Id("in").Dot(n).Dot("Pointer").Call()
		}
	}
	name := g.methodDoc(f, m, dml.MethodUpdate, []string{
		fmt.Sprintf("%s updates rows by %s (Medusa's update%s) and emits %s {id} per row (see", g.pub(m, dml.MethodUpdate), pk.Name, P, eventConst(m, "updated")),
		"Tx for when). If any id is missing (or soft-deleted) the whole call fails with not_found",
		fmt.Sprintf("%q.", G+" with "+pk.Name+" \"<ids joined by , >\" not found"),
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), jen.Id("in").Op("...").Id("Update"+G+"Input")).Params(jen.Index().Id(G), jen.Error()).Block(
		jen.Id("out").Op(":=").Make(jen.Index().Id(G), jen.Lit(0), jen.Len(jen.Id("in"))),
		jen.Err().Op(":=").Id("s").Dot("Tx").Call(jen.Id("ctx"), jen.Func().Params(ctxParam(), jen.Id("q").Op("*").Qual(g.dbPkg, "Queries")).Error().Block(
			jen.Id("ids").Op(":=").Make(jen.Index().String(), jen.Lit(0), jen.Len(jen.Id("in"))),
			jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("in")).Block(jen.Id("ids").Op("=").Append(jen.Id("ids"), jen.Id("x").Dot(PK))),
			jen.Id("ids").Op("=").Qual(sqlbPath, "Unique").Call(jen.Id("ids")),
			jen.List(jen.Id("found"), jen.Err()).Op(":=").Id("q").Dot("Existing"+G+"IDs").Call(jen.Id("ctx"), jen.Id("ids")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Id("missing").Op(":=").Qual(sqlbPath, "Missing").Call(jen.Id("ids"), jen.Id("found")), jen.Len(jen.Id("missing")).Op(">").Lit(0)).Block(
				jen.Return(jen.Qual(errorsPath, "New").Call(jen.Qual(errorsPath, "NotFound"), jen.Lit(G+" with "+pk.Name+" \"%s\" not found"), jen.Qual("strings", "Join").Call(jen.Id("missing"), jen.Lit(", ")))),
			),
			jen.Id("msgs").Op(":=").Make(jen.Index().Qual(eventsPath, "Message"), jen.Lit(0), jen.Len(jen.Id("in"))),
			jen.For(jen.List(jen.Id("_"), jen.Id("in")).Op(":=").Range().Id("in")).Block(
				jen.List(jen.Id("row"), jen.Err()).Op(":=").Id("q").Dot("Update"+G).Call(jen.Id("ctx"), jen.Qual(g.dbPkg, "Update"+G+"Params").Values(params)),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id(lc+"FromRow").Call(jen.Id("row"))),
				jen.Id("msgs").Op("=").Append(jen.Id("msgs"), jen.Id("Event").Call(jen.Id(eventConst(m, "updated")), jen.Lit(m.Name), jen.Lit("updated"), jen.Map(jen.String()).Any().Values(jen.Dict{jen.Lit("id"): jen.Id("row").Dot(sqlcName(pk.Name))}))),
			),
			jen.Id("s").Dot("Emit").Call(jen.Id("ctx"), jen.Id("msgs").Op("...")),
			jen.Return(jen.Nil()),
		)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("out"), jen.Nil()),
	)
	f.Line()
}

func (g *gen) deleteMethods(f *jen.File, m *dml.Model) {
	G, P := m.GoName(), m.Plural()
	pk := m.PK()
	key := m.Name + "_" + pk.Name
	idsP := jen.Id("ids").Op("...").String()
	qT := jen.Op("*").Qual(g.dbPkg, "Queries")

	name := g.methodDoc(f, m, dml.MethodDelete, []string{
		fmt.Sprintf("%s hard-deletes rows by %s (Medusa's delete%s) and emits %s {id} per id", g.pub(m, dml.MethodDelete), pk.Name, P, eventConst(m, "deleted")),
		"(see Tx for when), and tells the Cascader (WithCascader) which rows it deleted. No ids is a",
		"no-op; unknown ids are ignored.",
	})
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), idsP).Error().Block(
		jen.Id("ids").Op("=").Qual(sqlbPath, "Unique").Call(jen.Id("ids")),
		jen.If(jen.Len(jen.Id("ids")).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
		jen.Return(jen.Id("s").Dot("Tx").Call(jen.Id("ctx"), jen.Func().Params(ctxParam(), jen.Id("q").Add(qT)).Error().Block(
			jen.List(jen.Id("deleted"), jen.Err()).Op(":=").Id("q").Dot("Delete"+P).Call(jen.Id("ctx"), jen.Id("ids")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.For(jen.List(jen.Id("_"), jen.Id("id")).Op(":=").Range().Id("ids")).Block(
				jen.Id("s").Dot("Emit").Call(jen.Id("ctx"), jen.Id("Event").Call(jen.Id(eventConst(m, "deleted")), jen.Lit(m.Name), jen.Lit("deleted"), jen.Map(jen.String()).Any().Values(jen.Dict{jen.Lit("id"): jen.Id("id")}))),
			),
			jen.If(jen.Len(jen.Id("deleted")).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
			jen.Return(jen.Id("s").Dot("cascade").Call(jen.Id("ctx"), jen.Qual(cascadePath, "Deleted"), jen.Map(jen.String()).Index().String().Values(jen.Dict{jen.Lit(key): jen.Id("deleted")}))),
		))),
	)
	f.Line()

	for _, mode := range []struct {
		meth            dml.Method
		verb, action, q string
		op              string
	}{{dml.MethodSoftDelete, "softDelete", "deleted", "SoftDelete", "SoftDeleted"}, {dml.MethodRestore, "restore", "created", "Restore", "Restored"}} {
		tree := mode.verb + G + "Tree"
		var doc []string
		if mode.meth == dml.MethodSoftDelete {
			doc = []string{
				fmt.Sprintf("%s sets deleted_at on rows by %s and on the rows of cascaded relations (Medusa's", g.pub(m, mode.meth), pk.Name),
				fmt.Sprintf("softDelete%s). It returns the affected ids per linkable key ({%q: [...]}) and emits one", P, key),
				fmt.Sprintf("%s {id: [ids]} per model (see Tx for when); the Cascader (WithCascader) hears of", eventConst(m, "deleted")),
				"them in the same transaction. Unknown ids are ignored.",
			}
		} else {
			doc = []string{
				fmt.Sprintf("%s clears deleted_at on rows by %s and on cascaded relations (Medusa's restore%s).", g.pub(m, mode.meth), pk.Name, P),
				fmt.Sprintf("It returns the restored ids per linkable key and, like Medusa, emits %s", eventConst(m, "created")),
				"{id: [ids]} (action \"created\") per model (see Tx for when); the Cascader (WithCascader)",
				"hears of them in the same transaction.",
			}
		}
		// cascade is one cascade.Cascade call: rows of model mm by the query
		// named qname, recorded under mm's key, then mm's own cascades (none
		// when mm cascades to nothing: no function is generated for them).
		cascade := func(mm *dml.Model, qname string) *jen.Statement {
			next := jen.Nil()
			if len(cascadeLinks(g.mod, mm)) > 0 {
				next = jen.Func().Params(jen.Id("got").Index().String()).Error().Block(
					jen.Return(jen.Id("s").Dot(mode.verb+mm.GoName()+"Cascades").Call(jen.Id("ctx"), jen.Id("q"), jen.Id("got"), jen.Id("keys"))),
				)
			}
			return jen.Qual(cascadePath, "Cascade").Call(jen.Id("ctx"), jen.Id("ids"), jen.Id("keys"), jen.Lit(mm.Name+"_"+mm.PK().Name), jen.Id("q").Dot(qname),
				jen.Line().Func().Params(jen.Id("got").Index().String()).Block(
					jen.Id("s").Dot("Emit").Call(jen.Id("ctx"), jen.Id("Event").Call(jen.Id(eventConst(mm, mode.action)), jen.Lit(mm.Name), jen.Lit(mode.action), jen.Map(jen.String()).Any().Values(jen.Dict{jen.Lit("id"): jen.Id("got")}))),
				),
				next)
		}
		// tree: this model's rows, then cascades
		f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(tree).Params(ctxParam(), jen.Id("q").Add(qT), jen.Id("ids").Index().String(), jen.Id("keys").Map(jen.String()).Index().String()).Error().Block(
			jen.Return(cascade(m, mode.q+P)),
		)
		f.Line()
		var casc []jen.Code
		for _, l := range cascadeLinks(g.mod, m) {
			c := l.Child
			casc = append(casc, jen.If(jen.Err().Op(":=").Add(cascade(c, mode.q+c.Plural()+"By"+dml.Pascal(l.FKCol))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
		}
		if len(casc) > 0 {
			casc = append(casc, jen.Return(jen.Nil()))
			f.Comment(fmt.Sprintf("%s%sCascades applies %s to the relations %s cascades to.", mode.verb, G, mode.verb, m.Name))
			f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(mode.verb+G+"Cascades").Params(ctxParam(), jen.Id("q").Add(qT), jen.Id("ids").Index().String(), jen.Id("keys").Map(jen.String()).Index().String()).Error().Block(casc...)
			f.Line()
		}
		name := g.methodDoc(f, m, mode.meth, doc)
		f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id(name).Params(ctxParam(), idsP).Params(jen.Map(jen.String()).Index().String(), jen.Error()).Block(
			jen.Return(jen.Qual(cascadePath, "RunCascade").Call(jen.Id("ctx"), jen.Id("ids"), jen.Id("s").Dot("replannedTx"), jen.Id("s").Dot(tree),
				jen.Line().Func().Params(ctxParam(), jen.Id("keys").Map(jen.String()).Index().String()).Error().Block(
					jen.Return(jen.Id("s").Dot("cascade").Call(jen.Id("ctx"), jen.Qual(cascadePath, mode.op), jen.Id("keys"))),
				))),
		)
		f.Line()
	}
}

// appendJSONBody is the body of a model's AppendJSON: for each field in
// definition order, when the row holds it, `,"name":` and the value by the
// rt helper for its Go type (encoding/json's rendering, checked by
// TestAppendHelpersMatchEncodingJSON), then tail (the loaded relations and
// the linked records); jsonw.CloseObject turns the first comma into the
// opening brace.
func appendJSONBody(m *dml.Model, tail []jen.Code) []jen.Code {
	b := func() *jen.Statement { return jen.Id("b") }
	body := []jen.Code{
		jen.Id("sel").Op(":=").Qual(jsonwPath, "NewSelection").Call(jen.Id("x").Dot("selected")),
		jen.Id("start").Op(":=").Len(b()),
		jen.Var().Err().Error(),
	}
	for _, x := range m.Fields {
		key, _ := json.Marshal(x.Name)
		field := jen.Id("x").Dot(dml.Pascal(x.Name))
		nullable := x.IsNullable && !selfNull(x)
		stmts := []jen.Code{b().Op("=").Append(b(), jen.Lit(","+string(key)+":").Op("..."))}
		plain := func(fn string, args ...jen.Code) {
			stmts = append(stmts, b().Op("=").Qual(jsonwPath, fn).Call(append([]jen.Code{b()}, args...)...))
		}
		checked := func(fn string, arg jen.Code) {
			stmts = append(stmts, jen.If(
				jen.List(b(), jen.Err()).Op("=").Qual(jsonwPath, fn).Call(b(), arg),
				jen.Err().Op("!=").Nil(),
			).Block(jen.Return(jen.Nil(), jen.Err())))
		}
		switch w := kindOf(x).appendJSON; {
		case w == jsonString && nullable:
			plain("AppendJSONStringPtr", field)
		case w == jsonString:
			plain("AppendJSONString", field)
		case w == jsonTime && nullable:
			checked("AppendJSONTimePtr", field)
		case w == jsonTime:
			checked("AppendJSONTime", field)
		case w == jsonBool && !nullable:
			stmts = append(stmts, b().Op("=").Qual("strconv", "AppendBool").Call(b(), field))
		case w == jsonInt && !nullable:
			stmts = append(stmts, b().Op("=").Qual("strconv", "AppendInt").Call(b(), jen.Int64().Call(field), jen.Lit(10)))
		case nullable:
			checked("AppendJSONValue", field) // a pointer already
		default:
			checked("AppendJSONValue", jen.Op("&").Add(field)) // a pointer boxes without allocating
		}
		body = append(body, jen.If(jen.Id("sel").Dot("Has").Call(jen.Lit(x.Name))).Block(stmts...))
	}
	body = append(body, tail...)
	return append(body, jen.Return(jen.Qual(jsonwPath, "CloseObject").Call(b(), jen.Id("start")), jen.Nil()))
}
