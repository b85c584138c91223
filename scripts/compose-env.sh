# Sourced by scripts/docker-check.sh and scripts/docker-test.sh: finds Docker
# Compose v2, building the pinned release from the Go module proxy into
# bin/tools/ when none is installed (about 3 minutes the first time, reused
# afterwards).
#
# Defines: COMPOSE_VERSION, compose_find (sets the array COMPOSE).

COMPOSE_VERSION=v2.29.7

# compose_find sets COMPOSE to the command running Compose v2: the docker
# compose plugin, a v2 docker-compose, or bin/tools/docker-compose-$COMPOSE_VERSION.
compose_find() {
	if docker compose version >/dev/null 2>&1; then
		COMPOSE=(docker compose)
		return
	fi
	if command -v docker-compose >/dev/null 2>&1 && docker-compose version 2>/dev/null | grep -q 'v2\.'; then
		COMPOSE=(docker-compose)
		return
	fi
	local tool=bin/tools/docker-compose-$COMPOSE_VERSION
	if [[ ! -x $tool ]]; then
		echo "compose: no Docker Compose v2 here; building $COMPOSE_VERSION from the Go module proxy"
		local tmp
		tmp=$(mktemp -d)
		GOBIN=$tmp GOFLAGS=-mod=mod go install "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION"
		mkdir -p bin/tools
		mv "$tmp/cmd" "$tool"
		rm -rf "$tmp"
	fi
	COMPOSE=("$(pwd)/$tool")
}
