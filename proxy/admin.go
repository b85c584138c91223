package proxy

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/xa"
)

// AdminHandler serves the admin port: /healthz (liveness), /readyz
// (readiness; ?full=1 for full service), /metrics (Prometheus) and / (an
// HTML status page).
func (s *Server) AdminHandler(gather prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.isClosing() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", s.readyz)
	mux.Handle("/metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{}))
	mux.HandleFunc("/{$}", s.statusPage)
	return mux
}

// readyz answers 200 while the proxy serves clients, degraded or not (the
// body says which), and 503 when it cannot serve. With ?full=1 a degraded
// proxy answers 503 too: for load balancers that should prefer proxies
// that can also commit across shards.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	rd := s.Readiness(r.Context())
	full := false
	if v, ok := r.URL.Query()["full"]; ok {
		full = v[0] == "" || v[0] == "1" || v[0] == "true"
	}
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case !rd.Serving:
		http.Error(w, "not ready: "+rd.NotServing, http.StatusServiceUnavailable)
	case len(rd.Degraded) == 0:
		_, _ = w.Write([]byte("ready\n"))
	case full:
		http.Error(w, "degraded: "+rd.Summary(), http.StatusServiceUnavailable)
	default:
		_, _ = w.Write([]byte("ready, degraded: " + rd.Summary() + "\n"))
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Reasons a serving proxy is degraded (the reason label of xaproxy_degraded).
const (
	DegradedDecisionLogUnreachable = "decision_log_unreachable"
	DegradedNotRegistered          = "not_registered"
	DegradedRecoveryIncomplete     = "recovery_incomplete"
)

// Degradation is one thing that does not work while the proxy serves.
type Degradation struct {
	Reason string // one of the Degraded* constants
	Text   string // for people: what fails and why
}

// Readiness is what /readyz reports.
type Readiness struct {
	// Serving: the proxy serves clients (reads, autocommit writes,
	// single-shard transactions). False before the start-up recovery pass
	// has run (the MySQL port opens after it) and while shutting down.
	Serving    bool
	NotServing string // why not, when !Serving
	// Degraded lists what fails although the proxy serves.
	Degraded []Degradation
}

// Summary joins the degradations' texts.
func (r Readiness) Summary() string {
	texts := make([]string, len(r.Degraded))
	for i, d := range r.Degraded {
		texts[i] = d.Text
	}
	return strings.Join(texts, "; ")
}

// Has reports whether the proxy is degraded for reason.
func (r Readiness) Has(reason string) bool {
	return slices.ContainsFunc(r.Degraded, func(d Degradation) bool { return d.Reason == reason })
}

// Readiness tells whether the proxy serves clients and what, if anything,
// does not work: while the decision log (etcd) is unreachable, or this run
// is not registered in it yet, multi-shard commits get 1180; while no
// recovery pass has completed, branches left in doubt by earlier runs stay
// unresolved (and may hold row locks).
func (s *Server) Readiness(ctx context.Context) Readiness {
	last := s.recoverer.Last()
	switch {
	case s.isClosing():
		return Readiness{NotServing: "shutting down"}
	case !s.ready.Load() && last.At.IsZero():
		return Readiness{NotServing: "starting: the start-up recovery pass has not run yet"}
	}
	rd := Readiness{Serving: true}
	reachable := true
	if r, ok := s.dlog.(interface{ Reachable(context.Context) bool }); ok {
		reachable = r.Reachable(ctx)
	}
	if !reachable {
		rd.Degraded = append(rd.Degraded, Degradation{DegradedDecisionLogUnreachable,
			"multi-shard commits are refused (1180) while the decision log (etcd) is unreachable"})
	}
	if s.coord.Fence().Registration == "" {
		rd.Degraded = append(rd.Degraded, Degradation{DegradedNotRegistered,
			"multi-shard commits are refused (1180) until this proxy is registered in the decision log (etcd)"})
	}
	if !s.ready.Load() {
		why := "etcd unreachable"
		if reachable && len(last.Errors) > 0 {
			why = last.Errors[0]
		}
		rd.Degraded = append(rd.Degraded, Degradation{DegradedRecoveryIncomplete,
			"start-up recovery has not completed: " + why})
	}
	return rd
}

// maxRecentActions bounds the recovery actions the status page keeps.
const maxRecentActions = 50

// RecoverOnce runs one recovery pass, remembers its actions for the status
// page and, if it completed, marks the proxy ready.
func (s *Server) RecoverOnce(ctx context.Context) (xa.Report, error) {
	rep, err := s.recoverer.RunOnce(ctx)
	s.opsMu.Lock()
	for _, a := range rep.Actions {
		if a.What == "wait" { // every pass while a transaction commits: noise
			continue
		}
		s.recent = append(s.recent, a)
	}
	if n := len(s.recent) - maxRecentActions; n > 0 {
		s.recent = append(s.recent[:0:0], s.recent[n:]...)
	}
	s.opsMu.Unlock()
	if err == nil {
		s.ready.Store(true)
	}
	return rep, err
}

// RecoveryLoop runs a recovery pass every interval until ctx ends, and one
// at once after each receive from now (e.g. when this run's registration
// succeeds after etcd came back; nil: none).
func (s *Server) RecoveryLoop(ctx context.Context, every time.Duration, now <-chan struct{}) {
	repeat(ctx, every, now, func() {
		pctx, cancel := context.WithTimeout(ctx, every+30*time.Second)
		defer cancel()
		if _, err := s.RecoverOnce(pctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("recovery pass failed", "err", err)
		}
	})
}

// repeat runs fn every interval, and at once when now fires (the interval
// then starts again; a nil now never fires), until ctx ends.
func repeat(ctx context.Context, every time.Duration, now <-chan struct{}, fn func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-now:
			t.Reset(every)
		}
		fn()
	}
}

