#!/usr/bin/env bash
# Validates docker/compose.yaml with Docker Compose v2 itself (`compose
# config`: schema, interpolation, references), which needs no Docker engine.
# Uses the `docker compose` plugin or a v2 `docker-compose` when present;
# otherwise builds the pinned Compose release from the Go module proxy into
# bin/tools/ (about 3 minutes the first time, reused afterwards).
#
# usage: scripts/compose-check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"

COMPOSE_VERSION=v2.29.7
FILE=docker/compose.yaml

compose=()
if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 && docker-compose version 2>/dev/null | grep -q 'v2\.'; then
	compose=(docker-compose)
else
	tool=bin/tools/docker-compose-$COMPOSE_VERSION
	if [[ ! -x $tool ]]; then
		echo "compose-check: no Docker Compose v2 here; building $COMPOSE_VERSION from the Go module proxy"
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		GOBIN=$tmp GOFLAGS=-mod=mod go install "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION"
		mkdir -p bin/tools
		mv "$tmp/cmd" "$tool"
	fi
	compose=("$tool")
fi
"${compose[@]}" -f "$FILE" config -q
services=$("${compose[@]}" -f "$FILE" config --services | sort | tr '\n' ' ')
echo "compose-check: $FILE is valid for Docker Compose ($(basename "${compose[-1]}")); services: $services"
