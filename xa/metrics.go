package xa

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the coordinator's and recovery's Prometheus metrics.
type Metrics struct {
	commits         *prometheus.CounterVec
	commitLatency   *prometheus.HistogramVec
	aborts          *prometheus.CounterVec
	decisionLatency prometheus.Histogram
	phaseLatency    *prometheus.HistogramVec
	batchSize       prometheus.Histogram
	inDoubt         prometheus.Gauge
	otherBranches   *prometheus.GaugeVec
	recoveryActions *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_xa_commits_total", Help: "Transactions committed by the coordinator, by kind (one_phase: one shard, XA COMMIT ONE PHASE; two_phase: XA PREPARE + decision + XA COMMIT; one_writer: several shards of which one wrote, each committed in one phase, the writer first; read_only: several shards, none wrote; plain: a deployment of one shard, whose transactions are plain ones)."}, []string{"kind"}),
		commitLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xaproxy_xa_commit_seconds", Help: "Time to commit a transaction, by kind.", Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)}, []string{"kind"}),
		aborts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_xa_aborts_total", Help: "Transactions rolled back by the coordinator, by cause."}, []string{"cause"}),
		decisionLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "xaproxy_xa_decision_write_seconds", Help: "Latency of the create-if-absent decision write to etcd.", Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14)}),
		phaseLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xaproxy_xa_commit_phase_seconds", Help: "Time of each phase of a two-phase commit: prepare (XA END + XA PREPARE on every branch, in parallel), decision (the decision write, batching delay included), commit (XA COMMIT on every branch, in parallel).", Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}, []string{"phase"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "xaproxy_xa_etcd_batch_size", Help: "Decision writes or deletes carried by one etcd transaction (group commit).", Buckets: []float64{1, 2, 4, 8, 16, 32, 64}}),
		inDoubt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "xaproxy_xa_in_doubt_branches", Help: "Prepared branches of this deployment found by the last recovery scan."}),
		otherBranches: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "xaproxy_xa_other_branches", Help: "Prepared branches with xaproxy's formatID that are not this deployment's, found by the last recovery scan: foreign (another deployment's tag, never touched) and legacy (no tag: finished only by a decision under this deployment's prefix)."}, []string{"scope"}),
		recoveryActions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_xa_recovery_actions_total", Help: "What recovery did, by action (commit, rollback, abort_decided, decision_deleted, owner_busy, owner_killed, owner_finished; with _failed when it failed)."}, []string{"action"}),
	}
	if reg != nil {
		reg.MustRegister(m.commits, m.commitLatency, m.aborts, m.decisionLatency, m.phaseLatency, m.batchSize, m.inDoubt, m.otherBranches, m.recoveryActions)
	}
	return m
}

// Committed counts a transaction the session committed itself: "plain",
// a plain transaction of a one-shard deployment.
func (m *Metrics) Committed(kind string, d time.Duration) { m.committed(kind, d) }

func (m *Metrics) committed(kind string, d time.Duration) {
	m.commits.WithLabelValues(kind).Inc()
	m.commitLatency.WithLabelValues(kind).Observe(d.Seconds())
}

// phase observes one phase of a two-phase commit that began at start.
func (m *Metrics) phase(name string, start time.Time) {
	m.phaseLatency.WithLabelValues(name).Observe(time.Since(start).Seconds())
}

// BatchSize observes the size of a group-commit transaction
// (EtcdConfig.BatchSizes).
func (m *Metrics) BatchSize(n int) { m.batchSize.Observe(float64(n)) }

func (m *Metrics) aborted(cause string) { m.aborts.WithLabelValues(cause).Inc() }

// Aborted counts a transaction the session rolled back (deadlock, lost
// branch, client ROLLBACK is not counted).
func (m *Metrics) Aborted(cause string) { m.aborted(cause) }

func (m *Metrics) recovered(action string) { m.recoveryActions.WithLabelValues(action).Inc() }

// setInDoubt publishes a scan's branch counts by scope.
func (m *Metrics) setInDoubt(counts map[Scope]int) {
	m.inDoubt.Set(float64(counts[ScopeOwn]))
	m.otherBranches.WithLabelValues(string(ScopeForeign)).Set(float64(counts[ScopeForeign]))
	m.otherBranches.WithLabelValues(string(ScopeLegacy)).Set(float64(counts[ScopeLegacy]))
}
