//go:build bench

package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// txClient runs transactions of one Go workload on its own connections.
type txClient interface {
	// Do runs one transaction attempt; nil means it committed.
	Do(ctx context.Context) error
	Close()
}

// loadResult is what one run of a Go workload measured.
type loadResult struct {
	Committed int64
	Latencies []time.Duration // per committed transaction (retries included), sorted
	Elapsed   time.Duration
	Retries   int64            // attempts ended by a deadlock or lock wait timeout, then retried
	Errors    map[string]int64 // other failures, by "code message"
}

func (r loadResult) TPS() float64       { return float64(r.Committed) / r.Elapsed.Seconds() }
func (r loadResult) P50() time.Duration { return percentile(r.Latencies, 0.50) }
func (r loadResult) P99() time.Duration { return percentile(r.Latencies, 0.99) }
func (r loadResult) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

const (
	txTimeout      = 30 * time.Second
	maxAttempts    = 20  // of one transaction hitting deadlocks
	maxConsecutive = 100 // failed transactions in a row after which a client gives up
)

// runLoad runs every client in its own goroutine until dur has passed
// (dur > 0) or each client committed perClient transactions
// (perClient > 0). A transaction under way when the time is up is
// finished, not cancelled: cancelling would leave XA branches behind.
func runLoad(ctx context.Context, clients []txClient, dur time.Duration, perClient int) loadResult {
	var (
		mu  sync.Mutex
		res = loadResult{Errors: map[string]int64{}}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, retries, errs := runClient(ctx, c, start, dur, perClient)
			mu.Lock()
			defer mu.Unlock()
			res.Latencies = append(res.Latencies, lat...)
			res.Retries += retries
			for k, v := range errs {
				res.Errors[k] += v
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Committed = int64(len(res.Latencies))
	slices.Sort(res.Latencies)
	return res
}

func runClient(ctx context.Context, c txClient, start time.Time, dur time.Duration, perClient int) ([]time.Duration, int64, map[string]int64) {
	var (
		lat         []time.Duration
		retries     int64
		errs        = map[string]int64{}
		consecutive int
	)
	for ctx.Err() == nil && consecutive < maxConsecutive {
		if (dur > 0 && time.Since(start) >= dur) || (perClient > 0 && len(lat) >= perClient) {
			break
		}
		t0 := time.Now()
		var err error
		for attempt := 1; ; attempt++ {
			tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txTimeout)
			err = c.Do(tctx)
			cancel()
			if err == nil || !retryable(err) || attempt == maxAttempts {
				break
			}
			retries++
		}
		if err != nil {
			errs[errorKey(err)]++
			consecutive++
			continue
		}
		consecutive = 0
		lat = append(lat, time.Since(t0))
	}
	return lat, retries, errs
}

// retryable reports whether err ended the transaction in a way a client
// retries: a deadlock or a lock wait timeout.
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// errorKey groups errors by MySQL code and message (cut to 160 bytes).
func errorKey(err error) string {
	s := err.Error()
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		s = fmt.Sprintf("%d %s", me.Number, me.Message)
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// percentile is the nearest-rank p-quantile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
