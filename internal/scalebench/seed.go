package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/migrate"
)

// seedVersion changes whenever the seeded data changes: a database seeded
// by another version is seeded again. 3: the indexes built after the fill
// keep their columns' statistics targets (a search expression's 1,000).
const seedVersion = 3

// The seeded rows' created_at run from seedStart over seedSpan, in id order.
var (
	seedStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	seedSpan  = 3 * 365 * 24 * time.Hour
)

// seedBatch is the number of rows one INSERT … SELECT adds.
const seedBatch = 1_000_000

// total is the number of rows seeded per table for rows live ones: one
// in eleven (row numbers divisible by 11) is soft-deleted, so rows/10 more.
func total(rows int) int64 { return int64(rows) + int64(rows/10) }

// crockford is the ULID alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulidSQL is an SQL expression of a ULID: its 48-bit time part from the
// bigint milliseconds ms, its "random" part the hex digits (within the
// alphabet) of the hash h and the row number n. Ids sort as ms does, and
// are unique as long as ms is (md5 of n instead of the hex digits made
// the insert 15 % slower).
func ulidSQL(ms, h, n string) string {
	parts := make([]string, 0, 11)
	for i := range 10 {
		parts = append(parts, fmt.Sprintf("substr('%s', ((%s >> %d) & 31)::int + 1, 1)", crockford, ms, 45-5*i))
	}
	parts = append(parts, fmt.Sprintf("upper(lpad(to_hex(%s), 8, '0') || lpad(to_hex(%s), 8, '0'))", h, n))
	return strings.Join(parts, " || ")
}

// rowsSQL is the row source every seeded table shares: row number n from
// $1 to $2, its time ms (from $3 by $4 ms a row) as ts, and h, a hash of n
// that spreads names and numbers over the rows.
const rowsSQL = `(SELECT n, ms, to_timestamp(ms / 1000.0) AS ts, (n * 2654435761) % 4294967296 AS h
	FROM (SELECT n, $3::bigint + (n - 1) * $4::bigint AS ms FROM generate_series($1::bigint, $2::bigint) AS g(n)) AS a) AS s`

// A seedTable is one table the benchmark fills: the statement that inserts
// rows $1..$2.
type seedTable struct {
	name   string // SQL name
	insert string
}

// seedTables are the User Module's users and the blog module's posts.
// Users: email person<n>@example.com, first_name First<0..499> (q=First42
// matches 11 of the 500 names, 2.2 % of the rows), last_name
// Last<0..7918> (about 126 rows each per million). Posts: title
// "post<n>: notes on topic<0..499>", a body of 100-250 bytes, views
// 0..9999.
var seedTables = []seedTable{
	{name: `"user"`, insert: `INSERT INTO "user" (id, first_name, last_name, email, created_at, updated_at, deleted_at)
SELECT 'user_' || ` + ulidSQL("ms", "h", "n") + `, 'First' || (h % 500), 'Last' || ((h / 500) % 7919),
	'person' || n || '@example.com', ts, ts, CASE WHEN n % 11 = 0 THEN ts + interval '1 day' END
FROM ` + rowsSQL},
	{name: "post", insert: `INSERT INTO post (id, title, body, views, created_at, updated_at, deleted_at)
SELECT 'post_' || ` + ulidSQL("ms", "h", "n") + `, 'post' || n || ': notes on topic' || (h % 500),
	'Body of post ' || n || '. ' || repeat('Lorem ipsum dolor sit amet. ', 3 + (h % 6)::int),
	(h / 500) % 10000, ts, ts, CASE WHEN n % 11 = 0 THEN ts + interval '1 day' END
FROM ` + rowsSQL},
}

// seedVars are the placeholders' values at rows live rows per table: the
// e-mail address and title of live row number total/2 (or the next one if
// that one is soft-deleted), computed as the seeding SQL does.
func seedVars(rows int) vars {
	n := uint64(total(rows) / 2)
	if n%11 == 0 {
		n++
	}
	h := (n * 2654435761) % 4294967296
	return vars{
		rows:  rows,
		start: seedStart.Format(time.RFC3339),
		email: fmt.Sprintf("person%d@example.com", n),
		title: fmt.Sprintf("post%d: notes on topic%d", n, h%500),
	}
}

