// Command startprobe measures how long a medusa-go server takes from process
// start to its first 200 answer on /health, for scripts/loadtest.sh.
//
// It starts the command given after "--" (with the environment it was given)
// -n times; each time it polls http://ADDR/health every 1 ms from the moment
// the process is started, records the time of the first 200, reads the
// server's VmRSS/VmHWM after -settle, then stops it with SIGTERM and waits
// for it to exit. It prints one line per run and a summary (min, median,
// max).
//
// Usage:
//
//	go run ./scripts/startprobe -addr 127.0.0.1:9123 -n 20 -- ./medusa-go start -H 127.0.0.1 -p 9123
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "startprobe:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9000", "host:port the server listens on")
	n := flag.Int("n", 10, "number of starts")
	timeout := flag.Duration("timeout", 30*time.Second, "give up on a start after this long")
	settle := flag.Duration("settle", 0, "after healthy, wait this long and report the server's VmRSS/VmHWM")
	logPath := flag.String("log", os.DevNull, "file receiving the server's stdout and stderr")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		return errors.New("no server command given (after --)")
	}
	logf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	client := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	url := "http://" + *addr + "/health"
	var took []time.Duration
	for i := 0; i < *n; i++ {
		// Nothing may answer before our process does.
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			return fmt.Errorf("something already answers on %s", url)
		}
		d, mem, err := once(client, url, args, logf, *timeout, *settle)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		took = append(took, d)
		fmt.Printf("run %2d: healthy after %6.1f ms%s\n", i+1, ms(d), mem)
	}
	slices.Sort(took)
	fmt.Printf("start to healthy over %d runs: min %.1f ms, median %.1f ms, max %.1f ms\n", len(took), ms(took[0]), ms(took[len(took)/2]), ms(took[len(took)-1]))
	return nil
}

func once(client *http.Client, url string, args []string, logf io.Writer, timeout, settle time.Duration) (time.Duration, string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return errors.New("server did not stop within 15 s of SIGTERM")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			return 0, "", fmt.Errorf("server exited before it was healthy: %v", err)
		case <-ctx.Done():
			_ = stop()
			return 0, "", fmt.Errorf("not healthy within %s", timeout)
		case <-time.After(time.Millisecond):
		}
	}
	d := time.Since(t0)
	mem := ""
	if settle > 0 {
		time.Sleep(settle)
		mem = "; " + memory(cmd.Process.Pid)
	}
	if err := stop(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return 0, "", err
		}
		return 0, "", fmt.Errorf("server exited with %v after SIGTERM", err)
	}
	return d, mem, nil
}

// memory returns the VmRSS and VmHWM lines of pid's /proc status.
func memory(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "memory unknown: " + err.Error()
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
