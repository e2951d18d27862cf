package errors

import (
	"context"
	stderrors "errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Postgres SQLSTATE codes that FromPg maps.
const (
	pgUniqueViolation      = "23505"
	pgNotNullViolation     = "23502"
	pgForeignKeyViolation  = "23503"
	pgCheckViolation       = "23514"
	pgUndefinedColumn      = "42703"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgInvalidTextRepr      = "22P02"
)

var keyDetail = regexp.MustCompile(`^Key \((.+)\)=\((.*)\) (?:already exists|is not present in table)`)

// FromPg maps a Postgres error to an *Error with the messages Medusa's
// database layer gives (a unique violation is invalid_data "<Entity> with
// <field>: <value>, already exists."). Errors that are already *Error, nil, and
// context errors are returned unchanged; pgx.ErrNoRows becomes NotFound; any
// other Postgres error becomes DatabaseError wrapping the original.
func FromPg(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := As(err); ok {
		return err
	}
	if stderrors.Is(err, context.Canceled) || stderrors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if stderrors.Is(err, pgx.ErrNoRows) {
		return Wrap(NotFound, err, "Record was not found")
	}
	var pg *pgconn.PgError
	if !stderrors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case pgUniqueViolation:
		cols, vals := parseKeyDetail(pg.Detail)
		return Wrap(InvalidData, err, fmt.Sprintf("%s with %s, already exists.", HumanTable(pg.TableName), joinPairs(cols, vals)))
	case pgNotNullViolation:
		return Wrap(InvalidData, err, fmt.Sprintf("Cannot set field '%s' of %s to null", pg.ColumnName, HumanTable(pg.TableName)))
	case pgForeignKeyViolation:
		cols, vals := parseKeyDetail(pg.Detail)
		return Wrap(NotFound, err, fmt.Sprintf("You tried to set relationship %s, but such entity does not exist", joinPairs(cols, vals)))
	case pgUndefinedColumn:
		return Wrap(InvalidData, err, pg.Message)
	case pgCheckViolation:
		return Wrap(InvalidData, err, fmt.Sprintf("%s violates check constraint %s", HumanTable(pg.TableName), pg.ConstraintName))
	case pgInvalidTextRepr:
		return Wrap(InvalidData, err, pg.Message)
	case pgQueryCanceled:
		return NewUnavailable(CodeTimeout, err)
	case pgSerializationFailure, pgDeadlockDetected:
		return Wrap(Conflict, err, "The request conflicted with another request. You may retry the request with the provided Idempotency-Key.").WithCode("invalid_state_error")
	}
	if pgUnavailable(pg.Code) {
		return NewUnavailable(CodeDatabaseUnavailable, err)
	}
	return Wrap(DatabaseError, err, pg.Message).WithCode("api_error")
}

// IsUniqueViolation reports whether err's chain holds a Postgres unique
// violation, optionally on the named constraint.
func IsUniqueViolation(err error, constraint ...string) bool {
	var pg *pgconn.PgError
	if !stderrors.As(err, &pg) || pg.Code != pgUniqueViolation {
		return false
	}
	if len(constraint) == 0 {
		return true
	}
	for _, c := range constraint {
		if pg.ConstraintName == c {
			return true
		}
	}
	return false
}

// HumanTable turns a table name into Medusa's entity wording: underscores
// become spaces and the first letter is upper case ("provider_identity" →
// "Provider identity").
func HumanTable(table string) string {
	s := strings.ReplaceAll(table, "_", " ")
	if s == "" {
		return "Record"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func parseKeyDetail(detail string) (cols, vals []string) {
	m := keyDetail.FindStringSubmatch(detail)
	if m == nil {
		return nil, nil
	}
	cols = strings.Split(m[1], ", ")
	for i, c := range cols {
		// A case-insensitive column is indexed as lower(<col>); the
		// message names the column.
		if in, ok := strings.CutPrefix(c, "lower("); ok {
			cols[i] = strings.TrimSuffix(in, ")")
		}
	}
	vals = strings.SplitN(m[2], ", ", len(cols))
	return cols, vals
}

func joinPairs(cols, vals []string) string {
	if len(cols) == 0 {
		return "the given values"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		v := ""
		if i < len(vals) {
			v = vals[i]
		}
		parts[i] = fmt.Sprintf("%s: %s", c, v)
	}
	return strings.Join(parts, ", ")
}