// A phase is one timed step of seeding.
type phase struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// seedReport says how the database of one size came to be.
type seedReport struct {
	Rows     int       `json:"rows"`
	Reused   bool      `json:"reused"`    // seeded by an earlier run
	SeededAt time.Time `json:"seeded_at"` // when the seeding ran
	Phases   []phase   `json:"phases"`    // of the seeding
	// Migrated lists the migrations this run applied to already seeded
	// data, in MigrateSeconds (with the ANALYZE after them).
	Migrated       []string          `json:"migrated,omitempty"`
	MigrateSeconds float64           `json:"migrate_seconds,omitempty"`
	Sizes          map[string]string `json:"sizes"` // table → size with indexes
}

// seconds is the seeding's total time.
func (r seedReport) seconds() float64 {
	var s float64
	for _, p := range r.Phases {
		s += p.Seconds
	}
	return s
}

// migInfo identifies one migration and its content.
type migInfo struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	Name    string `json:"name"`
	Hash    string `json:"hash"`
}

func migrationList(srcs []migrate.Source) ([]migInfo, error) {
	var out []migInfo
	for _, src := range srcs {
		ms, err := migrate.Load(src)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			h := sha256.Sum256([]byte(m.Up))
			out = append(out, migInfo{Module: m.Module, Version: m.Version, Name: m.Name, Hash: hex.EncodeToString(h[:8])})
		}
	}
	return out, nil
}

// compatible reports whether data migrated with seeded can be brought to
// cur by applying migrations: every migration seeded applied is in cur,
// unchanged.
func compatible(seeded, cur []migInfo) bool {
	have := make(map[string]string, len(cur))
	for _, m := range cur {
		have[m.Module+"/"+m.Version] = m.Hash
	}
	for _, m := range seeded {
		if have[m.Module+"/"+m.Version] != m.Hash {
			return false
		}
	}
	return true
}

const markerDDL = `CREATE TABLE IF NOT EXISTS scalebench_seed (
	rows bigint NOT NULL,
	seed_version int NOT NULL,
	migrations jsonb NOT NULL,
	report jsonb NOT NULL,
	bulk_pending boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS scalebench_truth (where_sql text PRIMARY KEY, n bigint NOT NULL);`

// marker is what the database says it holds.
type marker struct {
	rows, version int
	migrations    []migInfo
	report        seedReport
	bulkPending   bool
}

func readMarker(ctx context.Context, pool *pgxpool.Pool) (*marker, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('public.scalebench_seed') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read the seed marker: %w", err)
	}
	if !exists {
		return nil, nil
	}
	var m marker
	var migs, rep []byte
	err := pool.QueryRow(ctx, `SELECT rows, seed_version, migrations, report, bulk_pending FROM scalebench_seed`).Scan(&m.rows, &m.version, &migs, &rep, &m.bulkPending)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the seed marker: %w", err)
	}
	if err := errors.Join(json.Unmarshal(migs, &m.migrations), json.Unmarshal(rep, &m.report)); err != nil {
		return nil, fmt.Errorf("read the seed marker: %w", err)
	}
	return &m, nil
}

func writeMarker(ctx context.Context, pool *pgxpool.Pool, rows int, migs []migInfo, rep seedReport) error {
	mj, err := json.Marshal(migs)
	if err != nil {
		return err
	}
	rj, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = pool.Exec(ctx, markerDDL+`
DELETE FROM scalebench_seed;
DELETE FROM scalebench_truth;`)
	if err == nil {
		_, err = pool.Exec(ctx, `INSERT INTO scalebench_seed (rows, seed_version, migrations, report) VALUES ($1, $2, $3, $4)`, rows, seedVersion, mj, rj)
	}
	if err != nil {
		return fmt.Errorf("write the seed marker: %w", err)
	}
	return nil
}

