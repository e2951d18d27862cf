package modgen

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/medusa-go/medusa/modgen/dml"
)

// testModel is what the test template needs of a model.
type testModel struct {
	G, P, Name, PK, PKCol, Human, LC, Prefix string
	Path                                     string
	Create, Retrieve, List, ListAndCount     string
	Update, Delete, SoftDelete, Restore      string
	Sample                                   string // body of the sample input literal
	Parents                                  []testParent
	UniqueCol, UniqueVal                     string
	UniqueGo, UniqueValUpper                 string // set when the unique column is case-insensitive
	HasSearch                                bool
	SearchQ                                  string
	SpanNext                                 string // start of the 2nd searchable field's sample (joined q tests)
	UpdField, UpdValue, UpdJSON              string
	UpdNullable                              bool
	UpdType                                  string
	RequiredField, RequiredCol, RequiredType string
	Table                                    string
	DefaultZero                              []string // statements that leave defaulted fields absent
	DefaultCheck                             string   // SQL: the row holds every column default
	Cascades                                 []testCascade
	// KeysetCol is the order of the keyset page test: created_at when
	// sortable, else the primary key. Unsorted is a field the model could be
	// ordered by but whose Sortable leaves it out (refused), if any.
	// Unfiltered is a field the routes could filter by but whose Filterable
	// leaves it out (refused), if any.
	KeysetCol, Unsorted, Unfiltered string
	// RouteRel is a relation the routes test selects with fields=*<rel>.
	RouteRel string
	// BelongsTo and ManyToMany are the relation tests of the model.
	BelongsTo  []testBelongsTo
	ManyToMany []testManyToMany
}

// testBelongsTo is a belongsTo relation of a child model (C) to a parent
// (P), with the parent's inverse hasMany or hasOne when it has one.
type testBelongsTo struct {
	CG, CCreate, CList, CSoftDelete, CRestore, CPK, CPKCol string
	RName, RField, FKField, Typo                           string
	FKNull                                                 bool
	PG, PCreate, PList, PPK, PPKCol                        string
	HasInv, InvList                                        bool
	InvName, InvField, InvKind                             string
}

// testManyToMany is a manyToMany relation of model A to model B, tested
// from the side whose name sorts first, with its inverse.
type testManyToMany struct {
	AG, ACreate, AList, APK, APKCol, RName, RField     string
	BG, BCreate, BList, BPK, BPKCol, InvName, InvField string
}

type testParent struct{ Field, Model, Create string }

type testCascade struct {
	Child, ChildCreate, ChildList, FKField, ChildKey string
	SoftDelete, Restore                              string
}

// sampleValue is a Go expression of field x's base type for row n.
func sampleValue(x *dml.Field, n string) string { return kindOf(x).sample(x, n) }

