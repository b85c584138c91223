package harness

import "syscall"

// SysProcAttr puts a child in its own process group and asks the kernel
// to SIGKILL it when the thread that started it (i.e. the test binary)
// dies. With XAPROXY_HARNESS_SESSIONS=own the child starts its own
// session instead (also a process group of its own): with the kernel's
// autogroup scheduling on, each session is scheduled as one group, as a
// service in its own cgroup is, instead of every thread of the test's
// session competing one by one (docs/performance.md, "Scheduling groups").
func SysProcAttr() *syscall.SysProcAttr {
	if OwnSessions() {
		return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
