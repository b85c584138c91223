//go:build bench

package bench

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// proxyLogs finds what the proxies complained about during the
// measurements: warnings and errors in their output are worth a look even
// when every client statement succeeded.
type proxyLogs struct {
	marks map[string]int // proxy name -> output length when the measurements began
	procs map[string]*harness.Proxy
}

func markProxyLogs(procs map[string]*harness.Proxy) *proxyLogs {
	l := &proxyLogs{marks: map[string]int{}, procs: procs}
	for name, p := range procs {
		l.marks[name] = len(p.Output())
	}
	return l
}

var (
	logLevel = regexp.MustCompile(`\blevel=(WARN|ERROR)\b`)
	logMsg   = regexp.MustCompile(`\bmsg=("(?:[^"\\]|\\.)*"|\S+)`)
)

// problems summarizes the WARN and ERROR lines logged since the mark, one
// entry per proxy, level and message, with a count and the first line.
func (l *proxyLogs) problems() []string {
	var out []string
	names := make([]string, 0, len(l.procs))
	for n := range l.procs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, summarizeLog(name, l.procs[name].Output()[l.marks[name]:])...)
	}
	return out
}

func summarizeLog(proxy, log string) []string {
	type group struct {
		count int
		first string
	}
	groups := map[string]*group{}
	var order []string
	for _, line := range strings.Split(log, "\n") {
		lv := logLevel.FindStringSubmatch(line)
		if lv == nil {
			continue
		}
		key := lv[1]
		if m := logMsg.FindStringSubmatch(line); m != nil {
			key += " " + m[1]
		}
		g := groups[key]
		if g == nil {
			if len(line) > 400 {
				line = line[:400] + "..."
			}
			g = &group{first: line}
			groups[key] = g
			order = append(order, key)
		}
		g.count++
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, fmt.Sprintf("proxy %q logged %d× `%s`; first: `%s`", proxy, groups[k].count, k, groups[k].first))
	}
	return out
}
