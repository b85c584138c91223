//go:build bench

package bench

import (
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Outputs of sysbench 1.0.20 `run --verbosity=5` (worker thread lines cut).
const (
	sbOutClean = `sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Running the test with following options:
Number of threads: 8
Initializing random number generator from current time

Initializing worker threads...

DEBUG: Worker thread (#0) started
DEBUG: Worker thread (#0) initialized
Threads started!

Time limit exceeded, exiting...
(last message repeated 7 times)
Done.

SQL statistics:
    queries performed:
        read:                            19866
        write:                           5676
        other:                           2838
        total:                           28380
    transactions:                        1419   (282.78 per sec.)
    queries:                             28380  (5655.62 per sec.)
    ignored errors:                      0      (0.00 per sec.)
    reconnects:                          0      (0.00 per sec.)

General statistics:
    total time:                          5.0164s
    total number of events:              1419

Latency (ms):
         min:                                    7.63
         avg:                                   28.24
         max:                                  137.55
         95th percentile:                       43.39
         sum:                                40077.33

Threads fairness:
    events (avg/stddev):           177.3750/2.50
    execution time (avg/stddev):   5.0097/0.00
`
	sbOutErrors = `sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Threads started!

DEBUG: Ignoring error 1205 Lock wait timeout exceeded; try restarting transaction, 
(last message repeated 5 times)
DEBUG: Ignoring error 1213 Deadlock found when trying to get lock; try restarting transaction, 
DEBUG: Ignoring error 1205 Lock wait timeout exceeded; try restarting transaction, 
Time limit exceeded, exiting...
(last message repeated 2 times)
Done.

SQL statistics:
    queries performed:
        read:                            0
        write:                           3
        other:                           0
        total:                           3
    transactions:                        3      (0.27 per sec.)
    queries:                             3      (0.27 per sec.)
    ignored errors:                      8      (0.72 per sec.)
    reconnects:                          1      (0.09 per sec.)

General statistics:
    total time:                          11.0779s
    total number of events:              3

Latency (ms):
         min:                                11077.15
         avg:                                11077.34
         max:                                11077.71
         95th percentile:                    11115.87
         sum:                                33232.03
`
)

func TestParseSysbench(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    sysbenchResult
		wantErr string
	}{
		{
			name: "clean run",
			out:  sbOutClean,
			want: sysbenchResult{
				Transactions: 1419, TPS: 282.78, Queries: 28380, QPS: 5655.62,
				TotalTime: 5016400 * time.Microsecond, LatencyAvgMs: div(40077.33, 1419), LatencyP95Ms: 43.39,
				ErrorCodes: map[int]int64{},
			},
		},
		{
			name: "ignored errors with repeats",
			out:  sbOutErrors,
			want: sysbenchResult{
				Transactions: 3, TPS: 0.27, Queries: 3, QPS: 0.27, IgnoredErrors: 8, Reconnects: 1,
				TotalTime: 11077900 * time.Microsecond, LatencyAvgMs: div(33232.03, 3), LatencyP95Ms: 11115.87,
				ErrorCodes: map[int]int64{1205: 7, 1213: 1},
			},
		},
		{
			name:    "FATAL before the report",
			out:     "FATAL: MySQL error: 1146 \"Table 'sbtest.sbtest5' doesn't exist\"\nFATAL: Thread initialization failed!\n",
			wantErr: "lacks the transactions",
		},
		{
			name:    "mangled rate",
			out:     strings.Replace(sbOutClean, "(282.78 per sec.)", "(n/a)", 1),
			wantErr: "transactions",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSysbench(tc.out)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got.ErrorCodes, tc.want.ErrorCodes) {
				t.Errorf("error codes %v, want %v", got.ErrorCodes, tc.want.ErrorCodes)
			}
			got.ErrorCodes, tc.want.ErrorCodes = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		{"plain", "4242 (xaproxy) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 9 0 1 2 3", 175 * clockTick, false},
		{"spaces and parens in the name", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 7 * clockTick, false},
		{"truncated", "7 (x) R 1 7", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseProcStat(tc.stat)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseProcStat = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// div divides at run time, as parseSysbench does: a constant expression
// would be exact and differ in the last bit.
func div(a, b float64) float64 { return a / b }

func TestRunRatios(t *testing.T) {
	runs := func(v ...float64) *side {
		s := &side{}
		for _, x := range v {
			s.Runs = append(s.Runs, sample{Metrics: map[string]float64{"qps": x}})
		}
		return s
	}
	tests := []struct {
		name        string
		proxy, base *side
		want        []float64
	}{
		{"paired run by run", runs(90, 80, 120), runs(100, 100, 100), []float64{0.9, 0.8, 1.2}},
		{"not the median's order", runs(50, 100), runs(100, 50), []float64{0.5, 2}},
		{"a side ran less often", runs(90, 80), runs(100), nil},
		{"a baseline run measured nothing", runs(90, 80), runs(100, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runRatios("qps", tt.proxy, tt.base); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("runRatios = %v, want %v", got, tt.want)
			}
		})
	}
	r := compare("w", "qps", "q/s", runs(90, 80, 120), runs(100, 100, 100), atLeast(0.95))
	if got := formatRatios(r.RunRatios); got != "0.90 / 0.80 / 1.20" {
		t.Errorf("formatRatios = %q", got)
	}
}
