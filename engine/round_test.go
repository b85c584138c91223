package engine

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// ROUND and TRUNCATE of one column: value, and the metadata MariaDB 10.11
// gives them (integration TestRoundOverAggregates compares with a server).
func TestRound(t *testing.T) {
	avgInt := &mysql.Field{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Charset: binaryCharset, Flag: mysql.BINARY_FLAG, ColumnLength: 16, Decimal: 4} // AVG(int): DECIMAL(14,4)
	sumUns := &mysql.Field{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Charset: binaryCharset, Flag: mysql.BINARY_FLAG | mysql.UNSIGNED_FLAG, ColumnLength: 29, Decimal: 3}
	tests := []struct {
		name     string
		in       *mysql.Field
		cell     string
		n        int
		truncate bool
		want     string // "NULL" for NULL
		length   uint32
		flags    uint16
	}{
		{"half away from zero", avgInt, "2.4450", 2, false, "2.45", 15, mysql.BINARY_FLAG},
		{"negative half", avgInt, "-2.4450", 2, false, "-2.45", 15, mysql.BINARY_FLAG},
		{"carry into a new digit", avgInt, "9.9950", 2, false, "10.00", 15, mysql.BINARY_FLAG},
		{"to zero decimals", avgInt, "-0.5000", 0, false, "-1", 12, mysql.BINARY_FLAG},
		{"rounds to a plain zero", avgInt, "-0.0040", 2, false, "0.00", 15, mysql.BINARY_FLAG},
		{"more decimals than the argument", decField("s", 2), "1.50", 3, false, "1.500", 35, mysql.BINARY_FLAG},
		{"truncate", avgInt, "-2.4490", 2, true, "-2.44", 14, mysql.BINARY_FLAG},
		{"truncate to a plain zero", avgInt, "-0.0490", 1, true, "0.0", 13, mysql.BINARY_FLAG},
		{"unsigned", sumUns, "9.995", 2, false, "10.00", 29, mysql.BINARY_FLAG | mysql.UNSIGNED_FLAG},
		{"NULL", avgInt, "NULL", 2, false, "NULL", 15, mysql.BINARY_FLAG},
		{"an INT keeps its type, with a function's flags", intField("m"), "-7", 2, false, "-7", 11, mysql.BINARY_FLAG},
		{"so does a COUNT", countField("COUNT(*)"), "7", 1, false, "7", 21, mysql.NOT_NULL_FLAG | mysql.BINARY_FLAG},
		{"a DOUBLE: rint, half to even", doubleField("AVG(x)", 31), "2.5", 0, false, "2", 17, mysql.BINARY_FLAG},
		{"a DOUBLE times 10^n first", doubleField("AVG(x)", 31), "2.345", 2, false, "2.35", 19, mysql.BINARY_FLAG},
		{"a DOUBLE truncated toward zero", doubleField("AVG(x)", 31), "-2.999", 2, true, "-2.99", 19, mysql.BINARY_FLAG},
	}
	for _, tt := range tests {
		in := []*mysql.Field{tt.in}
		e := Round(Col(0), tt.n, tt.truncate)
		got, err := computeOne(in, e, tt.cell)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		f := ResultField(e, in, "r")
		if got != tt.want || f.ColumnLength != tt.length || f.Flag != tt.flags || string(f.Name) != "r" {
			t.Errorf("%s: %s length %d flags %#x, want %s %d %#x", tt.name, got, f.ColumnLength, f.Flag, tt.want, tt.length, tt.flags)
		}
		if f.Type != tt.in.Type || (f.Type == mysql.MYSQL_TYPE_NEWDECIMAL && int(f.Decimal) != tt.n) {
			t.Errorf("%s: type %d decimals %d", tt.name, f.Type, f.Decimal)
		}
	}
	// What MariaDB types otherwise is refused when bound.
	for _, in := range []*mysql.Field{floatField("f"), strField("s"), yearField("y")} {
		if _, err := bindExpr(Round(Col(0), 1, false), binder{cols: []*mysql.Field{in}}); err == nil {
			t.Errorf("ROUND of a %d column: bound, want refused", in.Type)
		}
	}
}

// ROUND of arithmetic over aggregates takes the expression's precision
// and scale (SUM(v)/COUNT(*): DECIMAL(36,4), so ROUND(.., 2) is
// DECIMAL(35,2), length 37) and its NOT NULL (COUNT(*) * 1.5 is).
func TestRoundOfArithmetic(t *testing.T) {
	in := []*mysql.Field{{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Charset: binaryCharset, Flag: mysql.BINARY_FLAG, ColumnLength: 33}, countField("COUNT(*)")}
	quotient, _ := Binary("/", Col(0), Col(1))
	times, _ := Binary("*", Col(1), Lit("1.5", LitDecimal))
	exprs := []Expr{Round(quotient, 2, false), Round(times, 0, false)}
	rows, err := Collect(Compute(FromSlice(in, []Row{row("10", "3")}), exprs, []string{"q", "c"}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(rows); !equalStrings(got, []string{"3.33|5"}) {
		t.Errorf("got %v, want 3.33|5", got)
	}
	q, c := ResultField(exprs[0], in, "q"), ResultField(exprs[1], in, "c")
	if q.ColumnLength != 37 || q.Decimal != 2 || q.Flag != mysql.BINARY_FLAG {
		t.Errorf("ROUND(SUM/COUNT, 2): length %d decimals %d flags %#x, want 37 2 0x80", q.ColumnLength, q.Decimal, q.Flag)
	}
	if c.ColumnLength != 23 || c.Flag != mysql.BINARY_FLAG|mysql.NOT_NULL_FLAG {
		t.Errorf("ROUND(COUNT(*) * 1.5): length %d flags %#x, want 23 0x81", c.ColumnLength, c.Flag)
	}
}
