// Command scalebench measures the Admin API's lists and the services' bulk
// writes on large tables (issue 18): the User Module's users and the blog
// test module's posts (a generated module), each seeded with 100k, 1M or
// 10M live rows plus one soft-deleted row for every ten.
//
// Usage (from the repository root):
//
//	go run ./internal/scalebench -rows 100k,1M -out /tmp/scale.md
//	scripts/scalebench.sh                # 100k, 1M and 10M in turn
//	go run ./internal/scalebench -rows 100k,1M,10M -report   # the saved results' tables again
//
// For each size it:
//
//   - starts a Postgres server of its own from the local binaries
//     (framework/pgembed; as the "postgres" OS user when run as root) on a
//     unix socket only, its cluster on disk in <dir>/<rows>/data
//     (-dir, default /var/tmp/medusa-scale), kept between runs; the server
//     is stopped, by its pid, when the size is done. -database-url uses an
//     existing database instead (one size; -wipe lets the benchmark drop its
//     public schema to seed it again);
//   - migrates it with the application's migrations (the built-in modules
//     and the blog module, app.Migrations) and seeds it server-side
//     (INSERT … SELECT FROM generate_series, a million rows a statement),
//     each table's secondary indexes dropped while it fills and built after
//     (-drop-indexes), then VACUUM ANALYZE. The backends that seed, migrate
//     and clean up run at nice 19 (-seed-nice) so that other work on the
//     machine keeps the CPU; the measured requests run at normal priority.
//     A table scalebench_seed records the size, the seeding's version and
//     every applied migration with a hash of its text: a later run reuses
//     the data, applies migrations added since to it (timed, then ANALYZE),
//     and seeds again only when the size or the seeding changed or an
//     applied migration changed or disappeared (-reseed forces it);
//   - serves the real application (app.New, production mode, the server's
//     limits and pool size, MEDUSA_* variables honoured) on a loopback port,
//     with a bearer token of a user admin@scalebench.test (one more row of
//     the user table);
//   - measures each query shape: it counts the rows the shape matches in
//     SQL (kept in scalebench_truth), sends -warmup requests, then as many
//     as fit in -budget (within -min-n..-n), one at a time over one
//     kept-alive connection, timing each from sending to the last byte read.
//     Every answer is checked: status 200, as many rows as the shape leaves
//     on its page, the exact count (or, for an answer marked
//     count_estimated, one at least covering the rows shown), so a broken
//     query cannot report a fast time;
//   - creates -bulk rows (default 100,000) through each service
//     (CreateUsers, CreatePosts), soft-deletes them, restores them and
//     deletes them, timing each call and sampling the Go heap's peak; the
//     tables are then vacuumed. Should a run stop half-way, the next one
//     deletes the bulk rows first;
//   - prints a markdown table per size and the cost curve across sizes,
//     also written to -out, and saves the numbers to
//     <dir>/<rows>/results.json (-report prints the tables from them).
//
// # The data
//
// Row n (1 … rows + rows/10) of each table is created at 2023-01-01 plus
// n × (3 years / rows), with a ULID of that time as its id (so the id order
// is the creation order), and is soft-deleted when n is divisible by 11.
// Users: email person<n>@example.com, first_name First<0..499> and
// last_name Last<0..7918> spread by a hash of n (q=First42 matches 2.2 % of
// the rows, last_name=Last42 about 126 per million, q=person77777 eleven
// at a million). Posts: title "post<n>: notes on topic<0..499>", a body of
// 100-250 bytes, views 0..9999.
//
// # Adding a query
//
// A query is a line of userShapes or postShapes (shapes.go): a name, the
// request path with placeholders ({deep}: 90 % of the rows, {mid}: half,
// {rows}, {start}: the first created_at, {email}, {title}: a live row's),
// and the SQL predicate of the rows it matches. Another generated module is
// a line of seedTables (seed.go: its INSERT … SELECT) and of table
// (shapes.go), and its module in appConfig (serve.go); bump seedVersion when
// the seeded data changes.
//
// # Cursor pages and estimated counts
//
// A shape with Depth is a page reached by cursor: the benchmark asks for
// the page that ends just before row Depth with offset and limit (once, not
// timed), takes its next_cursor, checks that the cursor page starts with the
// row an offset request finds at Depth, and times the cursor request. While
// the answers carry no next_cursor the shape is reported as skipped. The
// names of the parameter and of the fields (cursor, next_cursor,
// count_estimated) are constants in measure.go. Should a build give
// next_cursor only to pages that were themselves reached by cursor,
// cursorAt must build the cursor instead: from the row at Depth-1, read
// with offset=Depth-1&limit=1, encoded the way the list path encodes it.
package main
