// Package sqlb is the SQL builder of generated services' reads: Filter
// (typed filter operators), FindConfig (select, order, skip/take, keyset
// pagination, with_deleted), Where and Find, which turn a typed filter into
// SQL with only the predicates that are used and every value as a bind
// parameter, and the row scanner behind them.
//
// Why a builder and not catch-all prepared statements: a query such as
// WHERE ($1 IS NULL OR email = $1) is one statement for every filter shape;
// after a few executions Postgres may switch it to a generic plan, which
// cannot know which predicates are active and scans the table. The builder
// emits one SQL text per filter shape ("email = $1 AND deleted_at IS NULL"),
// so even a generic plan of that text has only real predicates and uses the
// matching index. See docs/modgen.md for EXPLAIN evidence.
//
// Lists at scale (docs/modgen.md, "Lists at scale"): FindPage returns a
// Page (rows, count, Estimated, Next) with the count bounded by
// FindConfig.CountLimit (the planner's estimate past it), pages after an
// opaque cursor (FindConfig.Cursor, Page.Next) read in index-served parts
// that keep the NULLs of nullable order columns, deep offsets read by a
// deferred join (DeferredJoinOffset), and a q search without an order
// ranked by exact matches (Where.RankSearch).
//
// Relations: SplitRelations separates a FindConfig's relations (Relations,
// dotted Select entries) for the generated loaders, which read each
// relation in one statement per level (LoadOne, LoadMany, FindThrough) and
// stitch the rows back. Read and ThroughRead are Find and FindThrough
// prepared for a caller's batch (framework/query sends a page and its
// links' rows in one round trip). FilterTree and ParseFilters are Medusa's
// filter objects in a model-agnostic form; SetOp and the As* converters fill
// a typed filter from them.
//
// It also holds what generated creates and soft deletes run on: the
// parameters of the insert statement (JSONText, ArrayText), the COPY path
// from CopyMin rows (CopyRows, Now, Clone, Ptr, JSON), Replanned (statements
// over lists of ids planned for their values), the classification of q for the joined search index
// (SearchJoinable, SearchNarrows) and Nearest, the "did you mean" of error
// messages. It lives in framework/ because generated modules import only
// framework packages (a rule of the architecture, see docs/architecture.md).
package sqlb
