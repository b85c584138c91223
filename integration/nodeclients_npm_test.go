package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// nodeStamp, inside node_modules, holds the SHA-256 of the
// package-lock.json that `npm ci` installed: the same lock is not
// installed again.
const nodeStamp = ".xaproxy-lock-sha256"

// nodeClients returns the directory of the Node.js client scripts
// (integration/node) with their packages installed. node and npm missing,
// or `npm ci` failing, fail the test: the Node clients are part of what
// `make test` checks (`make deps` installs nodejs and npm).
func nodeClients(t *testing.T) (dir, node string) {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(root, "integration", "node")
	node, err = exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (%v): the Node.js client tests need Node.js 18+ and npm; run `make deps` (apt-get install nodejs npm)", err)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is not installed (%v): run `make deps` (apt-get install npm)", err)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatalf("the Node clients' lock file: %v", err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(dir, "node_modules", nodeStamp)
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == want {
		return dir, node
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("npm ci in %s failed: %v\n%s", dir, err, out.String())
	}
	t.Logf("npm ci in %s: %s", dir, time.Since(start).Round(time.Millisecond))
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, node
}