// hasSchema reports whether the database holds a table (besides the
// migrator's own, which an empty database may have).
func hasSchema(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var ok bool
	err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1)`, migrate.Table).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("inspect the database: %w", err)
	}
	return ok, nil
}

// seedOptions steer ensureSeeded.
type seedOptions struct {
	rows         int
	reseed       bool // seed again even when the data is there
	mayWipe      bool // the database is the benchmark's own: wipe it when it must be seeded again
	dropIndexes  bool // drop a table's secondary indexes while it is filled, build them after
	maintenance  string
	parallelMain bool // let index builds use parallel workers
	log          *slog.Logger
}

// ensureSeeded brings the database at pool to rows seeded rows per table
// under the current migrations: it reuses data seeded earlier when only new
// migrations were added since (they are applied to it), and wipes and
// seeds again when the size, the seeding or an applied migration changed.
func ensureSeeded(ctx context.Context, pool *pgxpool.Pool, srcs []migrate.Source, o seedOptions) (seedReport, error) {
	cur, err := migrationList(srcs)
	if err != nil {
		return seedReport{}, err
	}
	m, err := readMarker(ctx, pool)
	if err != nil {
		return seedReport{}, err
	}
	fresh := m == nil || o.reseed || m.rows != o.rows || m.version != seedVersion || !compatible(m.migrations, cur)
	if fresh {
		dirty, err := hasSchema(ctx, pool)
		if err != nil {
			return seedReport{}, err
		}
		if dirty {
			if !o.mayWipe {
				return seedReport{}, errors.New("the database holds other data or another seeding; it must be seeded again: pass -wipe to let the benchmark drop its public schema")
			}
			o.log.Info("wiping the database to seed it again", "why", why(m, o, cur))
			if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
				return seedReport{}, fmt.Errorf("wipe the database: %w", err)
			}
		}
	}
	t0 := time.Now()
	applied, err := migrate.New(pool, srcs...).Up(ctx)
	if err != nil {
		return seedReport{}, fmt.Errorf("migrate: %w", err)
	}
	migrated := time.Since(t0)
	var rep seedReport
	if fresh {
		rep = seedReport{Rows: o.rows, SeededAt: time.Now().UTC(), Phases: []phase{{"migrate (empty tables)", migrated.Seconds()}}}
		if err := seed(ctx, pool, o, &rep); err != nil {
			return rep, err
		}
	} else {
		rep = m.report
		rep.Reused, rep.Migrated, rep.MigrateSeconds = true, nil, 0
		if len(applied) > 0 {
			for _, a := range applied {
				rep.Migrated = append(rep.Migrated, a.Module+"/"+a.Name)
			}
			o.log.Info("applied migrations to the seeded data; analyzing", "migrations", rep.Migrated, "took", migrated.Round(time.Millisecond))
			if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
				return rep, fmt.Errorf("analyze: %w", err)
			}
			rep.MigrateSeconds = time.Since(t0).Seconds()
		}
		if m.bulkPending {
			if err := cleanBulk(ctx, pool); err != nil {
				return rep, err
			}
		}
	}
	if rep.Sizes, err = tableSizes(ctx, pool); err != nil {
		return rep, err
	}
	if fresh || len(applied) > 0 {
		stored := rep
		stored.Reused, stored.Migrated, stored.MigrateSeconds = false, nil, 0
		if err := writeMarker(ctx, pool, o.rows, cur, stored); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// why says why the data is seeded again.
func why(m *marker, o seedOptions, cur []migInfo) string {
	switch {
	case m == nil:
		return "no finished seeding"
	case o.reseed:
		return "-reseed"
	case m.rows != o.rows:
		return fmt.Sprintf("seeded with %d rows", m.rows)
	case m.version != seedVersion:
		return fmt.Sprintf("seeded by seeding version %d, this is %d", m.version, seedVersion)
	case !compatible(m.migrations, cur):
		return "an applied migration changed or is gone"
	}
	return ""
}

// seed fills every seed table with total(rows) rows, in batches, each
// table's secondary indexes dropped while it fills (o.dropIndexes) and
// built after, then VACUUM ANALYZE. It runs on one connection of its own.
func seed(ctx context.Context, pool *pgxpool.Pool, o seedOptions, rep *seedReport) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	set := []string{"SET synchronous_commit = off", "SET statement_timeout = 0", "SET maintenance_work_mem = " + sqlString(o.maintenance)}
	if !o.parallelMain {
		set = append(set, "SET max_parallel_maintenance_workers = 0")
	}
	for _, s := range set {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("seed: %s: %w", s, err)
		}
	}
	n := total(o.rows)
	step := max(seedSpan.Milliseconds()/max(n, 1), 1)
	timed := func(name string, fn func() error) error {
		t0 := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("seed: %s: %w", name, err)
		}
		d := time.Since(t0)
		rep.Phases = append(rep.Phases, phase{name, d.Seconds()})
		o.log.Info("seed", "phase", name, "took", d.Round(time.Millisecond))
		return nil
	}
	for _, t := range seedTables {
		var idx []index
		if o.dropIndexes {
			if idx, err = secondaryIndexes(ctx, conn.Conn(), t.name); err != nil {
				return err
			}
		}
		err := timed(fmt.Sprintf("insert %d rows into %s", n, t.name), func() error {
			for _, ix := range idx {
				if _, err := conn.Exec(ctx, "DROP INDEX "+ix.name); err != nil {
					return err
				}
			}
			if _, err := conn.Exec(ctx, "ALTER TABLE "+t.name+" SET (autovacuum_enabled = false)"); err != nil {
				return err
			}
			t0 := time.Now()
			for lo := int64(1); lo <= n; lo += seedBatch {
				hi := min(lo+seedBatch-1, n)
				if _, err := conn.Exec(ctx, t.insert, lo, hi, seedStart.UnixMilli(), step); err != nil {
					return err
				}
				if n > seedBatch {
					o.log.Info("seed", "table", t.name, "rows", hi, "of", n, "elapsed", time.Since(t0).Round(time.Second))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ix := range idx {
			err := timed("index "+ix.name, func() error {
				for _, stmt := range ix.create {
					if _, err := conn.Exec(ctx, stmt); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		err = timed("vacuum analyze "+t.name, func() error {
			_, err := conn.Exec(ctx, "ALTER TABLE "+t.name+" RESET (autovacuum_enabled)")
			if err == nil {
				_, err = conn.Exec(ctx, "VACUUM (ANALYZE) "+t.name)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// index is a secondary index dropped while its table fills: its name and
// the statements that create it again (its definition, then the
// statistics targets of its columns, which pg_get_indexdef leaves out).
type index struct {
	name   string
	create []string
}

// secondaryIndexes lists the indexes of table that no constraint owns (the
// primary key stays), with the statements that create them.
func secondaryIndexes(ctx context.Context, conn *pgx.Conn, table string) ([]index, error) {
	rows, err := conn.Query(ctx, `SELECT i.indexrelid::regclass::text,
  array_prepend(pg_get_indexdef(i.indexrelid), ARRAY(
    SELECT format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS %s', i.indexrelid::regclass, a.attnum, a.attstattarget)
    FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget > 0 ORDER BY a.attnum))
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1`, table)
	if err != nil {
		return nil, fmt.Errorf("seed: list the indexes of %s: %w", table, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var ix index
		return ix, r.Scan(&ix.name, &ix.create)
	})
	if err != nil {
		return nil, fmt.Errorf("seed: list the indexes of %s: %w", table, err)
	}
	return out, nil
}

// tableSizes are the seeded tables' sizes with their indexes.
func tableSizes(ctx context.Context, pool *pgxpool.Pool) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range seedTables {
		var heap, all string
		err := pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_table_size($1::regclass)), pg_size_pretty(pg_total_relation_size($1::regclass))`, t.name).Scan(&heap, &all)
		if err != nil {
			return nil, fmt.Errorf("table sizes: %w", err)
		}
		out[strings.Trim(t.name, `"`)] = heap + " (" + all + " with indexes)"
	}
	return out, nil
}

// truth counts the live rows of table matching where, once per seeding (the
// counts are kept in scalebench_truth).
func truth(ctx context.Context, pool *pgxpool.Pool, table, where string) (int64, error) {
	key := table + " WHERE " + where
	var n int64
	err := pool.QueryRow(ctx, `SELECT n FROM scalebench_truth WHERE where_sql = $1`, key).Scan(&n)
	if err == nil {
		return n, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("truth: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+key).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", key, err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO scalebench_truth (where_sql, n) VALUES ($1, $2) ON CONFLICT (where_sql) DO UPDATE SET n = excluded.n`, key, n); err != nil {
		return 0, fmt.Errorf("truth: %w", err)
	}
	return n, nil
}
