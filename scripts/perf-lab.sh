#!/bin/bash
# Performance lab: a quick side-by-side of xaproxy and HAProxy in front of
# one MariaDB, with the counters that explain a difference (CPU and context
# switches per query from /proc, MariaDB's CPU and the machine's idle time
# per query, and with STRACE=1 the system calls per query). `make bench` is the reference; this is for iterating on one
# change in a minute (docs/performance.md).
#
#   scripts/perf-lab.sh setup            MariaDB :23306, HAProxy :23307, data
#   scripts/perf-lab.sh run [T] [S] [..]  build, start the proxy (:23308), run
#                                        point_select at T threads for S s on
#                                        each side, REPS times (default 2);
#                                        extra args go to sysbench
#                                        (e.g. --db-ps-mode=disable)
#   scripts/perf-lab.sh ab A B [PAIRS]   alternate two prebuilt proxies
#                                        (8 threads, 10 s each), means of
#                                        the ratios to HAProxy
#   scripts/perf-lab.sh stop             stop everything
#
# Environment: LAB (default /tmp/xaproxy-lab), BIN (a prebuilt proxy),
# WORKLOAD (the sysbench test, default oltp_point_select),
# PROXY_ENV (e.g. "GOMAXPROCS=1"), REPS, STRACE=1 (slows every side: only
# the per-query counts mean something then), PERF=1 (perf record of each
# side's process with kernel call graphs: µs per query in the system calls
# and kernel functions that cost the most; slows every side too), COUNT=1
# (kernel events per query by perf stat: system calls, context switches,
# wake-ups, IPIs, packets sent; cheap, exact; one of STRACE, PERF and
# COUNT at a time),
# PASSTHROUGH=1 (a third side:
# bench/passthrough, a Go io.Copy relay on :23311 with xaproxy's GODEBUG,
# the floor of a goroutine-per-connection proxy), SHARED=1 (start the
# servers in the caller's session instead of each in its own: with the
# kernel's autogroup every thread then competes one by one, as in
# `make bench` by default; give setup and run the same setting;
# docs/performance.md, "Scheduling groups").
set -euo pipefail
LAB=${LAB:-/tmp/xaproxy-lab}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# SESSION starts a server in a new session unless SHARED=1 (a command
# prefix, not a function: $! must be the server's pid).
SESSION=(setsid)
if [ -n "${SHARED:-}" ]; then SESSION=(); fi
SB=(sysbench "${WORKLOAD:-oltp_point_select}" --mysql-host=127.0.0.1 --mysql-db=sbtest --tables=4 --table-size=10000)

up() { mariadb -uroot -h127.0.0.1 -P23306 -e 'SELECT 1' >/dev/null 2>&1; }

