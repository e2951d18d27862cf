package modgen

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/medusa-go/medusa/framework/sqlb"
)

// Change is one step of a migration: SQL to apply it, SQL to revert it, a
// short name for the migration file, and whether it loses data.
type Change struct {
	Up, Down    []string
	Summary     string
	Destructive string // why, when it is
	order       int
}

// Stage order of the up statements.
const (
	stExt = iota
	stCreateTable
	stAddColumn
	stAlterColumn
	stDropCheck
	stAddCheck
	stDropIndex
	stCreateIndex
	stDropFK
	stAddFK
	stDropColumn
	stDropTable
	stRowCount
)

// ErrDestructive is wrapped by Diff's error when a change loses data and
// destructive changes were not allowed.
var ErrDestructive = fmt.Errorf("destructive change")

// Diff computes the changes from old (nil for an empty database) to cur.
// Changes that lose data (dropping a table or column, changing a column's
// type) are refused unless allowDestructive.
func Diff(old, cur *Schema, allowDestructive bool) ([]Change, error) {
	if old == nil {
		old = &Schema{}
	}
	var ch []Change
	add := func(c Change) { ch = append(ch, c) }
	for _, e := range cur.Extensions {
		if !slices.Contains(old.Extensions, e) {
			add(Change{order: stExt, Up: []string{fmt.Sprintf("CREATE EXTENSION IF NOT EXISTS %s;", e)}, Summary: "extension_" + e})
		}
	}
	oldT := map[string]*Table{}
	for i := range old.Tables {
		oldT[old.Tables[i].Name] = &old.Tables[i]
	}
	curT := map[string]*Table{}
	for i := range cur.Tables {
		curT[cur.Tables[i].Name] = &cur.Tables[i]
	}
	for i := range cur.Tables {
		t := &cur.Tables[i]
		o := oldT[t.Name]
		if o == nil {
			add(Change{order: stCreateTable, Up: []string{createTable(t)}, Down: []string{fmt.Sprintf("DROP TABLE IF EXISTS %s CASCADE;", qi(t.Name))}, Summary: "create_" + t.Name})
			for _, ix := range t.Indexes {
				add(Change{order: stCreateIndex, Up: indexStmts(t.Name, ix), Summary: "index_" + ix.Name})
			}
			for _, c := range t.Columns {
				if c.Statistics > 0 {
					add(Change{order: stAlterColumn, Up: []string{setStatistics(t.Name, c.Name, c.Statistics)}, Summary: "statistics_" + t.Name + "_" + c.Name})
				}
			}
			for _, fk := range t.ForeignKeys {
				add(Change{order: stAddFK, Up: []string{addFK(t.Name, fk)}, Summary: "fk_" + fk.Name})
			}
			if t.RowCount {
				add(Change{order: stRowCount, Up: rowCountOn(t.Name), Summary: "row_count_" + t.Name})
			}
			continue
		}
		diffTable(o, t, add)
		switch {
		case t.RowCount && !o.RowCount:
			add(Change{order: stRowCount, Up: rowCountOn(t.Name), Down: rowCountOff(t.Name), Summary: "row_count_" + t.Name})
		case !t.RowCount && o.RowCount:
			add(Change{order: stRowCount, Up: rowCountOff(t.Name), Down: rowCountOn(t.Name), Summary: "no_row_count_" + t.Name})
		}
	}
	for i := range old.Tables {
		o := &old.Tables[i]
		if curT[o.Name] != nil {
			continue
		}
		c := Change{order: stDropTable, Up: []string{fmt.Sprintf("DROP TABLE IF EXISTS %s CASCADE;", qi(o.Name))}, Summary: "drop_" + o.Name,
			Destructive: fmt.Sprintf("drops table %q and its data", o.Name)}
		if o.RowCount {
			c.Up = append(rowCountOff(o.Name), c.Up...)
		}
		c.Down = append(c.Down, createTable(o))
		for _, ix := range o.Indexes {
			c.Down = append(c.Down, indexStmts(o.Name, ix)...)
		}
		for _, fk := range o.ForeignKeys {
			c.Down = append(c.Down, addFK(o.Name, fk))
		}
		if o.RowCount {
			c.Down = append(c.Down, rowCountOn(o.Name)...)
		}
		add(c)
	}
	if usesGrams(ch) {
		add(Change{order: stExt, Up: []string{sqlb.GramsFuncSQL}})
	}
	var bad []string
	for _, c := range ch {
		if c.Destructive != "" {
			bad = append(bad, c.Destructive)
		}
	}
	if len(bad) > 0 && !allowDestructive {
		return nil, fmt.Errorf("%w: the models changed in a way that loses data:\n\t%s\nIf that is intended, regenerate with -allow-destructive (medusa-go generate --allow-destructive); otherwise restore the models", ErrDestructive, strings.Join(bad, "\n\t"))
	}
	slices.SortStableFunc(ch, func(a, b Change) int { return a.order - b.order })
	return ch, nil
}

