package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Source is one module's migrations: files named NNNN_<name>.sql in FS, each
// with a "-- migrate:up" section and an optional "-- migrate:down" section.
type Source struct {
	Module string
	FS     fs.FS
}

// Migration is one parsed migration file.
type Migration struct {
	Module  string
	Version string // the NNNN prefix
	Name    string // the file name without .sql
	Up      string
	Down    string
	HasDown bool
	// UpNoTx and DownNoTx are set by "transaction:false" on the section's
	// marker line ("-- migrate:up transaction:false"): the section runs
	// outside a transaction (CREATE INDEX CONCURRENTLY needs that) and must
	// be a single statement.
	UpNoTx   bool
	DownNoTx bool
}

// Status is a migration and whether and when it was applied.
type Status struct {
	Migration
	Applied   bool
	AppliedAt time.Time
	Batch     int
}

// Table is where applied migrations are recorded.
const Table = "medusa_migrations"

var fileRe = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.sql$`)

// lockID is the advisory lock held while migrating, so two processes starting
// at once do not apply the same migration twice.
const lockID = 7262_8711_0001

// Load parses a source's migrations in version order.
func Load(src Source) ([]Migration, error) {
	entries, err := fs.ReadDir(src.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s migrations: %w", src.Module, err)
	}
	var out []Migration
	seen := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := fileRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s/%s: name must be NNNN_snake_name.sql", src.Module, e.Name())
		}
		num := versionNumber(m[1])
		if prev, ok := seen[num]; ok {
			return nil, fmt.Errorf("migrate: %s: %s and %s share version %s", src.Module, prev, e.Name(), m[1])
		}
		seen[num] = e.Name()
		b, err := fs.ReadFile(src.FS, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s/%s: %w", src.Module, e.Name(), err)
		}
		up, down, err := parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("migrate: %s/%s: %w", src.Module, e.Name(), err)
		}
		out = append(out, Migration{Module: src.Module, Version: m[1], Name: strings.TrimSuffix(e.Name(), path.Ext(e.Name())),
			Up: up.sql, Down: down.sql, HasDown: down.present, UpNoTx: up.noTx, DownNoTx: down.noTx})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := versionNumber(out[i].Version), versionNumber(out[j].Version)
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	return out, nil
}

// versionNumber is a version without leading zeros, so "9", "0009" and "10"
// compare as numbers (by length, then digits) and "1" and "0001" collide.
func versionNumber(v string) string {
	if n := strings.TrimLeft(v, "0"); n != "" {
		return n
	}
	return "0"
}

// Split separates a migration file into its up and down sections (without
// their marker lines).
func Split(text string) (up, down string, hasDown bool, err error) {
	u, d, err := parse(text)
	return u.sql, d.sql, d.present, err
}

// section is one section of a migration file.
type section struct {
	sql     string
	present bool
	noTx    bool // "transaction:false" on the marker line
}

// parse separates a migration file into its sections. A marker line is
// "-- migrate:up" or "-- migrate:down", optionally followed by options; the
// only option is "transaction:false" (or "transaction:true", the default).
func parse(text string) (up, down section, err error) {
	const upMark, downMark = "-- migrate:up", "-- migrate:down"
	ui := strings.Index(text, upMark)
	if ui < 0 {
		return up, down, errors.New(`missing "-- migrate:up" line`)
	}
	di := strings.Index(text, downMark)
	if di >= 0 && di < ui {
		return up, down, errors.New(`"-- migrate:down" comes before "-- migrate:up"`)
	}
	end := len(text)
	if di >= 0 {
		end = di
	}
	if up, err = parseSection(text[ui+len(upMark) : end]); err != nil {
		return up, down, fmt.Errorf("%s: %w", upMark, err)
	}
	if di >= 0 {
		if down, err = parseSection(text[di+len(downMark):]); err != nil {
			return up, down, fmt.Errorf("%s: %w", downMark, err)
		}
	}
	return up, down, nil
}

// parseSection reads the options left on a marker line and the SQL after it.
func parseSection(rest string) (section, error) {
	s := section{present: true}
	opts, body, _ := strings.Cut(rest, "\n")
	for _, o := range strings.Fields(opts) {
		switch o {
		case "transaction:false":
			s.noTx = true
		case "transaction:true":
			s.noTx = false
		default:
			return s, fmt.Errorf("unknown option %q (the only option is transaction:false)", o)
		}
	}
	s.sql = strings.TrimSpace(body)
	return s, nil
}

// Migrator applies and reverts migrations of several modules on one database.
type Migrator struct {
	pool    *pgxpool.Pool
	sources []Source
}

// New returns a Migrator for the given sources, applied in the order given
// (a module that references another's tables comes after it).
func New(pool *pgxpool.Pool, sources ...Source) *Migrator {
	return &Migrator{pool: pool, sources: sources}
}

func (m *Migrator) all() ([]Migration, error) {
	var out []Migration
	seen := map[string]bool{}
	for _, s := range m.sources {
		if s.Module == "" {
			return nil, errors.New("migrate: a source has no module name")
		}
		if seen[s.Module] {
			return nil, fmt.Errorf("migrate: module %q is given twice", s.Module)
		}
		seen[s.Module] = true
		ms, err := Load(s)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

// execer is a transaction or a connection.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func ensureTable(ctx context.Context, tx execer) error {
	_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+Table+` (
	module text NOT NULL,
	version text NOT NULL,
	name text NOT NULL,
	batch integer NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (module, version))`)
	if err != nil {
		return fmt.Errorf("migrate: create %s: %w", Table, err)
	}
	return nil
}

// withLock runs fn on a connection of its own that holds the migrations'
// advisory lock (a session lock: fn may commit several transactions).
// Migrations are not bound by a statement_timeout the pool's connections
// may have (db.Limits): waiting for the lock, or building an index on a big
// table, may take longer than any request should.
func (m *Migrator) withLock(ctx context.Context, fn func(conn *pgxpool.Conn) error) error {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET statement_timeout = 0`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(lockID)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// Back to the connection's own setting before it returns to the
		// pool.
		_, rerr := conn.Exec(uctx, `RESET statement_timeout`)
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, int64(lockID)); err != nil || rerr != nil {
			// A connection that may still hold the lock must not go back
			// to the pool: closing it releases the lock.
			_ = conn.Conn().Close(uctx)
		}
	}()
	if err := ensureTable(ctx, conn); err != nil {
		return err
	}
	return fn(conn)
}

