//go:build bench

package bench

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"
)

// settings are the knobs read from the environment (see the package doc).
type settings struct {
	Duration time.Duration  // each measured run
	Warmup   time.Duration  // unmeasured run before each side's first measured run
	Repeat   int            // measured runs per workload and side (median kept)
	SingleTx int            // transactions per side of the single-shard workload
	Profile  bool           // --pprof on the proxies, CPU profiles saved
	Only     *regexp.Regexp // workloads to run (by name); nil: all
}

func loadSettings() (settings, error) {
	s := settings{Duration: 10 * time.Second, Warmup: 2 * time.Second, Repeat: 1, SingleTx: 3000}
	var err error
	if s.Duration, err = envDuration("BENCH_DURATION", s.Duration); err != nil {
		return s, err
	}
	// sysbench's --time takes whole seconds; round so that the Go
	// workloads run exactly as long as the sysbench ones.
	s.Duration = s.Duration.Round(time.Second)
	if s.Duration < time.Second {
		s.Duration = time.Second
	}
	if s.Warmup, err = envDuration("BENCH_WARMUP", s.Warmup); err != nil {
		return s, err
	}
	s.Warmup = s.Warmup.Round(time.Second)
	if s.Repeat, err = envInt("BENCH_REPEAT", s.Repeat, 1); err != nil {
		return s, err
	}
	if s.SingleTx, err = envInt("BENCH_SINGLE_TX", s.SingleTx, 10); err != nil {
		return s, err
	}
	s.Profile = os.Getenv("BENCH_PROFILE") == "1"
	if v := os.Getenv("BENCH_ONLY"); v != "" {
		if s.Only, err = regexp.Compile(v); err != nil {
			return s, fmt.Errorf("BENCH_ONLY=%q: %v", v, err)
		}
	}
	return s, nil
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative Go duration such as 10s", name, v)
	}
	return d, nil
}

func envInt(name string, def, min int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, fmt.Errorf("%s=%q: want an integer >= %d", name, v, min)
	}
	return n, nil
}

// seconds is d in whole seconds, as sysbench's --time wants it.
func seconds(d time.Duration) string {
	return strconv.Itoa(int(d / time.Second))
}

// wants tells whether the workload named name is to run.
func (s settings) wants(name string) bool { return s.Only == nil || s.Only.MatchString(name) }
