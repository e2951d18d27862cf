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

// sampleValue is a Go expression of field x's base type for row n, and its
// JSON.
func sampleValue(x *dml.Field, n string) (expr string) {
	switch x.Kind {
	case dml.KindNumber:
		return n
	case dml.KindBigNumber:
		return "float64(" + n + ")"
	case dml.KindBoolean:
		return "true"
	case dml.KindDateTime:
		return "time.Date(2030, 1, " + n + ", 0, 0, 0, 0, time.UTC)"
	case dml.KindJSON:
		return "json.RawMessage(fmt.Sprintf(`{\"n\":%d}`, " + n + "))"
	case dml.KindArray:
		return "[]string{fmt.Sprint(" + n + ")}"
	case dml.KindEnum:
		return fmt.Sprintf("%q", x.EnumValues[0])
	}
	return fmt.Sprintf("fmt.Sprintf(\"%s_%%d@test.com\", %s)", x.Name, n)
}

func (g *gen) testModels() []testModel {
	var out []testModel
	for _, m := range g.mod.Models {
		pk := m.PK()
		tm := testModel{Path: routePath(m), G: m.GoName(), P: m.Plural(), Name: m.Name, PK: dml.Pascal(pk.Name), PKCol: pk.Name, Human: humanTable(m.TableName), LC: dml.Camel(m.Name), Prefix: pk.IDPrefix,
			Create: g.callable(m, dml.MethodCreate), Retrieve: g.callable(m, dml.MethodRetrieve), List: g.callable(m, dml.MethodList), ListAndCount: g.callable(m, dml.MethodListAndCount),
			Update: g.callable(m, dml.MethodUpdate), Delete: g.callable(m, dml.MethodDelete), SoftDelete: g.callable(m, dml.MethodSoftDelete), Restore: g.callable(m, dml.MethodRestore)}
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

var testTmpl = template.Must(template.New("t").Parse(`// Code generated by medusa-go. DO NOT EDIT.

package {{.Pkg}}

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
{{- if .Routes}}
	"net/http"
	"net/http/httptest"
{{- end}}

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
{{- if .Routes}}
	"github.com/medusa-go/medusa/framework/module"
{{- end}}
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/sqlb"
	"{{.MigPkg}}"
	{{.DBName}} "{{.DBPkg}}"
)

var (
	_ = json.Marshal
	_ = time.Now
	_ = strings.Contains
	_ sqlb.FindConfig
	_ opt.Optional[int]
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// recordingBus is the in-process bus, recording every Emit call so that
// tests can check which module events a call emitted, and in how many calls.
type recordingBus struct {
	*events.Local
	mu    sync.Mutex
	calls [][]events.Message
}

func (b *recordingBus) Emit(ctx context.Context, msgs ...events.Message) error {
	b.mu.Lock()
	b.calls = append(b.calls, msgs)
	b.mu.Unlock()
	return b.Local.Emit(ctx, msgs...)
}

// take returns and forgets the recorded calls.
func (b *recordingBus) take() [][]events.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.calls
	b.calls = nil
	return c
}

func ptr[T any](v T) *T { return &v }

// parentSeq numbers the parent rows samples create.
var parentSeq atomic.Int64

func init() { parentSeq.Store(1000) }

func newTestService(t *testing.T) (*Service, *recordingBus) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &recordingBus{Local: events.NewLocal()}
	s, err := NewService(pool, WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	return s, bus
}

{{- if .Relations}}

// newCountedService is newTestService without a bus, on a pool that counts the
// statements it sends.
func newCountedService(t *testing.T) (*Service, *pgtest.WireCounter) {
	t.Helper()
	pool, wc := pgtest.NewCountedPool(t, pgtest.NewURL(t, migrations.Source), nil)
	s, err := NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	return s, wc
}
{{- end}}

// wantMessage fails unless err is an *merrors.Error of type typ and message msg.
func wantMessage(t *testing.T, err error, typ merrors.Type, msg string) {
	t.Helper()
	e, ok := merrors.As(err)
	if !ok || e.Type != typ || e.Message != msg {
		t.Fatalf("error = %v (%T), want %s %q", err, err, typ, msg)
	}
}

func wantEvents(t *testing.T, bus *recordingBus, name string, ids ...string) {
	t.Helper()
	calls := bus.take()
	if len(calls) != 1 {
		t.Fatalf("%d Emit calls, want 1: %+v", len(calls), calls)
	}
	if len(calls[0]) != len(ids) {
		t.Fatalf("%d messages, want %d: %+v", len(calls[0]), len(ids), calls[0])
	}
	for i, m := range calls[0] {
		want := fmt.Sprintf("{\"id\":%q}", ids[i])
		if m.Name != name || string(m.Data) != want || m.Metadata.Source != {{printf "%q" .Pkg}} {
			t.Fatalf("message %d = %s %s %+v, want %s %s", i, m.Name, m.Data, m.Metadata, name, want)
		}
	}
}
{{with index .Models 0}}
// TestGeneratedRegister resolves the service from a container, with the
// event bus registered under "event_bus".
func TestGeneratedRegister(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	c := container.New()
	bus := &recordingBus{Local: events.NewLocal()}
	if err := container.Register[events.Bus](c, events.BusKey, bus); err != nil {
		t.Fatal(err)
	}
	if err := Register(c, pool); err != nil {
		t.Fatal(err)
	}
	if err := Register(c, pool); err == nil {
		t.Fatal("registering twice succeeded")
	}
	s, err := container.Resolve(c.Scope(), Key)
	if err != nil {
		t.Fatal(err)
	}
	if again := container.MustResolve(c, Key); again != s {
		t.Fatal("the service is not a singleton")
	}
	if _, err := s.{{.Create}}(ctx, sample{{.G}}(t, s, 1)); err != nil {
		t.Fatal(err)
	}
	{{- if not .Parents}}
	wantEvents(t, bus, ModuleEvent{{.G}}Created, "1")
	{{- else}}
	if len(bus.take()) == 0 {
		t.Fatal("no events on the registered bus")
	}
	{{- end}}
	if _, err := NewService(nil); err == nil {
		t.Fatal("NewService(nil) succeeded")
	}
}

// TestGeneratedTxEvents checks that service calls sharing a transaction emit
// their module events once, together, after commit, and none on rollback.
func TestGeneratedTxEvents(t *testing.T) {
	ctx := context.Background()
	s, bus := newTestService(t)
	err := s.Tx(ctx, func(ctx context.Context, _ *{{$.DBName}}.Queries) error {
		if _, err := s.{{.Create}}(ctx, sample{{.G}}(t, s, 1)); err != nil {
			return err
		}
		if n := len(bus.take()); n != 0 {
			t.Errorf("%d Emit calls before commit", n)
		}
		_, err := s.{{.Update}}(ctx, Update{{.G}}Input{ {{.PK}}: "1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := bus.take()
	if len(calls) != 1 || len(calls[0]) < 2 || calls[0][len(calls[0])-1].Name != ModuleEvent{{.G}}Updated {
		t.Fatalf("events of a shared transaction: %+v", calls)
	}
	boom := fmt.Errorf("boom")
	err = s.Tx(ctx, func(ctx context.Context, _ *{{$.DBName}}.Queries) error {
		if _, err := s.{{.Create}}(ctx, sample{{.G}}(t, s, 2)); err != nil {
			return err
		}
		return boom
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("rolled back Tx = %v", err)
	}
	if calls := bus.take(); len(calls) != 0 {
		t.Fatalf("events after rollback: %+v", calls)
	}
	if _, err := s.{{.Retrieve}}(ctx, "2"); !merrors.Is(err, merrors.NotFound) {
		t.Fatalf("rolled back row exists: %v", err)
	}
}

// txRecordingBus is a recordingBus that declares that it writes in the caller's
// transaction (events.TxEmitter, like the durable event bus). It records whether each
// Emit got a transaction, and fails every Emit while fail is set.
type txRecordingBus struct {
	recordingBus
	inTx []bool
	fail error
}

var _ events.TxEmitter = (*txRecordingBus)(nil)

func (b *txRecordingBus) EmitsInTx() bool { return true }

func (b *txRecordingBus) Emit(ctx context.Context, msgs ...events.Message) error {
	_, ok := db.TxFrom(ctx)
	b.mu.Lock()
	b.inTx = append(b.inTx, ok)
	b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	return b.recordingBus.Emit(ctx, msgs...)
}

// TestGeneratedTxEmitter checks that on a bus that writes in the caller's transaction
// a call's module events are emitted inside that transaction, in one Emit, and that a
// failing Emit fails the call and rolls its writes back.
func TestGeneratedTxEmitter(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &txRecordingBus{recordingBus: recordingBus{Local: events.NewLocal()}}
	s, err := NewService(pool, WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	in := sample{{.G}}(t, s, 1)
	bus.take()
	bus.inTx = nil
	if _, err := s.{{.Create}}(ctx, in); err != nil {
		t.Fatal(err)
	}
	if calls := bus.take(); len(calls) != 1 || len(bus.inTx) != 1 || !bus.inTx[0] {
		t.Fatalf("%d Emit calls, in a transaction: %v; want 1, [true]", len(calls), bus.inTx)
	}
	in = sample{{.G}}(t, s, 2)
	bus.fail = fmt.Errorf("outbox down")
	_, err = s.{{.Create}}(ctx, in)
	bus.fail = nil
	if err == nil || !strings.Contains(err.Error(), "outbox down") {
		t.Fatalf("create with a failing in-transaction Emit = %v", err)
	}
	if _, err := s.{{.Retrieve}}(ctx, "2"); !merrors.Is(err, merrors.NotFound) {
		t.Fatalf("the row of a call whose Emit failed exists: %v", err)
	}
}
{{end}}
{{range .Models}}
// sample{{.G}} is a valid create input for row n (its parents are created first).
func sample{{.G}}(t *testing.T, s *Service, n int) Create{{.G}}Input {
	t.Helper()
	in := Create{{.G}}Input{
		{{.PK}}: fmt.Sprint(n),
		{{.Sample}}
	}
	{{- range .Parents}}
	{
		p, err := s.{{.Create}}(context.Background(), sample{{.Model}}(t, s, int(parentSeq.Add(1))))
		if err != nil {
			t.Fatal(err)
		}
		in.{{.Field}} = p[0].ID
	}
	{{- end}}
	return in
}

func Test{{.G}}Generated(t *testing.T) {
	ctx := context.Background()
	s, bus := newTestService(t)
	created, err := s.{{.Create}}(ctx, sample{{.G}}(t, s, 1), sample{{.G}}(t, s, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 2 || created[0].{{.PK}} != "1" || created[1].{{.PK}} != "2" {
		t.Fatalf("created %+v", created)
	}
	{{- if not .Parents}}
	wantEvents(t, bus, ModuleEvent{{.G}}Created, "1", "2")
	{{- else}}
	bus.take()
	{{- end}}

	t.Run("generated id has the prefix", func(t *testing.T) {
		in := sample{{.G}}(t, s, 3)
		in.{{.PK}} = ""
		got, err := s.{{.Create}}(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if want := {{printf "%q" .Prefix}} + "_"; !strings.HasPrefix(got[0].{{.PK}}, want) || len(got[0].{{.PK}}) != len(want)+26 {
			t.Fatalf("id %q, want %s<ULID>", got[0].{{.PK}}, want)
		}
		if err := s.{{.Delete}}(ctx, got[0].{{.PK}}); err != nil {
			t.Fatal(err)
		}
		bus.take()
	})

	t.Run("bulk create keeps input order and given ids", func(t *testing.T) {
		a, b, c := sample{{.G}}(t, s, 5), sample{{.G}}(t, s, 6), sample{{.G}}(t, s, 7)
		a.{{.PK}}, b.{{.PK}}, c.{{.PK}} = "z5", "", "a7"
		bus.take()
		got, err := s.{{.Create}}(ctx, a, b, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].{{.PK}} != "z5" || !strings.HasPrefix(got[1].{{.PK}}, {{printf "%q" .Prefix}}+"_") || got[2].{{.PK}} != "a7" || got[1].CreatedAt.IsZero() {
			t.Fatalf("created %+v", got)
		}
		wantEvents(t, bus, ModuleEvent{{.G}}Created, got[0].{{.PK}}, got[1].{{.PK}}, got[2].{{.PK}})
		if err := s.{{.Delete}}(ctx, got[0].{{.PK}}, got[1].{{.PK}}, got[2].{{.PK}}); err != nil {
			t.Fatal(err)
		}
		bus.take()
	})

	{{- if .DefaultZero}}

	t.Run("absent fields get their defaults", func(t *testing.T) {
		in := sample{{.G}}(t, s, 9)
		in.{{.PK}} = "def"
		{{- range .DefaultZero}}
		{{.}}
		{{- end}}
		bus.take()
		if _, err := s.{{.Create}}(ctx, in); err != nil {
			t.Fatal(err)
		}
		var ok bool
		if err := s.DB().QueryRow(ctx, {{printf "%q" (printf "SELECT %s FROM %q WHERE %q = 'def'" .DefaultCheck .Table .PKCol)}}).Scan(&ok); err != nil || !ok {
			t.Fatalf("defaults of an absent field: %v, %v", ok, err)
		}
		if err := s.{{.Delete}}(ctx, "def"); err != nil {
			t.Fatal(err)
		}
		bus.take()
	})
	{{- end}}

	t.Run("list and count", func(t *testing.T) {
		all, err := s.{{.List}}(ctx, {{.G}}Filter{})
		if err != nil || len(all) != 2 || all[0].{{.PK}} != "1" || all[1].{{.PK}} != "2" {
			t.Fatalf("list = %+v, %v", all, err)
		}
		one, err := s.{{.List}}(ctx, {{.G}}Filter{ {{.PK}}: sqlb.In("1")})
		if err != nil || len(one) != 1 || one[0].{{.PK}} != "1" {
			t.Fatalf("list id in [1] = %+v, %v", one, err)
		}
		page, n, err := s.{{.ListAndCount}}(ctx, {{.G}}Filter{}, sqlb.FindConfig{Take: 1, Order: []sqlb.Order{ {Field: {{printf "%q" .PKCol}}, Desc: true} }})
		if err != nil || n != 2 || len(page) != 1 || page[0].{{.PK}} != "2" {
			t.Fatalf("listAndCount take 1 desc = %+v, %d, %v", page, n, err)
		}
		cfg := sqlb.FindConfig{Take: 1, Select: []string{ {{printf "%q" .PKCol}} }, Order: []sqlb.Order{ {Field: "created_at"} }}
		first, err := s.{{.List}}(ctx, {{.G}}Filter{}, cfg)
		if err != nil || len(first) != 1 {
			t.Fatalf("first page = %+v, %v", first, err)
		}
		cfg.After = first[0].Cursor(cfg)
		next, err := s.{{.List}}(ctx, {{.G}}Filter{}, cfg)
		if err != nil || len(next) != 1 || next[0].{{.PK}} != "2" {
			t.Fatalf("keyset page = %+v, %v", next, err)
		}
		none, err := s.{{.List}}(ctx, {{.G}}Filter{ {{.PK}}: sqlb.In[string]()})
		if err != nil || len(none) != 0 {
			t.Fatalf("empty in = %+v, %v", none, err)
		}
		if _, err := s.{{.List}}(ctx, {{.G}}Filter{}, sqlb.FindConfig{Order: []sqlb.Order{ {Field: "nope"} }}); !merrors.Is(err, merrors.InvalidData) {
			t.Fatalf("unknown order field: %v", err)
		}
		{{- if .HasSearch}}
		found, err := s.{{.List}}(ctx, {{.G}}Filter{Q: {{printf "%q" .SearchQ}}})
		if err != nil || len(found) != 1 || found[0].{{.PK}} != "2" {
			t.Fatalf("q = %+v, %v", found, err)
		}
		{{- if .SpanNext}}
		// q against the joined searchable fields (one ILIKE, the trigram index) and its
		// fallbacks: no q may match across two fields.
		joined, err := s.{{.List}}(ctx, {{.G}}Filter{Q: "2@TEST"})
		if err != nil || len(joined) != 1 || joined[0].{{.PK}} != "2" {
			t.Fatalf("q 2@TEST = %+v, %v", joined, err)
		}
		for _, q := range []string{".com{{.SpanNext}}", ".com%{{.SpanNext}}", ".com_{{.SpanNext}}", ".com\x1f{{.SpanNext}}"} {
			if got, err := s.{{.List}}(ctx, {{.G}}Filter{Q: q}); err != nil || len(got) != 0 {
				t.Fatalf("q %q matched across fields: %+v, %v", q, got, err)
			}
		}
		{{- end}}
		either, err := s.{{.List}}(ctx, {{.G}}Filter{Or: []{{.G}}Filter{ { {{.PK}}: sqlb.Eq("1")}, { {{.PK}}: sqlb.Eq("2")} }})
		if err != nil || len(either) != 2 {
			t.Fatalf("$or = %+v, %v", either, err)
		}
		{{- end}}
	})

	t.Run("retrieve", func(t *testing.T) {
		got, err := s.{{.Retrieve}}(ctx, "1")
		if err != nil || got.{{.PK}} != "1" {
			t.Fatalf("retrieve 1 = %+v, %v", got, err)
		}
		_, err = s.{{.Retrieve}}(ctx, "does-not-exist")
		wantMessage(t, err, merrors.NotFound, "{{.G}} with {{.PKCol}}: does-not-exist was not found")
		_, err = s.{{.Retrieve}}(ctx, "")
		wantMessage(t, err, merrors.NotFound, "{{.LC}} - {{.PKCol}} must be defined")
		// The generated MarshalJSON (AppendJSON) renders every field as
		// encoding/json does.
		type plain {{.G}}
		for _, x := range append([]{{.G}}{got}, created...) {
			want, werr := json.Marshal(plain(x))
			if b, err := json.Marshal(x); err != nil || werr != nil || string(b) != string(want) {
				t.Fatalf("MarshalJSON = %s (%v), encoding/json %s (%v)", b, err, want, werr)
			}
		}
		sel, err := s.{{.Retrieve}}(ctx, "1", sqlb.FindConfig{Select: []string{ {{printf "%q" .PKCol}} }})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(sel); string(b) != ` + "`" + `{"{{.PKCol}}":"1"}` + "`" + ` {
			t.Fatalf("select id = %s", b)
		}
	})

	t.Run("update", func(t *testing.T) {
		_, err := s.{{.Update}}(ctx, Update{{.G}}Input{ {{.PK}}: "does-not-exist"}, Update{{.G}}Input{ {{.PK}}: "1"})
		wantMessage(t, err, merrors.NotFound, ` + "`" + `{{.G}} with {{.PKCol}} "does-not-exist" not found` + "`" + `)
		bus.take()
		{{- if .UpdField}}
		before, _ := json.Marshal(created[0])
		got, err := s.{{.Update}}(ctx, Update{{.G}}Input{ {{.PK}}: "1", {{.UpdField}}: opt.Some({{.UpdValue}})})
		if err != nil {
			t.Fatal(err)
		}
		wantEvents(t, bus, ModuleEvent{{.G}}Updated, "1")
		want, _ := json.Marshal({{.UpdValue}})
		if b, _ := json.Marshal(got[0].{{.UpdField}}); string(b) != string(want) {
			t.Fatalf("updated {{.UpdJSON}} = %s, want %s", b, want)
		}
		after, _ := json.Marshal(got[0])
		if string(before) == string(after) {
			t.Fatalf("update changed nothing: %s", after)
		}
		{{- if .UpdNullable}}
		got, err = s.{{.Update}}(ctx, Update{{.G}}Input{ {{.PK}}: "1", {{.UpdField}}: opt.Null[{{.UpdType}}]()})
		if err != nil {
			t.Fatal(err)
		}
		bus.take()
		if b, _ := json.Marshal(got[0].{{.UpdField}}); string(b) != "null" {
			t.Fatalf("{{.UpdJSON}} set to null = %s", b)
		}
		{{- end}}
		{{- end}}
	})

	{{- if .RequiredField}}

	t.Run("not null", func(t *testing.T) {
		_, err := s.{{.Update}}(ctx, Update{{.G}}Input{ {{.PK}}: "2", {{.RequiredField}}: opt.Null[{{.RequiredType}}]()})
		wantMessage(t, err, merrors.InvalidData, "Cannot set field '{{.RequiredCol}}' of {{.Human}} to null")
		if n := len(bus.take()); n != 0 {
			t.Fatalf("%d Emit calls after a failed update", n)
		}
	})
	{{- end}}
	{{- if .UniqueCol}}

	t.Run("unique violation", func(t *testing.T) {
		in := sample{{.G}}(t, s, 1)
		in.{{.PK}} = "dup"
		_, err := s.{{.Create}}(ctx, in)
		wantMessage(t, err, merrors.InvalidData, "{{.Human}} with {{.UniqueCol}}: {{.UniqueVal}}, already exists.")
		if n := len(bus.take()); n != 0 {
			t.Fatalf("%d Emit calls after a failed create", n)
		}
	})

	t.Run("unique violation inside the batch", func(t *testing.T) {
		a, b := sample{{.G}}(t, s, 8), sample{{.G}}(t, s, 8)
		a.{{.PK}}, b.{{.PK}} = "d1", "d2"
		bus.take()
		_, err := s.{{.Create}}(ctx, a, b)
		wantMessage(t, err, merrors.InvalidData, "{{.Human}} with {{.UniqueCol}}: {{.UniqueCol}}_8@test.com, already exists.")
		if n := len(bus.take()); n != 0 {
			t.Fatalf("%d Emit calls after a failed create", n)
		}
		if _, err := s.{{.Retrieve}}(ctx, "d1"); !merrors.Is(err, merrors.NotFound) {
			t.Fatalf("a row of the failed batch exists: %v", err)
		}
	})
	{{- if .UniqueGo}}

	t.Run("unique violation in another case", func(t *testing.T) {
		in := sample{{.G}}(t, s, 1)
		in.{{.PK}}, in.{{.UniqueGo}} = "dup-case", {{printf "%q" .UniqueValUpper}}
		_, err := s.{{.Create}}(ctx, in)
		wantMessage(t, err, merrors.InvalidData, "{{.Human}} with {{.UniqueCol}}: {{.UniqueVal}}, already exists.")
		if n := len(bus.take()); n != 0 {
			t.Fatalf("%d Emit calls after a failed create", n)
		}
	})

	t.Run("equality filters ignore case", func(t *testing.T) {
		for _, f := range []sqlb.Filter[string]{sqlb.Eq({{printf "%q" .UniqueValUpper}}), sqlb.In({{printf "%q" .UniqueValUpper}}, "nobody@test.com")} {
			got, err := s.{{.List}}(ctx, {{.G}}Filter{ {{.UniqueGo}}: f})
			if err != nil || len(got) != 1 || got[0].{{.UniqueGo}} != {{printf "%q" .UniqueVal}} {
				t.Fatalf("filter %+v = %+v, %v; want the row stored as {{.UniqueVal}}", f, got, err)
			}
		}
		got, err := s.{{.List}}(ctx, {{.G}}Filter{ {{.UniqueGo}}: sqlb.Nin({{printf "%q" .UniqueValUpper}})})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range got {
			if x.{{.UniqueGo}} == {{printf "%q" .UniqueVal}} {
				t.Fatalf("$nin in another case kept %+v", x)
			}
		}
	})
	{{- end}}
	{{- end}}

	t.Run("soft delete and restore", func(t *testing.T) {
		keys, err := s.{{.SoftDelete}}(ctx, "1", "does-not-exist")
		if err != nil || fmt.Sprint(keys) != "map[{{.Name}}_{{.PKCol}}:[1]]" {
			t.Fatalf("soft delete = %v, %v", keys, err)
		}
		calls := bus.take()
		if len(calls) != 1 || calls[0][0].Name != ModuleEvent{{.G}}Deleted || string(calls[0][0].Data) != ` + "`" + `{"id":["1"]}` + "`" + ` {
			t.Fatalf("soft delete events %+v", calls)
		}
		if _, err := s.{{.Retrieve}}(ctx, "1"); !merrors.Is(err, merrors.NotFound) {
			t.Fatalf("retrieve soft-deleted: %v", err)
		}
		if got, err := s.{{.Retrieve}}(ctx, "1", sqlb.FindConfig{WithDeleted: true}); err != nil || got.DeletedAt == nil {
			t.Fatalf("retrieve with deleted = %+v, %v", got, err)
		}
		if got, err := s.{{.List}}(ctx, {{.G}}Filter{DeletedAt: sqlb.IsNull[time.Time](false)}); err != nil || len(got) != 1 {
			t.Fatalf("deleted_at filter = %+v, %v", got, err)
		}
		keys, err = s.{{.Restore}}(ctx, "1")
		if err != nil || fmt.Sprint(keys) != "map[{{.Name}}_{{.PKCol}}:[1]]" {
			t.Fatalf("restore = %v, %v", keys, err)
		}
		if calls := bus.take(); len(calls) != 1 || calls[0][0].Name != ModuleEvent{{.G}}Created {
			t.Fatalf("restore events %+v", calls)
		}
		if _, err := s.{{.Retrieve}}(ctx, "1"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := s.{{.Delete}}(ctx, "1"); err != nil {
			t.Fatal(err)
		}
		wantEvents(t, bus, ModuleEvent{{.G}}Deleted, "1")
		if got, _ := s.{{.List}}(ctx, {{.G}}Filter{ {{.PK}}: sqlb.In("1")}, sqlb.FindConfig{WithDeleted: true}); len(got) != 0 {
			t.Fatalf("deleted row still listed: %+v", got)
		}
		if err := s.{{.Delete}}(ctx); err != nil {
			t.Fatal(err)
		}
	})
	{{- range .Cascades}}

	t.Run("cascade to {{.Child}}", func(t *testing.T) {
		in := sample{{.Child}}(t, s, 50)
		in.{{.FKField}} = "2"
		if _, err := s.{{.ChildCreate}}(ctx, in); err != nil {
			t.Fatal(err)
		}
		keys, err := s.{{.SoftDelete}}(ctx, "2")
		if err != nil || len(keys[{{printf "%q" .ChildKey}}]) != 1 {
			t.Fatalf("cascaded soft delete = %v, %v", keys, err)
		}
		if got, _ := s.{{.ChildList}}(ctx, {{.Child}}Filter{ {{.FKField}}: sqlb.Eq("2")}); len(got) != 0 {
			t.Fatalf("child still listed: %+v", got)
		}
		if _, err := s.{{.Restore}}(ctx, "2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.{{.ChildList}}(ctx, {{.Child}}Filter{ {{.FKField}}: sqlb.Eq("2")}); len(got) != 1 {
			t.Fatalf("child not restored: %+v", got)
		}
		bus.take()
	})
	{{- end}}
}
{{- if $.Routes}}

func Test{{.G}}AdminRoutes(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	if _, err := s.{{.Create}}(ctx, sample{{.G}}(t, s, 1), sample{{.G}}(t, s, 2)); err != nil {
		t.Fatal(err)
	}
	r := http.NewServeMux()
	s.adminRoutes(func(pattern string, h http.HandlerFunc, _ ...module.RouteOption) { r.HandleFunc(pattern, h) })
	do := func(method, target, body string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := do("GET", "/admin/{{.Path}}?limit=1&order=-{{.PKCol}}&fields={{.PKCol}}", ""); code != 200 || body != ` + "`" + `{"{{.Path}}":[{"{{.PKCol}}":"2"}],"count":2,"offset":0,"limit":1}` + "`" + ` {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := do("GET", "/admin/{{.Path}}?{{.PKCol}}[]=1&fields={{.PKCol}}", ""); code != 200 || !strings.Contains(body, ` + "`" + `"count":1` + "`" + `) {
		t.Fatalf("list by id: %d %s", code, body)
	}
	if code, body := do("GET", "/admin/{{.Path}}/nope", ""); code != 404 || !strings.Contains(body, "{{.G}} with {{.PKCol}}: nope was not found") {
		t.Fatalf("retrieve missing: %d %s", code, body)
	}
	if code, body := do("POST", "/admin/{{.Path}}/1", ` + "`" + `{"no_such_field":1}` + "`" + `); code != 400 || !strings.Contains(body, "Unrecognized fields") {
		t.Fatalf("update with an unknown field: %d %s", code, body)
	}
	if code, body := do("POST", "/admin/{{.Path}}/nope", "{}"); code != 404 {
		t.Fatalf("update missing: %d %s", code, body)
	}
	{{- if .UpdField}}
	val, _ := json.Marshal({{.UpdValue}})
	if code, body := do("POST", "/admin/{{.Path}}/1?fields={{.UpdJSON}}", ` + "`" + `{"{{.UpdJSON}}":` + "`" + `+string(val)+"}"); code != 200 || !strings.Contains(body, string(val)) {
		t.Fatalf("update: %d %s", code, body)
	}
	{{- end}}
	{{- if .RouteRel}}
	if code, body := do("GET", "/admin/{{.Path}}/1?fields={{.PKCol}},*{{.RouteRel}}", ""); code != 200 || !strings.HasPrefix(body, ` + "`" + `{"{{.Name}}":{"{{.PKCol}}":"1","{{.RouteRel}}":` + "`" + `) {
		t.Fatalf("retrieve with a relation: %d %s", code, body)
	}
	if code, body := do("GET", "/admin/{{.Path}}?fields=+{{.RouteRel}}.{{.PKCol}}", ""); code != 200 || !strings.Contains(body, ` + "`" + `"{{.RouteRel}}":` + "`" + `) {
		t.Fatalf("list with a relation's field: %d %s", code, body)
	}
	if code, body := do("GET", "/admin/{{.Path}}/1?fields=*nope", ""); code != 400 || !strings.Contains(body, "Requested fields [*nope] are not valid") {
		t.Fatalf("unknown relation: %d %s", code, body)
	}
	{{- end}}
	if code, body := do("DELETE", "/admin/{{.Path}}/1", ""); code != 200 || body != ` + "`" + `{"id":"1","object":"{{.Name}}","deleted":true}` + "`" + ` {
		t.Fatalf("delete: %d %s", code, body)
	}
	if code, _ := do("GET", "/admin/{{.Path}}/1", ""); code != 404 {
		t.Fatalf("retrieve after delete: %d", code)
	}
	if code, body := do("POST", "/admin/{{.Path}}/1/restore?fields={{.PKCol}}", ""); code != 200 || body != ` + "`" + `{"{{.Name}}":{"{{.PKCol}}":"1"}}` + "`" + ` {
		t.Fatalf("restore: %d %s", code, body)
	}
	if code, _ := do("GET", "/admin/{{.Path}}/1", ""); code != 200 {
		t.Fatalf("retrieve after restore: %d", code)
	}
}
{{- end}}
{{- range .BelongsTo}}

// Test{{.CG}}{{.RField}}Relation loads the belongsTo relation {{.RName}} of {{.CG}}{{if .HasInv}} and its
// inverse {{.InvName}}{{end}}: one statement per relation and level, whatever the number of rows.
func Test{{.CG}}{{.RField}}Relation(t *testing.T) {
	ctx := context.Background()
	s, wc := newCountedService(t)
	var parents, children []string
	for n := 301; n <= 303; n++ {
		p, err := s.{{.PCreate}}(ctx, sample{{.PG}}(t, s, n))
		if err != nil {
			t.Fatal(err)
		}
		parents = append(parents, p[0].{{.PPK}})
	}
	for n := 0; n < 9; n++ {
		in := sample{{.CG}}(t, s, 310+n)
		in.{{.FKField}} = {{if .FKNull}}ptr(parents[n%3]){{else}}parents[n%3]{{end}}
		c, err := s.{{.CCreate}}(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, c[0].{{.CPK}})
	}

	t.Run("belongsTo {{.RName}}", func(t *testing.T) {
		wc.Statements.Store(0)
		got, err := s.{{.CList}}(ctx, {{.CG}}Filter{ {{.CPK}}: sqlb.In(children...)}, sqlb.FindConfig{Select: []string{ {{printf "%q" .CPKCol}}, "{{.RName}}.*"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := wc.Statements.Load(); n != 2 || len(got) != 9 {
			t.Fatalf("%d statements for %d rows and one relation, want 2 for 9", n, len(got))
		}
		for i, x := range got {
			if x.{{.RField}} == nil || x.{{.RField}}.{{.PPK}} != parents[i%3] {
				t.Fatalf("row %d: {{.RName}} = %+v, want %s", i, x.{{.RField}}, parents[i%3])
			}
		}
		b, err := json.Marshal(got[0])
		if want := fmt.Sprintf(` + "`" + `{"{{.CPKCol}}":%q,"{{.RName}}":{"{{.PPKCol}}":%q,` + "`" + `, children[0], parents[0]); err != nil || !strings.HasPrefix(string(b), want) {
			t.Fatalf("JSON %s (%v), want it to start with %s", b, err, want)
		}
	})
	{{- if .HasInv}}

	t.Run("{{.InvKind}} {{.InvName}}, nested", func(t *testing.T) {
		wc.Statements.Store(0)
		got, err := s.{{.PList}}(ctx, {{.PG}}Filter{ {{.PPK}}: sqlb.In(parents...)}, sqlb.FindConfig{Relations: []string{"{{.InvName}}.{{.RName}}"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := wc.Statements.Load(); n != 3 || len(got) != 3 {
			t.Fatalf("%d statements for %d rows and two levels, want 3 for 3", n, len(got))
		}
		for i, x := range got {
			{{- if .InvList}}
			if len(x.{{.InvField}}) != 3 {
				t.Fatalf("parent %d has %d {{.InvName}}, want 3", i, len(x.{{.InvField}}))
			}
			for _, c := range x.{{.InvField}} {
				if c.{{.RField}} == nil || c.{{.RField}}.{{.PPK}} != parents[i] {
					t.Fatalf("parent %d: child %s has {{.RName}} %+v", i, c.{{.CPK}}, c.{{.RField}})
				}
			}
			{{- else}}
			if x.{{.InvField}} == nil || x.{{.InvField}}.{{.CPK}} != children[i] || x.{{.InvField}}.{{.RField}} == nil || x.{{.InvField}}.{{.RField}}.{{.PPK}} != parents[i] {
				t.Fatalf("parent %d: {{.InvName}} = %+v", i, x.{{.InvField}})
			}
			{{- end}}
		}
	})

	t.Run("soft-deleted rows are not loaded", func(t *testing.T) {
		if _, err := s.{{.CSoftDelete}}(ctx, children[0]); err != nil {
			t.Fatal(err)
		}
		for _, withDeleted := range []bool{false, true} {
			got, err := s.{{.PList}}(ctx, {{.PG}}Filter{ {{.PPK}}: sqlb.Eq(parents[0])}, sqlb.FindConfig{Relations: []string{"{{.InvName}}"}, WithDeleted: withDeleted})
			if err != nil || len(got) != 1 {
				t.Fatalf("list = %+v, %v", got, err)
			}
			{{- if .InvList}}
			if want := map[bool]int{false: 2, true: 3}[withDeleted]; len(got[0].{{.InvField}}) != want {
				t.Fatalf("with_deleted %v: %d {{.InvName}}, want %d", withDeleted, len(got[0].{{.InvField}}), want)
			}
			{{- else}}
			if want := map[bool]string{false: children[3], true: children[0]}[withDeleted]; got[0].{{.InvField}} == nil || got[0].{{.InvField}}.{{.CPK}} != want {
				t.Fatalf("with_deleted %v: {{.InvName}} %+v, want %s", withDeleted, got[0].{{.InvField}}, want)
			}
			{{- end}}
		}
		if _, err := s.{{.CRestore}}(ctx, children[0]); err != nil {
			t.Fatal(err)
		}
	})
	{{- end}}

	t.Run("unknown relation or field", func(t *testing.T) {
		_, err := s.{{.CList}}(ctx, {{.CG}}Filter{}, sqlb.FindConfig{Relations: []string{"{{.Typo}}"}})
		if !merrors.Is(err, merrors.InvalidData) || !strings.Contains(err.Error(), ` + "`" + `did you mean "{{.RName}}"?` + "`" + `) {
			t.Fatalf("unknown relation: %v", err)
		}
		if _, err := s.{{.CList}}(ctx, {{.CG}}Filter{}, sqlb.FindConfig{Select: []string{"{{.RName}}.nope"}}); !merrors.Is(err, merrors.InvalidData) {
			t.Fatalf("unknown field of a relation: %v", err)
		}
	})
}
{{- end}}
{{- range .ManyToMany}}

// Test{{.AG}}{{.RField}}ManyToMany attaches, loads (both ways) and detaches the manyToMany
// relation {{.RName}} of {{.AG}}.
func Test{{.AG}}{{.RField}}ManyToMany(t *testing.T) {
	ctx := context.Background()
	s, wc := newCountedService(t)
	var as, bs []string
	for n := 401; n <= 402; n++ {
		x, err := s.{{.ACreate}}(ctx, sample{{.AG}}(t, s, n))
		if err != nil {
			t.Fatal(err)
		}
		as = append(as, x[0].{{.APK}})
	}
	for n := 411; n <= 413; n++ {
		x, err := s.{{.BCreate}}(ctx, sample{{.BG}}(t, s, n))
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, x[0].{{.BPK}})
	}
	if err := s.Attach{{.AG}}{{.RField}}(ctx, as[0], bs[0], bs[1], bs[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Attach{{.AG}}{{.RField}}(ctx, as[1], bs[2]); err != nil {
		t.Fatal(err)
	}
	if err := s.Attach{{.AG}}{{.RField}}(ctx, as[0], bs[0]); err != nil {
		t.Fatalf("attaching an attached pair again: %v", err)
	}
	ids := func(xs []{{.BG}}) (out []string) {
		for _, x := range xs {
			out = append(out, x.{{.BPK}})
		}
		return out
	}
	load := func() []{{.AG}} {
		t.Helper()
		wc.Statements.Store(0)
		got, err := s.{{.AList}}(ctx, {{.AG}}Filter{ {{.APK}}: sqlb.In(as...)}, sqlb.FindConfig{Relations: []string{"{{.RName}}"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := wc.Statements.Load(); n != 2 || len(got) != 2 {
			t.Fatalf("%d statements for %d rows and one relation, want 2 for 2", n, len(got))
		}
		return got
	}
	got := load()
	if a, b := fmt.Sprint(ids(got[0].{{.RField}})), fmt.Sprint(ids(got[1].{{.RField}})); a != fmt.Sprint(bs[:2]) || b != fmt.Sprint(bs[2:]) {
		t.Fatalf("{{.RName}}: %s and %s", a, b)
	}
	if b, err := json.Marshal(got[1]); err != nil || !strings.Contains(string(b), fmt.Sprintf(` + "`" + `"{{.RName}}":[{"{{.BPKCol}}":%q,` + "`" + `, bs[2])) {
		t.Fatalf("JSON %s (%v)", b, err)
	}
	inv, err := s.{{.BList}}(ctx, {{.BG}}Filter{ {{.BPK}}: sqlb.Eq(bs[0])}, sqlb.FindConfig{Relations: []string{"{{.InvName}}"}})
	if err != nil || len(inv) != 1 || len(inv[0].{{.InvField}}) != 1 || inv[0].{{.InvField}}[0].{{.APK}} != as[0] {
		t.Fatalf("inverse {{.InvName}}: %+v, %v", inv, err)
	}

	if err := s.Detach{{.AG}}{{.RField}}(ctx, as[0], bs[0], "nope"); err != nil {
		t.Fatal(err)
	}
	if got := load(); fmt.Sprint(ids(got[0].{{.RField}})) != fmt.Sprint(bs[1:2]) {
		t.Fatalf("after detach: %v", ids(got[0].{{.RField}}))
	}
	if err := s.Attach{{.AG}}{{.RField}}(ctx, as[0], bs[0], "nope"); !merrors.Is(err, merrors.NotFound) {
		t.Fatalf("attach to an unknown id: %v", err)
	}
	if got := load(); fmt.Sprint(ids(got[0].{{.RField}})) != fmt.Sprint(bs[1:2]) {
		t.Fatalf("a failed attach attached %v", ids(got[0].{{.RField}}))
	}
	if err := s.Attach{{.AG}}{{.RField}}(ctx, as[0]); err != nil {
		t.Fatalf("attach nothing: %v", err)
	}
}
{{- end}}
{{end}}
`))

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

func goTypeString(x *dml.Field) string {
	switch x.Kind {
	case dml.KindNumber:
		return "int"
	case dml.KindBigNumber:
		return "float64"
	case dml.KindBoolean:
		return "bool"
	case dml.KindDateTime:
		return "time.Time"
	case dml.KindJSON:
		return "json.RawMessage"
	case dml.KindArray:
		return "[]string"
	}
	return "string"
}
