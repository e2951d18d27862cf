package wftimers_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmigrations "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/wftimers"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
)

// childEnv, when set to a database URL, turns the test binary into an
// application instance that starts one run of the workflow named by
// childWorkflowEnv, says "parked" on stdout when the run parks, and waits
// to be killed.
const (
	childEnv         = "WFTIMERS_TEST_CHILD"
	childWorkflowEnv = "WFTIMERS_TEST_WORKFLOW"
)

// childWorkflows are the workflows every instance registers, as a real
// application does; the journal only sees this process's steps.
func childWorkflows(j *journal) map[string]*workflows.Workflow[string, string] {
	return map[string]*workflows.Workflow[string, string]{
		"killed-retry": flakyWorkflow("killed-retry", j, time.Second),
		"killed-async": asyncWorkflow("killed-async", j, 0),
	}
}

func childMain(url string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "child:", err); return 1 }
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fail(err)
	}
	c := container.New()
	if err := container.Register(c, nodeKey, "child"); err != nil {
		return fail(err)
	}
	je, err := jobs.New(pool, c, jobs.Options{ID: "child", Logger: discard})
	if err != nil {
		return fail(err)
	}
	tm, err := wftimers.New(je)
	if err != nil {
		return fail(err)
	}
	wf := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithContainer(c),
		workflows.WithLogger(discard), workflows.WithTimers(tm), workflows.WithInstanceID("child", 2*time.Second))
	tm.Bind(wf)
	def := childWorkflows(&journal{})[os.Getenv(childWorkflowEnv)]
	if def == nil {
		return fail(fmt.Errorf("unknown workflow %q", os.Getenv(childWorkflowEnv)))
	}
	parked := make(chan struct{}, 1)
	wf.Subscribe(func(ev workflows.Event) {
		if ev.Type == workflows.EventPark {
			select {
			case parked <- struct{}{}:
			default:
			}
		}
	})
	if err := je.Start(ctx); err != nil {
		return fail(err)
	}
	go func() {
		_, err := def.Run(ctx, nil, "job", workflows.WithEngine(wf), workflows.WithTransactionID("tx-"+def.Name()))
		fmt.Fprintln(os.Stderr, "child: Run returned before the kill:", err)
	}()
	select {
	case <-parked:
		fmt.Println("parked")
	case <-time.After(30 * time.Second):
		return fail(fmt.Errorf("the run did not park"))
	}
	time.Sleep(10 * time.Minute) // until killed
	return 1
}

// startAndKillChild runs the test binary as an instance that parks a run of
// workflow name, and SIGKILLs it once the run is parked.
func startAndKillChild(t *testing.T, url, name string) {
	t.Helper()
	cmd := testkit.Child(t, childEnv+"="+url, childWorkflowEnv+"="+name)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "parked" {
		t.Fatalf("child said %q, %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// survivorOfKilledChild starts the surviving instance on a fresh database,
// then a child instance that parks a run of workflow name and is SIGKILLed;
// it returns the survivor and its journal.
func survivorOfKilledChild(t *testing.T, name string) (*node, *journal) {
	t.Helper()
	url := pgtest.NewURL(t, jobsmigrations.Source, wfmigrations.Source())
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	j := &journal{}
	defs := childWorkflows(j)
	b := newNode(t, pool, "survivor", time.Hour, defs["killed-retry"], defs["killed-async"])
	startAndKillChild(t, url, name)
	return b, j
}

// TestKilledInstanceRetryResumesElsewhere: an instance parks a run waiting
// for its retry and is SIGKILLed; the surviving instance works the wake-up
// job and finishes the run.
func TestKilledInstanceRetryResumesElsewhere(t *testing.T) {
	b, j := survivorOfKilledChild(t, "killed-retry")
	ev := b.waitEvent(t, workflows.EventFinish)
	if ev.State != workflows.RunDone || ev.Result != "job done" {
		t.Fatalf("finish: %+v", ev)
	}
	if !j.has("attempt 2 on survivor") || j.has("attempt 1 on survivor") {
		t.Fatalf("journal of the survivor: %s", j)
	}
}

// TestKilledInstanceAsyncStepCompletedElsewhere: an instance parks a run on
// an async step and is SIGKILLed; the step is completed on the surviving
// instance, which resumes and finishes the run without polling.
func TestKilledInstanceAsyncStepCompletedElsewhere(t *testing.T) {
	b, j := survivorOfKilledChild(t, "killed-async")
	key := workflows.RunKey{WorkflowID: "killed-async", TransactionID: "tx-killed-async"}
	if err := b.wf.SetStepSuccess(context.Background(), key, "killed-async-ask", "yes"); err != nil {
		t.Fatal(err)
	}
	ev := b.waitEvent(t, workflows.EventFinish)
	if ev.State != workflows.RunDone || ev.Result != "yes!" {
		t.Fatalf("finish: %+v", ev)
	}
	if !j.has("after on survivor") || j.has("ask on survivor") {
		t.Fatalf("journal of the survivor: %s", j)
	}
}