func (g *gen) testModels() []testModel {
	var out []testModel
	for _, m := range g.mod.Models {
		pk := m.PK()
		tm := testModel{Path: routePath(m), G: m.GoName(), P: m.Plural(), Name: m.Name, PK: dml.Pascal(pk.Name), PKCol: pk.Name, Human: humanTable(m.TableName), LC: dml.Camel(m.Name), Prefix: pk.IDPrefix,
			Create: g.callable(m, dml.MethodCreate), Retrieve: g.callable(m, dml.MethodRetrieve), List: g.callable(m, dml.MethodList), ListAndCount: g.callable(m, dml.MethodListAndCount),
			Update: g.callable(m, dml.MethodUpdate), Delete: g.callable(m, dml.MethodDelete), SoftDelete: g.callable(m, dml.MethodSoftDelete), Restore: g.callable(m, dml.MethodRestore)}
		tm.KeysetCol = pk.Name
		if m.IsSortable(dml.CreatedAt) {
			tm.KeysetCol = dml.CreatedAt
		}
		for _, x := range m.Fields {
			if x.Scalar() && !m.IsSortable(x.Name) && tm.Unsorted == "" {
				tm.Unsorted = x.Name
			}
			if x.Scalar() && !m.IsFilterable(x.Name) && tm.Unfiltered == "" {
				tm.Unfiltered = x.Name
			}
		}
		var lines []string
		for _, x := range m.Fields {
			if !updatable(x) {
				continue
			}
			n := dml.Pascal(x.Name)
			if x.FK != nil {
				if x.IsNullable {
					continue
				}
				parent := g.mod.Model(x.FK.Target)
				tm.Parents = append(tm.Parents, testParent{Field: n, Model: parent.GoName(), Create: g.callable(parent, dml.MethodCreate)})
				continue
			}
			v := sampleValue(x, "n")
			switch {
			case x.HasDefault && x.IsNullable:
				v = "opt.Some(" + v + ")"
			case x.HasDefault && !selfNull(x), x.IsNullable && !selfNull(x):
				v = "ptr(" + v + ")"
			}
			lines = append(lines, n+": "+v+",")
			if x.IsSearch && isText(x) && !tm.HasSearch {
				tm.HasSearch, tm.SearchQ = true, x.Name+"_2@"
			}
		}
		tm.Sample = strings.Join(lines, "\n")
		tm.Table = m.TableName
		var checks []string
		for _, x := range m.Fields {
			if !updatable(x) || !x.HasDefault || x.FK != nil || x.Kind == dml.KindDateTime {
				continue
			}
			n := dml.Pascal(x.Name)
			switch {
			case x.IsNullable:
				tm.DefaultZero = append(tm.DefaultZero, "in."+n+" = opt.Optional["+goTypeString(x)+"]{}")
			default:
				tm.DefaultZero = append(tm.DefaultZero, "in."+n+" = nil")
			}
			checks = append(checks, fmt.Sprintf("(%s IS NOT DISTINCT FROM %s)", qi(x.Name), sqlDefault(x)))
		}
		tm.DefaultCheck = strings.Join(checks, " AND ")
		if sf := searchFields(m); len(sf) > 1 && sf[0].Kind == dml.KindText && sf[1].Kind == dml.KindText && sf[0].FK == nil && sf[1].FK == nil && !sf[0].IsPK && !sf[1].IsPK {
			tm.SpanNext = sf[1].Name[:min(4, len(sf[1].Name))]
		}
		for _, ix := range dml.AllIndexes(m) {
			if ix.Unique && len(ix.On) == 1 && ix.Where == "deleted_at IS NULL" && tm.UniqueCol == "" {
				if x := m.Field(ix.On[0]); x != nil && x.Kind == dml.KindText && x.FK == nil {
					tm.UniqueCol, tm.UniqueVal = x.Name, x.Name+"_1@test.com"
					if x.IsFold && !x.IsNullable {
						tm.UniqueGo, tm.UniqueValUpper = dml.Pascal(x.Name), strings.ToUpper(tm.UniqueVal)
					}
				}
			}
		}
		for _, x := range m.Fields {
			if !updatable(x) || x.FK != nil || x.Name == tm.UniqueCol || x.Kind == dml.KindEnum || x.Kind == dml.KindBoolean {
				continue
			}
			tm.UpdField, tm.UpdValue, tm.UpdNullable = dml.Pascal(x.Name), sampleValue(x, "9"), x.IsNullable
			tm.UpdJSON, tm.UpdType = x.Name, goTypeString(x)
			break
		}
		for _, x := range m.Fields {
			if updatable(x) && x.FK == nil && !x.IsNullable && !x.HasDefault {
				tm.RequiredField, tm.RequiredCol, tm.RequiredType = dml.Pascal(x.Name), x.Name, goTypeString(x)
				break
			}
		}
		for _, l := range cascadeLinks(g.mod, m) {
			tm.Cascades = append(tm.Cascades, testCascade{Child: l.Child.GoName(), ChildCreate: g.callable(l.Child, dml.MethodCreate), ChildList: g.callable(l.Child, dml.MethodList),
				FKField: dml.Pascal(l.FKCol), ChildKey: l.Child.Name + "_" + l.Child.PK().Name,
				SoftDelete: tm.SoftDelete, Restore: tm.Restore})
		}
		g.relationTests(m, &tm)
		out = append(out, tm)
	}
	return out
}

