package integration

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// proxyMetric reads one sample (name with labels, as printed) from a
// proxy's /metrics at admin (host:port); an absent sample is 0.
func proxyMetric(t *testing.T, admin, sample string) float64 {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatalf("GET %s/metrics: %v", admin, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s/metrics: %s: %v", admin, sample, err)
			}
			return f
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("GET %s/metrics: %v", admin, err)
	}
	return 0
}
