#!/usr/bin/env bash
# Brings up docker/compose.yaml, runs TestDockerStack (integration/docker_test.go)
# against it, prints ps and the logs if anything failed, and always tears it
# down (down -v).
#  - With a Docker engine and Compose v2: `up -d --build --wait` on the
#    registries' images (mariadb:10.11, quay.io/coreos/etcd, xaproxy:dev
#    built from docker/Dockerfile).
#  - Otherwise with rootful podman serving the Docker API to Compose v2
#    (`podman system service`), on images built here without a registry:
#    scripts/docker-build.sh (xaproxy) and scripts/docker-images.sh
#    (MariaDB 10.11 and etcd from Debian packages), named through the
#    compose file's XAPROXY_*_IMAGE variables. The file is not otherwise
#    changed. podman runs healthchecks from systemd timers; without systemd
#    this script runs them (`podman healthcheck run`) every 2 s, so that
#    depends_on: service_healthy and --wait work as with Docker.
# XAPROXY_ENGINE=docker|podman forces one; DOCKER_COMPOSE_FILES="a.yaml b.yaml"
# adds override files (docker/compose.mysql8.yaml needs mysql:8.0 from a registry).
#
# usage: scripts/docker-test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin"
source scripts/compose-env.sh

FILES=${DOCKER_COMPOSE_FILES:-docker/compose.yaml}
PROJECT=xaproxy-docker-test
t0=$SECONDS
timing=()
phase() { timing+=("$1 $((SECONDS - $2))s"); }

engine=${XAPROXY_ENGINE:-}
if [[ -z $engine ]]; then
	if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
		engine=docker
	else
		engine=podman
	fi
fi

bg=()
up_flags=(-d --wait)
if [[ $engine == podman ]]; then
	source scripts/podman-env.sh
	podman_setup
	s=$SECONDS
	XAPROXY_BUILDER=podman scripts/docker-build.sh localhost/xaproxy:dev
	phase docker-build "$s"
	s=$SECONDS
	scripts/docker-images.sh
	phase images "$s"
	export XAPROXY_IMAGE=localhost/xaproxy:dev
	export XAPROXY_MARIADB_IMAGE=localhost/xaproxy-mariadb:10.11
	export XAPROXY_ETCD_IMAGE=localhost/xaproxy-etcd:bookworm
	up_flags+=(--pull never)

	sock=$PODMAN_DIR/docker-api.sock
	rm -f "$sock"
	podman system service --time=0 "unix://$sock" >"$PODMAN_DIR/service.log" 2>&1 &
	bg+=($!)
	for _ in $(seq 1 100); do
		[[ -S $sock ]] && break
		sleep 0.1
	done
	export DOCKER_HOST=unix://$sock
	(
		while sleep 2; do
			for c in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
				podman healthcheck run "$c" >/dev/null 2>&1 || true
			done
		done
	) &
	bg+=($!)
else
	up_flags+=(--build)
fi

compose_find
files=()
for f in $FILES docker/compose.pprof.yaml; do files+=(-f "$(realpath "$f")"); done
dc=("${COMPOSE[@]}" -p "$PROJECT" "${files[@]}")

status=0
finish() {
	if [[ $status -ne 0 ]]; then
		"${dc[@]}" ps -a || true
		"${dc[@]}" logs --no-color --tail=200 || true
	fi
	local s=$SECONDS
	"${dc[@]}" down -v --timeout 5 >/dev/null 2>&1 || status=$?
	phase down "$s"
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "docker-test: engine $engine; $(IFS=,; echo "${timing[*]}" | sed 's/,/, /g'); total $((SECONDS - t0))s; exit $status"
	exit $status
}
trap finish EXIT

# A stack left over by an interrupted run would hold the ports.
"${dc[@]}" down -v --timeout 5 >/dev/null 2>&1 || true
s=$SECONDS
XAPROXY_VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo dev) \
	"${dc[@]}" up "${up_flags[@]}" || status=$?
phase up "$s"
if [[ $status -eq 0 ]]; then
	s=$SECONDS
	XAPROXY_DOCKER=1 XAPROXY_DOCKER_ENGINE=$engine XAPROXY_DOCKER_COMPOSE="${dc[*]}" \
		go test -tags docker -count=1 -timeout 15m -v -run '^TestDockerStack$' ./integration/ || status=$?
	phase test "$s"
fi
exit $status
