package router

import (
	"math"
	"testing"

	"github.com/xaproxy/xaproxy/catalog"
)

// TestKeyColumnRanges: the integer ranges INSERT keys are clipped to
// (keyStore) and LOAD DATA checks, by the column's COLUMN_TYPE.
func TestKeyColumnRanges(t *testing.T) {
	tests := []struct {
		tp string
		lo int64
		hi uint64
		ok bool
	}{
		{"int(11)", math.MinInt32, math.MaxInt32, true},
		{"int(10) unsigned", 0, math.MaxUint32, true},
		{"tinyint(4)", -128, 127, true},
		{"tinyint(3) unsigned zerofill", 0, 255, true},
		{"smallint(6)", -32768, 32767, true},
		{"mediumint(8) unsigned", 0, 1<<24 - 1, true},
		{"BIGINT(20)", math.MinInt64, math.MaxInt64, true},
		{"bigint(20) unsigned", 0, math.MaxUint64, true},
		{"decimal(5,2)", 0, 0, false},
		{"varchar(10)", 0, 0, false},
	}
	for _, tt := range tests {
		k, err := keyColumnOf(catalog.Column{Name: "k", Type: tt.tp})
		lo, hi, ok := k.lo, k.hi, err == nil && k.integer
		if lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("keyColumnOf(%q) = %d, %d, %v; want %d, %d, %v", tt.tp, lo, hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
}