// pingResult is the outcome of the last ping of a shard.
type pingResult struct {
	at  time.Time
	rtt time.Duration
	err string
}

// PingShards pings every shard through its pool every interval until ctx
// ends, for the status page and xaproxy_backend_ping_ok. It borrows any
// idle pooled connection (whatever its database), so it opens one only
// when none is idle.
func (s *Server) PingShards(ctx context.Context, every time.Duration) {
	ping := func() {
		for name, pool := range s.pools {
			pctx, cancel := context.WithTimeout(ctx, s.cfg.Backend.ConnectTimeout.Duration)
			start := time.Now()
			c, err := pool.Acquire(pctx)
			if err == nil {
				err = c.Ping(pctx)
				pool.Release(c)
			}
			cancel()
			if ctx.Err() != nil {
				return
			}
			r := pingResult{at: time.Now(), rtt: time.Since(start)}
			if err != nil {
				r.err = err.Error()
			}
			s.opsMu.Lock()
			s.pings[name] = r
			s.opsMu.Unlock()
		}
	}
	ping()
	repeat(ctx, every, nil, ping)
}

func (s *Server) pingResults() map[string]pingResult {
	s.opsMu.Lock()
	defer s.opsMu.Unlock()
	out := make(map[string]pingResult, len(s.pings))
	for k, v := range s.pings {
		out[k] = v
	}
	return out
}

// Status page.

type statusShard struct {
	Name, Address string
	Open, Idle    int
	Ping          string // "ok 0.3ms, 2s ago", "error: ..., 2s ago", "not yet"
	PingOK        bool
}

type statusSession struct {
	ID                 uint32
	User, Remote, DB   string
	InTx               bool
	Connected          string
	Statement, StmtAge string
}

type statusInDoubt struct {
	Gtrid, Shard, Decision, Owner, Age string
	Scope                              string // own, foreign, legacy, unknown_owner (xa.Scope)
}

type statusAction struct {
	At, Gtrid, Shard, What, Err string
}

// statusDiff is a table whose shards define it differently, and what of
// it the proxy refuses until they agree (router/diverged.go).
type statusDiff struct {
	Table, Shard, Detail, Refused string
}

type statusData struct {
	Now       string
	Uptime    string
	Ready     bool
	NotReady  string
	Degraded  string // what fails although the proxy serves ("" if nothing)
	Shards    []statusShard
	Sessions  []statusSession
	ScannedAt string
	InDoubt   []statusInDoubt
	Actions   []statusAction
	Errors    []string
	Diffs     []statusDiff
}

