#!/usr/bin/env bash
# make demo: run xaproxy in front of two MariaDB shards with etcd, all on
# loopback, with state under ./.demo (kept across runs):
#
#   MariaDB s0  127.0.0.1:3310   .demo/s0
#   MariaDB s1  127.0.0.1:3311   .demo/s1
#   etcd        127.0.0.1:2379 (client), 2380 (peer)   .demo/etcd
#   xaproxy     listen/admin_listen from the config (conf/example.yaml:
#               127.0.0.1:3307, admin 127.0.0.1:9107)
#
# Stays in the foreground; Ctrl-C or SIGTERM stops everything cleanly
# (proxy first, then etcd and the shards).
#
# usage: scripts/demo.sh          start (installs deps and builds first)
#        scripts/demo.sh stop     stop leftovers of a previous demo (make demo-stop)
# env:   XAPROXY_DEMO_CONFIG=FILE  config to serve (default conf/example.yaml)
#        DEMO_SKIP_DEPS=1          do not run scripts/install-deps.sh
#        XAPROXY_DEMO_BIN=PATH     serve with this binary instead of building bin/xaproxy
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
CONFIG=${XAPROXY_DEMO_CONFIG:-conf/example.yaml}
BIN=${XAPROXY_DEMO_BIN:-$ROOT/bin/xaproxy}
export PATH="$PATH:/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin"

SHARDS=(s0 s1)
declare -A SHARD_PORT=([s0]=3310 [s1]=3311)
ETCD_CLIENT=2379
ETCD_PEER=2380

