//go:build !linux

package harness

import (
	"os"
	"syscall"
)

// SysProcAttr: see sys_linux.go (no Pdeathsig here).
func SysProcAttr() *syscall.SysProcAttr {
	if OwnSessions() {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true}
}

// OwnSessions reports XAPROXY_HARNESS_SESSIONS=own.
func OwnSessions() bool { return os.Getenv("XAPROXY_HARNESS_SESSIONS") == "own" }
