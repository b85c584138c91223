package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

const (
	etcdReadyTimeout = 30 * time.Second
	etcdStopTimeout  = 20 * time.Second
)

// Etcd is a single-member etcd (3.4) cluster with its data directory in a
// temp dir and client and peer URLs on free loopback ports.
type Etcd struct {
	dir        string
	datadir    string
	logPath    string
	clientPort int
	peerPort   int
	proc       *process
	http       *http.Client
}

func findEtcd() (string, error) {
	p, err := lookBinary("XAPROXY_ETCD", "etcd", "/usr/bin/etcd", "/usr/local/bin/etcd")
	if err != nil {
		return "", fmt.Errorf("etcd not found: run `make deps` (installs etcd-server): %v", err)
	}
	return p, nil
}

// StartEtcd starts a fresh etcd and waits until /health reports true.
func StartEtcd(t testing.TB) *Etcd {
	t.Helper()
	bin, err := findEtcd()
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	dir := shortTempDir(t, "xa-etcd-")
	e := &Etcd{
		dir:     dir,
		datadir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "etcd.log"),
		http:    &http.Client{Timeout: 5 * time.Second},
	}
	e.proc = &process{name: "etcd", path: bin, dir: dir, logPath: e.logPath}
	t.Cleanup(func() {
		if t.Failed() {
			if tail, ok := e.proc.tailIfNew("etcd log", 30); ok {
				t.Logf("harness: etcd (%s) at end of failed test:\n%s", e.Endpoint(), tail)
			}
		}
		if err := e.proc.kill(killTimeout); err != nil {
			t.Errorf("harness: %v", err)
		}
	})
	start := time.Now()
	for attempt := 1; ; attempt++ {
		e.clientPort = freePort(t)
		e.peerPort = freePort(t)
		for e.peerPort == e.clientPort {
			e.peerPort = freePort(t)
		}
		e.proc.args = e.args()
		off := fileSize(e.logPath)
		if err := e.proc.start(); err != nil {
			t.Fatalf("harness: %v", err)
		}
		err := e.waitReady(etcdReadyTimeout)
		if err == nil {
			break
		}
		if !e.proc.running() && portInUse(logSince(e.logPath, off)) && attempt < portAttempts {
			t.Logf("harness: etcd: port %d or %d was taken, retrying on other ports", e.clientPort, e.peerPort)
			continue
		}
		_ = e.proc.kill(killTimeout)
		t.Fatalf("harness: etcd did not become ready: %v\n%s", err, e.proc.tail("etcd log", 30))
	}
	t.Logf("harness: etcd ready on %s in %s", e.Endpoint(), time.Since(start).Round(time.Millisecond))
	return e
}

