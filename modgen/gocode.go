package modgen

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/medusa-go/medusa/modgen/dml"
)

const (
	sqlbPath      = "github.com/medusa-go/medusa/framework/sqlb"
	jsonwPath     = "github.com/medusa-go/medusa/framework/jsonw"
	optPath       = "github.com/medusa-go/medusa/framework/opt"
	cascadePath   = "github.com/medusa-go/medusa/framework/link/cascade"
	idsPath       = "github.com/medusa-go/medusa/framework/ids"
	dbPath        = "github.com/medusa-go/medusa/framework/db"
	eventsPath    = "github.com/medusa-go/medusa/framework/events"
	errorsPath    = "github.com/medusa-go/medusa/framework/errors"
	containerPath = "github.com/medusa-go/medusa/framework/container"
	modulePath    = "github.com/medusa-go/medusa/framework/module"
	migratePath   = "github.com/medusa-go/medusa/framework/migrate"
	pgxPath       = "github.com/jackc/pgx/v5"
)

// gen carries what every Go file of a module needs.
type gen struct {
	mod    *dml.Module
	goMod  string // Go module path, e.g. github.com/medusa-go/medusa
	pkg    string // package name of the module ("user")
	dbPkg  string // import path of sqlc's package (package db)
	dbName string // the name it is imported as ("userdb"), clear of framework/db
}

func newGen(mod *dml.Module, goModule string) *gen {
	return &gen{mod: mod, goMod: goModule, pkg: mod.Name,
		dbPkg:  goModule + "/" + layoutOf(mod).goPath() + "/db",
		dbName: mod.Name + "db"}
}

func (g *gen) file() *jen.File {
	f := jen.NewFile(g.pkg)
	f.HeaderComment(Header)
	f.ImportName(sqlbPath, "sqlb")
	f.ImportName(jsonwPath, "jsonw")
	f.ImportName(optPath, "opt")
	f.ImportName(cascadePath, "cascade")
	f.ImportName(idsPath, "ids")
	f.ImportName(dbPath, "db")
	f.ImportName(eventsPath, "events")
	f.ImportName(modulePath, "module")
	f.ImportName(migratePath, "migrate")
	f.ImportAlias(errorsPath, "merrors")
	f.ImportName(containerPath, "container")
	f.ImportName(pgxPath, "pgx")
	f.ImportAlias(g.dbPkg, g.dbName)
	f.ImportName(entityPath, "entity")
	f.ImportName(g.migPkg(), "migrations")
	f.ImportName("github.com/medusa-go/medusa/framework/pgtest", "pgtest")
	return f
}

func render(f *jen.File) ([]byte, error) {
	var b bytes.Buffer
	if err := f.Render(&b); err != nil {
		return nil, fmt.Errorf("modgen: render Go: %w", err)
	}
	return formatGo(b.Bytes())
}