// usesGrams reports whether a change creates an index over
// sqlb.GramsFunc: the migration then creates the function first (every
// such migration does, idempotently, so modules do not depend on each
// other's migrations; none drops it).
func usesGrams(ch []Change) bool {
	for _, c := range ch {
		for _, up := range c.Up {
			if strings.HasPrefix(up, "CREATE INDEX") && strings.Contains(up, sqlb.GramsFunc+"(") {
				return true
			}
		}
	}
	return false
}

func diffTable(o, t *Table, add func(Change)) {
	for _, c := range t.Columns {
		oc := o.column(c.Name)
		if oc == nil {
			add(Change{order: stAddColumn, Up: []string{fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s;", qi(t.Name), columnDef(c))},
				Down: []string{fmt.Sprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s;", qi(t.Name), qi(c.Name))}, Summary: "add_" + t.Name + "_" + c.Name})
			if c.Statistics > 0 {
				add(Change{order: stAlterColumn, Up: []string{setStatistics(t.Name, c.Name, c.Statistics)}})
			}
			continue
		}
		if oc.Type != c.Type {
			add(Change{order: stAlterColumn,
				Up:          []string{fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s;", qi(t.Name), qi(c.Name), c.Type, qi(c.Name), c.Type)},
				Down:        []string{fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s;", qi(t.Name), qi(c.Name), oc.Type, qi(c.Name), oc.Type)},
				Summary:     "alter_" + t.Name + "_" + c.Name,
				Destructive: fmt.Sprintf("changes the type of %s.%s from %s to %s", t.Name, c.Name, oc.Type, c.Type)})
		}
		if oc.Nullable != c.Nullable {
			set, drop := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;", qi(t.Name), qi(c.Name)), fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", qi(t.Name), qi(c.Name))
			if c.Nullable {
				add(Change{order: stAlterColumn, Up: []string{drop}, Down: []string{set}, Summary: "nullable_" + t.Name + "_" + c.Name})
			} else {
				add(Change{order: stAlterColumn, Up: []string{set}, Down: []string{drop}, Summary: "not_null_" + t.Name + "_" + c.Name})
			}
		}
		if oc.Statistics != c.Statistics {
			add(Change{order: stAlterColumn, Up: []string{setStatistics(t.Name, c.Name, c.Statistics)}, Down: []string{setStatistics(t.Name, c.Name, oc.Statistics)}, Summary: "statistics_" + t.Name + "_" + c.Name})
		}
		if oc.Default != c.Default {
			add(Change{order: stAlterColumn, Up: []string{setDefault(t.Name, c.Name, c.Default)}, Down: []string{setDefault(t.Name, c.Name, oc.Default)}, Summary: "default_" + t.Name + "_" + c.Name})
		}
	}
	for _, oc := range o.Columns {
		if t.column(oc.Name) != nil {
			continue
		}
		add(Change{order: stDropColumn, Up: []string{fmt.Sprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s;", qi(t.Name), qi(oc.Name))},
			Down:        []string{fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s;", qi(t.Name), columnDef(oc))},
			Summary:     "drop_" + t.Name + "_" + oc.Name,
			Destructive: fmt.Sprintf("drops column %s.%s and its data", t.Name, oc.Name)})
	}
	// indexes by name
	oi := map[string]IndexDef{}
	for _, ix := range o.Indexes {
		oi[ix.Name] = ix
	}
	ni := map[string]bool{}
	for _, ix := range t.Indexes {
		ni[ix.Name] = true
		prev, ok := oi[ix.Name]
		switch {
		case !ok:
			add(Change{order: stCreateIndex, Up: guardedCreateIndex(o, t, ix), Down: []string{dropIndex(ix.Name)}, Summary: "index_" + ix.Name})
		case createIndex(t.Name, prev) != createIndex(t.Name, ix):
			add(Change{order: stDropIndex, Up: []string{dropIndex(ix.Name)}, Down: indexStmts(t.Name, prev), Summary: "reindex_" + ix.Name})
			add(Change{order: stCreateIndex, Up: guardedCreateIndex(o, t, ix), Down: []string{dropIndex(ix.Name)}})
		case prev.Statistics != ix.Statistics:
			add(Change{order: stCreateIndex, Up: []string{indexStatistics(ix.Name, ix.Statistics)}, Down: []string{indexStatistics(ix.Name, prev.Statistics)}, Summary: "statistics_" + ix.Name})
		}
	}
	for _, ix := range o.Indexes {
		if !ni[ix.Name] {
			add(Change{order: stDropIndex, Up: []string{dropIndex(ix.Name)}, Down: indexStmts(t.Name, ix), Summary: "drop_" + ix.Name})
		}
	}
	// foreign keys by name
	of := map[string]ForeignKey{}
	for _, fk := range o.ForeignKeys {
		of[fk.Name] = fk
	}
	nf := map[string]bool{}
	for _, fk := range t.ForeignKeys {
		nf[fk.Name] = true
		prev, ok := of[fk.Name]
		if ok && prev == fk {
			continue
		}
		if ok {
			add(Change{order: stDropFK, Up: []string{dropConstraint(t.Name, fk.Name)}, Down: []string{addFK(t.Name, prev)}})
		}
		add(Change{order: stAddFK, Up: []string{addFK(t.Name, fk)}, Down: []string{dropConstraint(t.Name, fk.Name)}, Summary: "fk_" + fk.Name})
	}
	for _, fk := range o.ForeignKeys {
		if !nf[fk.Name] {
			add(Change{order: stDropFK, Up: []string{dropConstraint(t.Name, fk.Name)}, Down: []string{addFK(t.Name, fk)}, Summary: "drop_" + fk.Name})
		}
	}
	// checks by name
	oc := map[string]Check{}
	for _, c := range o.Checks {
		oc[c.Name] = c
	}
	nc := map[string]bool{}
	for _, c := range t.Checks {
		nc[c.Name] = true
		prev, ok := oc[c.Name]
		if ok && prev == c {
			continue
		}
		if ok {
			add(Change{order: stDropCheck, Up: []string{dropConstraint(t.Name, c.Name)}, Down: []string{addCheck(t.Name, prev)}})
		}
		add(Change{order: stAddCheck, Up: []string{addCheck(t.Name, c)}, Down: []string{dropConstraint(t.Name, c.Name)}, Summary: "check_" + c.Name})
	}
	for _, c := range o.Checks {
		if !nc[c.Name] {
			add(Change{order: stDropCheck, Up: []string{dropConstraint(t.Name, c.Name)}, Down: []string{addCheck(t.Name, c)}, Summary: "drop_" + c.Name})
		}
	}
}

func columnDef(c Column) string {
	s := qi(c.Name) + " " + c.Type
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.Default != "" {
		s += " DEFAULT " + c.Default
	} else if c.Nullable {
		s += " NULL"
	}
	return s
}

func setDefault(table, col, def string) string {
	if def == "" {
		return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", qi(table), qi(col))
	}
	return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;", qi(table), qi(col), def)
}

func createTable(t *Table) string {
	var lines []string
	for _, c := range t.Columns {
		lines = append(lines, "  "+columnDef(c))
	}
	pk := make([]string, len(t.PrimaryKey))
	for i, c := range t.PrimaryKey {
		pk[i] = qi(c)
	}
	lines = append(lines, fmt.Sprintf("  CONSTRAINT %s PRIMARY KEY (%s)", qi(t.Name+"_pkey"), strings.Join(pk, ", ")))
	for _, c := range t.Checks {
		lines = append(lines, fmt.Sprintf("  CONSTRAINT %s CHECK (%s)", qi(c.Name), c.Expr))
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (\n%s\n);", qi(t.Name), strings.Join(lines, ",\n"))
}

// indexKey is how column c is written in ix's key: lower("c") for a
// case-insensitive column, "c" otherwise.
func indexKey(ix IndexDef, c string) string {
	if slices.Contains(ix.Fold, c) {
		return "lower(" + qi(c) + ")"
	}
	return qi(c)
}

func createIndex(table string, ix IndexDef) string {
	cols := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		cols[i] = indexKey(ix, c)
		if ix.Ops != "" {
			cols[i] += " " + ix.Ops
		}
	}
	if ix.Expr != "" {
		cols = []string{"(" + ix.Expr + ")"}
		if ix.Ops != "" {
			cols[0] += " " + ix.Ops
		}
	}
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	using := ""
	if ix.Using != "" && ix.Using != "btree" {
		using = " USING " + ix.Using
	}
	s := fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s%s (%s)", u, qi(ix.Name), qi(table), using, strings.Join(cols, ", "))
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s + ";"
}

// guardedCreateIndex creates ix on the existing table t (old: the table
// before the change). A unique index is preceded by a check of the rows
// already there: when some of them share a key (two users
// "Ann@example.com" and "ann@example.com" under a new case-insensitive
// unique index, say), the migration stops with a message that names the
// colliding rows and what to do, instead of Postgres's "could not create
// unique index", and nothing of its batch is applied. An index on a column
// the same migration adds without a default needs no check: the column is
// NULL in every row, and NULLs never collide.
func guardedCreateIndex(old, t *Table, ix IndexDef) []string {
	if !ix.Unique || ix.Expr != "" || len(t.PrimaryKey) == 0 {
		return indexStmts(t.Name, ix)
	}
	for _, c := range ix.Columns {
		if cur := t.column(c); old.column(c) == nil && cur != nil && cur.Default == "" {
			return indexStmts(t.Name, ix)
		}
	}
	keys := make([]string, len(ix.Columns))
	shown := make([]string, len(ix.Columns))
	where := make([]string, 0, len(ix.Columns)+1)
	for i, c := range ix.Columns {
		keys[i] = indexKey(ix, c)
		shown[i] = qi(c)
		where = append(where, qi(c)+" IS NOT NULL")
	}
	if ix.Where != "" {
		where = append(where, "("+ix.Where+")")
	}
	pk := qi(t.PrimaryKey[0])
	msg := fmt.Sprintf("cannot create the unique index %s on table %s (%s): rows already share a key: %%. Keep one row of each group (delete, soft-delete or change the others) and run the migration again.",
		ix.Name, t.Name, strings.Join(keys, ", "))
	check := fmt.Sprintf(`DO $medusa$
DECLARE
  dup text;
BEGIN
  SELECT string_agg(g, '; ') INTO dup FROM (
    SELECT string_agg(format('%%s (%%s)', %s, concat_ws(', ', %s)), ' and ' ORDER BY %s) AS g
    FROM %s
    WHERE %s
    GROUP BY %s
    HAVING count(*) > 1
    ORDER BY min(%s)
    LIMIT 20
  ) AS d;
  IF dup IS NOT NULL THEN
    RAISE EXCEPTION %s, dup;
  END IF;
END
$medusa$;`, pk, strings.Join(shown, ", "), pk, qi(t.Name), strings.Join(where, " AND "), strings.Join(keys, ", "), pk, quote(msg))
	return append([]string{check}, indexStmts(t.Name, ix)...)
}

// indexStmts creates ix on table: the index, then its statistics target
// when it sets one.
func indexStmts(table string, ix IndexDef) []string {
	out := []string{createIndex(table, ix)}
	if ix.Statistics > 0 {
		out = append(out, indexStatistics(ix.Name, ix.Statistics))
	}
	return out
}

// indexStatistics sets the statistics target of an expression index's
// expression (ANALYZE gathers statistics on it, which the planner reads
// for a predicate on that expression); 0 restores the default.
func indexStatistics(name string, n int) string {
	return fmt.Sprintf("ALTER INDEX %s ALTER COLUMN 1 SET STATISTICS %d;", qi(name), statisticsTarget(n))
}

// setStatistics sets a column's statistics target; 0 restores the default.
func setStatistics(table, col string, n int) string {
	return fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %d;", qi(table), qi(col), statisticsTarget(n))
}

// statisticsTarget is n as SET STATISTICS takes it: -1 for the default (0).
func statisticsTarget(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func dropIndex(name string) string { return fmt.Sprintf("DROP INDEX IF EXISTS %s;", qi(name)) }

func addFK(table string, fk ForeignKey) string {
	s := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON UPDATE CASCADE", qi(table), qi(fk.Name), qi(fk.Column), qi(fk.RefTable), qi(fk.RefColumn))
	if fk.OnDelete != "" {
		s += " ON DELETE " + fk.OnDelete
	}
	return s + ";"
}

func addCheck(table string, c Check) string {
	return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s);", qi(table), qi(c.Name), c.Expr)
}

func dropConstraint(table, name string) string {
	return fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s;", qi(table), qi(name))
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// RenderMigration renders changes as a migration file (framework/migrate
// format). It returns the file body and a default snake_case name.
func RenderMigration(changes []Change) (body []byte, name string) {
	var up, down []string
	var sums []string
	for _, c := range changes {
		up = append(up, c.Up...)
		if c.Summary != "" {
			sums = append(sums, c.Summary)
		}
	}
	for i := len(changes) - 1; i >= 0; i-- {
		for j := len(changes[i].Down) - 1; j >= 0; j-- {
			down = append(down, changes[i].Down[j])
		}
	}
	var b strings.Builder
	b.WriteString("-- Code generated by medusa-go. DO NOT EDIT.\n\n-- migrate:up\n")
	for _, s := range up {
		b.WriteString(s)
		b.WriteString("\n")
	}
	b.WriteString("\n-- migrate:down\n")
	for _, s := range down {
		b.WriteString(s)
		b.WriteString("\n")
	}
	if len(sums) > 2 {
		sums = append(sums[:2], "more")
	}
	name = strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(strings.Join(sums, "_")), "_"), "_")
	if len(name) > 60 {
		name = strings.TrimRight(name[:60], "_")
	}
	return []byte(b.String()), name
}
