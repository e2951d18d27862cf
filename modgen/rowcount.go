package modgen

import "fmt"

// Exact row counts (dml CountRows): every write statement on the table adds
// one row of deltas to medusa_row_counts (rows not soft-deleted, all rows)
// in the writing transaction, from statement-level triggers with transition
// tables. Deltas are only inserted, never updated, so concurrent writers
// never wait for each other; the sum of a table's rows is its count in the
// reader's snapshot. sqlb.CompactRowCounts merges a table's deltas into one
// row; sqlb.Find reads the sum for a list without filters.

// rowCountSetup creates the shared table and trigger function (idempotent:
// every counted table's migration carries it, so modules do not depend on
// each other's migrations).
const rowCountSetup = `CREATE TABLE IF NOT EXISTS medusa_row_counts (
  table_name text NOT NULL,
  live bigint NOT NULL,
  total bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS medusa_row_counts_table_idx ON medusa_row_counts (table_name);
CREATE OR REPLACE FUNCTION medusa_row_count() RETURNS trigger LANGUAGE plpgsql AS $medusa$
DECLARE
  dl bigint;
  dt bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(*) INTO dl, dt FROM medusa_new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT -count(*) FILTER (WHERE deleted_at IS NULL), -count(*) INTO dl, dt FROM medusa_old_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    dl := (SELECT count(*) FROM medusa_new_rows WHERE deleted_at IS NULL) - (SELECT count(*) FROM medusa_old_rows WHERE deleted_at IS NULL);
  ELSE -- TRUNCATE
    DELETE FROM medusa_row_counts WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
  END IF;
  IF dl <> 0 OR dt <> 0 THEN
    INSERT INTO medusa_row_counts (table_name, live, total) VALUES (TG_TABLE_NAME, dl, dt);
  END IF;
  RETURN NULL;
END
$medusa$;`

// rowCountOn turns counting on for table: writers wait (SHARE ROW EXCLUSIVE)
// while the current count is taken and the triggers are created, so no
// write falls between the two.
func rowCountOn(table string) []string {
	q := qi(table)
	return []string{
		rowCountSetup,
		fmt.Sprintf("LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE;", q),
		fmt.Sprintf("DELETE FROM medusa_row_counts WHERE table_name = %s;", quote(table)),
		fmt.Sprintf("INSERT INTO medusa_row_counts (table_name, live, total) SELECT %s, count(*) FILTER (WHERE deleted_at IS NULL), count(*) FROM %s;", quote(table), q),
		fmt.Sprintf("CREATE TRIGGER medusa_row_count_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS medusa_new_rows FOR EACH STATEMENT EXECUTE FUNCTION medusa_row_count();", q),
		fmt.Sprintf("CREATE TRIGGER medusa_row_count_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS medusa_old_rows FOR EACH STATEMENT EXECUTE FUNCTION medusa_row_count();", q),
		fmt.Sprintf("CREATE TRIGGER medusa_row_count_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS medusa_old_rows NEW TABLE AS medusa_new_rows FOR EACH STATEMENT EXECUTE FUNCTION medusa_row_count();", q),
		fmt.Sprintf("CREATE TRIGGER medusa_row_count_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION medusa_row_count();", q),
	}
}

// rowCountOff turns counting off for table and drops its counts.
func rowCountOff(table string) []string {
	q := qi(table)
	var out []string
	for _, op := range []string{"insert", "delete", "update", "truncate"} {
		out = append(out, fmt.Sprintf("DROP TRIGGER IF EXISTS medusa_row_count_%s ON %s;", op, q))
	}
	return append(out, fmt.Sprintf("DELETE FROM medusa_row_counts WHERE table_name = %s;", quote(table)))
}
