package testkit_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

const childEnv = "TESTKIT_TEST_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		fmt.Println("child", v, len(os.Args))
		if v == "hang" {
			time.Sleep(time.Minute)
		}
		os.Exit(0)
	}
	pgtest.Main(m)
}

// The child runs TestMain with the environment it was given, and no test;
// one still running when its test ends is killed.
func TestChild(t *testing.T) {
	out, err := testkit.Child(t, childEnv+"=hello").Output()
	if err != nil || string(out) != "child hello 2\n" {
		t.Fatalf("child said %q, %v", out, err)
	}
	var hung *exec.Cmd
	t.Run("hang", func(t *testing.T) {
		hung = testkit.Child(t, childEnv+"=hang")
		stdout, err := hung.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := hung.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "child hang 2\n" {
			t.Fatalf("child said %q", line)
		}
	})
	done := make(chan error, 1)
	go func() { done <- hung.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("child ended with %v, want killed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the hanging child was not killed")
	}
}

func TestBufferConcurrentWrites(t *testing.T) {
	var b testkit.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprint(&b, "x")
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if b.Len() != 800 || b.String() != strings.Repeat("x", 800) {
		t.Fatalf("%d bytes", b.Len())
	}
	b.Reset()
	if b.Len() != 0 {
		t.Fatal("Reset kept data")
	}
}

type ping struct{}

func (ping) Kind() string { return "testkit_ping" }

type pingWorker struct {
	river.WorkerDefaults[ping]
	n *atomic.Int64
}

func (w pingWorker) Work(context.Context, *river.Job[ping]) error { w.n.Add(1); return nil }

// Jobs and StartJobs give a working engine, stopped by the test's cleanup.
func TestJobs(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	e := testkit.Jobs(t, pool, container.New(), jobs.Options{Configure: testkit.FastRiver})
	var n atomic.Int64
	if err := jobs.AddWorker(e, pingWorker{n: &n}); err != nil {
		t.Fatal(err)
	}
	if err := e.AddQueue(river.QueueDefault, 1); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	client, err := e.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(context.Background(), ping{}, nil); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the job", func() bool { return n.Load() == 1 })
}
