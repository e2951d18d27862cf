package workflows_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
)

type benchOut struct {
	ID    string
	Count int
}

// chainWorkflow runs n trivial steps that return a struct.
func chainWorkflow(name string, n int) *workflows.Workflow[int, benchOut] {
	step := workflows.NewStep("trivial", func(ctx context.Context, sc workflows.StepContext, in benchOut) (benchOut, benchOut, error) {
		in.Count++
		return in, in, nil
	}, func(ctx context.Context, sc workflows.StepContext, c benchOut) error { return nil })
	return workflows.New(name, func(wc *workflows.Context, in int) (benchOut, error) {
		out := benchOut{ID: "x"}
		for range n {
			var err error
			if out, err = step.Run(wc, out); err != nil {
				return out, err
			}
		}
		return out, nil
	})
}

// BenchmarkMemoryStep measures the engine's cost with the memory store: a run
// of n trivial steps. ns/step and allocs/step divide by n; the marginal cost
// of a step is the difference between n=100 and n=1, divided by 99.
func BenchmarkMemoryStep(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			eng := workflows.NewEngine(workflows.WithLogger(quiet))
			wf := chainWorkflow("chain", n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := wf.Run(ctx, nil, 0, workflows.WithEngine(eng)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/step")
		})
	}
}

// BenchmarkPostgresStep measures what one workflow step costs with the
// Postgres store, against one autocommitted single-row INSERT on the same
// server in the same run. A step's cost is its marginal cost in a whole
// run: each iteration times complete runs of n and of 2n steps, and
// (T(2n) − T(n)) / n is one step. Every round trip and commit a step causes
// is inside one of the two runs, whichever step or finishing write it rides
// on (the engine may send a step's COMMIT with the next step's first
// statement, or fold database-only steps into one transaction), and the
// run's fixed cost (its record, its finish) is in both and cancels. So the
// figure keeps its meaning whatever the engine moves between steps.
//
// Each iteration interleaves, so that the machine's load hits them alike:
// n plain INSERTs (each timed), a run of n and one of 2n steps that each
// do that INSERT through db.InTx (inside the step's transaction), and a
// run of n and one of 2n steps that do no database work.
//
// Each metric is the median over the iterations of that iteration's value:
//
//	insert-ns:   one autocommitted INSERT
//	step-ns:     one more step doing that INSERT, in a run (all its costs)
//	empty-ns:    one more step doing nothing, in a run (all its costs)
//	run-ns:      a run's fixed cost: T(n INSERT steps) − n·step-ns
//	overhead-x:  (step-ns − insert-ns) / insert-ns, the engine's cost per step in INSERTs
//	empty-x:     empty-ns / insert-ns
func BenchmarkPostgresStep(b *testing.B) { benchPostgresStep(b) }

// BenchmarkPostgresStepPlain is BenchmarkPostgresStep with the store's fast
// path off (pgstore.WithoutFastPath): what the fast path saves.
func BenchmarkPostgresStepPlain(b *testing.B) { benchPostgresStep(b, pgstore.WithoutFastPath()) }