// relationTests fills tm's relation tests.
func (g *gen) relationTests(m *dml.Model, tm *testModel) {
	for _, ri := range relInfos(g.mod, m) {
		if tm.RouteRel == "" {
			tm.RouteRel = ri.r.Name
		}
		t := ri.target
		switch ri.r.Kind {
		case dml.BelongsToRel:
			typo := ri.r.Name[:len(ri.r.Name)-1]
			if len(ri.r.Name) < 3 {
				typo = ri.r.Name + "x"
			}
			tb := testBelongsTo{CG: m.GoName(), CCreate: g.callable(m, dml.MethodCreate), CList: g.callable(m, dml.MethodList),
				CSoftDelete: g.callable(m, dml.MethodSoftDelete), CRestore: g.callable(m, dml.MethodRestore), CPK: dml.Pascal(m.PK().Name), CPKCol: m.PK().Name,
				RName: ri.r.Name, RField: ri.field, FKField: dml.Pascal(ri.fkCol), FKNull: ri.fkNull, Typo: typo,
				PG: t.GoName(), PCreate: g.callable(t, dml.MethodCreate), PList: g.callable(t, dml.MethodList), PPK: dml.Pascal(t.PK().Name), PPKCol: t.PK().Name}
			for _, inv := range relInfos(g.mod, t) {
				if (inv.r.Kind == dml.HasManyRel || inv.r.Kind == dml.HasOneRel) && inv.target == m && inv.fkCol == ri.fkCol {
					tb.HasInv, tb.InvList, tb.InvName, tb.InvField, tb.InvKind = true, inv.list, inv.r.Name, inv.field, string(inv.r.Kind)
					break
				}
			}
			tm.BelongsTo = append(tm.BelongsTo, tb)
		case dml.ManyToManyRel:
			if t.Name <= m.Name {
				continue
			}
			tt := testManyToMany{AG: m.GoName(), ACreate: g.callable(m, dml.MethodCreate), AList: g.callable(m, dml.MethodList), APK: dml.Pascal(m.PK().Name), APKCol: m.PK().Name,
				RName: ri.r.Name, RField: ri.field,
				BG: t.GoName(), BCreate: g.callable(t, dml.MethodCreate), BList: g.callable(t, dml.MethodList), BPK: dml.Pascal(t.PK().Name), BPKCol: t.PK().Name}
			for _, inv := range relInfos(g.mod, t) {
				if inv.r.Kind == dml.ManyToManyRel && inv.target == m && inv.pivot == ri.pivot {
					tt.InvName, tt.InvField = inv.r.Name, inv.field
					break
				}
			}
			if tt.InvName != "" {
				tm.ManyToMany = append(tm.ManyToMany, tt)
			}
		}
	}
}

var testTmpl = template.Must(template.ParseFS(templates, "templates/service_gen_test.go.tmpl"))

func (g *gen) testFileBytes() ([]byte, error) {
	var b bytes.Buffer
	models := g.testModels()
	type data struct {
		Pkg, MigPkg string
		DBPkg       string
		DBName      string
		Routes      bool
		Relations   bool
		Models      []testModel
	}
	rels := false
	for _, m := range models {
		rels = rels || len(m.BelongsTo) > 0 || len(m.ManyToMany) > 0
	}
	if err := testTmpl.Execute(&b, data{Pkg: g.pkg, MigPkg: g.migPkg(), Routes: g.mod.WithRoutes, Relations: rels, Models: models, DBPkg: g.dbPkg, DBName: g.dbName}); err != nil {
		return nil, fmt.Errorf("modgen: test template: %w", err)
	}
	src, err := formatGo(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("modgen: format generated test: %w\n%s", err, b.String())
	}
	return src, nil
}

// goTypeString is field x's Go type without nullability, as source text.
func goTypeString(x *dml.Field) string { return kindOf(x).goType }