// sqlcName is the Go name sqlc gives a column or parameter ("avatar_url" →
// "AvatarUrl", "id" → "ID").
func sqlcName(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(s, "_") {
		if p == "" {
			continue
		}
		if p == "id" {
			b.WriteString("ID")
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

// baseType is a field's Go type without nullability.
func baseType(f *dml.Field) jen.Code { return kindOf(f).goTypeCode() }

// selfNull reports whether the kind's Go type represents NULL itself (nil).
func selfNull(f *dml.Field) bool { return kindOf(f).selfNull }

// dtoType is the field's type in the DTO.
func dtoType(f *dml.Field) jen.Code {
	if f.IsNullable && !selfNull(f) {
		return jen.Op("*").Add(baseType(f))
	}
	return baseType(f)
}

func filterable(f *dml.Field) bool { return !selfNull(f) }

// isText reports whether f is stored as text (id, text and enum fields).
func isText(f *dml.Field) bool { return kindOf(f).sql == "text" }

func jsonTag(name string, omit string) map[string]string {
	if omit != "" {
		return map[string]string{"json": name + "," + omit}
	}
	return map[string]string{"json": name}
}

// method names
func (g *gen) pub(m *dml.Model, meth dml.Method) string {
	switch meth {
	case dml.MethodRetrieve:
		return "Retrieve" + m.GoName()
	case dml.MethodList:
		return "List" + m.Plural()
	case dml.MethodListAndCount:
		return "ListAndCount" + m.Plural()
	}
	return string(meth) + m.Plural()
}

func (g *gen) priv(m *dml.Model, meth dml.Method) string {
	p := g.pub(m, meth)
	return strings.ToLower(p[:1]) + p[1:]
}

// callable is the method name tests and the service itself may call: the
// exported one, or the unexported implementation when overridden.
func (g *gen) callable(m *dml.Model, meth dml.Method) string {
	if m.Overridden(meth) {
		return g.priv(m, meth)
	}
	return g.pub(m, meth)
}

func eventConst(m *dml.Model, action string) string {
	return "ModuleEvent" + m.GoName() + dml.Pascal(action)
}

// GoFiles renders the module's Go files (paths relative to the module
// folder). goModule is the Go module path of the repository.
func GoFiles(mod *dml.Module, goModule string) (map[string][]byte, error) {
	g := newGen(mod, goModule)
	out := map[string][]byte{}
	add := func(name string, f *jen.File) error {
		b, err := render(f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out[name] = b
		return nil
	}
	if err := add("service_gen.go", g.serviceFile()); err != nil {
		return nil, err
	}
	if err := add("events_gen.go", g.eventsFile()); err != nil {
		return nil, err
	}
	if err := add("module_gen.go", g.moduleFile()); err != nil {
		return nil, err
	}
	for _, m := range mod.Models {
		if err := add(m.Name+"_gen.go", g.modelFile(m)); err != nil {
			return nil, err
		}
	}
	if err := add("linkable_gen.go", g.linkableFile()); err != nil {
		return nil, err
	}
	tb, err := g.testFileBytes()
	if err != nil {
		return nil, err
	}
	out["service_gen_test.go"] = tb
	if mod.WithRoutes {
		rb, err := g.routesBytes()
		if err != nil {
			return nil, err
		}
		out["routes_gen.go"] = rb
		out["openapi_gen.json"] = g.openAPI()
	}
	return out, nil
}

func (g *gen) serviceFile() *jen.File {
	f := g.file()
	name := g.mod.Name
	f.PackageComment(fmt.Sprintf("Package %s is the %s module: its service (generated from models/ by medusa-go,\nplus hand-written service.go), sqlc queries in db/ and migrations in migrations/.\nSee REFERENCE.md.", g.pkg, name))
	f.Comment(fmt.Sprintf("Key is the container key of the %s module's service (Medusa's Modules.%s).", name, strings.ToUpper(name)))
	f.Var().Id("Key").Op("=").Qual(containerPath, "NewKey").Types(jen.Op("*").Id("Service")).Call(jen.Lit(name))
	f.Line()
	var models []string
	for _, m := range g.mod.Models {
		models = append(models, m.GoName())
	}
	f.Comment(fmt.Sprintf("Service is the %s module's service: per model (%s) the eight generated methods", name, strings.Join(models, ", ")))
	f.Comment("Retrieve, List, ListAndCount, Create, Update, Delete, SoftDelete and Restore, plus the")
	f.Comment("hand-written methods of service.go. Each call runs in one transaction, or in the caller's")
	f.Comment("when ctx carries one (db.InTx), and emits its module events once, at its end (see Tx).")
	f.Type().Id("Service").Struct(
		jen.Id("db").Qual(sqlbPath, "DB"),
		jen.Id("bus").Qual(eventsPath, "Bus"),
		jen.Id("cascader").Qual(cascadePath, "Cascader"),
		jen.Comment("ext is the hand-written part of the service, declared in service.go."),
		jen.Id("ext").Id("extension"),
	)
	f.Line()
	f.Comment("Option configures a Service.")
	f.Type().Id("Option").Func().Params(jen.Op("*").Id("Service"))
	f.Line()
	f.Comment("WithEventBus makes the service emit its module events on bus.")
	f.Func().Id("WithEventBus").Params(jen.Id("bus").Qual(eventsPath, "Bus")).Id("Option").Block(
		jen.Return(jen.Func().Params(jen.Id("s").Op("*").Id("Service")).Block(jen.Id("s").Dot("bus").Op("=").Id("bus"))),
	)
	f.Line()
	f.Comment("WithCascader makes the service tell c, in the same transaction, which records its soft deletes,")
	f.Comment("restores and deletes affected (by linkable key), so that the links of other modules follow.")
	f.Func().Id("WithCascader").Params(jen.Id("c").Qual(cascadePath, "Cascader")).Id("Option").Block(
		jen.Return(jen.Func().Params(jen.Id("s").Op("*").Id("Service")).Block(jen.Id("s").Dot("cascader").Op("=").Id("c"))),
	)
	f.Line()
	f.Comment("NewService returns the service over database (a *pgxpool.Pool). Without WithEventBus it emits no")
	f.Comment("events. The hand-written extension's setup (service.go) runs last and may reject the options.")
	f.Func().Id("NewService").Params(jen.Id("database").Qual(sqlbPath, "DB"), jen.Id("opts").Op("...").Id("Option")).Params(jen.Op("*").Id("Service"), jen.Error()).Block(
		jen.If(jen.Id("database").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("errors", "New").Call(jen.Lit(name+": NewService: nil database")))),
		jen.Id("s").Op(":=").Op("&").Id("Service").Values(jen.Dict{jen.Id("db"): jen.Id("database")}),
		jen.For(jen.List(jen.Id("_"), jen.Id("o")).Op(":=").Range().Id("opts")).Block(jen.Id("o").Call(jen.Id("s"))),
		jen.If(jen.Err().Op(":=").Id("s").Dot("ext").Dot("setup").Call(jen.Id("s")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(name+": %w"), jen.Err())),
		),
		jen.Return(jen.Id("s"), jen.Nil()),
	)
	f.Line()
	f.Comment("Register provides the service under Key in c, built on first use. Unless opts hold")
	f.Comment("WithEventBus, the bus registered under \"event_bus\" is used when c has one; the Cascader")
	f.Comment("registered under \"link\" (the link service) is used when c has one, unless opts hold WithCascader.")
	f.Func().Id("Register").Params(jen.Id("c").Op("*").Qual(containerPath, "Container"), jen.Id("database").Qual(sqlbPath, "DB"), jen.Id("opts").Op("...").Id("Option")).Error().Block(
		jen.Return(jen.Qual(containerPath, "Provide").Call(jen.Id("c"), jen.Id("Key"),
			jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Qual(containerPath, "Container")).Params(jen.Op("*").Id("Service"), jen.Error()).Block(
				jen.If(jen.Id("c").Dot("Has").Call(jen.Qual(eventsPath, "BusKey").Dot("Name").Call())).Block(
					jen.List(jen.Id("bus"), jen.Err()).Op(":=").Qual(containerPath, "ResolveContext").Call(jen.Id("ctx"), jen.Id("c"), jen.Qual(eventsPath, "BusKey")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(name+": resolve event bus: %w"), jen.Err()))),
					jen.Id("opts").Op("=").Append(jen.Index().Id("Option").Values(jen.Id("WithEventBus").Call(jen.Id("bus"))), jen.Id("opts").Op("...")),
				),
				jen.If(jen.Id("c").Dot("Has").Call(jen.Qual(cascadePath, "CascaderKey").Dot("Name").Call())).Block(
					jen.List(jen.Id("cascader"), jen.Err()).Op(":=").Qual(containerPath, "ResolveContext").Call(jen.Id("ctx"), jen.Id("c"), jen.Qual(cascadePath, "CascaderKey")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(name+": resolve the link service: %w"), jen.Err()))),
					jen.Id("opts").Op("=").Append(jen.Index().Id("Option").Values(jen.Id("WithCascader").Call(jen.Id("cascader"))), jen.Id("opts").Op("...")),
				),
				jen.Return(jen.Id("NewService").Call(jen.Id("database"), jen.Id("opts").Op("..."))),
			))))
	f.Line()
	f.Comment("EventBus returns the bus module events go to (nil: none).")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("EventBus").Params().Qual(eventsPath, "Bus").Block(jen.Return(jen.Id("s").Dot("bus")))
	f.Line()
	f.Comment("DB returns the service's database.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("DB").Params().Qual(sqlbPath, "DB").Block(jen.Return(jen.Id("s").Dot("db")))
	f.Line()
	f.Comment("Queries returns sqlc's queries bound to the transaction ctx carries, or to the pool.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("Queries").Params(jen.Id("ctx").Qual("context", "Context")).Op("*").Qual(g.dbPkg, "Queries").Block(
		jen.Return(jen.Qual(g.dbPkg, "New").Call(jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")))),
	)
	f.Line()
	f.Comment("Tx runs fn in one transaction (the caller's when ctx carries one) with sqlc's queries bound")
	f.Comment("to it. Module events added with Emit during fn, including by nested service calls, are")
	f.Comment("emitted together (events.Collector.Publish: one Bus.Emit call, or one per events.EmitChunk")
	f.Comment("events for more): inside the transaction, after fn's writes, when the bus writes")
	f.Comment("in it (events.TxEmitter, the durable event bus: stored iff the data commits; an Emit error")
	f.Comment("fails the call), else after the transaction commits. Postgres errors are mapped to")
	f.Comment("*merrors.Error with Medusa's messages.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("Tx").Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("fn").Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("q").Op("*").Qual(g.dbPkg, "Queries")).Error(),
	).Error().Block(
		jen.List(jen.Id("ctx"), jen.Id("col"), jen.Id("owner")).Op(":=").Qual(eventsPath, "WithCollector").Call(jen.Id("ctx")),
		jen.Err().Op(":=").Qual(dbPath, "InTx").Call(jen.Id("ctx"), jen.Id("s").Dot("db"), jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("tx").Qual(pgxPath, "Tx")).Error().Block(
			jen.If(jen.Err().Op(":=").Id("fn").Call(jen.Id("ctx"), jen.Qual(g.dbPkg, "New").Call(jen.Id("tx"))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Id("owner")).Block(
				jen.If(jen.Err().Op(":=").Id("col").Dot("Publish").Call(jen.Id("ctx"), jen.Id("s").Dot("bus")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			),
			jen.Return(jen.Nil()),
		)),
		jen.Return(jen.Id("mapErr").Call(jen.Err())),
	)
	f.Line()
	f.Comment("replannedTx is Tx with sqlc's queries sent unnamed, each planned for the values it is sent")
	f.Comment("with (sqlb.Replanned): soft deletes and restores match rows against lists of ids with")
	f.Comment("= ANY, which such a plan hashes, where a prepared statement's generic plan would compare")
	f.Comment("every row with every id.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("replannedTx").Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("fn").Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("q").Op("*").Qual(g.dbPkg, "Queries")).Error(),
	).Error().Block(
		jen.Return(jen.Id("s").Dot("Tx").Call(jen.Id("ctx"), jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("_").Op("*").Qual(g.dbPkg, "Queries")).Error().Block(
			jen.Return(jen.Id("fn").Call(jen.Id("ctx"), jen.Qual(g.dbPkg, "New").Call(jen.Qual(sqlbPath, "Replanned").Call(jen.Qual(dbPath, "Conn").Call(jen.Id("ctx"), jen.Id("s").Dot("db")))))),
		))),
	)
	f.Line()
	f.Comment("Emit adds module events to the current service call (emitted with its other events, see Tx);")
	f.Comment("outside a call they are emitted as Tx would (in or after the transaction ctx carries, or at")
	f.Comment("once), and an Emit error is logged.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("Emit").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("msgs").Op("...").Qual(eventsPath, "Message")).Block(
		jen.If(jen.List(jen.Id("col"), jen.Id("ok")).Op(":=").Qual(eventsPath, "CollectorFrom").Call(jen.Id("ctx")), jen.Id("ok")).Block(
			jen.Id("col").Dot("Add").Call(jen.Id("msgs").Op("...")),
			jen.Return(),
		),
		jen.If(jen.Err().Op(":=").Qual(eventsPath, "Publish").Call(jen.Id("ctx"), jen.Id("s").Dot("bus"), jen.Id("msgs")), jen.Err().Op("!=").Nil()).Block(
			jen.Qual("log/slog", "ErrorContext").Call(jen.Id("ctx"), jen.Lit(name+": emit module events"), jen.Lit("err"), jen.Err()),
		),
	)
	f.Line()
	f.Comment("emitIDs adds the module event {id} of each record of ids to the current service call (see")
	f.Comment("Emit), built only as it is emitted: a bulk create's events are one per row (see")
	f.Comment("events.Collector.AddIDs; ids must not change after).")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("emitIDs").Params(jen.Id("ctx").Qual("context", "Context"), jen.List(jen.Id("event"), jen.Id("object"), jen.Id("action")).String(), jen.Id("ids").Index().String()).Block(
		jen.If(jen.List(jen.Id("col"), jen.Id("ok")).Op(":=").Qual(eventsPath, "CollectorFrom").Call(jen.Id("ctx")), jen.Id("ok")).Block(
			jen.Id("col").Dot("AddIDs").Call(jen.Id("event"), jen.Lit(name), jen.Id("object"), jen.Id("action"), jen.Id("ids")),
			jen.Return(),
		),
		jen.Id("msgs").Op(":=").Make(jen.Index().Qual(eventsPath, "Message"), jen.Len(jen.Id("ids"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("id")).Op(":=").Range().Id("ids")).Block(
			jen.Id("msgs").Index(jen.Id("i")).Op("=").Qual(eventsPath, "IDEvent").Call(jen.Id("event"), jen.Lit(name), jen.Id("object"), jen.Id("action"), jen.Id("id")),
		),
		jen.Id("s").Dot("Emit").Call(jen.Id("ctx"), jen.Id("msgs").Op("...")),
	)
	f.Line()
	f.Comment("cascade tells the Cascader, in the call's transaction, what a soft delete, restore or delete did.")
	f.Func().Params(jen.Id("s").Op("*").Id("Service")).Id("cascade").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("op").Qual(cascadePath, "CascadeOp"), jen.Id("keys").Map(jen.String()).Index().String()).Error().Block(
		jen.If(jen.Id("s").Dot("cascader").Op("==").Nil()).Block(jen.Return(jen.Nil())),
		jen.Return(jen.Id("s").Dot("cascader").Dot("Cascade").Call(jen.Id("ctx"), jen.Id("op"), jen.Lit(name), jen.Id("keys"))),
	)
	f.Line()
	f.Comment("Event builds a module event message with the module as source.")
	f.Func().Id("Event").Params(jen.List(jen.Id("name"), jen.Id("object"), jen.Id("action")).String(), jen.Id("data").Any()).Qual(eventsPath, "Message").Block(
		jen.Return(jen.Qual(eventsPath, "Event").Call(jen.Id("name"), jen.Lit(name), jen.Id("object"), jen.Id("action"), jen.Id("data"))),
	)
	f.Line()
	f.Comment("mapErr maps Postgres errors to *merrors.Error and wraps the rest with the module name.")
	f.Func().Id("mapErr").Params(jen.Err().Error()).Error().Block(
		jen.If(jen.Err().Op("==").Nil()).Block(jen.Return(jen.Nil())),
		jen.Err().Op("=").Qual(errorsPath, "FromPg").Call(jen.Err()),
		jen.If(jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Qual(errorsPath, "As").Call(jen.Err()), jen.Id("ok")).Block(jen.Return(jen.Err())),
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(name+": %w"), jen.Err())),
	)
	f.Line()
	f.Func().Id("firstConfig").Params(jen.Id("cfg").Index().Qual(sqlbPath, "FindConfig")).Qual(sqlbPath, "FindConfig").Block(
		jen.If(jen.Len(jen.Id("cfg")).Op("==").Lit(0)).Block(jen.Return(jen.Qual(sqlbPath, "FindConfig").Values())),
		jen.Return(jen.Id("cfg").Index(jen.Lit(0))),
	)
	return f
}

// moduleFile renders Generated, the generated part of the module's value.
func (g *gen) moduleFile() *jen.File {
	f := g.file()
	name := g.mod.Name
	fields := jen.Dict{
		jen.Id("Name"):       jen.Lit(name),
		jen.Id("Migrations"): jen.Index().Qual(migratePath, "Source").Values(jen.Qual(g.goMod+"/"+layoutOf(g.mod).goPath()+"/migrations", "Source")),
		jen.Id("Register"): jen.Func().Params(jen.Id("_").Qual("context", "Context"), jen.Id("h").Op("*").Qual(modulePath, "Host")).Error().Block(
			jen.Return(jen.Id("Register").Call(jen.Id("h").Dot("Container"), jen.Id("h").Dot("Pool"))),
		),
		jen.Id("Entities"): jen.Id("Entities"),
	}
	what := "its name, migrations, service registration and entities"
	if g.mod.WithRoutes {
		f.Anon("embed")
		f.Comment("//go:embed openapi_gen.json")
		f.Var().Id("openAPI").Index().Byte()
		f.Line()
		fields[jen.Id("Routes")] = jen.Id("AdminRoutes")
		fields[jen.Id("OpenAPI")] = jen.Id("openAPI")
		what = "its name, migrations, service registration, entities, admin routes and OpenAPI document"
	}
	f.Comment(fmt.Sprintf("Generated returns the generated part of the %s module's value: %s.", name, what))
	f.Comment("The module's own value starts from it and adds what is hand-written (options, subscribers,")
	f.Comment("jobs, workflows).")
	f.Func().Id("Generated").Params().Qual(modulePath, "Module").Block(
		jen.Return(jen.Qual(modulePath, "Module").Values(fields)),
	)
	return f
}

func (g *gen) eventsFile() *jen.File {
	f := g.file()
	f.Comment(fmt.Sprintf("Module events (Medusa's module events): \"%s.<model>.<action>\", emitted by the", g.mod.Name))
	f.Comment("service for every row it changes. Subscribers normally use the module's workflow")
	f.Comment("events instead (in the User Module, flows.WorkflowEventUserCreated is \"user.created\"),")
	f.Comment("emitted once per workflow that succeeds.")
	var defs []jen.Code
	for _, m := range g.mod.Models {
		for _, a := range []string{"created", "updated", "deleted", "restored", "attached", "detached"} {
			defs = append(defs, jen.Id(eventConst(m, a)).Op("=").Lit(g.mod.Name+"."+m.Name+"."+a))
		}
	}
	f.Const().Defs(defs...)
	return f
}

// migPkg is the import path of the module's migrations package.
func (g *gen) migPkg() string { return g.goMod + "/" + layoutOf(g.mod).goPath() + "/migrations" }
