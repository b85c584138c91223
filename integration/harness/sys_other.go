//go:build !linux

package harness

import "syscall"

// SysProcAttr: see sys_linux.go (no Pdeathsig here).
func SysProcAttr() *syscall.SysProcAttr {
	if OwnSessions() {
		return &syscall.SysProcAttr{Setsid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true}
}
