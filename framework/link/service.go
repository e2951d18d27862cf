package link

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/medusa-go/medusa/framework/names"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/ids"
	"github.com/medusa-go/medusa/framework/link/cascade"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Key is the container key of the link service (Medusa's
// resolve("link")). Generated services resolve it, as an cascade.Cascader, to
// tell it of their soft deletes, restores and deletes (the name of
// cascade.CascaderKey, "link").
var Key = container.NewKey[*Service](cascade.CascaderKey.Name())

// Ref is one end of a link: a record of a module, by linkable key (Medusa's
// { [module]: { [key]: id } }).
type Ref struct {
	Module string `json:"module"`
	Key    string `json:"key"`
	ID     string `json:"id"`
}

// Pair is one link between two records (Medusa's link definition
// { [moduleA]: { [keyA]: idA }, [moduleB]: { [keyB]: idB }, data }). From
// and To follow the definition's order (left, right). Data holds the
// values of the link's extra columns.
type Pair struct {
	From Ref            `json:"from"`
	To   Ref            `json:"to"`
	Data map[string]any `json:"data,omitempty"`
	// Link is the link's table: it tells apart two links between the same
	// entities. Definition.Pair sets it; when empty, the link is found by
	// From's and To's modules and keys.
	Link string `json:"link,omitempty"`
}

// Pair returns the link between the left record fromID and the right record
// toID. In List, an empty id matches every record of its side.
func (d *Definition) Pair(fromID, toID string) Pair {
	return Pair{
		From: Ref{Module: d.Left.Entity.Module, Key: d.leftColumn(), ID: fromID},
		To:   Ref{Module: d.Right.Entity.Module, Key: d.rightColumn(), ID: toID},
		Link: d.Table(),
	}
}

// With returns p with data for the link's extra columns.
func (p Pair) With(data map[string]any) Pair { p.Data = data; return p }

// Keys are record ids by module and linkable key, the shape of Delete and
// Restore ({"user": {"user_id": ["user_1"]}}).
type Keys map[string]map[string][]string

func (k Keys) add(module, key string, ids ...string) {
	if len(ids) == 0 {
		return
	}
	if k[module] == nil {
		k[module] = map[string][]string{}
	}
	k[module][key] = append(k[module][key], ids...)
}

// Service creates, dismisses and lists links, and carries soft deletes,
// restores and deletes over links (Medusa's Link service). It is an
// cascade.Cascader: register it under Key and every generated service built
// from the same container tells it, in its own transaction, which records
// it soft-deleted, restored or deleted.
type Service struct {
	db  sqlb.DB
	reg *Registry
	c   *container.Container
}

// NewService returns the link service over database (where the link tables
// are, the modules' database), for the links of reg; it reaches the
// modules of a cascade through c.
func NewService(database sqlb.DB, reg *Registry, c *container.Container) *Service {
	return &Service{db: database, reg: reg, c: c}
}

// Register provides the link service under Key in c, built on first use.
func Register(c *container.Container, database sqlb.DB, reg *Registry) error {
	return container.Provide(c, Key, func(context.Context, *container.Container) (*Service, error) {
		return NewService(database, reg, c), nil
	})
}

// Registry returns the service's registry.
func (s *Service) Registry() *Registry { return s.reg }

type group struct {
	d     *Definition
	pairs []Pair
}

// groups sorts pairs by definition, in order of first appearance, checking
// each: known link in this order, ids set, data only for extra columns.
func (s *Service) groups(pairs []Pair, method string, wildcard bool) ([]group, error) {
	var out []group
	for _, p := range pairs {
		d, err := s.reg.definition(p.From, p.To, p.Link)
		if err != nil {
			if e, ok := merrors.As(err); ok {
				e.Message = strings.Replace(e.Message, "'link.create'", "'link."+method+"'", 1)
			}
			return nil, err
		}
		if !wildcard && (p.From.ID == "" || p.To.ID == "") {
			return nil, merrors.New(merrors.InvalidData, "link %s: %s with an empty id (%s %q, %s %q)", d.Table(), method, p.From.Key, p.From.ID, p.To.Key, p.To.ID)
		}
		for k := range p.Data {
			if !slices.ContainsFunc(d.Columns, func(c Column) bool { return c.Name == k }) {
				cols := make([]string, len(d.Columns))
				for i, c := range d.Columns {
					cols[i] = c.Name
				}
				msg := fmt.Sprintf("link %s has no extra column %q", d.Table(), k)
				if n := names.Nearest(k, cols); n != "" {
					msg += fmt.Sprintf("; did you mean %q?", n)
				}
				if len(cols) == 0 {
					msg += "; it has none"
				}
				return nil, merrors.New(merrors.InvalidData, "%s", msg)
			}
		}
		i := slices.IndexFunc(out, func(g group) bool { return g.d == d })
		if i < 0 {
			out = append(out, group{d: d})
			i = len(out) - 1
		}
		out[i].pairs = append(out[i].pairs, p)
	}
	return out, nil
}

// Create creates links (Medusa's link.create): one upsert per link
// definition, which brings back a dismissed link and writes the Data of
// the extra columns. The link's cardinality is checked within the call and
// against the live links: a one-to-one link fails if either record is
// already linked to another; a side that is a list fails if its record is
// already linked to another record of the other side (a post has one
// author); a many-to-many link is not checked. A violation fails with
// invalid_data "Cannot create multiple links between '<A>' and '<B>'" and
// creates nothing. Re-creating an existing pair updates the extra columns
// its Data names (one it leaves out keeps its value; on a new link it gets
// its default).
func (s *Service) Create(ctx context.Context, pairs ...Pair) error {
	gs, err := s.groups(pairs, "create", false)
	if err != nil || len(gs) == 0 {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, conn db.DBTX) error {
		for _, g := range gs {
			if err := s.checkCardinality(ctx, conn, g); err != nil {
				return err
			}
			// pairs that set the same extra columns go together: a column a
			// pair leaves out gets its default, or keeps its value when the
			// link exists
			var sets []group
			for _, p := range g.pairs {
				i := slices.IndexFunc(sets, func(x group) bool { return sameKeys(x.pairs[0].Data, p.Data) })
				if i < 0 {
					sets = append(sets, group{d: g.d})
					i = len(sets) - 1
				}
				sets[i].pairs = append(sets[i].pairs, p)
			}
			for _, set := range sets {
				if err := s.upsert(ctx, conn, set); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Service) tx(ctx context.Context, fn func(ctx context.Context, conn db.DBTX) error) error {
	err := db.InTx(ctx, s.db, func(ctx context.Context, tx pgx.Tx) error { return fn(ctx, tx) })
	if err == nil {
		return nil
	}
	if e := merrors.FromPg(err); e != err {
		return e
	}
	return fmt.Errorf("link: %w", err)
}

func (s *Service) checkCardinality(ctx context.Context, conn db.DBTX, g group) error {
	d := g.d
	if d.manyToMany() {
		return nil
	}
	checkLeft := !d.Right.IsList // a left record has one right record
	checkRight := !d.Left.IsList // a right record has one left record
	violation := merrors.New(merrors.InvalidData, "Cannot create multiple links between '%s' and '%s'", d.Left.Entity.Module, d.Right.Entity.Module)
	type pair struct{ l, r string }
	batch := map[pair]bool{}
	lefts, rights := map[string]string{}, map[string]string{}
	for _, p := range g.pairs {
		l, r := p.From.ID, p.To.ID
		batch[pair{l, r}] = true
		if prev, ok := lefts[l]; ok && prev != r && checkLeft {
			return violation
		}
		if prev, ok := rights[r]; ok && prev != l && checkRight {
			return violation
		}
		lefts[l], rights[r] = r, l
	}
	// Serialize the creates of this link so that two concurrent calls cannot
	// both pass the check.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "link:"+d.Table()); err != nil {
		return err
	}
	var conds []string
	var args []any
	if checkLeft {
		args = append(args, keysOf(lefts))
		conds = append(conds, fmt.Sprintf("%s = ANY($%d)", quoteIdent(d.leftColumn()), len(args)))
	}
	if checkRight {
		args = append(args, keysOf(rights))
		conds = append(conds, fmt.Sprintf("%s = ANY($%d)", quoteIdent(d.rightColumn()), len(args)))
	}
	rows, err := conn.Query(ctx, `SELECT `+quoteIdent(d.leftColumn())+`, `+quoteIdent(d.rightColumn())+` FROM `+quoteIdent(d.Table())+
		` WHERE "deleted_at" IS NULL AND (`+strings.Join(conds, " OR ")+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l, r string
		if err := rows.Scan(&l, &r); err != nil {
			return err
		}
		if batch[pair{l, r}] {
			continue
		}
		if (checkLeft && lefts[l] != "") || (checkRight && rights[r] != "") {
			return violation
		}
	}
	return rows.Err()
}

func sameKeys(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// upsert writes pairs that set the same extra columns in one statement:
// the rows travel as one JSON array that jsonb_to_recordset turns into
// typed columns.
func (s *Service) upsert(ctx context.Context, conn db.DBTX, g group) error {
	d := g.d
	var extra []Column
	for _, c := range d.Columns {
		if _, ok := g.pairs[0].Data[c.Name]; ok {
			extra = append(extra, c)
		}
	}
	l, r := quoteIdent(d.leftColumn()), quoteIdent(d.rightColumn())
	cols := []string{`"id"`, l, r}
	types := []string{`"id" text`, l + " text", r + " text"}
	sets := []string{`"deleted_at" = NULL`, `"updated_at" = now()`}
	for _, c := range extra {
		q := quoteIdent(c.Name)
		cols = append(cols, q)
		types = append(types, q+" "+sqlTypes[c.Type])
		sets = append(sets, q+" = EXCLUDED."+q)
	}
	recs := make([]map[string]any, len(g.pairs))
	for i, p := range g.pairs {
		m := make(map[string]any, len(p.Data)+3)
		for k, v := range p.Data {
			m[k] = v
		}
		m["id"], m[d.leftColumn()], m[d.rightColumn()] = ids.New(d.IDPrefix), p.From.ID, p.To.ID
		recs[i] = m
	}
	body, err := json.Marshal(recs)
	if err != nil {
		return merrors.Wrap(merrors.InvalidData, err, fmt.Sprintf("link %s: data does not marshal to JSON: %v", d.Table(), err))
	}
	xcols := make([]string, len(cols))
	for i, c := range cols {
		xcols[i] = "x." + c
	}
	sql := `INSERT INTO ` + quoteIdent(d.Table()) + ` (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(xcols, ", ") +
		` FROM jsonb_to_recordset($1::jsonb) AS x(` + strings.Join(types, ", ") + `) ON CONFLICT (` + l + `, ` + r + `) DO UPDATE SET ` + strings.Join(sets, ", ")
	_, err = conn.Exec(ctx, sql, string(body))
	return err
}

// Dismiss soft-deletes the given links (Medusa's link.dismiss); links that
// do not exist or are dismissed already are ignored.
func (s *Service) Dismiss(ctx context.Context, pairs ...Pair) error {
	gs, err := s.groups(pairs, "dismiss", false)
	if err != nil || len(gs) == 0 {
		return err
	}
	return s.tx(ctx, func(ctx context.Context, conn db.DBTX) error {
		for _, g := range gs {
			ls, rs := make([]string, len(g.pairs)), make([]string, len(g.pairs))
			for i, p := range g.pairs {
				ls[i], rs[i] = p.From.ID, p.To.ID
			}
			l, r := quoteIdent(g.d.leftColumn()), quoteIdent(g.d.rightColumn())
			if _, err := conn.Exec(ctx, `UPDATE `+quoteIdent(g.d.Table())+` AS t SET "deleted_at" = now(), "updated_at" = now() FROM unnest($1::text[], $2::text[]) AS p(l, r) WHERE t.`+l+` = p.l AND t.`+r+` = p.r AND t."deleted_at" IS NULL`, ls, rs); err != nil {
				return err
			}
		}
		return nil
	})
}

// List returns the live links matching pairs (Medusa's link.list), with
// their Data: an empty id in a pair matches every record of its side
// (d.Pair("post_1", "") lists the links of post_1).
func (s *Service) List(ctx context.Context, pairs ...Pair) ([]Pair, error) {
	gs, err := s.groups(pairs, "list", true)
	if err != nil {
		return nil, err
	}
	var out []Pair
	conn := db.Conn(ctx, s.db)
	for _, g := range gs {
		d := g.d
		ls, rs := make([]string, len(g.pairs)), make([]string, len(g.pairs))
		for i, p := range g.pairs {
			ls[i], rs[i] = p.From.ID, p.To.ID
		}
		l, r := quoteIdent(d.leftColumn()), quoteIdent(d.rightColumn())
		data := "NULL::jsonb"
		if len(d.Columns) > 0 {
			parts := make([]string, len(d.Columns))
			for i, c := range d.Columns {
				parts[i] = quoteLit(c.Name) + ", t." + quoteIdent(c.Name)
			}
			data = "jsonb_build_object(" + strings.Join(parts, ", ") + ")"
		}
		rows, err := conn.Query(ctx, `SELECT DISTINCT t.`+l+`, t.`+r+`, `+data+` FROM `+quoteIdent(d.Table())+` AS t JOIN unnest($1::text[], $2::text[]) AS p(l, r) ON (p.l = '' OR t.`+l+` = p.l) AND (p.r = '' OR t.`+r+` = p.r) WHERE t."deleted_at" IS NULL ORDER BY 1, 2`, ls, rs)
		if err != nil {
			return nil, merrors.FromPg(err)
		}
		for rows.Next() {
			var from, to string
			var raw []byte
			if err := rows.Scan(&from, &to, &raw); err != nil {
				rows.Close()
				return nil, err
			}
			p := d.Pair(from, to)
			if raw != nil {
				if err := json.Unmarshal(raw, &p.Data); err != nil {
					rows.Close()
					return nil, fmt.Errorf("link: decode data of %s: %w", d.Table(), err)
				}
			}
			out = append(out, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, merrors.FromPg(err)
		}
	}
	return out, nil
}

// Delete dismisses every live link of the given records, in every link
// holding their keys, and soft-deletes the records linked to them through
// a side marked DeleteCascade, and so on from those (Medusa's link.delete;
// no record is processed twice). It returns the records the cascade
// soft-deleted, by module and key. A module and key that no link holds
// fails with invalid_data "Key <key> is not linkable on service <module>".
// Everything happens in one transaction (the caller's, when ctx carries
// one): a failure changes nothing.
func (s *Service) Delete(ctx context.Context, keys Keys) (Keys, error) {
	return s.run(ctx, cascade.SoftDeleted, keys)
}

// Restore brings back what Delete of the same keys did: the dismissed links
// of the records (all of them, like the in-module cascades of generated
// restores), and the records of DeleteCascade sides linked to them.
func (s *Service) Restore(ctx context.Context, keys Keys) (Keys, error) {
	return s.run(ctx, cascade.Restored, keys)
}

func (s *Service) run(ctx context.Context, op cascade.CascadeOp, keys Keys) (Keys, error) {
	for _, module := range sortedKeys(keys) {
		for _, key := range sortedKeys(keys[module]) {
			if _, ok := s.reg.EntityByKey(module, key); !ok {
				return nil, merrors.New(merrors.InvalidData, "Key %s is not linkable on service %s", key, module)
			}
		}
	}
	out := Keys{}
	err := s.tx(ctx, func(ctx context.Context, _ db.DBTX) error {
		ctx = withWalk(ctx)
		for _, module := range sortedKeys(keys) {
			if err := s.walk(ctx, op, module, keys[module], out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Cascade implements cascade.Cascader: a generated service tells it, inside its
// transaction, which records it soft-deleted, restored or deleted. Their
// links are dismissed, restored or removed, and the records of
// DeleteCascade sides linked to them are soft-deleted, restored or deleted
// in turn. Keys of models that no link holds are ignored.
func (s *Service) Cascade(ctx context.Context, op cascade.CascadeOp, module string, keys map[string][]string) error {
	return s.tx(ctx, func(ctx context.Context, _ db.DBTX) error {
		return s.walk(withWalk(ctx), op, module, keys, Keys{})
	})
}

// walk applies op to the links of the records keys names (of module), then
// to the records of the DeleteCascade sides linked to them, recording
// those in out.
func (s *Service) walk(ctx context.Context, op cascade.CascadeOp, module string, keys map[string][]string, out Keys) error {
	st := ctx.Value(walkKey{}).(*walkState)
	for _, key := range sortedKeys(keys) {
		e, ok := s.reg.EntityByKey(module, key)
		if !ok {
			continue
		}
		ids := st.fresh(st.walked, op, e.String(), keys[key])
		st.mark(st.called, op, e.String(), ids)
		if len(ids) == 0 {
			continue
		}
		for _, end := range s.reg.Links(e) {
			others, err := s.applyRows(ctx, op, end, ids)
			if err != nil {
				return err
			}
			if !end.Cascade {
				continue
			}
			others = st.fresh(st.called, op, end.To.String(), others)
			if len(others) == 0 {
				continue
			}
			out.add(end.To.Module, end.To.Linkable, others...)
			next := map[string][]string{end.To.Linkable: others}
			var err2 error
			switch op {
			case cascade.SoftDeleted:
				next, err2 = end.To.SoftDelete(ctx, s.c, others...)
			case cascade.Restored:
				next, err2 = end.To.Restore(ctx, s.c, others...)
			case cascade.Deleted:
				err2 = end.To.Delete(ctx, s.c, others...)
			}
			if err2 != nil {
				return fmt.Errorf("link: %s %s of %s: %w", op, end.To, end.Def, err2)
			}
			if len(next) == 0 {
				next = map[string][]string{end.To.Linkable: others}
			}
			// The module's own Cascader call (when it has one) walked these
			// already; without one, this walks their links.
			if err := s.walk(ctx, op, end.To.Module, next, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyRows applies op to the link rows of end's From records ids and
// returns the keys of the To records they linked to.
func (s *Service) applyRows(ctx context.Context, op cascade.CascadeOp, end End, ids []string) ([]string, error) {
	t, from, to := quoteIdent(end.Def.Table()), quoteIdent(end.FromColumn), quoteIdent(end.ToColumn)
	var sql string
	switch op {
	case cascade.SoftDeleted:
		sql = `UPDATE ` + t + ` SET "deleted_at" = now(), "updated_at" = now() WHERE ` + from + ` = ANY($1) AND "deleted_at" IS NULL RETURNING ` + to
	case cascade.Restored:
		sql = `UPDATE ` + t + ` SET "deleted_at" = NULL, "updated_at" = now() WHERE ` + from + ` = ANY($1) AND "deleted_at" IS NOT NULL RETURNING ` + to
	case cascade.Deleted:
		sql = `DELETE FROM ` + t + ` WHERE ` + from + ` = ANY($1) RETURNING ` + to
	default:
		return nil, fmt.Errorf("link: unknown operation %v", op)
	}
	rows, err := db.Conn(ctx, s.db).Query(ctx, sql, ids)
	if err != nil {
		return nil, err
	}
	others, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return sqlb.Unique(others), nil
}

// walkKey carries a cascade's walkState in its context, so that the calls
// it makes into modules, and their Cascader calls back, share it.
type walkKey struct{}

// walkState records, per operation, the records whose links a cascade
// walked and those it applied the operation to, so that none is processed
// twice (a cycle of DeleteCascade links ends).
type walkState struct{ walked, called map[string]bool }

func withWalk(ctx context.Context) context.Context {
	if _, ok := ctx.Value(walkKey{}).(*walkState); ok {
		return ctx
	}
	return context.WithValue(ctx, walkKey{}, &walkState{walked: map[string]bool{}, called: map[string]bool{}})
}

// fresh returns the ids of ids not in set yet, and adds them.
func (w *walkState) fresh(set map[string]bool, op cascade.CascadeOp, entity string, ids []string) []string {
	var out []string
	for _, id := range ids {
		k := op.String() + "\x00" + entity + "\x00" + id
		if !set[k] {
			set[k] = true
			out = append(out, id)
		}
	}
	return out
}

func (w *walkState) mark(set map[string]bool, op cascade.CascadeOp, entity string, ids []string) {
	for _, id := range ids {
		set[op.String()+"\x00"+entity+"\x00"+id] = true
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
