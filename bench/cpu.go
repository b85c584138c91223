//go:build bench

package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which is 100 on every Linux architecture Go runs on.
const clockTick = 10 * time.Millisecond

// procCPU is the CPU time (user + system) a process has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseProcStat(string(b))
}

// parseProcStat reads utime and stime (fields 14 and 15) of a
// /proc/PID/stat line. The command name (field 2) may contain spaces and
// parentheses, so fields are counted after its last ')'.
func parseProcStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no ')' in %q", s)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: only %d fields after the command", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc stat: utime %q stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// cpuMeter measures the CPU a process uses between start and stop.
type cpuMeter struct {
	pid   int
	start time.Duration
	err   error
}

// startCPU begins a measurement; pid 0 (no process to watch) measures
// nothing.
func startCPU(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid}
	if pid > 0 {
		m.start, m.err = procCPU(pid)
	}
	return m
}

// used is the CPU time used since startCPU.
func (m *cpuMeter) used() (time.Duration, error) {
	if m.err != nil {
		return 0, m.err
	}
	end, err := procCPU(m.pid)
	if err != nil {
		return 0, err
	}
	return end - m.start, nil
}

// perQuery is the CPU used since startCPU, in µs per query, or nil when
// there is nothing to report.
func (m *cpuMeter) perQuery(queries int64) (*float64, error) {
	if m.pid == 0 || queries <= 0 {
		return nil, nil
	}
	d, err := m.used()
	if err != nil {
		return nil, err
	}
	return cpuPerQuery(d, queries), nil
}

// cpuPerQuery is d in µs per query.
func cpuPerQuery(d time.Duration, queries int64) *float64 {
	us := float64(d.Microseconds()) / float64(queries)
	return &us
}
