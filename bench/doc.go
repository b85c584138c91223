//go:build bench

// Package bench is xaproxy's performance benchmark, run by `make bench`:
//
//	go test -tags bench -count=1 -timeout 40m -v -run '^TestBench$' ./bench/
//
// It starts its own MariaDB instances, etcd, three xaproxy processes and two
// HAProxies (TCP mode), runs sysbench and three Go workloads against the proxy
// and against baselines side by side, and prints one Markdown table of
// proxy/baseline ratios (also written to results/latest.md and
// results/latest.json).
//
// Topology:
//
//	m0        one MariaDB: database sbtest (sysbench tables, the single-shard
//	          table), sbshard (the unsharded copy of the sharded tables) and
//	          shop (the order entry's tables, unsharded)
//	s0, s1    two MariaDB shards: databases sbshard, bank and shop
//	etcd      decisions of the sharded proxy and of the direct XA client
//	single    xaproxy over m0, schema sbtest unsharded (default_shard m0)
//	single1   the same with GOMAXPROCS=1 (the rows "one core each")
//	sharded   xaproxy over s0+s1, sbshard.sbtest* and bank.accounts sharded
//	          by id (hash), shop's tables by customer (items broadcast),
//	          coordinator in etcd
//	haproxy   `mode tcp` in front of m0
//	haproxy1  the same with nbthread 1 (the rows "one core each")
//
// Every file carries the bench build tag so that `go test ./...` and
// `make test` never run (or compile) the benchmark.
//
// Environment:
//
//	BENCH_DURATION=10s  length of each measured run (whole seconds)
//	BENCH_WARMUP=2s     unmeasured run before each side's first measured run
//	BENCH_REPEAT=1      measured runs per workload and side; the median is kept
//	BENCH_SINGLE_TX=3000 transactions per side of the single-shard workload
//	BENCH_PROFILE=1     start the proxies with --pprof and save CPU profiles
//	BENCH_ONLY=regexp   run only the workloads whose name matches (e.g. 'transfer')
//	XAPROXY_BIN=path    use a prebuilt proxy instead of building ./cmd/xaproxy
//	XAPROXY_HARNESS_SESSIONS=own  start MariaDB, etcd, HAProxy and the proxies
//	                    each in its own session: with the kernel's autogroup
//	                    each is then scheduled as one group, as a service in
//	                    its own cgroup is; unset, every process shares the
//	                    test's group (docs/performance.md, "Scheduling groups")
package bench
