package eventbus_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

func count(t *testing.T, pool *pgxpool.Pool, q string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// appDatabase returns a database with the test application's tables, its
// URL for child instances and a pool for this process.
func appDatabase(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.NewURL(t, sources...)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(context.Background(), appTables); err != nil {
		t.Fatal(err)
	}
	return url, pool
}

// Two application instances, real processes on one database:
//   - each event reaches each subscriber exactly once after deduplication;
//   - the per-second scheduled job runs once per tick;
//   - SIGKILL of the instance in the middle of a delivery loses nothing: the
//     other instance takes over River's leadership, rescues the stuck
//     delivery and finishes it.
//
// The test waits mostly for River's leader lease to expire after the kill
// (10 to 20 seconds, not configurable in River).
func TestTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for a leader lease to expire")
	}
	url, pool := appDatabase(t)
	ctx := context.Background()
	// This process is a server-mode instance: it emits (fan-out needs the
	// subscribers registered) and works nothing.
	bus, e := newBus(t, pool, jobs.ModeServer, container.New())
	if err := registerApp(bus, e, pool, "server"); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)

	// A starts alone and becomes River's leader.
	a := startInstance(t, url, "instance-a")
	pgtest.WaitFor(t, "A to lead", func() bool {
		return count(t, pool, `SELECT count(*) FROM river_leader WHERE leader_id = 'instance-a'`) == 1
	})
	// A takes the slow event and gets stuck in it.
	slow, _ := events.New("slow.created", map[string]string{"id": "slow_1"}, events.Metadata{})
	slow.ID = "evt_slow"
	if err := bus.Emit(ctx, slow); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "A to start the slow delivery", func() bool {
		return count(t, pool, `SELECT count(*) FROM delivery_log WHERE event_id = 'evt_slow' AND instance = 'instance-a' AND attempt = 1`) == 1
	})
	b := startInstance(t, url, "instance-b")

	// Events emitted in transactions while both instances work.
	emit := func(from, n int) {
		t.Helper()
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			for i := from; i < from+n; i++ {
				m, _ := events.New("thing.created", map[string]int{"i": i}, events.Metadata{Source: "test"})
				m.ID = fmt.Sprintf("evt_%03d", i)
				if err := bus.Emit(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		emit(i*10, 10)
	}
	pgtest.WaitFor(t, "40 events × 2 subscribers", func() bool {
		return count(t, pool, `SELECT count(*) FROM effect WHERE event_id LIKE 'evt_0%'`) >= 80
	})
	pgtest.WaitFor(t, "3 ticks with both instances up", func() bool {
		return count(t, pool, `SELECT count(DISTINCT tick) FROM tick_log`) >= 3
	})
	for _, inst := range []string{"instance-a", "instance-b"} {
		t.Logf("%s delivered %d thing events", inst, count(t, pool, `SELECT count(*) FROM delivery_log WHERE instance = $1 AND subscriber <> 'slow'`, inst))
	}

	// Kill A, which is still stuck in the slow delivery and is the leader.
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	killedAt := time.Now()
	emit(40, 10) // B alone now
	pgtest.WaitFor(t, "B to finish the slow delivery", func() bool {
		return count(t, pool, `SELECT count(*) FROM effect WHERE event_id = 'evt_slow'`) >= 1
	})
	t.Logf("slow delivery finished %s after the kill", time.Since(killedAt).Round(100*time.Millisecond))
	pgtest.WaitFor(t, "the events emitted after the kill", func() bool {
		return count(t, pool, `SELECT count(*) FROM effect WHERE event_id LIKE 'evt_0%'`) >= 100
	})
	pgtest.WaitFor(t, "2 ticks after the kill", func() bool {
		return count(t, pool, `SELECT count(DISTINCT tick) FROM tick_log WHERE tick > $1`, killedAt) >= 2
	})

	// Stop B gracefully.
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("instance B: %v\n%s", err, b.errs.String())
	}

	// Each (subscriber, event) had its effect exactly once.
	if n := count(t, pool, `SELECT count(*) FROM (SELECT 1 FROM effect GROUP BY subscriber, event_id HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d (subscriber, event) pairs applied more than once", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM effect`); n != 101 {
		t.Fatalf("%d effects, want 50 events × 2 subscribers + 1 slow = 101", n)
	}
	// The slow delivery: attempt 1 on A (killed), finished by B.
	if n := count(t, pool, `SELECT count(*) FROM effect WHERE event_id = 'evt_slow' AND instance = 'instance-b'`); n != 1 {
		t.Fatal("the slow delivery was not finished by B")
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event' AND state <> 'completed'`); n != 0 {
		t.Fatalf("%d deliveries not completed", n)
	}
	// Each tick was inserted once, and applied once after deduplication.
	if n := count(t, pool, `SELECT count(*) FROM (SELECT 1 FROM river_job WHERE kind = 'medusa_scheduled' GROUP BY args->>'tick' HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d ticks inserted more than once", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM (SELECT 1 FROM tick_log GROUP BY tick HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d ticks ran more than once", n)
	}
	t.Logf("ticks: %d jobs, %d applied, %d attempts beyond the first",
		count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'medusa_scheduled'`),
		count(t, pool, `SELECT count(*) FROM tick_log`),
		count(t, pool, `SELECT coalesce(sum(attempt - 1), 0) FROM river_job WHERE kind = 'medusa_scheduled'`))
}
