package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// The Go runtime's monitor thread (sysmon) sleeps deeply while every P is
// idle and is woken by the next goroutine that enters a system call; each
// such wake also resets its period to 20 µs for the next millisecond. A
// proxy goes idle between almost every pair of packets (it waits for a
// shard or a client), so under load sysmon is woken thousands of times a
// second: on 2 cores that was 0.7 of the proxy's 1.6 context switches per
// query and a quarter of its CPU (docs/performance.md). The runtime keeps
// sysmon out of the deep sleep only while GODEBUG schedtrace is set, which
// can only be set before the runtime starts; //go:debug refuses it.
//
// sysmonSchedtrace is the largest period the runtime accepts, in ms (about
// 24.8 days): a scheduler trace line is printed at most that often, and at
// start only on a host up for longer than that. With schedtrace set, a
// fatal runtime error is also preceded by a scheduler dump.
const sysmonSchedtrace = "schedtrace=2147483647"

// sysmonEnv returns the environment to re-execute `serve` with, or false
// when the process already runs with it or the operator chose a schedtrace
// of their own (GODEBUG=schedtrace=0 turns this off).
func sysmonEnv(environ []string) ([]string, bool) {
	env := make([]string, 0, len(environ)+1)
	found := false
	for _, kv := range environ {
		v, ok := strings.CutPrefix(kv, "GODEBUG=")
		if !ok {
			env = append(env, kv)
			continue
		}
		found = true
		for _, f := range strings.Split(v, ",") {
			if strings.HasPrefix(f, "schedtrace=") {
				return nil, false
			}
		}
		if v != "" {
			v += ","
		}
		env = append(env, "GODEBUG="+v+sysmonSchedtrace)
	}
	if !found {
		env = append(env, "GODEBUG="+sysmonSchedtrace)
	}
	return env, true
}

// keepSysmonAwake re-executes the running binary with sysmonEnv. It
// returns only when it did nothing or exec failed; serve then runs as is.
func keepSysmonAwake() {
	env, ok := sysmonEnv(os.Environ())
	if !ok {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env)
}

// sysmonAwake tells whether this process runs with a positive schedtrace
// (the runtime takes the last setting), for the start-up log line.
func sysmonAwake(godebug string) bool {
	awake := false
	for _, f := range strings.Split(godebug, ",") {
		if v, ok := strings.CutPrefix(f, "schedtrace="); ok {
			n, err := strconv.Atoi(v)
			awake = err == nil && n > 0
		}
	}
	return awake
}