setup() {
	mkdir -p "$LAB/m0/data" "$LAB/m0/tmp"
	if [ ! -d "$LAB/m0/data/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$LAB/m0/data" --tmpdir="$LAB/m0/tmp" \
			--auth-root-authentication-method=normal --skip-test-db --skip-name-resolve --force \
			--user=root --innodb-log-file-size=48M >/dev/null
	fi
	if ! up; then
		"${SESSION[@]}" mariadbd --no-defaults --datadir="$LAB/m0/data" --port=23306 --bind-address=127.0.0.1 \
			--socket="$LAB/m0/sock" --pid-file="$LAB/m0/pid" --log-error="$LAB/m0/err" --tmpdir="$LAB/m0/tmp" \
			--skip-name-resolve --skip-log-bin --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
			--max-connections=1000 --innodb-buffer-pool-size=256M --innodb-log-file-size=48M --user=root \
			--loose-feedback=OFF </dev/null >/dev/null 2>&1 &
		for _ in $(seq 120); do up && break; sleep 0.5; done
		up || { echo "mariadbd did not start: see $LAB/m0/err" >&2; exit 1; }
	fi
	if ! mariadb -uroot -h127.0.0.1 -P23306 -e 'SELECT 1 FROM sbtest.sbtest4 LIMIT 1' >/dev/null 2>&1; then
		mariadb -uroot -h127.0.0.1 -P23306 -e "CREATE DATABASE IF NOT EXISTS sbtest"
		"${SB[@]}" --mysql-port=23306 --mysql-user=root prepare >/dev/null
	fi
	cat >"$LAB/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    maxconn 4000
frontend mysql
    bind 127.0.0.1:23307
    default_backend mariadb
backend mariadb
    server m0 127.0.0.1:23306 maxconn 4000
EOF
	if [ ! -s "$LAB/haproxy.pid" ] || ! kill -0 "$(cat "$LAB/haproxy.pid")" 2>/dev/null; then
		"${SESSION[@]}" haproxy -db -f "$LAB/haproxy.cfg" </dev/null >"$LAB/haproxy.log" 2>&1 &
		echo $! >"$LAB/haproxy.pid"
	fi
	cat >"$LAB/xaproxy.yaml" <<EOF
listen: 127.0.0.1:23308
admin_listen: 127.0.0.1:23309
users:
  - {name: app, password: app-secret}
shards:
  - {name: m0, dsn: "root@tcp(127.0.0.1:23306)/"}
schemas:
  - name: sbtest
    default_shard: m0
backend:
  max_open: 256
  max_idle: 256
EOF
	echo "lab ready in $LAB"
}

stop_proxy() {
	if [ -s "$LAB/xaproxy.pid" ]; then
		kill "$(cat "$LAB/xaproxy.pid")" 2>/dev/null || true
		rm -f "$LAB/xaproxy.pid"
		sleep 0.3
	fi
}

# COUNT=1's events: the kernel work a relayed statement can cost, by name.
COUNT_EVENTS=$(printf 'syscalls:sys_enter_%s,' read write recvfrom sendto epoll_wait epoll_pwait futex nanosleep)sched:sched_switch,sched:sched_wakeup,ipi:ipi_send_cpu,net:net_dev_xmit

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
user_ticks() { awk '{print $14}' "/proc/$1/stat"; }
idle_ticks() { awk '/^cpu /{print $5+$6}' /proc/stat; }
switches() { cat /proc/"$1"/task/*/status | awk '/ctxt_switches/{s+=$2} END{print s}'; }

# side NAME PORT USER PASSWORD PID: one measured run.
side() {
	local name=$1 port=$2 user=$3 pass=$4 pid=$5 sp="" out q
	local c0 s0 c1 s1 m0 m1 i0 i1 u0 u1 mpid
	mpid=$(cat "$LAB/m0/pid")
	c0=$(cpu_ticks "$pid") u0=$(user_ticks "$pid") s0=$(switches "$pid") m0=$(cpu_ticks "$mpid") i0=$(idle_ticks)
	if [ -n "${STRACE:-}" ]; then
		timeout -s INT $((SECS + 1)) strace -c -f -p "$pid" -o "$LAB/strace.$name" 2>/dev/null &
		sp=$!
	fi
	if [ -n "${PERF:-}" ]; then
		timeout -s INT $((SECS + 1)) perf record -q -F 4000 -e cpu-clock -g -p "$pid" -o "$LAB/perf.$name" >/dev/null 2>&1 &
		sp=$!
	fi
	if [ -n "${COUNT:-}" ]; then
		timeout -s INT $((SECS + 1)) perf stat -e "$COUNT_EVENTS" -p "$pid" -o "$LAB/count.$name" >/dev/null 2>&1 &
		sp=$!
	fi
	out=$("${SB[@]}" --mysql-port="$port" --mysql-user="$user" --mysql-password="$pass" \
		--threads="$THREADS" --time="$SECS" "${EXTRA[@]}" run)
	[ -n "$sp" ] && wait "$sp" || true
	c1=$(cpu_ticks "$pid") u1=$(user_ticks "$pid") s1=$(switches "$pid") m1=$(cpu_ticks "$mpid") i1=$(idle_ticks)
	q=$(awk '/^ *queries:/{print $2}' <<<"$out")
	awk -v n="$name" -v q="$q" -v c=$((c1 - c0)) -v s=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" \
		-v m=$((m1 - m0)) -v idle=$((i1 - i0)) -v u=$((u1 - u0)) \
		-v qps="$(awk '/^ *queries:/{gsub("\\(","",$3); print $3}' <<<"$out")" \
		-v sum="$(awk '/^ *sum:/{print $2}' <<<"$out")" -v tx="$(awk '/^ *transactions:/{print $2}' <<<"$out")" \
		'BEGIN{printf "%-8s %9.0f q/s  mean %.3f ms  CPU %5.1f us/q (user %4.1f)  %.2f context switches/q  MariaDB %5.1f us/q  idle %4.1f us/q\n", n, qps, sum/tx, c*1e6/hz/q, u*1e6/hz/q, s/q, m*1e6/hz/q, idle*1e6/hz/q}'
	if [ -n "${STRACE:-}" ]; then
		awk -v q="$q" 'NR>2 && $NF!="total" && $4+0>0 {printf "%.2f %s\n", $4/q, $NF}' "$LAB/strace.$name" |
			sort -nr | head -5 | awk '{printf "           %-14s %s/q\n", $2, $1}'
	fi
	if [ -n "${COUNT:-}" ]; then
		awk -v q="$q" '$1 ~ /^[0-9,]+$/ && $1 != "0" {gsub(",", "", $1); sub(/^[a-z]+:(sys_enter_)?/, "", $2); printf "           %-22s %5.2f/q\n", $2, $1/q}' "$LAB/count.$name"
	fi
	if [ -n "${PERF:-}" ]; then perf_summary "$LAB/perf.$name" "$(awk -v c=$((c1 - c0)) -v q="$q" -v hz="$(getconf CLK_TCK)" 'BEGIN{print c*1e6/hz/q}')"; fi
}

# perf_summary FILE CPU: where a side's CPU goes by perf's samples, in µs
# per query (CPU is the side's µs per query from /proc): the system calls
# and the kernel paths under them, inclusive. Sampled by a timer, so work
# done with interrupts off shows at the point they come back on
# (finish_task_switch, _raw_spin_unlock_irqrestore): read those as the
# context switch and the wake-up that just ran.
perf_summary() {
	perf report -i "$1" --stdio --children --sort sym -g none 2>/dev/null |
		awk -v cpu="$2" '
		BEGIN { n = split("do_syscall_64 ksys_write __sys_sendto ksys_read __sys_recvfrom do_epoll_wait do_futex schedule try_to_wake_up net_rx_action finish_task_switch.isra.0 _raw_spin_unlock_irqrestore", want, " ") }
		/^ +[0-9.]+%/ { pct[$NF] = $1 + 0 }
		END { for (i = 1; i <= n; i++) if (want[i] in pct) printf "           %-30s %5.1f us/q\n", want[i], pct[want[i]] * cpu / 100 }'
}

run() {
	THREADS=${1:-8} SECS=${2:-5}
	shift $(($# < 2 ? $# : 2))
	EXTRA=("$@")
	up || { echo "run '$0 setup' first" >&2; exit 1; }
	local bin=${BIN:-}
	if [ -z "$bin" ]; then
		(cd "$ROOT" && go build -o "$LAB/xaproxy" ./cmd/xaproxy)
		bin=$LAB/xaproxy
	fi
	stop_proxy
	# shellcheck disable=SC2086 # PROXY_ENV is a list of K=V words
	"${SESSION[@]}" env ${PROXY_ENV:-} "$bin" serve --config "$LAB/xaproxy.yaml" </dev/null >"$LAB/proxy.log" 2>&1 &
	echo $! >"$LAB/xaproxy.pid"
	for _ in $(seq 50); do
		mariadb -uapp -papp-secret -h127.0.0.1 -P23308 -e 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.2
	done
	local pp hp tp=""
	pp=$(cat "$LAB/xaproxy.pid") hp=$(cat "$LAB/haproxy.pid")
	if [ -n "${PASSTHROUGH:-}" ]; then
		(cd "$ROOT" && go build -tags bench -o "$LAB/passthrough" ./bench/passthrough)
		[ -s "$LAB/passthrough.pid" ] && kill "$(cat "$LAB/passthrough.pid")" 2>/dev/null || true
		# shellcheck disable=SC2086
		"${SESSION[@]}" env GODEBUG=schedtrace=2147483647 ${PROXY_ENV:-} "$LAB/passthrough" -listen 127.0.0.1:23311 \
			-backend 127.0.0.1:23306 </dev/null >"$LAB/passthrough.log" 2>&1 &
		echo $! >"$LAB/passthrough.pid"
		tp=$(cat "$LAB/passthrough.pid")
		sleep 0.5
	fi
	# Warm the proxy's pool and plan cache.
	"${SB[@]}" --mysql-port=23308 --mysql-user=app --mysql-password=app-secret --threads="$THREADS" --time=1 "${EXTRA[@]}" run >/dev/null
	for _ in $(seq "${REPS:-2}"); do
		side haproxy 23307 root "" "$hp"
		side xaproxy 23308 app app-secret "$pp"
		# An if, not `[ ] &&`: a false test as the loop's last command would
		# make run, and so the script under set -e, exit 1.
		if [ -n "$tp" ]; then side go-copy 23311 root "" "$tp"; fi
	done
}

stop() {
	stop_proxy
	[ -s "$LAB/passthrough.pid" ] && kill "$(cat "$LAB/passthrough.pid")" 2>/dev/null || true
	rm -f "$LAB/passthrough.pid"
	[ -s "$LAB/haproxy.pid" ] && kill "$(cat "$LAB/haproxy.pid")" 2>/dev/null || true
	rm -f "$LAB/haproxy.pid"
	[ -s "$LAB/m0/pid" ] && kill "$(cat "$LAB/m0/pid")" 2>/dev/null || true
	echo stopped
}

# ab A B [PAIRS] [..]: alternating runs of two prebuilt proxies (8
# threads, 10 s, REPS=1 each), one line per run and the means of the
# ratios to HAProxy: this host's noise is as large as most single changes,
# so a comparison needs pairs, not one run each.
ab() {
	local a=$1 b=$2 pairs=${3:-5} out
	shift $(($# < 3 ? $# : 3))
	out=$(for _ in $(seq "$pairs"); do
		for bin in "$a" "$b"; do
			BIN=$bin REPS=1 run 8 10 "$@" | awk -v b="$bin" '/^(haproxy|xaproxy) /{q[$1]=$2; c[$1]=$8; u[$1]=$11+0}
				END {printf "%s qps %.3f cpu %.3f user %.1f\n", b, q["xaproxy"]/q["haproxy"], c["xaproxy"]/c["haproxy"], u["xaproxy"]}'
		done
	done)
	echo "$out"
	awk '{n[$1]++; q[$1]+=$3; c[$1]+=$5; u[$1]+=$7} END {for (b in n) printf "mean %s: q/s vs HAProxy %.3f, CPU vs HAProxy %.3f, user %.1f us/q (%d runs)\n", b, q[b]/n[b], c[b]/n[b], u[b]/n[b], n[b]}' <<<"$out"
}

case ${1:-} in
setup) setup ;;
run) shift; run "$@" ;;
ab) shift; ab "$@" ;;
stop) stop ;;
*) sed -n '2,34p' "$0"; exit 2 ;;
esac