func (m *Migrator) locked(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := m.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after commit this is a no-op
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockID)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if err := ensureTable(ctx, tx); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// querier is a transaction or a connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func applied(ctx context.Context, q querier) (map[string]Status, error) {
	rows, err := q.Query(ctx, `SELECT module, version, batch, applied_at FROM `+Table)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", Table, err)
	}
	out := map[string]Status{}
	for rows.Next() {
		var s Status
		if err := rows.Scan(&s.Module, &s.Version, &s.Batch, &s.AppliedAt); err != nil {
			return nil, err
		}
		s.Applied = true
		out[s.Module+"/"+s.Version] = s
	}
	return out, rows.Err()
}

// Up applies every pending migration as one batch and returns the ones it
// applied. Transactional migrations run in one transaction, so a failing
// one rolls the batch back; a migration marked transaction:false runs on its
// own, outside any transaction, after the migrations before it have been
// committed: if it (or a later one) fails, those stay applied, and the
// failing migration is not recorded (a CREATE INDEX CONCURRENTLY that failed
// may leave an invalid index to drop before retrying).
func (m *Migrator) Up(ctx context.Context) ([]Migration, error) {
	all, err := m.all()
	if err != nil {
		return nil, err
	}
	var done []Migration
	err = m.withLock(ctx, func(conn *pgxpool.Conn) error {
		have, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		var batch int
		if err := conn.QueryRow(ctx, `SELECT coalesce(max(batch), 0) + 1 FROM `+Table).Scan(&batch); err != nil {
			return fmt.Errorf("migrate: next batch: %w", err)
		}
		var changes []change
		for _, mg := range all {
			if _, ok := have[mg.Module+"/"+mg.Version]; ok {
				continue
			}
			changes = append(changes, change{mg: mg, verb: "apply", sql: mg.Up, noTx: mg.UpNoTx,
				record: `INSERT INTO ` + Table + ` (module, version, name, batch) VALUES ($1, $2, $3, $4)`,
				args:   []any{mg.Module, mg.Version, mg.Name, batch}})
		}
		return apply(ctx, conn, changes, func(mg Migration) { done = append(done, mg) })
	})
	return done, err
}

