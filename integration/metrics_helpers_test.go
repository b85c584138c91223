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
	return proxyMetrics(t, admin, sample)[0]
}

// proxyMetrics reads several samples from one scrape of /metrics, so that
// they describe the same moment (an absent sample is 0).
func proxyMetrics(t *testing.T, admin string, samples ...string) []float64 {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatalf("GET %s/metrics: %v", admin, err)
	}
	defer resp.Body.Close()
	out := make([]float64, len(samples))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		for i, sample := range samples {
			if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					t.Fatalf("%s/metrics: %s: %v", admin, sample, err)
				}
				out[i] = f
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("GET %s/metrics: %v", admin, err)
	}
	return out
}
