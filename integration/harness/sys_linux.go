package harness

import "syscall"

// sysProcAttr puts the child in its own process group and asks the kernel
// to SIGKILL it when the thread that started it (i.e. the test binary)
// dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
