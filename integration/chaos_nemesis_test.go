package integration

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// The nemesis injects the faults of the chaos test on a seeded random
// schedule. It runs in the test goroutine (the harness fails with t.Fatalf,
// which only works there): one loop injects a fault every 0.5-2 s and
// applies the heals that fall due. Its proxies are those of every
// deployment: a proxy fault or a link fault may hit either deployment,
// and etcd and the shards are shared by both.

// Fault kinds, in the order of the first round-robin pass.
var chaosFaultKinds = []string{
	"proxy-kill",     // SIGKILL a proxy (of either deployment), restart it 0.5-3 s later
	"link-latency",   // 50-300 ms on one proxy->shard link for 1-5 s
	"mariadb-kill",   // SIGKILL a mariadbd, restart it 0.5-3 s later
	"link-cut",       // close a link's connections, refuse new ones, 0.5-3 s
	"proxy-pause",    // SIGSTOP a proxy for 6-10 s (> abandon_after), then SIGCONT
	"link-reset",     // RST every connection of a link
	"etcd-kill",      // SIGKILL etcd, restart it 1-4 s later
	"link-blackhole", // a link forwards nothing for 0.5-4 s
}

var chaosFaultWeights = map[string]int{
	"proxy-kill": 2, "proxy-pause": 1, "mariadb-kill": 1, "etcd-kill": 1,
	"link-latency": 2, "link-cut": 2, "link-reset": 2, "link-blackhole": 2,
}

// chaosTB hands the harness a testing.TB whose Fatal* do not end the test:
// they panic with chaosFatal, which try recovers, so that a process that
// does not come back is recorded (and retried) instead of aborting the run
// before the checks.
type chaosTB struct{ testing.TB }

type chaosFatal struct{ msg string }

func (c chaosTB) Fatalf(format string, args ...any) { panic(chaosFatal{fmt.Sprintf(format, args...)}) }
func (c chaosTB) Fatal(args ...any)                 { panic(chaosFatal{fmt.Sprint(args...)}) }
func (c chaosTB) FailNow()                          { panic(chaosFatal{"FailNow"}) }
func (c chaosTB) Helper()                           {}

func chaosTry(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			cf, ok := r.(chaosFatal)
			if !ok {
				panic(r)
			}
			err = errors.New(cf.msg)
		}
	}()
	f()
	return nil
}

// chaosFault is one injected fault, for the timeline.
type chaosFault struct {
	at     time.Duration // since the workload began
	kind   string
	target string
	dur    time.Duration // until the heal was scheduled (0: instantaneous)
	healed time.Duration // when the heal took effect (0: not yet / instantaneous)
}

type chaosHeal struct {
	at    time.Time
	fault *chaosFault
	desc  string
	fn    func() bool // false: not possible yet, try again a little later
}

// chaosTarget is a proxy as the nemesis sees it.
type chaosTarget struct {
	name  string // instance id, e.g. a1
	dep   int    // index of its deployment
	p     *harness.Proxy
	links []*harness.Link // [shard]
	avail *atomic.Bool    // its workload's hint that it is running
}

type chaosNemesis struct {
	t       *testing.T
	tb      chaosTB
	rng     *rand.Rand
	began   time.Time // the workloads' clock
	verbose bool

	proxies []chaosTarget // of every deployment
	shards  []*harness.MariaDB
	etcd    *harness.Etcd

	proxyState []string // up, killed, paused
	mdbDown    int      // index of the mariadbd that is down, -1 if none
	etcdDown   bool
	linkBusy   [][]bool // [proxy][shard]

	heals    []*chaosHeal
	timeline []*chaosFault
	counts   map[string]int
	done     map[string]bool      // kinds injected at least once
	rr       int                  // next kind of the round-robin pass
	problems []string             // processes that did not come back when asked
	metrics  []map[string]float64 // per deployment
}