say() { printf 'demo: %s\n' "$*"; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_status PORT PATH: prints the HTTP status code of GET (plain bash, no curl).
http_status() {
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
		read -r _ code _ <&3 && printf "%s" "$code"' _ "$1" "$2" 2>/dev/null || true
}

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

pidfile_pid() { [[ -f $1 ]] && cat "$1" 2>/dev/null || true; }

# stop_pid NAME PID TIMEOUT: SIGTERM, wait, SIGKILL.
stop_pid() {
	local name=$1 pid=$2 timeout=$3 i
	alive "$pid" || return 0
	say "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	say "$name did not stop within ${timeout}s, killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

# pid_is PID WORD: the process's command line mentions WORD (guards
# against a pid file naming a recycled pid).
pid_is() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }

stop_all() {
	local pid s
	pid=$(pidfile_pid "$DEMO/xaproxy.pid")
	if pid_is "$pid" "$BIN"; then stop_pid xaproxy "$pid" 20; fi
	pid=$(pidfile_pid "$DEMO/etcd.pid")
	if pid_is "$pid" "$DEMO/etcd/"; then stop_pid etcd "$pid" 20; fi
	for s in "${SHARDS[@]}"; do
		pid=$(pidfile_pid "$DEMO/$s.pid")
		if pid_is "$pid" "$DEMO/$s/"; then stop_pid "mariadb $s" "$pid" 60; fi
	done
	rm -f "$DEMO"/xaproxy.pid "$DEMO"/etcd.pid "$DEMO"/s0.pid "$DEMO"/s1.pid
}

if [[ ${1:-} == stop ]]; then
	pid=$(pidfile_pid "$DEMO/demo.pid")
	if pid_is "$pid" demo.sh; then
		say "asking the running demo (pid $pid) to stop"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 900; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
	fi
	stop_all
	rm -f "$DEMO/demo.pid"
	say "stopped"
	exit 0
fi
[[ $# -eq 0 ]] || die "usage: $0 [stop]"

# ---------------------------------------------------------------- checks
[[ -f $CONFIG ]] || die "config $CONFIG not found"
# Listen addresses from the config (top-level keys), defaults as in conf/example.yaml.
cfg_port() { sed -n "s/^$1:[[:space:]]*\"\{0,1\}[0-9.]*:\([0-9]*\).*/\1/p" "$CONFIG" | head -n1; }
PROXY_PORT=$(cfg_port listen)
PROXY_PORT=${PROXY_PORT:-3307}
ADMIN_PORT=$(cfg_port admin_listen)
ADMIN_PORT=${ADMIN_PORT:-9107}

if [[ ${DEMO_SKIP_DEPS:-} != 1 ]]; then
	scripts/install-deps.sh
fi
if [[ -z ${XAPROXY_DEMO_BIN:-} ]]; then
	say "building bin/xaproxy"
	mkdir -p bin
	go build -o "$BIN" ./cmd/xaproxy
fi
[[ -x $BIN ]] || die "$BIN is not an executable"

mkdir -p "$DEMO"
old=$(pidfile_pid "$DEMO/demo.pid")
if pid_is "$old" demo.sh; then
	die "a demo is already running (pid $old): stop it with Ctrl-C in its terminal or 'make demo-stop'"
fi
busy=()
for p in "${SHARD_PORT[s0]}" "${SHARD_PORT[s1]}" $ETCD_CLIENT $ETCD_PEER "$PROXY_PORT" "$ADMIN_PORT"; do
	port_open "$p" && busy+=("$p")
done
if [[ ${#busy[@]} -gt 0 ]]; then
	leftovers=()
	for f in xaproxy etcd s0 s1; do
		pid=$(pidfile_pid "$DEMO/$f.pid")
		alive "$pid" && leftovers+=("$f=$pid")
	done
	if [[ ${#leftovers[@]} -gt 0 ]]; then
		die "port(s) ${busy[*]} busy: a previous demo is still running (${leftovers[*]}): run 'make demo-stop'"
	fi
	die "port(s) ${busy[*]} on 127.0.0.1 are in use by something else (not a demo started from $DEMO); free them first (ss -ltnp shows who)"
fi

echo $$ >"$DEMO/demo.pid"
cleanup() {
	trap - INT TERM EXIT
	echo
	stop_all
	rm -f "$DEMO/demo.pid"
	say "all stopped (data kept in $DEMO; rm -rf .demo to start from scratch)"
}
trap cleanup EXIT
trap 'exit 0' INT
trap 'exit 0' TERM

root_flag=()
[[ $(id -u) -eq 0 ]] && root_flag=(--user=root)

# ---------------------------------------------------------------- MariaDB
start_shard() {
	local s=$1 port=${SHARD_PORT[$1]} dir=$DEMO/$1
	if [[ ! -f $dir/.installed ]]; then
		say "initialising MariaDB data dir $dir/data"
		rm -rf "$dir"
		mkdir -p "$dir/tmp"
		mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
			--skip-test-db --skip-name-resolve --force "${root_flag[@]}" \
			--innodb-buffer-pool-size=64M --innodb-log-file-size=48M >"$dir/install.log" 2>&1 ||
			{
				tail -n 30 "$dir/install.log" >&2
				die "mariadb-install-db failed for $s (log: $dir/install.log)"
			}
		touch "$dir/.installed"
	fi
	mkdir -p "$dir/tmp"
	# setsid: Ctrl-C reaches only this script, which stops things in order.
	setsid mariadbd --no-defaults "${root_flag[@]}" --datadir="$dir/data" --port="$port" \
		--bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
		--log-error="$dir/error.log" --tmpdir="$dir/tmp" --skip-name-resolve --skip-log-bin \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --max-connections=1000 \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=48M --loose-feedback=OFF \
		</dev/null >>"$dir/error.log" 2>&1 &
	echo $! >"$DEMO/$s.pid"
}

wait_shard() {
	local s=$1 port=${SHARD_PORT[$1]} pid i
	pid=$(pidfile_pid "$DEMO/$s.pid")
	for ((i = 0; i < 600; i++)); do
		if mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		if ! alive "$pid"; then
			tail -n 30 "$DEMO/$s/error.log" >&2
			die "mariadbd $s exited during startup (log: $DEMO/$s/error.log)"
		fi
		sleep 0.1
	done
	tail -n 30 "$DEMO/$s/error.log" >&2
	die "mariadbd $s not ready after 60s (log: $DEMO/$s/error.log)"
}

for s in "${SHARDS[@]}"; do start_shard "$s"; done

# ---------------------------------------------------------------- etcd
mkdir -p "$DEMO/etcd"
setsid etcd --name=demo --data-dir="$DEMO/etcd/data" \
	--listen-client-urls=http://127.0.0.1:$ETCD_CLIENT --advertise-client-urls=http://127.0.0.1:$ETCD_CLIENT \
	--listen-peer-urls=http://127.0.0.1:$ETCD_PEER --initial-advertise-peer-urls=http://127.0.0.1:$ETCD_PEER \
	--initial-cluster=demo=http://127.0.0.1:$ETCD_PEER --initial-cluster-state=new \
	--initial-cluster-token=xaproxy-demo --logger=zap --log-outputs=stderr \
	</dev/null >>"$DEMO/etcd/etcd.log" 2>&1 &
echo $! >"$DEMO/etcd.pid"

for s in "${SHARDS[@]}"; do
	wait_shard "$s"
	mariadb --no-defaults -h127.0.0.1 -P"${SHARD_PORT[$s]}" -uroot -e 'CREATE DATABASE IF NOT EXISTS shop'
	say "MariaDB $s ready on 127.0.0.1:${SHARD_PORT[$s]} (database shop)"
done

etcd_pid=$(pidfile_pid "$DEMO/etcd.pid")
for ((i = 0; ; i++)); do
	[[ $(http_status $ETCD_CLIENT /health) == 200 ]] && break
	if ! alive "$etcd_pid"; then
		tail -n 30 "$DEMO/etcd/etcd.log" >&2
		die "etcd exited during startup (log: $DEMO/etcd/etcd.log)"
	fi
	((i < 300)) || die "etcd not healthy after 30s (log: $DEMO/etcd/etcd.log)"
	sleep 0.1
done
say "etcd ready on 127.0.0.1:$ETCD_CLIENT"

# ---------------------------------------------------------------- xaproxy
setsid "$BIN" serve --config "$CONFIG" </dev/null >>"$DEMO/xaproxy.log" 2>&1 &
proxy_pid=$!
echo $proxy_pid >"$DEMO/xaproxy.pid"
for ((i = 0; ; i++)); do
	if [[ $(http_status "$ADMIN_PORT" /healthz) == 200 ]] && port_open "$PROXY_PORT"; then
		break
	fi
	if ! alive "$proxy_pid"; then
		tail -n 40 "$DEMO/xaproxy.log" >&2
		die "xaproxy exited during startup (log: $DEMO/xaproxy.log)"
	fi
	if ((i >= 300)); then
		tail -n 40 "$DEMO/xaproxy.log" >&2
		die "xaproxy not ready after 30s (log: $DEMO/xaproxy.log)"
	fi
	sleep 0.1
done

cat <<EOF

xaproxy is ready (config $CONFIG, pid $proxy_pid).

  connect:   mariadb -h127.0.0.1 -P$PROXY_PORT -uapp -papp-secret shop
  health:    curl http://127.0.0.1:$ADMIN_PORT/healthz
  shards:    mariadb -h127.0.0.1 -P${SHARD_PORT[s0]} -uroot shop    /    -P${SHARD_PORT[s1]}
  etcd:      ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:$ETCD_CLIENT get --prefix /xaproxy/
  logs:      $DEMO/xaproxy.log, $DEMO/s0/error.log, $DEMO/s1/error.log, $DEMO/etcd/etcd.log

Press Ctrl-C to stop everything.
EOF

# Foreground until Ctrl-C/SIGTERM, or until a component dies.
while true; do
	for f in xaproxy etcd s0 s1; do
		pid=$(pidfile_pid "$DEMO/$f.pid")
		if ! alive "$pid"; then
			say "$f (pid ${pid:-?}) exited unexpectedly; shutting down the rest"
			exit 1
		fi
	done
	sleep 1 &
	wait $! || true
done
