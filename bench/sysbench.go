//go:build bench

package bench

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// endpoint is where a client connects: the proxy, HAProxy or MariaDB.
type endpoint struct {
	Side     string // "proxy", "haproxy", "direct"
	Addr     string // 127.0.0.1:PORT
	User     string
	Password string
}

// sysbenchSpec is one sysbench workload. The tables are the same for every
// side: sbTables × sbTableSize rows, prepared once.
type sysbenchSpec struct {
	Test    string   // oltp_point_select, oltp_read_write
	DB      string   // database the tables are in
	Threads int      // client threads
	Extra   []string // further options, e.g. --auto_inc=off
}

const (
	sbTables    = 4
	sbTableSize = 10000
)

func sysbenchArgs(e endpoint, s sysbenchSpec, cmd string, dur time.Duration) ([]string, error) {
	host, port, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return nil, err
	}
	args := []string{
		s.Test,
		"--db-driver=mysql",
		"--mysql-host=" + host,
		"--mysql-port=" + port,
		"--mysql-user=" + e.User,
		"--mysql-db=" + s.DB,
		"--tables=" + strconv.Itoa(sbTables),
		"--table-size=" + strconv.Itoa(sbTableSize),
		"--threads=" + strconv.Itoa(s.Threads),
	}
	if e.Password != "" {
		args = append(args, "--mysql-password="+e.Password)
	}
	if cmd == "run" {
		// --verbosity=5 makes sysbench log each ignored error with its
		// code ("Ignoring error 1213 ..."), the only way to count them
		// per code; it logs nothing else per query.
		args = append(args, "--time="+seconds(dur), "--report-interval=0", "--verbosity=5")
	}
	args = append(args, s.Extra...)
	return append(args, cmd), nil
}

// runSysbench runs `sysbench ... cmd` and returns its output.
func runSysbench(ctx context.Context, e endpoint, s sysbenchSpec, cmd string, dur time.Duration) (string, error) {
	args, err := sysbenchArgs(e, s, cmd, dur)
	if err != nil {
		return "", err
	}
	c := exec.CommandContext(ctx, "sysbench", args...)
	out, err := c.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("sysbench %s against %s (%s): %v\n%s",
			strings.Join(args, " "), e.Side, e.Addr, err, tailLines(string(out), 30))
	}
	return string(out), nil
}

// sysbenchResult is what a `sysbench run` reports.
type sysbenchResult struct {
	Transactions  int64
	TPS           float64
	Queries       int64
	QPS           float64
	IgnoredErrors int64
	Reconnects    int64
	TotalTime     time.Duration
	LatencyAvgMs  float64
	LatencyP95Ms  float64
	// ErrorCodes counts the ignored errors by MySQL error code, from the
	// "Ignoring error N" debug lines (--verbosity=5).
	ErrorCodes map[int]int64
}

var (
	sbCountRate = regexp.MustCompile(`^(\d+)\s+\(([\d.]+) per sec\.\)`)
	sbSeconds   = regexp.MustCompile(`^([\d.]+)s$`)
	sbIgnoring  = regexp.MustCompile(`Ignoring error (\d+)`)
	sbRepeated  = regexp.MustCompile(`^\(last message repeated (\d+) times\)`)
)

// parseSysbench extracts the statistics of a `sysbench run` report. The
// transaction, query and total-time lines are required; the others are
// read when present.
func parseSysbench(out string) (sysbenchResult, error) {
	r := sysbenchResult{ErrorCodes: map[int]int64{}}
	var haveTx, haveQ, haveTime bool
	var sumMs float64
	section := ""
	lastCode := 0 // code of the previous line's "Ignoring error", 0 if none
	for _, line := range strings.Split(out, "\n") {
		if m := sbIgnoring.FindStringSubmatch(line); m != nil {
			lastCode, _ = strconv.Atoi(m[1])
			r.ErrorCodes[lastCode]++
			continue
		}
		// sysbench's log collapses identical consecutive messages into
		// "(last message repeated N times)".
		if m := sbRepeated.FindStringSubmatch(line); m != nil {
			if lastCode != 0 {
				n, _ := strconv.Atoi(m[1])
				r.ErrorCodes[lastCode] += int64(n)
			}
			lastCode = 0
			continue
		}
		if strings.TrimSpace(line) != "" {
			lastCode = 0
		}
		trimmed := strings.TrimSpace(line)
		key, val, ok := strings.Cut(trimmed, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if !strings.HasPrefix(line, " ") {
			if val == "" { // a heading: "SQL statistics:", "Latency (ms):"
				section = key
			}
			continue
		}
		var err error
		switch {
		case key == "transactions":
			r.Transactions, r.TPS, err = countRate(val)
			haveTx = err == nil
		case key == "queries":
			r.Queries, r.QPS, err = countRate(val)
			haveQ = err == nil
		case key == "ignored errors":
			r.IgnoredErrors, _, err = countRate(val)
		case key == "reconnects":
			r.Reconnects, _, err = countRate(val)
		case key == "total time":
			m := sbSeconds.FindStringSubmatch(val)
			if m == nil {
				err = fmt.Errorf("total time %q", val)
				break
			}
			var s float64
			s, err = strconv.ParseFloat(m[1], 64)
			r.TotalTime = time.Duration(s * float64(time.Second))
			haveTime = err == nil
		case strings.HasPrefix(section, "Latency") && key == "avg":
			r.LatencyAvgMs, err = strconv.ParseFloat(val, 64)
		case strings.HasPrefix(section, "Latency") && key == "sum":
			sumMs, err = strconv.ParseFloat(val, 64)
		case strings.HasPrefix(section, "Latency") && strings.HasSuffix(key, "th percentile"):
			r.LatencyP95Ms, err = strconv.ParseFloat(val, 64)
		}
		if err != nil {
			return r, fmt.Errorf("sysbench output: %s: %v", key, err)
		}
	}
	if !haveTx || !haveQ || !haveTime {
		return r, fmt.Errorf("sysbench output lacks the transactions, queries or total time line:\n%s", tailLines(out, 30))
	}
	// "avg" has two decimals, too coarse for the 0.03 ms a hop adds; the
	// sum over all transactions gives the mean to the µs.
	if sumMs > 0 && r.Transactions > 0 {
		r.LatencyAvgMs = sumMs / float64(r.Transactions)
	}
	return r, nil
}

// countRate parses "140000 (13998.38 per sec.)".
func countRate(s string) (int64, float64, error) {
	m := sbCountRate.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("want \"N (R per sec.)\", got %q", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, 0, err
	}
	rate, err := strconv.ParseFloat(m[2], 64)
	return n, rate, err
}

// formatCodes renders error counts as "1213×3 1205×1" (sorted by code).
func formatCodes(codes map[int]int64) string {
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d×%d", k, codes[k])
	}
	return strings.Join(parts, " ")
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