// change is one migration to apply or revert, with the statement that
// records it.
type change struct {
	mg     Migration
	verb   string // "apply" or "revert"
	sql    string
	noTx   bool
	record string
	args   []any
}

// apply runs the changes in order: consecutive transactional ones in one
// transaction, each non-transactional one alone followed by its record.
// done is called for each change once it is committed.
func apply(ctx context.Context, conn *pgxpool.Conn, changes []change, done func(Migration)) error {
	for len(changes) > 0 {
		if c := changes[0]; c.noTx {
			// The extended protocol refuses several statements in one
			// string, which would otherwise run as one implicit
			// transaction block.
			if _, err := conn.Exec(ctx, c.sql, pgx.QueryExecModeExec); err != nil {
				return fmt.Errorf("migrate: %s %s/%s (transaction:false, a single statement): %w", c.verb, c.mg.Module, c.mg.Name, err)
			}
			if _, err := conn.Exec(ctx, c.record, c.args...); err != nil {
				return fmt.Errorf("migrate: record %s/%s: %w", c.mg.Module, c.mg.Name, err)
			}
			done(c.mg)
			changes = changes[1:]
			continue
		}
		n := 0
		for n < len(changes) && !changes[n].noTx {
			n++
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, c := range changes[:n] {
				if _, err := tx.Exec(ctx, c.sql); err != nil {
					return fmt.Errorf("migrate: %s %s/%s: %w", c.verb, c.mg.Module, c.mg.Name, err)
				}
				if _, err := tx.Exec(ctx, c.record, c.args...); err != nil {
					return fmt.Errorf("migrate: record %s/%s: %w", c.mg.Module, c.mg.Name, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, c := range changes[:n] {
			done(c.mg)
		}
		changes = changes[n:]
	}
	return nil
}

// Rollback reverts the last applied batch of the named modules (all modules
// when none is named), newest first, and returns what it reverted. A migration
// without a down section stops the rollback with an error.
func (m *Migrator) Rollback(ctx context.Context, modules ...string) ([]Migration, error) {
	all, err := m.all()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, mod := range modules {
		want[mod] = true
	}
	known := map[string]bool{}
	for _, s := range m.sources {
		known[s.Module] = true
	}
	for mod := range want {
		if !known[mod] {
			return nil, fmt.Errorf("migrate: unknown module %q", mod)
		}
	}
	var done []Migration
	err = m.withLock(ctx, func(conn *pgxpool.Conn) error {
		have, err := applied(ctx, conn)
		if err != nil {
			return err
		}
		last := 0
		for _, s := range have {
			if (len(want) == 0 || want[s.Module]) && s.Batch > last {
				last = s.Batch
			}
		}
		if last == 0 {
			return nil
		}
		var changes []change
		for i := len(all) - 1; i >= 0; i-- {
			mg := all[i]
			s, ok := have[mg.Module+"/"+mg.Version]
			if !ok || s.Batch != last || (len(want) > 0 && !want[mg.Module]) {
				continue
			}
			if !mg.HasDown {
				return fmt.Errorf("migrate: %s/%s has no down section", mg.Module, mg.Name)
			}
			changes = append(changes, change{mg: mg, verb: "revert", sql: mg.Down, noTx: mg.DownNoTx,
				record: `DELETE FROM ` + Table + ` WHERE module = $1 AND version = $2`, args: []any{mg.Module, mg.Version}})
		}
		return apply(ctx, conn, changes, func(mg Migration) { done = append(done, mg) })
	})
	return done, err
}

// Status lists every known migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	all, err := m.all()
	if err != nil {
		return nil, err
	}
	var out []Status
	err = m.locked(ctx, func(tx pgx.Tx) error {
		have, err := applied(ctx, tx)
		if err != nil {
			return err
		}
		for _, mg := range all {
			s := have[mg.Module+"/"+mg.Version]
			s.Migration = mg
			out = append(out, s)
		}
		return nil
	})
	return out, err
}
