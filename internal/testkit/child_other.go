//go:build !linux

package testkit

import "os/exec"

// dieWithParent is Linux only; elsewhere the test's cleanup kills the child.
func dieWithParent(*exec.Cmd) {}
