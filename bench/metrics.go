//go:build bench

package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// scrape reads the named counters and histogram sums/counts (full sample
// names, labels included) from a proxy's /metrics.
func scrape(ctx context.Context, adminURL string, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, adminURL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %s", adminURL, resp.Status)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || !want[name] {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// batchCounters are the group-commit figures of the sharded proxy.
var batchCounters = []string{
	"xaproxy_xa_etcd_batch_size_sum",
	"xaproxy_xa_etcd_batch_size_count",
	`xaproxy_xa_commits_total{kind="two_phase"}`,
	`xaproxy_xa_commit_phase_seconds_sum{phase="prepare"}`,
	`xaproxy_xa_commit_phase_seconds_count{phase="prepare"}`,
	`xaproxy_xa_commit_phase_seconds_sum{phase="decision"}`,
	`xaproxy_xa_commit_phase_seconds_count{phase="decision"}`,
	`xaproxy_xa_commit_phase_seconds_sum{phase="commit"}`,
	`xaproxy_xa_commit_phase_seconds_count{phase="commit"}`,
}

// phaseNote gives the mean time of each two-phase commit phase between two
// scrapes, in ms.
func phaseNote(before, after map[string]float64) string {
	var parts []string
	for _, ph := range []string{"prepare", "decision", "commit"} {
		sum := after[`xaproxy_xa_commit_phase_seconds_sum{phase="`+ph+`"}`] - before[`xaproxy_xa_commit_phase_seconds_sum{phase="`+ph+`"}`]
		n := after[`xaproxy_xa_commit_phase_seconds_count{phase="`+ph+`"}`] - before[`xaproxy_xa_commit_phase_seconds_count{phase="`+ph+`"}`]
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %.3f", ph, sum/n*1000))
		}
	}
	if parts == nil {
		return ""
	}
	return "; mean ms per phase: " + strings.Join(parts, ", ")
}

// groupCommitNote describes the etcd batching between two scrapes.
func groupCommitNote(name string, before, after map[string]float64) string {
	writes := after["xaproxy_xa_etcd_batch_size_sum"] - before["xaproxy_xa_etcd_batch_size_sum"]
	txns := after["xaproxy_xa_etcd_batch_size_count"] - before["xaproxy_xa_etcd_batch_size_count"]
	commits := after[`xaproxy_xa_commits_total{kind="two_phase"}`] - before[`xaproxy_xa_commits_total{kind="two_phase"}`]
	if txns <= 0 {
		return fmt.Sprintf("%s: no etcd transaction recorded by the proxy", name)
	}
	return fmt.Sprintf("%s: group commit: %.0f two-phase commits; %.0f decision writes and deletes in %.0f etcd transactions (%.1f per transaction)%s",
		name, commits, writes, txns, writes/txns, phaseNote(before, after))
}

// commitKinds count the sharded proxy's commits by kind: two-phase first.
var commitKinds = []string{
	`xaproxy_xa_commits_total{kind="two_phase"}`,
	`xaproxy_xa_commits_total{kind="one_phase"}`,
	`xaproxy_xa_commits_total{kind="one_writer"}`,
	`xaproxy_xa_commits_total{kind="read_only"}`,
}

// commitTimes are the coordinator's commit latency histograms of the
// kinds in commitKinds.
var commitTimes = func() []string {
	var out []string
	for _, k := range []string{"two_phase", "one_phase", "one_writer", "read_only"} {
		out = append(out, `xaproxy_xa_commit_seconds_sum{kind="`+k+`"}`, `xaproxy_xa_commit_seconds_count{kind="`+k+`"}`)
	}
	return out
}()

// twoPhaseNote gives the share of two-phase commits between two scrapes
// (warm-up runs included), and the mean commit time of each kind.
func twoPhaseNote(name string, before, after map[string]float64) string {
	var n [4]float64
	total := 0.0
	for i, k := range commitKinds {
		n[i] = after[k] - before[k]
		total += n[i]
	}
	if total <= 0 {
		return fmt.Sprintf("%s: no commit recorded by the proxy", name)
	}
	note := fmt.Sprintf("%s: %.0f of %.0f transactions (%.0f%%) committed in two phases; %.0f touched one shard, %.0f several with one writing, %.0f several only reading",
		name, n[0], total, 100*n[0]/total, n[1], n[2], n[3])
	var means []string
	for i := 0; i+1 < len(commitTimes); i += 2 {
		sum := after[commitTimes[i]] - before[commitTimes[i]]
		cnt := after[commitTimes[i+1]] - before[commitTimes[i+1]]
		if cnt > 0 {
			kind := strings.TrimSuffix(strings.TrimPrefix(commitTimes[i], `xaproxy_xa_commit_seconds_sum{kind="`), `"}`)
			means = append(means, fmt.Sprintf("%s %.3f", kind, sum/cnt*1000))
		}
	}
	if means != nil {
		note += "; mean ms to commit: " + strings.Join(means, ", ")
	}
	return note
}
