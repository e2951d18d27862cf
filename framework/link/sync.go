package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
)

// ActionKind is what Sync does to one link table.
type ActionKind string

// The actions of Sync (Medusa's db:sync-links). Create, Update and Rename
// are safe; Alter and Drop may lose data and are applied only when allowed.
const (
	// Create creates a link table that does not exist, its indexes and its
	// tracking row.
	Create ActionKind = "create"
	// Update adds the columns and indexes a link table lacks.
	Update ActionKind = "update"
	// Rename renames a tracked link table whose definition now names
	// another table (a module or model renamed), before anything else.
	Rename ActionKind = "rename"
	// Alter changes or drops columns (Medusa's "notify").
	Alter ActionKind = "alter"
	// Drop drops a tracked link table no definition holds any more
	// (Medusa's "delete").
	Drop ActionKind = "drop"
)

// Destructive reports whether the action may lose data.
func (k ActionKind) Destructive() bool { return k == Alter || k == Drop }

// Action is one change of Sync: its table, why, and its statements.
type Action struct {
	Kind       ActionKind
	Table      string
	Reason     string
	Statements []string
	// Applied reports whether Sync ran the statements.
	Applied bool
}

// ErrDestructive is wrapped by the error of Sync when the link tables need
// a destructive action (Alter or Drop) and it was not allowed.
var ErrDestructive = errors.New("destructive link table changes refused")

// SyncOptions configure Sync.
type SyncOptions struct {
	// AllowDestructive applies the destructive actions too (Medusa's
	// --execute-all).
	AllowDestructive bool
	// SafeOnly applies the safe actions and skips the destructive ones,
	// which are returned unapplied (Medusa's --execute-safe), instead of
	// refusing everything.
	SafeOnly bool
	// Logger receives Sync's progress (default slog.Default()).
	Logger *slog.Logger
}

// trackingTable records the link tables Sync created (Medusa's).
const trackingTable = "link_module_migrations"

const trackingDDL = `CREATE TABLE IF NOT EXISTS "link_module_migrations" (
  "id" serial PRIMARY KEY,
  "table_name" varchar(255) NOT NULL UNIQUE,
  "link_descriptor" jsonb NOT NULL DEFAULT '{}'::jsonb,
  "created_at" timestamptz NOT NULL DEFAULT now()
)`

// descriptor identifies a link independently of its table's name.
type descriptor struct {
	FromModule string `json:"fromModule"`
	ToModule   string `json:"toModule"`
	FromModel  string `json:"fromModel"`
	ToModel    string `json:"toModel"`
}

func (d *Definition) descriptor() descriptor {
	return descriptor{FromModule: d.Left.Entity.Module, ToModule: d.Right.Entity.Module, FromModel: d.Left.Entity.Name, ToModel: d.Right.Entity.Name}
}

// Sync makes the database's link tables match reg's definitions (Medusa's
// db:sync-links, run by db migrate after the modules' migrations): it
// creates the tables of new links, adds missing columns and indexes,
// renames a tracked table whose link now names another one, and — only
// with opts.AllowDestructive — changes or drops columns whose definition
// changed or went away, and drops the tables of links no longer defined.
// Without it, a needed destructive action fails the whole sync with
// ErrDestructive, listing each, and changes nothing (opts.SafeOnly applies
// the safe ones instead and returns the others unapplied). Everything runs
// in one transaction under an advisory lock, so concurrent syncs take
// turns. It returns the actions it planned.
func Sync(ctx context.Context, database db.Beginner, reg *Registry, opts SyncOptions) ([]Action, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "Syncing links...")
	var actions []Action
	err := db.InTx(ctx, database, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('medusa-go link sync'))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, trackingDDL); err != nil {
			return err
		}
		var err error
		if actions, err = plan(ctx, tx, reg); err != nil {
			return err
		}
		var refused []string
		for _, a := range actions {
			if a.Kind.Destructive() && !opts.AllowDestructive && !opts.SafeOnly {
				refused = append(refused, fmt.Sprintf("%s %s: %s", a.Kind, a.Table, a.Reason))
			}
		}
		if len(refused) > 0 {
			return fmt.Errorf("link: %w (allow them with AllowDestructive, or apply only the safe ones with SafeOnly):\n\t%s", ErrDestructive, strings.Join(refused, "\n\t"))
		}
		for i := range actions {
			a := &actions[i]
			if a.Kind.Destructive() && !opts.AllowDestructive {
				log.WarnContext(ctx, "link table change skipped (destructive)", "action", string(a.Kind), "table", a.Table, "reason", a.Reason)
				continue
			}
			for _, st := range a.Statements {
				if _, err := tx.Exec(ctx, st); err != nil {
					return fmt.Errorf("link: %s %s: %s: %w", a.Kind, a.Table, st, err)
				}
			}
			a.Applied = true
			log.InfoContext(ctx, "link table synced", "action", string(a.Kind), "table", a.Table, "reason", a.Reason)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(actions) == 0 {
		log.InfoContext(ctx, "Database already up-to-date")
	} else {
		log.InfoContext(ctx, "Links sync completed", "actions", len(actions))
	}
	return actions, nil
}

