package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sizeResult is everything measured at one size.
type sizeResult struct {
	Rows   int           `json:"rows"`
	When   time.Time     `json:"when"`
	Env    envInfo       `json:"env"`
	Seed   seedReport    `json:"seed"`
	Shapes []shapeResult `json:"shapes"`
	Bulk   []bulkResult  `json:"bulk"`
}

// envInfo says where and on what the numbers were taken.
type envInfo struct {
	Command    string `json:"command"`
	Commit     string `json:"commit"`
	Go         string `json:"go"`
	Postgres   string `json:"postgres"`
	CPU        string `json:"cpu"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

func saveResult(path string, r sizeResult) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadResult(path string) (sizeResult, error) {
	var r sizeResult
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// writeMarkdown writes a table per size and the cost curves across them.
func writeMarkdown(w io.Writer, results []sizeResult) {
	for _, r := range results {
		writeSize(w, r)
	}
	if len(results) > 0 {
		writeCurve(w, results)
	}
}

func writeSize(w io.Writer, r sizeResult) {
	fmt.Fprintf(w, "## %s rows per table\n\n", thousands(int64(r.Rows)))
	fmt.Fprintf(w, "Measured %s on %s, commit %s, %s, %s; load average %s before, %s after. Command: `%s`.\n\n",
		r.When.UTC().Format("2006-01-02 15:04 MST"), r.Env.CPU, r.Env.Commit, r.Env.Go, r.Env.Postgres, r.Env.LoadBefore, r.Env.LoadAfter, r.Env.Command)
	s := r.Seed
	how := "seeded by this run"
	if s.Reused {
		how = "reused, seeded " + s.SeededAt.UTC().Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(w, "Data (%s): %s rows in each table, one in eleven soft-deleted besides; seeding took %.1f s", how, thousands(total(r.Rows)), s.seconds())
	for _, t := range slices.Sorted(maps.Keys(s.Sizes)) {
		fmt.Fprintf(w, "; %s %s", t, s.Sizes[t])
	}
	fmt.Fprintln(w, ".")
	if len(s.Migrated) > 0 {
		fmt.Fprintf(w, "Migrations applied to the seeded data by this run (with ANALYZE): %s, in %.1f s.\n", strings.Join(s.Migrated, ", "), s.MigrateSeconds)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| seeding phase | s |\n|---|---|")
	for _, p := range s.Phases {
		fmt.Fprintf(w, "| %s | %.1f |\n", p.Name, p.Seconds)
	}
	fmt.Fprintln(w)
	for _, list := range lists(r.Shapes) {
		medusa := r.Rows == 1_000_000
		fmt.Fprintf(w, "### GET /admin/%s\n\n", list)
		head := "| query | request | matched | count | page | n | p50 ms | p99 ms | max ms |"
		sep := "|---|---|---|---|---|---|---|---|---|"
		if medusa {
			head += " Medusa 2.21.2 p50 ms (issue 18) |"
			sep += "---|"
		}
		fmt.Fprintln(w, head+"\n"+sep)
		for _, x := range r.Shapes {
			if x.List != list {
				continue
			}
			fmt.Fprintf(w, "| %s | `%s` | %s |", x.Name, x.Path, thousands(x.Matched))
			switch {
			case x.Err != "":
				fmt.Fprintf(w, " error: %s | | | | | |", strings.ReplaceAll(x.Err, "|", `\|`))
			case x.Skipped != "":
				fmt.Fprintf(w, " skipped: %s | | | | | |", x.Skipped)
			default:
				count := thousands(x.Count)
				if x.Estimated {
					count += " (estimated)"
				}
				fmt.Fprintf(w, " %s | %d | %d | %s | %s | %s |", count, x.Page, x.N, num(x.P50), num(x.P99), num(x.Max))
			}
			if medusa {
				if x.Medusa > 0 {
					fmt.Fprintf(w, " %s |", num(x.Medusa))
				} else {
					fmt.Fprint(w, " |")
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	if len(r.Bulk) > 0 {
		fmt.Fprintf(w, "### Bulk writes through the services\n\n| list | operation | rows | s | rows/s | peak Go heap MB | heap growth MB |\n|---|---|---|---|---|---|---|\n")
		for _, b := range r.Bulk {
			if b.Err != "" {
				fmt.Fprintf(w, "| %s | %s | %s | error: %s | | | |\n", b.List, b.Op, thousands(int64(b.Rows)), strings.ReplaceAll(b.Err, "|", `\|`))
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s | %.2f | %s | %.0f | %.0f |\n", b.List, b.Op, thousands(int64(b.Rows)), b.Seconds, thousands(int64(float64(b.Rows)/b.Seconds)), b.PeakHeapMB, b.DeltaHeapMB)
		}
		fmt.Fprintln(w)
	}
}

// writeCurve is the p50 (and p99) of every shape and the time of every bulk
// write at each size.
func writeCurve(w io.Writer, results []sizeResult) {
	results = slices.Clone(results)
	slices.SortFunc(results, func(a, b sizeResult) int { return a.Rows - b.Rows })
	fmt.Fprintln(w, "## Cost curve")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "p50 ms (p99 ms) by rows per table; {deep} is 90 % of the rows, {mid} half.")
	fmt.Fprintln(w)
	head, sep := "| list | query |", "|---|---|"
	for _, r := range results {
		head += " " + thousands(int64(r.Rows)) + " |"
		sep += "---|"
	}
	fmt.Fprintln(w, head+"\n"+sep)
	type key struct{ list, name string }
	var keys []key
	cells := map[key]map[int]string{}
	for _, r := range results {
		for _, x := range r.Shapes {
			k := key{x.List, x.Name}
			if cells[k] == nil {
				keys = append(keys, k)
				cells[k] = map[int]string{}
			}
			switch {
			case x.Err != "":
				cells[k][r.Rows] = "error"
			case x.Skipped != "":
				cells[k][r.Rows] = "skipped"
			default:
				cells[k][r.Rows] = num(x.P50) + " (" + num(x.P99) + ")"
			}
		}
	}
	for _, k := range keys {
		fmt.Fprintf(w, "| %s | %s |", k.list, k.name)
		for _, r := range results {
			fmt.Fprintf(w, " %s |", cells[k][r.Rows])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	var bulk []sizeResult
	for _, r := range results {
		if len(r.Bulk) > 0 {
			bulk = append(bulk, r)
		}
	}
	if len(bulk) == 0 {
		return
	}
	fmt.Fprintln(w, "Bulk writes through the services: seconds (peak Go heap MB) by rows already in the table.")
	fmt.Fprintln(w)
	head, sep = "| list | operation | rows |", "|---|---|---|"
	for _, r := range bulk {
		head += " " + thousands(int64(r.Rows)) + " |"
		sep += "---|"
	}
	fmt.Fprintln(w, head+"\n"+sep)
	type bkey struct {
		list, op string
		rows     int
	}
	var bkeys []bkey
	bcells := map[bkey]map[int]string{}
	for _, r := range bulk {
		for _, b := range r.Bulk {
			k := bkey{b.List, b.Op, b.Rows}
			if bcells[k] == nil {
				bkeys = append(bkeys, k)
				bcells[k] = map[int]string{}
			}
			if b.Err != "" {
				bcells[k][r.Rows] = "error"
			} else {
				bcells[k][r.Rows] = fmt.Sprintf("%.2f (%.0f)", b.Seconds, b.PeakHeapMB)
			}
		}
	}
	for _, k := range bkeys {
		fmt.Fprintf(w, "| %s | %s | %s |", k.list, k.op, thousands(int64(k.rows)))
		for _, r := range bulk {
			fmt.Fprintf(w, " %s |", bcells[k][r.Rows])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// lists are the lists of rs in their first order.
func lists(rs []shapeResult) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.List) {
			out = append(out, r.List)
		}
	}
	return out
}

// num prints a latency with about three significant digits.
func num(v float64) string {
	switch {
	case v >= 100:
		return thousands(int64(v + 0.5))
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// thousands prints n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
