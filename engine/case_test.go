package engine

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// IF, CASE, NULLIF, GREATEST and LEAST over aggregate columns: values and the metadata
// MariaDB 10.11 gives them (integration TestCaseAndNullIfOverAggregates
// compares with a server).
func TestCaseNullIfGreatest(t *testing.T) {
	in := []*mysql.Field{countField("COUNT(*)"), decField("SUM(d)", 2), intField("MAX(v)")}
	gt, _ := Binary(">", Col(0), Lit("1", LitInt))
	isNull := IsNull(Col(2), false)
	tests := []struct {
		name   string
		e      Expr
		cells  []string
		want   string
		typ    byte
		length uint32
		flags  uint16
	}{
		{"IF of two INT literals", Case("IF", []When{{gt, Lit("1", LitInt)}}, Lit("0", LitInt)), []string{"2", "1.00", "3"}, "1", mysql.MYSQL_TYPE_LONG, 2, mysql.BINARY_FLAG | mysql.NOT_NULL_FLAG},
		{"an int branch printed as the DECIMAL", Case("CASE", []When{{gt, Lit("1.5", LitDecimal)}}, Lit("2", LitInt)), []string{"1", "1.00", "3"}, "2.0", mysql.MYSQL_TYPE_NEWDECIMAL, 4, mysql.BINARY_FLAG | mysql.NOT_NULL_FLAG},
		{"a nullable branch", Case("IF", []When{{isNull, Lit("0", LitInt)}}, Col(2)), []string{"1", "1.00", "NULL"}, "0", mysql.MYSQL_TYPE_LONG, 11, mysql.BINARY_FLAG},
		{"no ELSE", Case("CASE", []When{{gt, Col(1)}}, nil), []string{"1", "1.00", "3"}, "NULL", mysql.MYSQL_TYPE_NEWDECIMAL, 34, mysql.BINARY_FLAG},
		{"NULLIF equal", NullIf(Col(0), Lit("0", LitInt)), []string{"0", "1.00", "3"}, "NULL", mysql.MYSQL_TYPE_LONGLONG, 21, mysql.BINARY_FLAG},
		{"NULLIF other", NullIf(Col(1), Lit("0", LitInt)), []string{"0", "-1.50", "3"}, "-1.50", mysql.MYSQL_TYPE_NEWDECIMAL, 34, mysql.BINARY_FLAG},
		{"GREATEST as the DECIMAL", Greatest(false, []Expr{Col(2), Lit("1.5", LitDecimal)}), []string{"0", "1.00", "3"}, "3.0", mysql.MYSQL_TYPE_NEWDECIMAL, 13, mysql.BINARY_FLAG},
		{"LEAST of a NULL", Greatest(true, []Expr{Col(2), Lit("0", LitInt)}), []string{"0", "1.00", "NULL"}, "NULL", mysql.MYSQL_TYPE_LONG, 11, mysql.BINARY_FLAG},
		{"LEAST of a COUNT", Greatest(true, []Expr{Col(0), Lit("5", LitInt)}), []string{"7", "1.00", "3"}, "5", mysql.MYSQL_TYPE_LONGLONG, 21, mysql.BINARY_FLAG | mysql.NOT_NULL_FLAG},
	}
	for _, tt := range tests {
		got, err := computeOne(in, tt.e, tt.cells...)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		f := ResultField(tt.e, in, "")
		if got != tt.want || f.Type != tt.typ || f.ColumnLength != tt.length || f.Flag != tt.flags {
			t.Errorf("%s: %s type %d length %d flags %#x, want %s %d %d %#x", tt.name, got, f.Type, f.ColumnLength, f.Flag, tt.want, tt.typ, tt.length, tt.flags)
		}
	}
	// A string literal the merge holds itself is refused: its type depends
	// on the connection (the shards compute those it runs: StrLit).
	if _, err := bindExpr(Case("IF", []When{{gt, Lit("many", LitString)}}, Lit("few", LitString)), binder{cols: in}); err == nil {
		t.Error("IF with string results: bound, want refused")
	}
}

// TestCaseOfStringLiterals: results that are string literals the shards
// computed (StrLit) type the CASE as MariaDB does: a VARCHAR as long as
// the longest, 39 decimals, NOT NULL only when no result is NULL.
func TestCaseOfStringLiterals(t *testing.T) {
	lit := func(name string, length uint32, charset uint16) *mysql.Field {
		return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: charset, Decimal: 39, ColumnLength: length, Flag: mysql.NOT_NULL_FLAG}
	}
	in := []*mysql.Field{countField("COUNT(*)"), lit("many", 16, 45), lit("few", 12, 45), lit("x", 1, 8), strField("MAX(s)")}
	gt, _ := Binary(">", Col(0), Lit("2", LitInt))
	tests := []struct {
		name   string
		e      Expr
		count  string
		want   string
		length uint32
		flags  uint16
	}{
		{"IF", Case("IF", []When{{gt, StrLit(1)}}, StrLit(2)), "3", "many", 16, mysql.NOT_NULL_FLAG},
		{"IF, else", Case("IF", []When{{gt, StrLit(1)}}, StrLit(2)), "1", "few", 16, mysql.NOT_NULL_FLAG},
		{"no ELSE", Case("CASE", []When{{gt, StrLit(2)}}, nil), "1", "NULL", 12, 0},
		{"a NULL result", Case("IF", []When{{gt, Lit("", LitNull)}}, StrLit(1)), "3", "NULL", 16, 0},
	}
	for _, tt := range tests {
		got, err := computeOne(in, tt.e, tt.count, "many", "few", "x", "b")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		f := ResultField(tt.e, in, "")
		if got != tt.want || f.Type != mysql.MYSQL_TYPE_VAR_STRING || f.ColumnLength != tt.length || f.Flag != tt.flags || f.Decimal != 39 || f.Charset != 45 {
			t.Errorf("%s: %s type %d length %d flags %#x decimals %d charset %d, want %s length %d flags %#x", tt.name, got, f.Type, f.ColumnLength, f.Flag, f.Decimal, f.Charset, tt.want, tt.length, tt.flags)
		}
	}
	// Refused: literals in two character sets, a string with a number, a
	// column's string (typed by its collation, not the connection's).
	for name, e := range map[string]Expr{
		"two character sets": Case("IF", []When{{gt, StrLit(1)}}, StrLit(3)),
		"with a number":      Case("IF", []When{{gt, StrLit(1)}}, Lit("0", LitInt)),
		"with a column":      Case("IF", []When{{gt, StrLit(1)}}, Col(4)),
	} {
		if _, err := bindExpr(e, binder{cols: in}); err == nil {
			t.Errorf("%s: bound, want refused", name)
		}
	}
}
