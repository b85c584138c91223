# xaproxy developer and CI entry points. `make test` is what CI runs.
SHELL := /bin/bash

# Go lives in /usr/local/go on the project machines; mariadbd in /usr/sbin.
export PATH := $(PATH):/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin

GO ?= go
INTEGRATION_TIMEOUT ?= 20m
# Extra flags for go test in the integration target, e.g. -run TestXA.
INTEGRATION_FLAGS ?=

.PHONY: all deps deps-bench bench docker-check build unit integration integration-race differential driver-suite session-diff chaos chaos-short test fmt-check vet demo demo-stop clean docker-build docker-images docker-test

all: build

## deps: install mariadb-server/-client, etcd-server/-client, gcc, nodejs/npm (no-op when present),
## then the Node client tests' packages (npm ci in integration/node, no-op when installed)
deps:
	@scripts/install-deps.sh
	@scripts/node-deps.sh

## deps-bench: deps plus sysbench and haproxy
deps-bench:
	@scripts/install-deps.sh --bench

## bench: xaproxy vs HAProxy, direct MariaDB and a direct XA client (sysbench + Go workloads),
## one Markdown table of ratios, also in bench/results/latest.{md,json}
## (BENCH_DURATION=10s per run, BENCH_REPEAT=N: median of N, BENCH_PROFILE=1: proxy CPU profiles)
bench: deps-bench
	$(GO) test -tags bench -count=1 -timeout 40m -v -run '^TestBench$$' ./bench/

## build: bin/xaproxy
build:
	$(GO) build -o bin/xaproxy ./cmd/xaproxy

## unit: every package but ./integration/..., with the race detector, and the bench's parsing and report tests
unit:
	@pkgs="$$($(GO) list ./...)" || exit 1; \
	pkgs="$$(grep -v /integration <<<"$$pkgs" || true)"; \
	if [[ -z "$$pkgs" ]]; then echo "unit: no packages outside integration/"; exit 0; fi; \
	echo "$(GO) test -race -count=1 <$$(wc -w <<<"$$pkgs") packages>"; \
	$(GO) test -race -count=1 $$pkgs
	@# The bench's own parsing and report tests (build tag bench; they start nothing).
	$(GO) test -race -count=1 -tags bench -run '^Test(Parse|RunRatios)' ./bench/

## integration: real MariaDB/etcd/xaproxy processes (needs `make deps`)
integration:
	$(GO) test -count=1 -p 1 -timeout $(INTEGRATION_TIMEOUT) -v $(INTEGRATION_FLAGS) ./integration/...

## integration-race: the tests with the most sessions at once (8 workers moving money while etcd is killed, 8
## interleaved sessions of the session differential) against a proxy built with the race detector: a DATA RACE in
## its log fails the test (it caught two sessions sharing a parser's result); part of `make test`
integration-race:
	XAPROXY_BUILD_FLAGS=-race $(GO) test -count=1 -timeout 10m -v -run '^(TestXAEtcdKilledDuringLoad|TestSessionDifferential)$$' ./integration/

## differential: xaproxy over 3 shards vs one MariaDB holding all rows, 800 generated queries
## (XAPROXY_DIFF_SEED=N: another seed, XAPROXY_DIFF_VERBOSE=1: every statement). Also part of `integration`.
differential:
	$(GO) test -count=1 -timeout 5m -v -run 'TestDifferential' ./integration/

## driver-suite: go-sql-driver/mysql v1.9.3's own tests (from the module cache) directly against MariaDB and
## through xaproxy; fails if a test passes directly but not through the proxy, also when run again (about
## 2 minutes; part of `make test`; docs/driver-suite.md). DRIVER_SUITE_RUN=REGEXP: only those driver tests
driver-suite:
	@scripts/driver-suite.sh

## session-diff: seeded scripts of 8 interleaved sessions over the connection-state catalogue, through the proxy
## (unsharded and sharded schemas) and on one MariaDB, every answer and the stored rows compared
## (XAPROXY_SESSDIFF_SEED=N replays, XAPROXY_SESSDIFF_SCRIPTS=N per schema); also part of `integration`
session-diff:
	$(GO) test -count=1 -timeout 15m -v -run '^TestSessionDifferential$$' ./integration/

CHAOS_DURATION ?= 30m
## chaos: the bank test under random faults for CHAOS_DURATION (CHAOS_SEED=N replays a schedule,
## CHAOS_PROXIES=1..3, CHAOS_VERBOSE=1). make integration (so make test) runs its 90 s form.
chaos:
	CHAOS_DURATION=$(CHAOS_DURATION) $(GO) test -count=1 -timeout 60m -v -run '^TestChaos$$' ./integration/

## chaos-short: the chaos test for 90 s
chaos-short:
	CHAOS_DURATION=90s $(GO) test -count=1 -timeout 10m -v -run '^TestChaos$$' ./integration/

## fmt-check: fail if gofmt would change a file
fmt-check:
	@files="$$(find . -name '*.go' -not -path './.git/*' -not -path './.demo/*' -not -path './bin/*' -not -path '*/testdata/*')"; \
	bad="$$([[ -z "$$files" ]] || gofmt -l $$files)"; \
	if [[ -n "$$bad" ]]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$bad"; exit 1; fi; \
	echo "gofmt: ok"

vet:
	$(GO) vet ./...
	$(GO) vet -tags bench ./bench/...

## docker-check: what needs no Docker engine: the image's static binary runs as uid 65532 with the
## mounted configs, and docker/compose.yaml passes Docker Compose v2's `config` (Compose is built
## from the Go module proxy into bin/tools/ when it is not installed)
docker-check:
	@scripts/docker-check.sh

## test: everything CI checks
test: deps fmt-check vet docker-check unit integration integration-race driver-suite

## demo: two MariaDB shards + etcd + xaproxy (conf/example.yaml) in the foreground
demo:
	@scripts/demo.sh

## demo-stop: stop leftovers of a demo (pid files in .demo/)
demo-stop:
	@scripts/demo.sh stop

## docker-build: the xaproxy:dev image: docker/Dockerfile with Docker and BuildKit; without them, the same
## static binary as a non-root image imported into podman (nothing pulled; scripts/docker-build.sh)
docker-build:
	@scripts/docker-build.sh

## docker-images: the local MariaDB 10.11 and etcd images of the test stack, from Debian packages
## (podman; cached by recipe hash; scripts/docker-images.sh)
docker-images:
	@scripts/docker-images.sh

## docker-test: bring up docker/compose.yaml (3 MariaDB shards, etcd, 2 proxies), run TestDockerStack against it
## (smoke test, then the bank workload while a proxy and a shard container are killed), tear it down. With Docker:
## registry images; otherwise podman with the local images (scripts/docker-test.sh). Not part of `make test`.
docker-test:
	@scripts/docker-test.sh

clean:
	rm -rf bin/
