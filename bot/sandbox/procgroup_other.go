//go:build !unix

package sandbox

import "os/exec"

// killOnCancel kills the child when the command is cancelled. Without
// Unix process groups (Windows) only the child itself is killed; it starts
// no process of its own.
func killOnCancel(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Kill() }
}