func newChaosNemesis(t *testing.T, seed uint64, began time.Time, deps []*chaosDeployment, shards []*harness.MariaDB,
	etcd *harness.Etcd, verbose bool) *chaosNemesis {
	n := &chaosNemesis{
		t: t, tb: chaosTB{t}, rng: rand.New(rand.NewPCG(seed, 0x6e656d)), began: began, verbose: verbose,
		shards: shards, etcd: etcd, mdbDown: -1,
		counts: map[string]int{}, done: map[string]bool{}, metrics: make([]map[string]float64, len(deps)),
	}
	for k, d := range deps {
		n.metrics[k] = map[string]float64{}
		for i, p := range d.proxies {
			n.proxies = append(n.proxies, chaosTarget{name: d.names[i], dep: k, p: p, links: d.links[i], avail: &d.w.avail[i]})
		}
	}
	n.proxyState = make([]string, len(n.proxies))
	n.linkBusy = make([][]bool, len(n.proxies))
	for i := range n.proxies {
		n.proxyState[i] = "up"
		n.linkBusy[i] = make([]bool, len(shards))
	}
	return n
}

func (n *chaosNemesis) since() time.Duration { return time.Since(n.began) }

func (n *chaosNemesis) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(n.rng.Int64N(int64(hi-lo)+1))
}

func (n *chaosNemesis) logf(format string, args ...any) {
	if n.verbose {
		n.t.Logf("chaos: +%s "+format, append([]any{n.since().Round(100 * time.Millisecond)}, args...)...)
	}
}

// run injects faults until end.
func (n *chaosNemesis) run(end time.Time) {
	next := time.Now().Add(n.between(500*time.Millisecond, 2*time.Second))
	for {
		now := time.Now()
		if !now.Before(end) {
			return
		}
		n.applyDue(now, false)
		if !now.Before(next) {
			n.inject()
			next = time.Now().Add(n.between(500*time.Millisecond, 2*time.Second))
		}
		wake := next
		for _, h := range n.heals {
			if h.at.Before(wake) {
				wake = h.at
			}
		}
		if end.Before(wake) {
			wake = end
		}
		if d := time.Until(wake); d > 0 {
			time.Sleep(min(d, 100*time.Millisecond))
		}
	}
}

// applyDue runs the heals that are due (all of them if force), in time
// order. A heal that cannot run yet is pushed back.
func (n *chaosNemesis) applyDue(now time.Time, force bool) {
	sort.SliceStable(n.heals, func(i, j int) bool { return n.heals[i].at.Before(n.heals[j].at) })
	var keep []*chaosHeal
	for _, h := range n.heals {
		if !force && h.at.After(now) {
			keep = append(keep, h)
			continue
		}
		if h.fn() {
			if h.fault != nil {
				h.fault.healed = n.since()
			}
			n.logf("healed: %s", h.desc)
			continue
		}
		h.at = time.Now().Add(500 * time.Millisecond)
		keep = append(keep, h)
	}
	n.heals = keep
}

