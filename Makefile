# xaproxy developer and CI entry points. `make test` is what CI runs.
SHELL := /bin/bash

# Go lives in /usr/local/go on the project machines; mariadbd in /usr/sbin.
export PATH := $(PATH):/usr/local/go/bin:/usr/local/sbin:/usr/sbin:/sbin

GO ?= go
INTEGRATION_TIMEOUT ?= 20m
# Extra flags for go test in the integration target, e.g. -run TestXA.
INTEGRATION_FLAGS ?=

.PHONY: all deps deps-bench build unit integration differential chaos chaos-short test fmt-check vet demo demo-stop clean

all: build

## deps: install mariadb-server/-client, etcd-server/-client, gcc (no-op when present)
deps:
	@scripts/install-deps.sh

## deps-bench: deps plus sysbench and haproxy
deps-bench:
	@scripts/install-deps.sh --bench

## build: bin/xaproxy
build:
	$(GO) build -o bin/xaproxy ./cmd/xaproxy

## unit: every package but ./integration/..., with the race detector
unit:
	@pkgs="$$($(GO) list ./...)" || exit 1; \
	pkgs="$$(grep -v /integration <<<"$$pkgs" || true)"; \
	if [[ -z "$$pkgs" ]]; then echo "unit: no packages outside integration/"; exit 0; fi; \
	echo "$(GO) test -race -count=1 <$$(wc -w <<<"$$pkgs") packages>"; \
	$(GO) test -race -count=1 $$pkgs

## integration: real MariaDB/etcd/xaproxy processes (needs `make deps`)
integration:
	$(GO) test -count=1 -p 1 -timeout $(INTEGRATION_TIMEOUT) -v $(INTEGRATION_FLAGS) ./integration/...

## differential: xaproxy over 3 shards vs one MariaDB holding all rows, 800 generated queries
## (XAPROXY_DIFF_SEED=N: another seed, XAPROXY_DIFF_VERBOSE=1: every statement). Also part of `integration`.
differential:
	$(GO) test -count=1 -timeout 5m -v -run 'TestDifferential' ./integration/

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

## test: everything CI checks
test: deps fmt-check vet unit integration

## demo: two MariaDB shards + etcd + xaproxy (conf/example.yaml) in the foreground
demo:
	@scripts/demo.sh

## demo-stop: stop leftovers of a demo (pid files in .demo/)
demo-stop:
	@scripts/demo.sh stop

clean:
	rm -rf bin/
