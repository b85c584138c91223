//go:build bench

package bench

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// sample is one measured run of one side of a workload.
type sample struct {
	Metrics map[string]float64 // e.g. "qps", "tps", "p50_ms"
	CPU     *float64           // µs CPU per query of the proxy or HAProxy; nil for direct runs
	Errors  int64              // failed statements or transactions (ignored by sysbench or given up)
	Retries int64              // transactions retried after a deadlock or lock wait timeout
	Detail  map[string]int64   // errors by code (and message)
}

// side collects the runs of one side (proxy, haproxy, direct, direct-xa).
type side struct {
	Name string
	Runs []sample
}

// metric is the median over the runs, so that BENCH_REPEAT=N resists an
// outlier.
func (s *side) metric(name string) float64 {
	v := make([]float64, 0, len(s.Runs))
	for _, r := range s.Runs {
		v = append(v, r.Metrics[name])
	}
	return median(v)
}

func (s *side) cpu() *float64 {
	var v []float64
	for _, r := range s.Runs {
		if r.CPU != nil {
			v = append(v, *r.CPU)
		}
	}
	if len(v) == 0 {
		return nil
	}
	m := median(v)
	return &m
}

// errors sums the errors of all runs; retries are counted apart.
func (s *side) errors() (errs, retries int64, detail map[string]int64) {
	detail = map[string]int64{}
	for _, r := range s.Runs {
		errs += r.Errors
		retries += r.Retries
		for k, v := range r.Detail {
			detail[k] += v
		}
	}
	return errs, retries, detail
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// target is a bound on the proxy/baseline ratio.
type target struct {
	AtLeast bool // ratio >= Value (throughput); otherwise ratio <= Value (latency)
	Value   float64
}

func (g *target) String() string {
	if g == nil {
		return ""
	}
	if g.AtLeast {
		return fmt.Sprintf("≥ %.2f", g.Value)
	}
	return fmt.Sprintf("≤ %.2f", g.Value)
}

func (g *target) met(ratio float64) *bool {
	if g == nil {
		return nil
	}
	ok := ratio <= g.Value
	if g.AtLeast {
		ok = ratio >= g.Value
	}
	return &ok
}

func atLeast(v float64) *target { return &target{AtLeast: true, Value: v} }
func atMost(v float64) *target  { return &target{Value: v} }

// row is one line of the result table (and of results/latest.json).
type row struct {
	Workload       string   `json:"workload"`
	Metric         string   `json:"metric"`
	Unit           string   `json:"unit"`
	Proxy          float64  `json:"proxy"`
	BaselineName   string   `json:"baseline_name"`
	Baseline       float64  `json:"baseline"`
	Ratio          float64  `json:"ratio"`        // proxy / baseline
	Target         string   `json:"target"`       // human-readable, e.g. "≥ 0.85"; "" when none
	TargetOp       string   `json:"target_op"`    // ">=", "<=" or ""
	TargetRatio    *float64 `json:"target_ratio"` // bound on Ratio; null when none
	Met            *bool    `json:"met"`          // null: no target
	ProxyCPU       *float64 `json:"proxy_cpu_us_per_query"`
	BaselineCPU    *float64 `json:"baseline_cpu_us_per_query"` // HAProxy's; null for direct baselines
	ProxyErrors    int64    `json:"proxy_errors"`
	BaselineErrors int64    `json:"baseline_errors"`
	ProxyRetries   int64    `json:"proxy_retries"`
	BaseRetries    int64    `json:"baseline_retries"`
	Runs           int      `json:"runs"`
	// RunRatios pairs the proxy's run i with the baseline's run i (the
	// sides take turns, so run i of each saw the same minutes of the
	// machine): their spread says how far the median ratio can be trusted.
	RunRatios []float64 `json:"run_ratios"`
}

// compare makes the row of one metric of proxy against baseline.
func compare(workload, metric, unit string, proxy, base *side, g *target) row {
	pe, pr, _ := proxy.errors()
	be, br, _ := base.errors()
	r := row{
		Workload:       workload,
		Metric:         metric,
		Unit:           unit,
		Proxy:          proxy.metric(metric),
		BaselineName:   base.Name,
		Baseline:       base.metric(metric),
		Target:         g.String(),
		ProxyCPU:       proxy.cpu(),
		BaselineCPU:    base.cpu(),
		ProxyErrors:    pe,
		BaselineErrors: be,
		ProxyRetries:   pr,
		BaseRetries:    br,
		Runs:           len(proxy.Runs),
	}
	if r.Baseline != 0 {
		r.Ratio = r.Proxy / r.Baseline
	}
	r.RunRatios = runRatios(metric, proxy, base)
	r.Met = g.met(r.Ratio)
	if g != nil {
		r.TargetOp, r.TargetRatio = "<=", &g.Value
		if g.AtLeast {
			r.TargetOp = ">="
		}
	}
	return r
}

// runRatios is proxy/baseline run by run; nil unless both sides ran as
// often and every baseline run measured something.
func runRatios(metric string, proxy, base *side) []float64 {
	if len(proxy.Runs) != len(base.Runs) {
		return nil
	}
	out := make([]float64, len(proxy.Runs))
	for i := range proxy.Runs {
		b := base.Runs[i].Metrics[metric]
		if b == 0 {
			return nil
		}
		out[i] = proxy.Runs[i].Metrics[metric] / b
	}
	return out
}

// meta is the header of the report.
type meta struct {
	Date     string            `json:"date"`
	Commit   string            `json:"commit"`
	Duration string            `json:"bench_duration"`
	Warmup   string            `json:"bench_warmup"`
	Repeat   int               `json:"bench_repeat"`
	SingleTx int               `json:"bench_single_tx"`
	Nproc    int               `json:"nproc"`
	CPUModel string            `json:"cpu_model"`
	Versions map[string]string `json:"versions"`
	Elapsed  string            `json:"elapsed"`
	Setup    []string          `json:"setup"`
}

type report struct {
	Meta     meta     `json:"meta"`
	Rows     []row    `json:"rows"`
	Notes    []string `json:"notes"`    // error details and other remarks
	Profiles []string `json:"profiles"` // CPU profiles saved (BENCH_PROFILE=1)
}

func (r *report) markdown() string {
	var b strings.Builder
	m := r.Meta
	fmt.Fprintf(&b, "## xaproxy benchmark\n\n")
	fmt.Fprintf(&b, "- date: %s\n- commit: %s\n- BENCH_DURATION: %s (warm-up %s, %d run(s) per side, median kept)\n",
		m.Date, m.Commit, m.Duration, m.Warmup, m.Repeat)
	fmt.Fprintf(&b, "- nproc: %d, CPU: %s\n", m.Nproc, m.CPUModel)
	keys := slices.Sorted(maps.Keys(m.Versions))
	vs := make([]string, len(keys))
	for i, k := range keys {
		vs[i] = m.Versions[k]
	}
	fmt.Fprintf(&b, "- versions: %s\n", strings.Join(vs, ", "))
	for _, s := range m.Setup {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	fmt.Fprintf(&b, "- total run time: %s\n\n", m.Elapsed)
	b.WriteString("Ratio = proxy / baseline (throughput: higher is better; latency: lower is better). CPU = µs of process CPU (user+sys) per query.\n\n")
	b.WriteString("| workload | metric | proxy | baseline | baseline value | ratio | ratio per run | target | met | proxy CPU µs/q | HAProxy CPU µs/q | errors proxy / baseline |\n")
	b.WriteString("|---|---|---:|---|---:|---:|---|---|---|---:|---:|---|\n")
	for _, x := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s |\n",
			x.Workload, x.Metric+" ("+x.Unit+")", formatValue(x.Proxy, x.Unit), x.BaselineName,
			formatValue(x.Baseline, x.Unit), x.Ratio, formatRatios(x.RunRatios), dash(x.Target), formatMet(x.Met),
			formatCPU(x.ProxyCPU), formatCPU(x.BaselineCPU), formatErrors(x))
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	if len(r.Profiles) > 0 {
		b.WriteString("\nCPU profiles:\n\n")
		for _, p := range r.Profiles {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	return b.String()
}

func formatValue(v float64, unit string) string {
	switch {
	case unit == "ms":
		return fmt.Sprintf("%.3f", v)
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func formatRatios(v []float64) string {
	if len(v) == 0 {
		return "—"
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, " / ")
}

func formatCPU(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *v)
}

func formatMet(m *bool) string {
	switch {
	case m == nil:
		return "—"
	case *m:
		return "yes"
	default:
		return "**no**"
	}
}

func formatErrors(x row) string {
	s := fmt.Sprintf("%d / %d", x.ProxyErrors, x.BaselineErrors)
	if x.ProxyRetries > 0 || x.BaseRetries > 0 {
		s += fmt.Sprintf(" (retried %d / %d)", x.ProxyRetries, x.BaseRetries)
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// write saves latest.md and latest.json in dir.
func (r *report) write(dir string) error {
	// Empty lists as [] rather than null, for whoever reads the JSON.
	r.Notes = append([]string{}, r.Notes...)
	r.Profiles = append([]string{}, r.Profiles...)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "latest.json"), append(j, '\n'), 0o644)
}
