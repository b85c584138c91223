#!/usr/bin/env bash
# Checks what can be checked of docker/ without a Docker engine:
#  1. the binary as docker/Dockerfile builds it (CGO_ENABLED=0, -trimpath,
#     -s -w) is static and, run as the image's user 65532, accepts the
#     configurations docker/compose.yaml mounts;
#  2. docker/compose.yaml is valid for Docker Compose v2 itself (`compose
#     config`: schema, interpolation, references). Uses the `docker compose`
#     plugin or a v2 `docker-compose` when present; otherwise builds the
#     pinned Compose release from the Go module proxy into bin/tools/ (about
#     3 minutes the first time, reused afterwards).
#
# usage: scripts/docker-check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"

FILE=docker/compose.yaml
OVERRIDE=docker/compose.mysql8.yaml

# 1. The image's binary and configs.
bin=bin/tools/xaproxy-image
mkdir -p bin/tools
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=docker-check" -o "$bin" ./cmd/xaproxy
if ldd "$bin" >/dev/null 2>&1; then
	echo "docker-check: $bin is dynamically linked; the distroless/static image cannot run it" >&2
	ldd "$bin" >&2
	exit 1
fi
for cfg in docker/xaproxy-1.yaml docker/xaproxy-2.yaml; do
	if [[ $(id -u) == 0 ]]; then
		out=$(setpriv --reuid=65532 --regid=65532 --clear-groups "$bin" check-config --config "$cfg")
	else
		out=$("$bin" check-config --config "$cfg")
	fi
	echo "docker-check: $cfg: $out"
done

source scripts/compose-env.sh
compose_find
compose=("${COMPOSE[@]}")
"${compose[@]}" -f "$FILE" config -q
services=$("${compose[@]}" -f "$FILE" config --services | sort | tr '\n' ' ')
echo "docker-check: $FILE is valid for Docker Compose ($(basename "${compose[-1]}")); services: $services"
# With the MySQL 8 override: shards s0 and s1 become mysql:8.0.
"${compose[@]}" -f "$FILE" -f "$OVERRIDE" config -q
images=$("${compose[@]}" -f "$FILE" -f "$OVERRIDE" config --images | sort -u | tr '\n' ' ')
echo "docker-check: $FILE with $OVERRIDE is valid too; images: $images"
# With the test's override (scripts/docker-test.sh adds it): --pprof.
"${compose[@]}" -f "$FILE" -f docker/compose.pprof.yaml config -q
echo "docker-check: $FILE with docker/compose.pprof.yaml is valid too"
