package main

import (
	"slices"
	"testing"
)

func TestSysmonEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string // nil: no re-exec
	}{
		{"no GODEBUG", []string{"PATH=/bin"}, []string{"PATH=/bin", "GODEBUG=" + sysmonSchedtrace}},
		{"empty GODEBUG", []string{"GODEBUG=", "A=1"}, []string{"GODEBUG=" + sysmonSchedtrace, "A=1"}},
		{"other settings kept", []string{"GODEBUG=gctrace=1,madvdontneed=1"}, []string{"GODEBUG=gctrace=1,madvdontneed=1," + sysmonSchedtrace}},
		{"already set", []string{"GODEBUG=" + sysmonSchedtrace}, nil},
		{"operator's own, off", []string{"GODEBUG=gctrace=1,schedtrace=0"}, nil},
		{"not a prefix match", []string{"XGODEBUG=schedtrace=0"}, []string{"XGODEBUG=schedtrace=0", "GODEBUG=" + sysmonSchedtrace}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, again := sysmonEnv(tc.in)
			if again != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("sysmonEnv(%q) = %q, %v; want %q", tc.in, got, again, tc.want)
			}
		})
	}
}

func TestSysmonAwake(t *testing.T) {
	for _, tc := range []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{sysmonSchedtrace, true},
		{"gctrace=1," + sysmonSchedtrace, true},
		{"schedtrace=0", false},
		{"schedtrace=1000,schedtrace=0", false}, // the last one counts
		{"schedtrace=0,schedtrace=5", true},
		{"schedtrace=x", false},
	} {
		if got := sysmonAwake(tc.godebug); got != tc.want {
			t.Errorf("sysmonAwake(%q) = %v, want %v", tc.godebug, got, tc.want)
		}
	}
}
