#!/usr/bin/env bash
# Installs the external programs the integration tests and the demo need
# (Debian/Ubuntu): MariaDB server+client, etcd server+client, gcc for
# `go test -race`, and Node.js with npm for the Node client tests
# (integration/node; scripts/node-deps.sh installs their packages). With
# --bench also sysbench and haproxy.
#
# Idempotent: when everything is there it only checks and exits.
# Package postinst scripts must not leave services running (nothing may
# listen on 3306/2379 afterwards: tests use their own instances, the demo
# uses 2379 itself), so services are denied start during the install and
# stopped afterwards if they started anyway.
#
# usage: scripts/install-deps.sh [--bench]
set -euo pipefail

bench=0
for a in "$@"; do
	case "$a" in
	--bench) bench=1 ;;
	-h | --help)
		sed -n '2,12p' "$0"
		exit 0
		;;
	*)
		echo "install-deps: unknown argument $a" >&2
		exit 2
		;;
	esac
done

# mariadbd lives in /usr/sbin, which a non-root PATH often lacks.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# command -> Debian package providing it
cmds=(mariadbd mariadb-install-db mariadb etcd etcdctl gcc node npm)
pkgs=(mariadb-server mariadb-server mariadb-client etcd-server etcd-client gcc nodejs npm)
if [[ $bench == 1 ]]; then
	cmds+=(sysbench haproxy)
	pkgs+=(sysbench haproxy)
fi

missing_cmds=()
missing_pkgs=()
for i in "${!cmds[@]}"; do
	if ! command -v "${cmds[$i]}" >/dev/null 2>&1; then
		missing_cmds+=("${cmds[$i]}")
		p=${pkgs[$i]}
		if [[ " ${missing_pkgs[*]-} " != *" $p "* ]]; then
			missing_pkgs+=("$p")
		fi
	fi
done
# gcc alone cannot link cgo (race detector) binaries without the C library headers.
if [[ " ${missing_pkgs[*]-} " == *" gcc "* ]]; then
	missing_pkgs+=(libc6-dev)
fi

if ! command -v go >/dev/null 2>&1 && [[ ! -x /usr/local/go/bin/go ]]; then
	echo "install-deps: warning: the go command is not in PATH nor /usr/local/go/bin (Go 1.26 is needed; Debian's golang package is too old)" >&2
fi

if [[ ${#missing_pkgs[@]} -eq 0 ]]; then
	echo "deps: all present (mariadbd, mariadb-install-db, mariadb, etcd, etcdctl, gcc, node, npm$([[ $bench == 1 ]] && echo ', sysbench, haproxy'))"
	exit 0
fi

echo "deps: missing ${missing_cmds[*]} -> installing ${missing_pkgs[*]}"

if [[ $(id -u) -ne 0 ]]; then
	{
		echo "install-deps: not root, cannot install. Run as root, or:"
		echo "    sudo apt-get update && sudo apt-get install -y ${missing_pkgs[*]}"
		echo "  (then stop the services the packages start: sudo service mariadb stop; sudo service etcd stop)"
	} >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: apt-get not found: install ${missing_pkgs[*]} (or equivalents) by hand" >&2
	exit 1
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Which of the services were already listening before we touched anything:
# those are someone else's and are left alone.
pre_3306=0 pre_2379=0
port_open 3306 && pre_3306=1
port_open 2379 && pre_2379=1

# Deny service starts from maintainer scripts (invoke-rc.d and
# deb-systemd-invoke honour policy-rc.d). Docker-style machines already have
# one; ours is removed again on exit.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\n# temporary, written by xaproxy scripts/install-deps.sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

apt-get update -q
if ! apt-get install "${apt_opts[@]}" "${missing_pkgs[@]}"; then
	# A postinst that failed (e.g. trying to start a service without an init
	# system) leaves packages half-configured: configure them and retry once.
	echo "install-deps: apt-get install failed, retrying after dpkg --configure -a" >&2
	dpkg --configure -a || true
	apt-get install "${apt_opts[@]}" "${missing_pkgs[@]}"
fi

# Make sure no packaged service was left running (or enabled for the next
# boot) by the install: the tests and the demo run their own instances.
stop_service() { # name port pidfile binary
	local name=$1 port=$2 pidfile=$3 bin=$4
	if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now "$name" >/dev/null 2>&1 || true
	fi
	if port_open "$port"; then
		service "$name" stop >/dev/null 2>&1 || true
	fi
	if port_open "$port" && [[ -f $pidfile ]]; then
		kill "$(cat "$pidfile")" 2>/dev/null || true
	fi
	# Last resort: the packaged daemon runs as its own system user.
	if port_open "$port"; then
		local pid user
		for pid in $(pidof "$bin" 2>/dev/null || true); do
			user=$(stat -c %U "/proc/$pid" 2>/dev/null || true)
			if [[ $user == mysql || $user == etcd ]]; then
				kill "$pid" 2>/dev/null || true
			fi
		done
	fi
	for _ in $(seq 1 50); do
		port_open "$port" || return 0
		sleep 0.2
	done
	echo "install-deps: warning: something still listens on 127.0.0.1:$port after stopping $name" >&2
}

if [[ " ${missing_pkgs[*]} " == *" mariadb-server "* && $pre_3306 == 0 ]]; then
	stop_service mariadb 3306 /run/mysqld/mysqld.pid mariadbd
fi
if [[ " ${missing_pkgs[*]} " == *" etcd-server "* && $pre_2379 == 0 ]]; then
	stop_service etcd 2379 /run/etcd.pid etcd
fi
if [[ " ${missing_pkgs[*]} " == *" haproxy "* ]]; then
	if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now haproxy >/dev/null 2>&1 || true
	fi
	service haproxy stop >/dev/null 2>&1 || true
fi

still=()
for c in "${missing_cmds[@]}"; do
	command -v "$c" >/dev/null 2>&1 || still+=("$c")
done
if [[ ${#still[@]} -gt 0 ]]; then
	echo "install-deps: still missing after install: ${still[*]}" >&2
	exit 1
fi
echo "deps: installed ${missing_pkgs[*]}"
