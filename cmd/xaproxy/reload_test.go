package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/proxy"
	"github.com/xaproxy/xaproxy/xa"
)

// syncBuffer is a log destination safe for the reload goroutine and the
// test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const reloadBase = `listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
shards: [{name: s0, dsn: "root@tcp(127.0.0.1:1)/"}]
schemas: [{name: shop, default_shard: s0}]
`

func TestReloadOnHUP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "xaproxy.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(reloadBase + "users: [{name: app, password: a}]\n")
	cfg, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	log, level := newLogger(cfg.Log, &out)
	reg := prometheus.NewRegistry()
	gen, err := xa.NewGenerator(xa.DeploymentTag("test"), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := proxy.New(cfg, log, proxy.NewMetrics(reg), proxy.XA{Log: xa.NewMemLog(), Generator: gen, Metrics: xa.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal)
	go reloadOnHUP(ctx, hup, path, srv, level, log)

	tests := []struct {
		name  string
		file  string
		want  []string
		level slog.Level
	}{
		{"user added, level and restart-only change",
			strings.Replace(reloadBase, "127.0.0.1:1)", "127.0.0.1:2)", 1) + "users: [{name: app, password: a}, {name: bob, password: b}]\nlog: {level: debug}\n",
			[]string{`msg="configuration reloaded"`, `applied="users: added bob; log.level info -> debug"`, "needs_restart=shards"}, slog.LevelDebug},
		{"nothing changed but the pending restart",
			strings.Replace(reloadBase, "127.0.0.1:1)", "127.0.0.1:2)", 1) + "users: [{name: app, password: a}, {name: bob, password: b}]\nlog: {level: debug}\n",
			[]string{`msg="configuration reloaded"`, "applied=nothing", "needs_restart=shards"}, slog.LevelDebug},
		{"broken file",
			reloadBase + "users: [{name: app}]\nlog: {level: error}\n",
			[]string{`msg="configuration reload failed; nothing changed"`, "users[0].password: required"}, slog.LevelDebug},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.file)
			before := len(out.String())
			hup <- syscall.SIGHUP
			deadline := time.Now().Add(5 * time.Second)
			for {
				got := out.String()[before:]
				if strings.Contains(got, "reload") {
					for _, w := range tt.want {
						if !strings.Contains(got, w) {
							t.Errorf("log lacks %q:\n%s", w, got)
						}
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no reload line logged; output:\n%s", out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if level.Level() != tt.level {
				t.Errorf("log level %v, want %v", level.Level(), tt.level)
			}
		})
	}
}
