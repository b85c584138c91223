//go:build bench

package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// profiler saves CPU profiles of the proxy (BENCH_PROFILE=1), read from
// the admin port's /debug/pprof/ that `serve --pprof` enables.
type profiler struct {
	t       *testing.T
	enabled bool
	dir     string

	mu    sync.Mutex
	paths []string
	notes []string
}

func newProfiler(t *testing.T, enabled bool) *profiler {
	p := &profiler{t: t, enabled: enabled}
	if enabled {
		// Not t.TempDir: the profiles must outlive the test.
		d, err := os.MkdirTemp("", "xaproxy-bench-pprof-*")
		if err != nil {
			t.Fatalf("profile dir: %v", err)
		}
		p.dir = d
	}
	return p
}

// maxProfile is the length of a profile; shorter if the run is.
const maxProfile = 10 * time.Second

// start begins a CPU profile of the proxy at adminURL in the background
// and returns the function that waits for it. Failing to profile is
// reported, not fatal: it must not cost the benchmark its figures.
func (p *profiler) start(adminURL, name string, run time.Duration) (wait func()) {
	if !p.enabled {
		return func() {}
	}
	d := min(maxProfile, run)
	done := make(chan struct{})
	go func() {
		defer close(done)
		path := filepath.Join(p.dir, name+".pprof")
		err := fetchProfile(adminURL, d, path)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			p.notes = append(p.notes, fmt.Sprintf("CPU profile %s failed: %v", name, err))
			return
		}
		p.paths = append(p.paths, path)
	}()
	return func() { <-done }
}

func fetchProfile(adminURL string, d time.Duration, path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", adminURL, int(d/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// results returns the saved profiles and the failures.
func (p *profiler) results() (paths, notes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...), append([]string(nil), p.notes...)
}
