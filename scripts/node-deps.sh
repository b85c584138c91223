#!/usr/bin/env bash
# Installs the Node.js client libraries of the integration tests
# (integration/node: mysql2, knex, sequelize, pinned by package-lock.json)
# with `npm ci`, unless node_modules already holds that lock's install.
# TestNodeClients does the same when it finds them missing; the stamp file
# is shared (integration/nodeclients_npm_test.go nodeStamp).
set -euo pipefail
dir="$(cd "$(dirname "$0")/../integration/node" && pwd)"
for c in node npm; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "node-deps: $c is not installed: run scripts/install-deps.sh as root (apt-get install nodejs npm)" >&2
		exit 1
	fi
done
stamp="$dir/node_modules/.xaproxy-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ -f $stamp && "$(tr -d '[:space:]' <"$stamp")" == "$want" ]]; then
	echo "node-deps: integration/node already installed ($(node --version))"
	exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
echo "node-deps: installed integration/node with npm ci ($(node --version))"