var statusTemplate = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>xaproxy status</title>
<style>
body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}th{background:#eee}
.ok{color:#070}.bad{color:#b00}code{white-space:pre-wrap;word-break:break-all}
</style></head><body>
<h1>xaproxy</h1>
<p>{{.Now}} &middot; up {{.Uptime}} &middot; {{if and .Ready .Degraded}}<span class="bad">ready, degraded: {{.Degraded}}</span>{{else if .Ready}}<span class="ok">ready</span>{{else}}<span class="bad">not ready: {{.NotReady}}</span>{{end}} &middot; refreshes every 5 s</p>
<h2>Shards</h2>
<table><tr><th>name</th><th>address</th><th>open</th><th>idle</th><th>last ping</th></tr>
{{range .Shards}}<tr><td>{{.Name}}</td><td>{{.Address}}</td><td>{{.Open}}</td><td>{{.Idle}}</td><td class="{{if .PingOK}}ok{{else}}bad{{end}}">{{.Ping}}</td></tr>
{{end}}</table>
<h2>Sessions ({{len .Sessions}})</h2>
<table><tr><th>id</th><th>user</th><th>client</th><th>db</th><th>in transaction</th><th>connected</th><th>statement</th><th>running for</th></tr>
{{range .Sessions}}<tr><td>{{.ID}}</td><td>{{.User}}</td><td>{{.Remote}}</td><td>{{.DB}}</td><td>{{if .InTx}}yes{{else}}no{{end}}</td><td>{{.Connected}}</td><td><code>{{.Statement}}</code></td><td>{{.StmtAge}}</td></tr>
{{end}}</table>
<h2>Tables whose shards differ ({{len .Diffs}})</h2>
<p>From the schema catalog (SHOW SHARD CATALOG). Make them alike with DDL through xaproxy.</p>
<table><tr><th>table</th><th>shard (vs reference)</th><th>difference</th><th>refused</th></tr>
{{range .Diffs}}<tr><td>{{.Table}}</td><td>{{.Shard}}</td><td>{{.Detail}}</td><td class="bad">{{.Refused}}</td></tr>
{{end}}</table>
<h2>In-doubt transactions ({{len .InDoubt}})</h2>
<p>From the latest recovery scan{{if .ScannedAt}}, at {{.ScannedAt}}{{end}}.</p>
<table><tr><th>gtrid</th><th>shard</th><th>decision</th><th>owner</th><th>age</th><th>deployment</th></tr>
{{range .InDoubt}}<tr><td>{{.Gtrid}}</td><td>{{.Shard}}</td><td>{{.Decision}}</td><td>{{.Owner}}</td><td>{{.Age}}</td><td{{if ne .Scope "own"}} class="bad"{{end}}>{{.Scope}}</td></tr>
{{end}}</table>
{{if .Errors}}<p class="bad">Recovery errors:</p><ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Recent recovery actions</h2>
<table><tr><th>at</th><th>gtrid</th><th>shard</th><th>action</th><th>error</th></tr>
{{range .Actions}}<tr><td>{{.At}}</td><td>{{.Gtrid}}</td><td>{{.Shard}}</td><td>{{.What}}</td><td class="bad">{{.Err}}</td></tr>
{{end}}</table>
</body></html>
`))

const timeFormat = "2006-01-02 15:04:05 UTC"

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	rd := s.Readiness(r.Context())
	d := statusData{Now: now.UTC().Format(timeFormat), Uptime: roundAge(now.Sub(s.started)), Ready: rd.Serving,
		NotReady: rd.NotServing, Degraded: rd.Summary()}

	pings := s.pingResults()
	for _, sh := range s.cfg.Shards {
		row := statusShard{Name: sh.Name, Address: sh.Addr, Ping: "not yet"}
		if p := s.pools[sh.Name]; p != nil {
			row.Open, row.Idle = p.Stats()
		}
		if pr, ok := pings[sh.Name]; ok {
			row.PingOK = pr.err == ""
			if row.PingOK {
				row.Ping = "ok " + pr.rtt.Round(10*time.Microsecond).String() + ", " + roundAge(now.Sub(pr.at)) + " ago"
			} else {
				row.Ping = "error: " + pr.err + ", " + roundAge(now.Sub(pr.at)) + " ago"
			}
		}
		d.Shards = append(d.Shards, row)
	}

	s.mu.Lock()
	sessions := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].id < sessions[j].id })
	for _, sess := range sessions {
		sess.mu.Lock()
		v := sess.view
		sess.mu.Unlock()
		row := statusSession{ID: sess.id, User: v.user, Remote: sess.remote, DB: v.db, InTx: v.inTx,
			Connected: roundAge(now.Sub(sess.since)) + " ago", Statement: v.stmt}
		if v.stmt != "" {
			row.StmtAge = roundAge(now.Sub(v.stmtAt))
		}
		d.Sessions = append(d.Sessions, row)
	}

	d.Diffs = statusDiffs(s.router.Catalog())

	rep := s.recoverer.Last()
	if !rep.At.IsZero() {
		d.ScannedAt = rep.At.UTC().Format(timeFormat)
	}
	for _, x := range rep.InDoubt {
		dec := string(x.Decision)
		if dec == "" {
			dec = "none"
		}
		d.InDoubt = append(d.InDoubt, statusInDoubt{Gtrid: x.XID.Gtrid, Shard: x.Shard, Decision: dec, Owner: x.Owner, Age: roundAge(x.Age), Scope: string(x.Scope)})
	}
	d.Errors = rep.Errors
	s.opsMu.Lock()
	for i := len(s.recent) - 1; i >= 0; i-- { // newest first
		a := s.recent[i]
		d.Actions = append(d.Actions, statusAction{At: a.At.UTC().Format(timeFormat), Gtrid: a.Gtrid, Shard: a.Shard, What: a.What, Err: a.Err})
	}
	s.opsMu.Unlock()

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := statusTemplate.Execute(w, d); err != nil {
		s.log.Debug("status page", "err", err)
	}
}

// roundAge prints a duration to a useful precision.
func roundAge(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// statusDiffs lists the catalog's differences for the status page.
func statusDiffs(c *catalog.Catalog) []statusDiff {
	var out []statusDiff
	for _, d := range c.Differences() {
		refused := "statements other than DDL"
		switch {
		case d.Collations:
			refused = "none (collations: merges allow for them)"
		case d.IndexesOnly:
			refused = "SHOW, DESCRIBE, EXPLAIN, index hints"
		}
		out = append(out, statusDiff{Table: d.Schema + "." + d.Table, Shard: d.Shard + " (vs " + d.Reference + ")", Detail: d.Detail, Refused: refused})
	}
	return out
}