// Plan returns the actions Sync would take, changing nothing.
func Plan(ctx context.Context, database db.Beginner, reg *Registry) ([]Action, error) {
	tx, err := database.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("link: plan: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, trackingDDL); err != nil {
		return nil, fmt.Errorf("link: plan: %w", err)
	}
	return plan(ctx, tx, reg)
}

type tracked struct {
	table string
	desc  descriptor
}

// plan diffs reg against the database, in tx.
func plan(ctx context.Context, tx pgx.Tx, reg *Registry) ([]Action, error) {
	rows, err := tx.Query(ctx, `SELECT "table_name", "link_descriptor" FROM "link_module_migrations" ORDER BY "table_name"`)
	if err != nil {
		return nil, fmt.Errorf("link: read %s: %w", trackingTable, err)
	}
	var track []tracked
	for rows.Next() {
		var t tracked
		var raw []byte
		if err := rows.Scan(&t.table, &raw); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal(raw, &t.desc) // a descriptor we cannot read only prevents renames
		track = append(track, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	isTracked := func(table string) bool {
		return slices.ContainsFunc(track, func(t tracked) bool { return t.table == table })
	}
	defined := map[string]bool{}
	for _, d := range reg.Definitions() {
		defined[d.Table()] = true
	}
	var actions []Action
	renamed := map[string]bool{}
	for i, d := range reg.Definitions() {
		t := d.Table()
		exists, err := tableExists(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if !exists && !isTracked(t) {
			// a tracked table of the same link under another name, no
			// longer defined: rename it
			var from string
			for _, tr := range track {
				if tr.desc == d.descriptor() && !defined[tr.table] && !renamed[tr.table] {
					if ok, err := tableExists(ctx, tx, tr.table); err != nil {
						return nil, err
					} else if ok {
						from = tr.table
						break
					}
				}
			}
			if from != "" {
				renamed[from] = true
				actions = append(actions, Action{Kind: Rename, Table: t, Reason: fmt.Sprintf("link %s was stored in %s", d, from), Statements: renameStatements(from, d)})
				a, err := diffTable(ctx, tx, d, i, from)
				if err != nil {
					return nil, err
				}
				actions = append(actions, a...)
				continue
			}
			actions = append(actions, Action{Kind: Create, Table: t, Reason: "new link " + d.String(), Statements: createStatements(d)})
			continue
		}
		a, err := diffTable(ctx, tx, d, i, t)
		if err != nil {
			return nil, err
		}
		if !isTracked(t) {
			a = append(a, Action{Kind: Update, Table: t, Reason: "table exists but was not tracked", Statements: []string{trackStatement(d)}})
		}
		actions = append(actions, a...)
	}
	for _, tr := range track {
		if defined[tr.table] || renamed[tr.table] {
			continue
		}
		actions = append(actions, Action{Kind: Drop, Table: tr.table, Reason: "no link definition holds it any more",
			Statements: []string{`DROP TABLE IF EXISTS ` + quoteIdent(tr.table), `DELETE FROM "link_module_migrations" WHERE "table_name" = ` + quoteLit(tr.table)}})
	}
	return actions, nil
}

func tableExists(ctx context.Context, tx pgx.Tx, table string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoteIdent(table)).Scan(&ok)
	return ok, err
}

// columnDefs are the link table's columns, in order, with their SQL
// definitions.
func columnDefs(d *Definition) [][2]string {
	cols := [][2]string{
		{"id", "character varying(255) NOT NULL"},
		{d.leftColumn(), "character varying(255) NOT NULL"},
		{d.rightColumn(), "character varying(255) NOT NULL"},
	}
	for _, c := range d.Columns {
		def, _ := c.sqlDef() // checked by NewRegistry
		cols = append(cols, [2]string{c.Name, def})
	}
	return append(cols,
		[2]string{"created_at", "timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP"},
		[2]string{"updated_at", "timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP"},
		[2]string{"deleted_at", "timestamp with time zone"},
	)
}

// indexes are the link table's indexes: name and column, the names ending
// in the hash of the uncompressed table name.
func indexes(d *Definition) [][2]string {
	h := hash(d.fullName())
	return [][2]string{
		{"IDX_id_" + h, "id"},
		{"IDX_" + d.leftColumn() + "_" + h, d.leftColumn()},
		{"IDX_" + d.rightColumn() + "_" + h, d.rightColumn()},
		{"IDX_deleted_at_" + h, "deleted_at"},
	}
}

func createStatements(d *Definition) []string {
	t := d.Table()
	var cols []string
	for _, c := range columnDefs(d) {
		cols = append(cols, "  "+quoteIdent(c[0])+" "+c[1])
	}
	cols = append(cols, "  CONSTRAINT "+quoteIdent(t+"_pkey")+" PRIMARY KEY ("+quoteIdent(d.leftColumn())+", "+quoteIdent(d.rightColumn())+")")
	out := []string{"CREATE TABLE " + quoteIdent(t) + " (\n" + strings.Join(cols, ",\n") + "\n)"}
	for _, ix := range indexes(d) {
		out = append(out, indexStatement(t, ix))
	}
	return append(out, trackStatement(d))
}

func indexStatement(table string, ix [2]string) string {
	return "CREATE INDEX IF NOT EXISTS " + quoteIdent(ix[0]) + " ON " + quoteIdent(table) + " (" + quoteIdent(ix[1]) + ")"
}

func trackStatement(d *Definition) string {
	b, _ := json.Marshal(d.descriptor())
	return `INSERT INTO "link_module_migrations" ("table_name", "link_descriptor") VALUES (` + quoteLit(d.Table()) + `, ` + quoteLit(string(b)) + `::jsonb) ON CONFLICT ("table_name") DO UPDATE SET "link_descriptor" = EXCLUDED."link_descriptor"`
}

// renameStatements rename table from to d's table, with its primary key
// and the indexes whose names hash the old name, and the tracking row.
func renameStatements(from string, d *Definition) []string {
	t := d.Table()
	out := []string{
		"ALTER TABLE " + quoteIdent(from) + " RENAME TO " + quoteIdent(t),
		"ALTER TABLE " + quoteIdent(t) + " RENAME CONSTRAINT " + quoteIdent(from+"_pkey") + " TO " + quoteIdent(t+"_pkey"),
	}
	oldHash := hash(from)
	for _, ix := range indexes(d) {
		old := strings.TrimSuffix(ix[0], hash(d.fullName())) + oldHash
		if old != ix[0] {
			out = append(out, "ALTER INDEX IF EXISTS "+quoteIdent(old)+" RENAME TO "+quoteIdent(ix[0]))
		}
	}
	return append(out, `DELETE FROM "link_module_migrations" WHERE "table_name" = `+quoteLit(from), trackStatement(d))
}

type colShape struct {
	typ     string
	notNull bool
	def     string
}

// shapes reads the columns of a table as Postgres renders them.
func shapes(ctx context.Context, tx pgx.Tx, table string) (map[string]colShape, []string, error) {
	rows, err := tx.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[string]colShape{}
	var order []string
	for rows.Next() {
		var name string
		var s colShape
		if err := rows.Scan(&name, &s.typ, &s.notNull, &s.def); err != nil {
			return nil, nil, err
		}
		out[name] = s
		order = append(order, name)
	}
	return out, order, rows.Err()
}

// diffTable compares the table (called table now; d.Table() after a
// rename) with d. The wanted shape is read back from a temporary table
// created with d's columns, so both sides are rendered by Postgres alike.
func diffTable(ctx context.Context, tx pgx.Tx, d *Definition, n int, table string) ([]Action, error) {
	want := fmt.Sprintf("medusa_link_want_%d", n)
	var cols []string
	for _, c := range columnDefs(d) {
		cols = append(cols, quoteIdent(c[0])+" "+c[1])
	}
	if _, err := tx.Exec(ctx, "CREATE TEMPORARY TABLE "+quoteIdent(want)+" ("+strings.Join(cols, ", ")+") ON COMMIT DROP"); err != nil {
		return nil, fmt.Errorf("link: shape of %s: %w", d.Table(), err)
	}
	defer func() { _, _ = tx.Exec(ctx, "DROP TABLE IF EXISTS pg_temp."+quoteIdent(want)) }()
	wantCols, wantOrder, err := shapes(ctx, tx, "pg_temp."+quoteIdent(want))
	if err != nil {
		return nil, err
	}
	have, haveOrder, err := shapes(ctx, tx, quoteIdent(table))
	if err != nil {
		return nil, err
	}
	t := quoteIdent(d.Table())
	var safe, unsafe []string
	var safeWhy, unsafeWhy []string
	defs := map[string]string{}
	for _, c := range columnDefs(d) {
		defs[c[0]] = c[1]
	}
	for _, name := range wantOrder {
		w := wantCols[name]
		h, ok := have[name]
		q := quoteIdent(name)
		switch {
		case !ok:
			safe = append(safe, "ALTER TABLE "+t+" ADD COLUMN IF NOT EXISTS "+q+" "+defs[name])
			safeWhy = append(safeWhy, "add column "+name)
		case h.typ != w.typ:
			unsafe = append(unsafe, "ALTER TABLE "+t+" ALTER COLUMN "+q+" TYPE "+w.typ+" USING "+q+"::"+w.typ)
			unsafeWhy = append(unsafeWhy, fmt.Sprintf("column %s: type %s, was %s", name, w.typ, h.typ))
			fallthrough
		default:
			if ok && h.notNull != w.notNull {
				st := " DROP NOT NULL"
				if w.notNull {
					st = " SET NOT NULL"
				}
				unsafe = append(unsafe, "ALTER TABLE "+t+" ALTER COLUMN "+q+st)
				unsafeWhy = append(unsafeWhy, fmt.Sprintf("column %s: not null %v, was %v", name, w.notNull, h.notNull))
			}
			if ok && h.def != w.def {
				st := " DROP DEFAULT"
				if w.def != "" {
					st = " SET DEFAULT " + w.def
				}
				unsafe = append(unsafe, "ALTER TABLE "+t+" ALTER COLUMN "+q+st)
				unsafeWhy = append(unsafeWhy, fmt.Sprintf("column %s: default %q, was %q", name, w.def, h.def))
			}
		}
	}
	for _, name := range haveOrder {
		if _, ok := wantCols[name]; !ok {
			unsafe = append(unsafe, "ALTER TABLE "+t+" DROP COLUMN "+quoteIdent(name))
			unsafeWhy = append(unsafeWhy, "drop column "+name)
		}
	}
	// indexes, by name
	var existing []string
	rows, err := tx.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, table)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		existing = append(existing, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range indexes(d) {
		if !slices.Contains(existing, ix[0]) && !slices.Contains(existing, strings.TrimSuffix(ix[0], hash(d.fullName()))+hash(table)) {
			safe = append(safe, indexStatement(d.Table(), ix))
			safeWhy = append(safeWhy, "add index "+ix[0])
		}
	}
	var out []Action
	if len(safe) > 0 {
		out = append(out, Action{Kind: Update, Table: d.Table(), Reason: strings.Join(safeWhy, "; "), Statements: safe})
	}
	if len(unsafe) > 0 {
		out = append(out, Action{Kind: Alter, Table: d.Table(), Reason: strings.Join(unsafeWhy, "; "), Statements: unsafe})
	}
	return out, nil
}
