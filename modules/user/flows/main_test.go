package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// pgAuth is a small, real implementation of flows.AuthIdentities on a table
// of the test database (the Auth Module is built elsewhere). It joins the
// transaction the context carries, as a generated module service does.
type pgAuth struct{ pool *pgxpool.Pool }

const authTable = `CREATE TABLE test_auth_identity (id text PRIMARY KEY, app_metadata jsonb NULL)`

func (a *pgAuth) AppMetadata(ctx context.Context, id string) (map[string]any, error) {
	var b []byte
	err := db.Conn(ctx, a.pool).QueryRow(ctx, `SELECT app_metadata FROM test_auth_identity WHERE id = $1`, id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, merrors.New(merrors.NotFound, "AuthIdentity with id: %s was not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read app_metadata: %w", err)
	}
	md := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &md); err != nil {
			return nil, err
		}
	}
	if md == nil {
		md = map[string]any{}
	}
	return md, nil
}

func (a *pgAuth) SetAppMetadata(ctx context.Context, id string, md map[string]any) error {
	b, err := json.Marshal(md)
	if err != nil {
		return err
	}
	tag, err := db.Conn(ctx, a.pool).Exec(ctx, `UPDATE test_auth_identity SET app_metadata = $2 WHERE id = $1`, id, b)
	if err != nil {
		return fmt.Errorf("set app_metadata: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return merrors.New(merrors.NotFound, "AuthIdentity with id: %s was not found", id)
	}
	return nil
}

func (a *pgAuth) AuthIdentityIDsByAppMetadata(ctx context.Context, key, value string) ([]string, error) {
	rows, err := db.Conn(ctx, a.pool).Query(ctx, `SELECT id FROM test_auth_identity WHERE app_metadata->>$1 = $2 ORDER BY id`, key, value)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

var _ flows.AuthIdentities = (*pgAuth)(nil)

// authKey is how the auth module registers itself: under "auth" with its
// own concrete type; flows.AuthKey resolves it as the interface.
var authKey = container.NewKey[*pgAuth]("auth")

// recBus is the in-process bus, recording what was emitted under each event
// group and everything it published (delivered to subscribers).
type recBus struct {
	*events.Local
	mu        sync.Mutex
	grouped   map[string][]events.Message
	published []events.Message
}

func newRecBus() *recBus {
	b := &recBus{Local: events.NewLocal(), grouped: map[string][]events.Message{}}
	b.Subscribe(events.Wildcard, func(_ context.Context, m events.Message) error {
		b.mu.Lock()
		b.published = append(b.published, m)
		b.mu.Unlock()
		return nil
	})
	return b
}

func (b *recBus) Emit(ctx context.Context, msgs ...events.Message) error {
	g, _ := events.GroupFrom(ctx)
	b.mu.Lock()
	for _, m := range msgs {
		if m.Metadata.EventGroupID != "" {
			g = m.Metadata.EventGroupID
		}
		if g != "" {
			b.grouped[g] = append(b.grouped[g], m)
		}
	}
	b.mu.Unlock()
	return b.Local.Emit(ctx, msgs...)
}

// groupEmitted returns "name data" of what was emitted under group.
func (b *recBus) groupEmitted(group string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return describe(b.grouped[group])
}

// released returns "name data" of the published messages of group.
func (b *recBus) released(group string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []events.Message
	for _, m := range b.published {
		if m.Metadata.EventGroupID == group {
			out = append(out, m)
		}
	}
	return describe(out)
}

func describe(ms []events.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name + " " + string(m.Data)
	}
	return out
}

// env is an application in miniature: a root container with the event bus,
// the User Module (options {jwt_secret: "test"}), the auth identities and a
// workflow engine with the Postgres store (or the memory store).
type env struct {
	pool   *pgxpool.Pool
	root   *container.Container
	engine *workflows.Engine
	bus    *recBus
	users  *user.Service
	auth   *pgAuth
	// wire counts what the env's pool sends (commits, round trips).
	wire *pgtest.WireCounter
}

func newEnv(t *testing.T, store string, opts ...workflows.EngineOption) *env {
	t.Helper()
	pool, wire := pgtest.NewCountedPool(t, pgtest.NewURL(t, migrations.Source, wfmigrations.Source()), nil)
	if _, err := pool.Exec(context.Background(), authTable); err != nil {
		t.Fatal(err)
	}
	e := &env{pool: pool, wire: wire, root: container.New(), bus: newRecBus(), auth: &pgAuth{pool: pool}}
	container.MustRegister(e.root, events.BusKey, events.Bus(e.bus))
	if err := user.RegisterModule(e.root, pool, user.Options{JWTSecret: "test"}); err != nil {
		t.Fatal(err)
	}
	container.MustRegister(e.root, authKey, e.auth)
	var st workflows.Store = workflows.NewMemoryStore()
	if store == "postgres" {
		st = pgstore.New(pool)
	}
	e.engine = workflows.NewEngine(append([]workflows.EngineOption{workflows.WithStore(st), workflows.WithContainer(e.root)}, opts...)...)
	container.MustRegister(e.root, workflows.EngineKey, e.engine)
	if err := e.engine.Register(flows.Workflows()...); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.users, err = container.Resolve(e.root, user.Key); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) identity(t *testing.T, id, md string) {
	t.Helper()
	var arg any
	if md != "" {
		arg = md
	}
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO test_auth_identity (id, app_metadata) VALUES ($1, $2::jsonb)`, id, arg); err != nil {
		t.Fatal(err)
	}
}

func (e *env) appMetadata(t *testing.T, id string) string {
	t.Helper()
	var s *string
	if err := e.pool.QueryRow(context.Background(), `SELECT app_metadata::text FROM test_auth_identity WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return "null"
	}
	return *s
}

// snapshot is the content of the module's tables and the auth identities,
// without updated_at (a compensation that restores a row touches it), plus
// the number of stored workflow runs. A null app_metadata counts as {}: the
// AuthIdentities contract does not tell them apart, so a reverted link
// leaves {} where there was null.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	var s string
	err := e.pool.QueryRow(context.Background(), `SELECT jsonb_build_object(
		'user', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'updated_at' ORDER BY t.id), '[]') FROM "user" t),
		'invite', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'updated_at' ORDER BY t.id), '[]') FROM "invite" t),
		'auth_identity', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'app_metadata', coalesce(t.app_metadata, '{}')) ORDER BY t.id), '[]') FROM test_auth_identity t),
		'workflow_runs', (SELECT count(*) FROM workflow_run)
	)::text`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
