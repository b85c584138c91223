// Command xaproxy is the sharded XA transaction proxy.
//
//	xaproxy serve --config FILE         run the proxy
//	xaproxy recover --config FILE       one recovery pass over every shard: print what it found and did
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
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/proxy"
	"github.com/xaproxy/xaproxy/sequence"
	"github.com/xaproxy/xaproxy/xa"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// shardPingEvery is how often each shard is pinged for the status page and
// xaproxy_backend_ping_ok.
const shardPingEvery = 5 * time.Second

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		keepSysmonAwake()
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `usage: xaproxy <command> [flags]

commands:
  serve --config FILE [--pprof]
                               run the proxy (--pprof: Go profiles at /debug/pprof/ on the admin port)
  recover --config FILE        one recovery pass: finish in-doubt XA branches on every shard, print the report
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
		cfg, _, code := loadConfig(args[1:], stderr)
		if cfg == nil {
			return code
		}
		fmt.Fprintf(stdout, "configuration OK: %d shards, %d schemas, %d users\n", len(cfg.Shards), len(cfg.Schemas), len(cfg.Users))
		return 0
	case "serve":
		// SIGHUP's default action ends the process: take it over first.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		var profiling bool
		cfg, path, code := loadConfig(args[1:], stderr, func(fs *flag.FlagSet) {
			fs.BoolVar(&profiling, "pprof", false, "serve Go profiles (net/http/pprof) at /debug/pprof/ on the admin port")
		})
		if cfg == nil {
			return code
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := serve(ctx, cfg, path, hup, stderr, profiling); err != nil {
			fmt.Fprintf(stderr, "xaproxy: %v\n", err)
			return 1
		}
		return 0
	case "recover":
		cfg, _, code := loadConfig(args[1:], stderr)
		if cfg == nil {
			return code
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := recoverOnce(ctx, cfg, stdout, stderr); err != nil {
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
func loadConfig(args []string, stderr io.Writer, extra ...func(*flag.FlagSet)) (*conf.Config, string, int) {
	fs := flag.NewFlagSet("xaproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML)")
	for _, add := range extra {
		add(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "xaproxy: --config FILE is required")
		return nil, "", 2
	}
	cfg, err := conf.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, "", 1
	}
	return cfg, *path, 0
}

// newLogger builds the logger; its level can be changed later through the
// returned LevelVar (log.level is reloadable, log.format is not).
func newLogger(cfg conf.Log, w io.Writer) (*slog.Logger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), level
	}
	return slog.New(slog.NewTextHandler(w, opts)), level
}

func parseLevel(s string) slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(s)))
	return level
}

// reloadOnHUP re-reads the configuration file on each SIGHUP and applies
// what can change while running; a file with problems changes nothing.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, path string, srv *proxy.Server, level *slog.LevelVar, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := conf.Load(path)
		if err != nil {
			srv.ReloadFailed()
			log.Error("configuration reload failed; nothing changed", "file", path, "err", err)
			continue
		}
		ch := srv.Reload(cfg)
		level.Set(parseLevel(cfg.Log.Level))
		applied, restart := "nothing", "nothing"
		if len(ch.Live) > 0 {
			applied = strings.Join(ch.Live, "; ")
		}
		if len(ch.Restart) > 0 {
			restart = strings.Join(ch.Restart, ", ")
		}
		log.Info("configuration reloaded", "file", path, "applied", applied, "needs_restart", restart)
	}
}

func serve(ctx context.Context, cfg *conf.Config, path string, hup <-chan os.Signal, logw io.Writer, profiling bool) error {
	log, level := newLogger(cfg.Log, logw)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// registered receives when this run's registration is created late
	// (etcd was down at start): a recovery pass then runs at once instead
	// of after up to recover_every.
	registered := make(chan struct{}, 1)
	x, closeXA, err := openXA(ctx, cfg, log, reg, "", func() {
		select {
		case registered <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer closeXA()
	if f := os.Getenv("XAPROXY_TEST_FAULT"); f != "" {
		x.Fault = faultHook(f, log)
	}
	srv, err := proxy.New(cfg, log, proxy.NewMetrics(reg), x)
	if err != nil {
		return err
	}
	srv.RegisterPoolMetrics(reg)
	go reloadOnHUP(ctx, hup, path, srv, level, log)

	// The admin port answers during start-up recovery: /healthz says the
	// process lives, /readyz says 503 until the start-up pass has run.
	adminLn, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		return fmt.Errorf("admin listen on %s: %w", cfg.AdminListen, err)
	}
	handler := srv.AdminHandler(reg)
	if profiling {
		// Off by default: profiles expose internals and cost CPU while taken.
		handler = withPprof(handler)
		log.Info("profiling enabled", "url", "http://"+adminLn.Addr().String()+"/debug/pprof/")
	}
	admin := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := admin.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", "err", err)
		}
	}()
	defer admin.Close()

	// Warn about shard settings that weaken two-phase commit (backend/check.go).
	for _, w := range backend.CheckShards(ctx, srv.Pools(), cfg.Backend.ConnectTimeout.Duration) {
		log.Warn("shard settings: "+w.Message, "shard", w.Shard)
	}
	// Finish what an earlier run (of any instance) left in doubt before
	// taking new transactions, then keep doing it. With etcd down the pass
	// fails within a request timeout and the proxy serves anyway (degraded:
	// /readyz says so); the pass is retried every recover_every and at once
	// when the registration succeeds.
	if rep, err := srv.RecoverOnce(ctx); err != nil {
		log.Warn("start-up recovery incomplete; serving anyway, it is retried periodically and as soon as etcd answers", "err", err)
	} else {
		log.Info("start-up recovery done", "in_doubt", len(rep.InDoubt), "actions", len(rep.Actions))
	}
	go srv.RecoveryLoop(ctx, cfg.Coordinator.RecoverEvery.Duration, registered)
	go srv.PingShards(ctx, shardPingEvery)
	go srv.CatalogLoop(ctx, cfg.Backend.CatalogRefresh.Duration)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	log.Info("xaproxy serving", "version", version, "listen", ln.Addr().String(), "admin", adminLn.Addr().String(),
		"shards", len(cfg.Shards), "schemas", len(cfg.Schemas), "gomaxprocs", runtime.GOMAXPROCS(0), "sysmon_awake", sysmonAwake(os.Getenv("GODEBUG")))

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln) }()
	select {
	case err := <-serveErr:
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
	case <-ctx.Done():
	}
	timeout := srv.ShutdownTimeout()
	log.Info("shutting down: no new connections; waiting for running statements", "timeout", timeout)
	_ = ln.Close()
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	srv.Shutdown(sctx)
	_ = admin.Shutdown(sctx)
	log.Info("stopped")
	return nil
}

// openXA builds what distributed transactions need: the decision log (etcd,
// or memory when no endpoints are configured), this run's gtrid generator
// and its registration. The proxy (suffix "") starts even if etcd is down:
// if etcd does not answer, it registers in the background, and registered
// (if not nil) is called once that succeeded; until then multi-shard
// commits get 1180. The
// recover command (another suffix) needs etcd at once.
func openXA(ctx context.Context, cfg *conf.Config, log *slog.Logger, reg prometheus.Registerer, suffix string, registered func()) (proxy.XA, func(), error) {
	serving := suffix == ""
	instance := cfg.Coordinator.InstanceID
	if instance == "" {
		instance = defaultInstance(cfg.Listen)
	}
	// The recover command's run is another incarnation; its name must leave
	// the suffix room in a gtrid.
	instance = instance[:min(len(instance), xa.MaxInstanceLen-len(suffix))] + suffix
	deployment := deploymentName(cfg.Coordinator, instance)
	gen, err := xa.NewGenerator(xa.DeploymentTag(deployment), instance, time.Now())
	if err != nil {
		return proxy.XA{}, nil, fmt.Errorf("coordinator.instance_id: %w", err)
	}
	metrics := xa.NewMetrics(reg)
	var dlog xa.Log
	if len(cfg.Coordinator.Etcd.Endpoints) == 0 {
		log.Warn("no coordinator.etcd.endpoints: decisions of multi-shard transactions are kept in memory; " +
			"a proxy crash during a commit can then leave a transaction half-applied. Configure etcd for crash-safe commits")
		dlog = xa.NewMemLog()
	} else {
		el, err := xa.NewEtcdLog(ctx, xa.EtcdConfig{
			Endpoints:   cfg.Coordinator.Etcd.Endpoints,
			Prefix:      cfg.Coordinator.Etcd.Prefix,
			DialTimeout: cfg.Coordinator.Etcd.DialTimeout.Duration,
			Logger:      log,
			BatchSizes:  metrics.BatchSize,
			// Checked in etcd before the first registration: refused if a
			// running proxy of another deployment has the same tag or prefix.
			Deployment: xa.DeploymentClaim{Tag: gen.Deployment(), Name: deployment},
			// Serving what needs no decision beats refusing to start.
			AllowUnreachable: serving,
		})
		if err != nil {
			return proxy.XA{}, nil, fmt.Errorf("decision log: %w", err)
		}
		dlog = el
	}
	if serving {
		// Others see this run alive while the lease lasts. If etcd does not
		// answer now, it is created in the background: an etcd outage must
		// not keep the proxy from starting.
		name := xa.Incarnation(gen.Instance(), gen.Epoch())
		if el, ok := dlog.(*xa.EtcdLog); ok {
			err = el.RegisterInBackground(ctx, name, registered)
		} else {
			err = dlog.Register(ctx, name)
		}
		if err != nil {
			_ = dlog.Close()
			return proxy.XA{}, nil, fmt.Errorf("register instance %s: %w", instance, err)
		}
	}
	ids := sequence.New(sequence.NewMemKV(), "", uint64(max(cfg.AutoIncrement.BlockSize, 0)))
	if el, ok := dlog.(*xa.EtcdLog); ok {
		// One counter per table for the whole deployment (docs/auto-increment.md).
		ids = sequence.New(sequence.EtcdKV{KV: el.KV()}, cfg.Coordinator.Etcd.Prefix+"autoinc/", uint64(max(cfg.AutoIncrement.BlockSize, 0)))
	}
	return proxy.XA{Log: dlog, Generator: gen, Metrics: metrics, IDs: ids}, func() { _ = dlog.Close() }, nil
}

// defaultInstance names this proxy after the host and its listen port, so
// that two proxies on one host differ.
func defaultInstance(listen string) string {
	host, _ := os.Hostname()
	_, port, _ := net.SplitHostPort(listen)
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, host)
	if len(name) > 21 {
		name = name[:21]
	}
	if name == "" {
		name = "xaproxy"
	}
	return name + "-" + port
}

// faultHook stops the process at a commit step: XAPROXY_TEST_FAULT is
// "STEP" (SIGKILL itself) or "STEP:stop" (SIGSTOP itself), for crash tests.
func faultHook(spec string, log *slog.Logger) func(xa.Step) {
	step, action, _ := strings.Cut(spec, ":")
	log.Warn("test fault injection armed", "step", step, "action", action)
	return func(s xa.Step) {
		if string(s) != step {
			return
		}
		sig := syscall.SIGKILL
		if action == "stop" {
			sig = syscall.SIGSTOP
		}
		log.Warn("test fault injection: stopping the process", "step", step, "signal", sig.String())
		// Signal this very thread: a signal sent to the process may be
		// taken by another thread while this goroutine runs on (SIGSTOP).
		runtime.LockOSThread()
		_ = syscall.Tgkill(os.Getpid(), syscall.Gettid(), sig)
	}
}

// recoverOnce runs one recovery pass and prints its report.
func recoverOnce(ctx context.Context, cfg *conf.Config, stdout, logw io.Writer) error {
	log, _ := newLogger(cfg.Log, logw)
	x, closeXA, err := openXA(ctx, cfg, log, prometheus.NewRegistry(), "-recover", nil)
	if err != nil {
		return err
	}
	defer closeXA()
	if el, ok := x.Log.(*xa.EtcdLog); ok {
		if err := el.VerifyDeployment(ctx); err != nil {
			return err
		}
	}
	srv, err := proxy.New(cfg, log, proxy.NewMetrics(prometheus.NewRegistry()), x)
	if err != nil {
		return err
	}
	defer srv.Shutdown(context.Background())
	rep, err := srv.Recoverer().RunOnce(ctx)
	fmt.Fprintf(stdout, "recovery pass at %s: %d in-doubt branch(es), %d action(s)\n", rep.At.Format(time.RFC3339), len(rep.InDoubt), len(rep.Actions))
	for _, d := range rep.InDoubt {
		dec := string(d.Decision)
		if dec == "" {
			dec = "none"
		}
		fmt.Fprintf(stdout, "  in doubt: shard %-10s gtrid %s decision %-6s owner %s scope %s\n", d.Shard, d.XID.Gtrid, dec, d.Owner, d.Scope)
	}
	for _, a := range rep.Actions {
		line := fmt.Sprintf("  action:   %-16s gtrid %s", a.What, a.Gtrid)
		if a.Shard != "" {
			line += " shard " + a.Shard
		}
		if a.Err != "" {
			line += " error: " + a.Err
		}
		fmt.Fprintln(stdout, line)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(stdout, "  error:    %s\n", e)
	}
	return err
}

// withPprof adds net/http/pprof's handlers under /debug/pprof/ without
// touching http.DefaultServeMux.
func withPprof(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", next)
	return mux
}

// deploymentName is what identifies this proxy's deployment in XA gtrids:
// coordinator.deployment, else the etcd prefix; without etcd the decisions
// live in this process only, so it is a deployment of its own.
func deploymentName(co conf.Coordinator, instance string) string {
	if name := co.DeploymentName(); name != "" {
		return name
	}
	return "memory:" + instance
}
