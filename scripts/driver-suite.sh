#!/usr/bin/env bash
# go-sql-driver/mysql's own test suite (the version in go.mod, taken from the
# Go module cache) run twice by integration/driversuite_test.go (build tag
# driversuite): directly against a MariaDB 10.11 it starts, then through an
# xaproxy (one unsharded shard: that MariaDB) in front of it. Prints the
# totals of both runs and a table of every test whose result differs, and
# exits non-zero when a test passes directly but not through the proxy
# (issue 12's acceptance rule).
#
# usage: scripts/driver-suite.sh
#   DRIVER_SUITE_REPORT=FILE  Markdown results (default bin/driver-suite/report.md)
#   DRIVER_SUITE_RUN=REGEXP   only the driver tests matching REGEXP
#   XAPROXY_BIN=path          test this proxy binary instead of building ./cmd/xaproxy
#   the raw test2json streams of both runs go to bin/driver-suite/{direct,proxy}.jsonl
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin"

out=bin/driver-suite
mkdir -p "$out"
report="${DRIVER_SUITE_REPORT:-$out/report.md}"
body="$out/body.md"
rm -f "$body"
export DRIVER_SUITE_LOGDIR="$PWD/$out"

cmd=(go test -tags driversuite -count=1 -timeout 40m -v -run '^TestDriverSuite' ./integration/)
start=$(date +%s)
status=0
DRIVER_SUITE_REPORT="$PWD/$body" "${cmd[@]}" || status=$?
wall=$(( $(date +%s) - start ))

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then commit+=" (with uncommitted changes)"; fi
{
	echo "# go-sql-driver/mysql test suite: direct vs through xaproxy"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- commit: $commit"
	echo "- command: \`make driver-suite\` (scripts/driver-suite.sh: ${cmd[*]})"
	if [[ -n "${XAPROXY_BIN:-}" ]]; then
		echo "- proxy binary: XAPROXY_BIN=$XAPROXY_BIN"
	else
		echo "- proxy binary: built from the working tree (./cmd/xaproxy)"
	fi
	echo "- wall time of the whole command: ${wall}s; exit status of go test: $status"
	echo
	if [[ -s "$body" ]]; then cat "$body"; else echo "TestDriverSuite wrote no results (see its output above)."; fi
} >"$report"
echo "driver-suite: ${wall}s, go test exit status $status; results in $report"
exit "$status"