// healAll ends every fault: SIGCONT, links, etcd, mariadbd, proxies (in
// that order, so that restarted proxies find etcd), retrying what does not
// come back for up to timeout.
func (n *chaosNemesis) healAll(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	rank := func(h *chaosHeal) int {
		switch {
		case strings.HasPrefix(h.desc, "SIGCONT"):
			return 0
		case strings.HasPrefix(h.desc, "heal link"):
			return 1
		case strings.HasPrefix(h.desc, "start etcd"):
			return 2
		case strings.HasPrefix(h.desc, "start mariadb"):
			return 3
		}
		return 4
	}
	for len(n.heals) > 0 {
		sort.SliceStable(n.heals, func(i, j int) bool { return rank(n.heals[i]) < rank(n.heals[j]) })
		var keep []*chaosHeal
		for _, h := range n.heals {
			if h.fn() {
				if h.fault != nil {
					h.fault.healed = n.since()
				}
				n.logf("healed: %s", h.desc)
			} else {
				keep = append(keep, h)
			}
		}
		n.heals = keep
		if len(keep) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, h := range keep {
				n.problems = append(n.problems, fmt.Sprintf("could not heal within %s: %s", timeout, h.desc))
			}
			n.heals = nil
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Belt and braces: every link healed.
	for i, tg := range n.proxies {
		for j, l := range tg.links {
			l.Heal()
			n.linkBusy[i][j] = false
		}
	}
}

// feasible reports whether kind can be injected now without breaking the
// rules: at least one proxy serving in each deployment, at most one
// mariadbd down.
func (n *chaosNemesis) feasible(kind string) bool {
	switch kind {
	case "proxy-kill", "proxy-pause":
		return len(n.stoppableProxies()) > 0
	case "mariadb-kill":
		return n.mdbDown < 0
	case "etcd-kill":
		return !n.etcdDown
	case "link-latency", "link-cut", "link-reset", "link-blackhole":
		return len(n.freeLinks()) > 0
	}
	return false
}

// stoppableProxies lists the proxies that are up and whose deployment
// has another one up: a deployment always keeps one serving.
func (n *chaosNemesis) stoppableProxies() []int {
	up := map[int]int{} // deployment -> proxies up
	for i, s := range n.proxyState {
		if s == "up" {
			up[n.proxies[i].dep]++
		}
	}
	var out []int
	for i, s := range n.proxyState {
		if s == "up" && up[n.proxies[i].dep] >= 2 {
			out = append(out, i)
		}
	}
	return out
}

func (n *chaosNemesis) freeLinks() [][2]int {
	var out [][2]int
	for i := range n.linkBusy {
		for j := range n.linkBusy[i] {
			if !n.linkBusy[i][j] {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

// pick chooses the next kind: every kind once, round-robin, as soon as it
// is feasible; then at random by weight among the feasible ones.
func (n *chaosNemesis) pick() string {
	if len(n.done) < len(chaosFaultKinds) {
		for k := 0; k < len(chaosFaultKinds); k++ {
			kind := chaosFaultKinds[(n.rr+k)%len(chaosFaultKinds)]
			if !n.done[kind] && n.feasible(kind) {
				n.rr = (n.rr + k + 1) % len(chaosFaultKinds)
				return kind
			}
		}
	}
	total := 0
	var cands []string
	for _, kind := range chaosFaultKinds {
		if n.feasible(kind) {
			cands = append(cands, kind)
			total += chaosFaultWeights[kind]
		}
	}
	if total == 0 {
		return ""
	}
	r := n.rng.IntN(total)
	for _, kind := range cands {
		if r < chaosFaultWeights[kind] {
			return kind
		}
		r -= chaosFaultWeights[kind]
	}
	return ""
}

func (n *chaosNemesis) record(kind, target string, dur time.Duration) *chaosFault {
	f := &chaosFault{at: n.since(), kind: kind, target: target, dur: dur}
	n.timeline = append(n.timeline, f)
	n.counts[kind]++
	n.done[kind] = true
	if dur > 0 {
		n.logf("%s %s for %s", kind, target, dur.Round(10*time.Millisecond))
	} else {
		n.logf("%s %s", kind, target)
	}
	return f
}

func (n *chaosNemesis) schedule(after time.Duration, f *chaosFault, desc string, fn func() bool) {
	n.heals = append(n.heals, &chaosHeal{at: time.Now().Add(after), fault: f, desc: desc, fn: fn})
}

func (n *chaosNemesis) problem(format string, args ...any) {
	msg := fmt.Sprintf("+%s ", n.since().Round(100*time.Millisecond)) + fmt.Sprintf(format, args...)
	n.problems = append(n.problems, msg)
	n.t.Logf("chaos: %s", msg)
}

func (n *chaosNemesis) inject() {
	kind := n.pick()
	switch kind {
	case "proxy-kill":
		cands := n.stoppableProxies()
		i := cands[n.rng.IntN(len(cands))]
		tg := n.proxies[i]
		d := n.between(500*time.Millisecond, 3*time.Second)
		n.scrapeMetrics(tg) // counters die with the process
		tg.avail.Store(false)
		if err := chaosTry(func() { tg.p.Kill(n.tb) }); err != nil {
			n.problem("SIGKILL of %s: %v", tg.name, err)
		}
		n.proxyState[i] = "killed"
		f := n.record(kind, tg.name, d)
		n.schedule(d, f, "start proxy "+tg.name, func() bool {
			if n.etcdDown {
				return false // a proxy cannot register without etcd
			}
			if err := chaosTry(func() { tg.p.Start(n.tb) }); err != nil {
				n.problem("%s did not restart: %v", tg.name, firstLine(err.Error()))
				return false
			}
			n.proxyState[i] = "up"
			tg.avail.Store(true)
			return true
		})
	case "proxy-pause":
		cands := n.stoppableProxies()
		i := cands[n.rng.IntN(len(cands))]
		tg := n.proxies[i]
		d := n.between(6*time.Second, 10*time.Second)
		tg.avail.Store(false)
		if err := chaosTry(func() { tg.p.Signal(n.tb, syscall.SIGSTOP) }); err != nil {
			n.problem("SIGSTOP of %s: %v", tg.name, err)
			return
		}
		n.proxyState[i] = "paused"
		f := n.record(kind, tg.name, d)
		n.schedule(d, f, "SIGCONT proxy "+tg.name, func() bool {
			if err := chaosTry(func() { tg.p.Signal(n.tb, syscall.SIGCONT) }); err != nil {
				n.problem("SIGCONT of %s: %v", tg.name, err)
			}
			n.proxyState[i] = "up"
			tg.avail.Store(true)
			return true
		})
	case "mariadb-kill":
		j := n.rng.IntN(len(n.shards))
		m := n.shards[j]
		d := n.between(500*time.Millisecond, 3*time.Second)
		if err := chaosTry(func() { m.Kill(n.tb) }); err != nil {
			n.problem("SIGKILL of mariadb %s: %v", m.Name(), err)
		}
		n.mdbDown = j
		f := n.record(kind, m.Name(), d)
		n.schedule(d, f, "start mariadb "+m.Name(), func() bool {
			if err := chaosTry(func() { m.Start(n.tb) }); err != nil {
				n.problem("mariadb %s did not restart: %v", m.Name(), firstLine(err.Error()))
				return false
			}
			n.mdbDown = -1
			return true
		})
	case "etcd-kill":
		d := n.between(time.Second, 4*time.Second)
		if err := chaosTry(func() { n.etcd.Kill(n.tb) }); err != nil {
			n.problem("SIGKILL of etcd: %v", err)
		}
		n.etcdDown = true
		f := n.record(kind, "etcd", d)
		n.schedule(d, f, "start etcd", func() bool {
			if err := chaosTry(func() { n.etcd.Start(n.tb) }); err != nil {
				n.problem("etcd did not restart: %v", firstLine(err.Error()))
				return false
			}
			n.etcdDown = false
			return true
		})
	case "link-latency", "link-cut", "link-reset", "link-blackhole":
		free := n.freeLinks()
		pj := free[n.rng.IntN(len(free))]
		i, j := pj[0], pj[1]
		l := n.proxies[i].links[j]
		target := n.proxies[i].name + "->" + n.shards[j].Name()
		var d time.Duration
		switch kind {
		case "link-latency":
			lat := n.between(50*time.Millisecond, 300*time.Millisecond)
			d = n.between(time.Second, 5*time.Second)
			l.SetLatency(lat)
			target += fmt.Sprintf(" %s", lat.Round(time.Millisecond))
		case "link-cut":
			d = n.between(500*time.Millisecond, 3*time.Second)
			l.Cut()
		case "link-blackhole":
			d = n.between(500*time.Millisecond, 4*time.Second)
			l.Blackhole()
		case "link-reset":
			l.Reset()
			n.record(kind, target, 0)
			return
		}
		n.linkBusy[i][j] = true
		f := n.record(kind, target, d)
		n.schedule(d, f, "heal link "+target, func() bool {
			l.Heal()
			n.linkBusy[i][j] = false
			return true
		})
	}
}

// scrapeMetrics adds the proxy's xaproxy_xa_* counters to the metrics of
// its deployment (before a SIGKILL, which loses them, and at the end).
func (n *chaosNemesis) scrapeMetrics(tg chaosTarget) {
	m, err := chaosScrape(tg.p)
	if err != nil {
		n.logf("scrape %s (%s): %v", tg.name, tg.p.AdminAddr(), err)
		return
	}
	for k, v := range m {
		n.metrics[tg.dep][k] += v
	}
}

// chaosScrape reads the xaproxy_xa_*_total counters of a proxy's /metrics.
func chaosScrape(p *harness.Proxy) (map[string]float64, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(p.AdminURL() + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "xaproxy_xa_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := line[:i]
		base := name
		if j := strings.IndexByte(base, '{'); j >= 0 {
			base = base[:j]
		}
		if !strings.HasSuffix(base, "_total") {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
