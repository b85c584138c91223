package engine

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// ABS, FLOOR and CEIL: values, and the type and length MariaDB 10.11
// gives them (integration TestNumFuncsOverAggregates compares with a
// server).
func TestNumFunc(t *testing.T) {
	avgDec := &mysql.Field{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Charset: binaryCharset, Flag: mysql.BINARY_FLAG, ColumnLength: 14, Decimal: 6} // AVG(DECIMAL(8,2))
	tests := []struct {
		fn     string
		in     *mysql.Field
		cell   string
		want   string
		typ    byte
		length uint32
	}{
		{"floor", avgDec, "-0.100000", "-1", mysql.MYSQL_TYPE_LONG, 8},
		{"ceil", avgDec, "-0.100000", "0", mysql.MYSQL_TYPE_LONG, 8},
		{"ceiling", avgDec, "9.000001", "10", mysql.MYSQL_TYPE_LONG, 8},
		{"floor", avgDec, "NULL", "NULL", mysql.MYSQL_TYPE_LONG, 8},
		{"floor", decField("SUM(d)", 2), "-12.50", "-13", mysql.MYSQL_TYPE_NEWDECIMAL, 32}, // 30 integer digits, 1 for the carry, the sign
		{"abs", avgDec, "-0.100000", "0.100000", mysql.MYSQL_TYPE_NEWDECIMAL, 14},
		{"abs", intField("MAX(v)"), "-7", "7", mysql.MYSQL_TYPE_LONGLONG, 11},
		{"floor", intField("MAX(v)"), "-7", "-7", mysql.MYSQL_TYPE_LONG, 11},
		{"floor", doubleField("AVG(x)", 31), "-2.25", "-3", mysql.MYSQL_TYPE_DOUBLE, 17},
		{"abs", doubleField("AVG(x)", 31), "-2.25", "2.25", mysql.MYSQL_TYPE_DOUBLE, 23},
	}
	for _, tt := range tests {
		in := []*mysql.Field{tt.in}
		e := NumFunc(tt.fn, Col(0))
		got, err := computeOne(in, e, tt.cell)
		if err != nil {
			t.Errorf("%s(%s): %v", tt.fn, tt.cell, err)
			continue
		}
		f := ResultField(e, in, "")
		if got != tt.want || f.Type != tt.typ || f.ColumnLength != tt.length {
			t.Errorf("%s(%s) = %s type %d length %d, want %s %d %d", tt.fn, tt.cell, got, f.Type, f.ColumnLength, tt.want, tt.typ, tt.length)
		}
	}
	// ABS of the smallest BIGINT is out of range, as in MariaDB.
	if _, err := Collect(Compute(FromSlice([]*mysql.Field{bigintField("MIN(b)", false)}, []Row{row("-9223372036854775808")}), []Expr{NumFunc("ABS", Col(0))}, nil, nil, nil)); err == nil {
		t.Error("ABS(-9223372036854775808): no error, want 1690")
	}
	if _, err := bindExpr(NumFunc("floor", Col(0)), binder{cols: []*mysql.Field{strField("s")}}); err == nil {
		t.Error("FLOOR of a string: bound, want refused")
	}
}
