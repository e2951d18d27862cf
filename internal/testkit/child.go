package testkit

import (
	"os"
	"os/exec"
	"testing"
)

// Child returns a command that runs the test binary again as a child
// process, with env ("NAME=value") added to this process's environment and
// no test selected (-test.run=^$): the package's TestMain sees env and
// takes the child's part before running tests,
//
//	func TestMain(m *testing.M) {
//		if os.Getenv("MYPKG_CHILD") != "" {
//			os.Exit(childMain())
//		}
//		pgtest.Main(m)
//	}
//
// The child gets SIGKILL when this process dies, and when the test ends if
// it still runs. Set its output and Start or Run it as any exec.Cmd.
func Child(tb testing.TB, env ...string) *exec.Cmd {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	dieWithParent(cmd)
	tb.Cleanup(func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill() // a no-op once the child was waited for
		}
	})
	return cmd
}