func (e *Etcd) args() []string {
	client := "http://127.0.0.1:" + strconv.Itoa(e.clientPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(e.peerPort)
	return []string{
		"--name=harness",
		"--data-dir=" + e.datadir,
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=harness=" + peer,
		"--initial-cluster-state=new",
		"--initial-cluster-token=xaproxy-harness",
		// Single member: nobody to lose heartbeats to, so short raft timers
		// only make (re)starts faster (leader elected ~5x sooner).
		"--heartbeat-interval=20",
		"--election-timeout=200",
		"--logger=zap",
		"--log-outputs=stderr",
	}
}

func (e *Etcd) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	exited := e.proc.exited()
	var lastErr error
	for {
		select {
		case <-exited:
			return fmt.Errorf("etcd exited during startup (%s); last error: %v", e.proc.describeExit(), lastErr)
		default:
		}
		lastErr = e.healthy()
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %s: %v", timeout, lastErr)
		}
		select {
		case <-exited:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (e *Etcd) healthy() error {
	resp, err := e.http.Get(e.ClientURL() + "/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var h struct {
		Health string `json:"health"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &h) != nil || h.Health != "true" {
		return fmt.Errorf("/health: %s %s", resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// Endpoint is "127.0.0.1:PORT" (the client port).
func (e *Etcd) Endpoint() string { return "127.0.0.1:" + strconv.Itoa(e.clientPort) }

// ClientURL is "http://127.0.0.1:PORT".
func (e *Etcd) ClientURL() string { return "http://" + e.Endpoint() }

// DataDir is etcd's data directory.
func (e *Etcd) DataDir() string { return e.datadir }

// LogPath is the file receiving etcd's output.
func (e *Etcd) LogPath() string { return e.logPath }

// PID of the running etcd (0 if never started).
func (e *Etcd) PID() int { return e.proc.pid() }

// Running reports whether etcd is running.
func (e *Etcd) Running() bool { return e.proc.running() }

// Kill sends SIGKILL and waits for the exit.
func (e *Etcd) Kill(t testing.TB) {
	t.Helper()
	if err := e.proc.kill(killTimeout); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// Stop sends SIGTERM and waits for the exit.
func (e *Etcd) Stop(t testing.TB) {
	t.Helper()
	if err := e.proc.stop(etcdStopTimeout); err != nil {
		t.Fatalf("harness: %v\n%s", err, e.proc.tail("etcd log", 30))
	}
}

// Start restarts etcd on the same ports and data directory and waits
// until it is healthy.
func (e *Etcd) Start(t testing.TB) {
	t.Helper()
	start := time.Now()
	if err := e.proc.start(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	if err := e.waitReady(etcdReadyTimeout); err != nil {
		_ = e.proc.kill(killTimeout)
		t.Fatalf("harness: etcd did not come back on %s: %v\n%s", e.Endpoint(), err, e.proc.tail("etcd log", 30))
	}
	t.Logf("harness: etcd restarted on %s in %s", e.Endpoint(), time.Since(start).Round(time.Millisecond))
}

// Restart is Stop followed by Start.
func (e *Etcd) Restart(t testing.TB) {
	t.Helper()
	e.Stop(t)
	e.Start(t)
}

// --- minimal KV access through etcd's v3 JSON gateway (no client library) ---

// KV is one key-value pair read from etcd.
type KV struct {
	Key, Value     string
	CreateRevision int64
	ModRevision    int64
	Version        int64
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func (e *Etcd) call(path string, req any, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	r, err := e.http.Post(e.ClientURL()+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, r.Status, bytes.TrimSpace(b))
	}
	if resp != nil {
		if err := json.Unmarshal(b, resp); err != nil {
			return fmt.Errorf("POST %s: decoding %q: %v", path, b, err)
		}
	}
	return nil
}

// PutE stores key=value.
func (e *Etcd) PutE(key, value string) error {
	return e.call("/v3/kv/put", map[string]string{"key": b64(key), "value": b64(value)}, nil)
}

// Put stores key=value and fails the test on error.
func (e *Etcd) Put(t testing.TB, key, value string) {
	t.Helper()
	if err := e.PutE(key, value); err != nil {
		t.Fatalf("harness: etcd put %q: %v", key, err)
	}
}

// prefixEnd is the range end covering every key with the given prefix.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\x00" // whole keyspace
}

// RangeE returns the keys in [key, end); end "" means key alone.
func (e *Etcd) RangeE(key, end string) ([]KV, error) {
	req := map[string]string{"key": b64(key)}
	if end != "" {
		req["range_end"] = b64(end)
	}
	var resp struct {
		Kvs []struct {
			Key            string `json:"key"`
			Value          string `json:"value"`
			CreateRevision string `json:"create_revision"`
			ModRevision    string `json:"mod_revision"`
			Version        string `json:"version"`
		} `json:"kvs"`
	}
	if err := e.call("/v3/kv/range", req, &resp); err != nil {
		return nil, err
	}
	out := make([]KV, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		k, err := base64.StdEncoding.DecodeString(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := base64.StdEncoding.DecodeString(kv.Value)
		if err != nil {
			return nil, err
		}
		cr, _ := strconv.ParseInt(kv.CreateRevision, 10, 64)
		mr, _ := strconv.ParseInt(kv.ModRevision, 10, 64)
		ver, _ := strconv.ParseInt(kv.Version, 10, 64)
		out = append(out, KV{Key: string(k), Value: string(v), CreateRevision: cr, ModRevision: mr, Version: ver})
	}
	return out, nil
}

// Get returns the value of key and whether it exists.
func (e *Etcd) Get(t testing.TB, key string) (string, bool) {
	t.Helper()
	kvs, err := e.RangeE(key, "")
	if err != nil {
		t.Fatalf("harness: etcd get %q: %v", key, err)
	}
	if len(kvs) == 0 {
		return "", false
	}
	return kvs[0].Value, true
}

// GetPrefix returns every key starting with prefix (e.g. the proxy's
// decision log under "/xaproxy/").
func (e *Etcd) GetPrefix(t testing.TB, prefix string) map[string]string {
	t.Helper()
	kvs, err := e.RangeE(prefix, prefixEnd(prefix))
	if err != nil {
		t.Fatalf("harness: etcd get prefix %q: %v", prefix, err)
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// Delete removes key.
func (e *Etcd) Delete(t testing.TB, key string) {
	t.Helper()
	if err := e.call("/v3/kv/deleterange", map[string]string{"key": b64(key)}, nil); err != nil {
		t.Fatalf("harness: etcd delete %q: %v", key, err)
	}
}
