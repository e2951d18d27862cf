package testkit

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel SIGKILL cmd when this process dies.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
