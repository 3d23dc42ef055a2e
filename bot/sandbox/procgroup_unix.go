//go:build unix

package sandbox

import (
	"os/exec"
	"syscall"
)

// killOnCancel makes the child lead its own process group, and kills the
// whole group when the command is cancelled.
func killOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
}