func benchPostgresStep(b *testing.B, opts ...pgstore.Option) {
	const n = 20
	pool := pgtest.NewPool(b, migrations.Source())
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_item (id bigserial PRIMARY KEY, name text NOT NULL, n int NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool, opts...)), workflows.WithLogger(quiet))
	const insertSQL = `INSERT INTO bench_item (name, n) VALUES ($1, $2)`
	insertStep := workflows.NewStep("insert", func(ctx context.Context, sc workflows.StepContext, i int) (int, int, error) {
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, insertSQL, "step", i)
			return err
		})
		return i + 1, i, err
	}, nil)
	emptyStep := workflows.NewStep("empty", func(ctx context.Context, sc workflows.StepContext, i int) (int, int, error) {
		return i + 1, i, nil
	}, nil)
	type shape struct {
		Steps  int
		Insert bool
	}
	wf := workflows.New("steps", func(wc *workflows.Context, in shape) (int, error) {
		step, i := emptyStep, 0
		if in.Insert {
			step = insertStep
		}
		for range in.Steps {
			var err error
			if i, err = step.Run(wc, i); err != nil {
				return i, err
			}
		}
		return i, nil
	})
	run := func(steps int, insert bool) time.Duration {
		t0 := time.Now()
		if _, err := wf.Run(ctx, nil, shape{steps, insert}, workflows.WithEngine(eng)); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	// One sample per iteration; the metrics are their medians, so that a
	// burst of load on the machine during a few iterations does not move
	// them.
	type sample struct{ insert, step, empty, run float64 }
	var samples []sample
	iteration := func() sample {
		var tInsert time.Duration
		for i := range n {
			t0 := time.Now()
			if _, err := pool.Exec(ctx, insertSQL, "plain", i); err != nil {
				b.Fatal(err)
			}
			tInsert += time.Since(t0)
		}
		stepN, step2N := run(n, true), run(2*n, true)
		emptyN, empty2N := run(n, false), run(2*n, false)
		step := float64(step2N-stepN) / n
		return sample{insert: float64(tInsert) / n, step: step, empty: float64(empty2N-emptyN) / n, run: float64(stepN) - n*step}
	}
	for range 3 { // warm up connections and statement caches
		iteration()
	}
	b.ReportAllocs()
	for b.Loop() {
		samples = append(samples, iteration())
	}
	median := func(f func(sample) float64) float64 {
		v := make([]float64, len(samples))
		for i, x := range samples {
			v[i] = f(x)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	b.ReportMetric(median(func(x sample) float64 { return x.insert }), "insert-ns")
	b.ReportMetric(median(func(x sample) float64 { return x.step }), "step-ns")
	b.ReportMetric(median(func(x sample) float64 { return x.empty }), "empty-ns")
	b.ReportMetric(median(func(x sample) float64 { return x.run }), "run-ns")
	b.ReportMetric(median(func(x sample) float64 { return (x.step - x.insert) / x.insert }), "overhead-x")
	b.ReportMetric(median(func(x sample) float64 { return x.empty / x.insert }), "empty-x")
}

// BenchmarkRecoveryStart measures start-up to a recovered run resuming: with
// an interrupted run in the Postgres store (one of three steps done), the
// timed part opens a pool, builds the engine, registers the workflow, calls
// Recover, and stops when the first not-yet-done step begins.
func BenchmarkRecoveryStart(b *testing.B) {
	url := pgtest.NewURL(b, migrations.Source())
	ctx := context.Background()
	seedPool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer seedPool.Close()
	store := pgstore.New(seedPool)
	rec := &recorder{}
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		key := workflows.RunKey{WorkflowID: "three", TransactionID: fmt.Sprintf("r%d", i)}
		if err := store.CreateRun(ctx, &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking, Input: num{1}, Retention: -1}); err != nil {
			b.Fatal(err)
		}
		if err := store.SaveStep(ctx, key, &workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Attempt: 1, Output: num{2}, CompInput: num{2}}); err != nil {
			b.Fatal(err)
		}
		wf, _ := threeSteps(rec, "three")
		resumed := make(chan struct{}, 1)
		b.StartTimer()

		pool, err := db.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithLogger(quiet))
		eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepBegin && ev.Step == "s2" {
				select {
				case resumed <- struct{}{}:
				default:
				}
			}
		})
		if err := eng.Register(wf); err != nil {
			b.Fatal(err)
		}
		keys, err := eng.Recover(ctx)
		if err != nil || len(keys) != 1 {
			b.Fatalf("recover: %v, %v", keys, err)
		}
		<-resumed

		b.StopTimer()
		_ = eng.Wait(ctx, keys[0])
		pool.Close()
		b.StartTimer()
	}
}

// BenchmarkRecoveryProcess measures the same from outside: with an
// interrupted run in the store, it starts a new process (this test binary,
// as in the crash tests) and stops the clock when the process reports that
// the first not-yet-done step began. It includes exec, Go runtime start-up,
// opening the pool, Recover and the replay.
func BenchmarkRecoveryProcess(b *testing.B) {
	url := pgtest.NewURL(b, migrations.Source())
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE effects (step int NOT NULL, kind text NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	store := pgstore.New(pool)
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		key := workflows.RunKey{WorkflowID: "crashy", TransactionID: fmt.Sprintf("p%d", i)}
		if err := store.CreateRun(ctx, &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking, Input: crashIn{}, Retention: -1}); err != nil {
			b.Fatal(err)
		}
		if err := store.SaveStep(ctx, key, &workflows.StepRecord{Position: "0", Name: "step-1", State: workflows.StepDone, Attempt: 1, Output: 1, CompInput: 1}); err != nil {
			b.Fatal(err)
		}
		cmd := testkit.Child(b, childEnv+"=recover", childURL+"="+url)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		b.StopTimer()
		if err != nil || line != "resumed\n" {
			b.Fatalf("child said %q, %v", line, err)
		}
		_, _ = io.Copy(io.Discard, stdout)
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
