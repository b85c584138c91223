// Command xaproxy is the sharded XA transaction proxy.
//
//	xaproxy serve --config FILE         run the proxy
//	xaproxy check-config --config FILE  validate a configuration, print every problem
//	xaproxy version                     print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/proxy"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: xaproxy <command> [flags]

commands:
  serve --config FILE          run the proxy
  check-config --config FILE   validate a configuration and print every problem
  version                      print the version`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "xaproxy %s\n", version)
		return 0
	case "check-config":
		cfg, code := loadConfig(args[1:], stderr)
		if cfg == nil {
			return code
		}
		fmt.Fprintf(stdout, "configuration OK: %d shards, %d schemas, %d users\n", len(cfg.Shards), len(cfg.Schemas), len(cfg.Users))
		return 0
	case "serve":
		cfg, code := loadConfig(args[1:], stderr)
		if cfg == nil {
			return code
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := serve(ctx, cfg, stderr); err != nil {
			fmt.Fprintf(stderr, "xaproxy: %v\n", err)
			return 1
		}
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "xaproxy: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

// loadConfig parses --config and loads the file; on failure it prints every
// problem and returns the exit code.
func loadConfig(args []string, stderr io.Writer) (*conf.Config, int) {
	fs := flag.NewFlagSet("xaproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return nil, 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "xaproxy: --config FILE is required")
		return nil, 2
	}
	cfg, err := conf.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, 1
	}
	return cfg, 0
}

func newLogger(cfg conf.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg *conf.Config, logw io.Writer) error {
	log := newLogger(cfg.Log, logw)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := proxy.New(cfg, log, proxy.NewMetrics(reg))
	if err != nil {
		return err
	}
	srv.RegisterPoolMetrics(reg)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	adminLn, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("admin listen on %s: %w", cfg.AdminListen, err)
	}
	admin := &http.Server{Handler: srv.AdminHandler(reg), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := admin.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", "err", err)
		}
	}()
	log.Info("xaproxy serving", "version", version, "listen", ln.Addr().String(), "admin", adminLn.Addr().String(),
		"shards", len(cfg.Shards), "schemas", len(cfg.Schemas))

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln) }()
	select {
	case err := <-serveErr:
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down: no new connections; waiting for running statements", "timeout", cfg.Frontend.ShutdownTimeout.Duration)
	_ = ln.Close()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Frontend.ShutdownTimeout.Duration)
	defer cancel()
	srv.Shutdown(sctx)
	_ = admin.Shutdown(sctx)
	log.Info("stopped")
	return nil
}
