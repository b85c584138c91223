package proxy

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestSameColumns: shards' columns agree when their names, types,
// character sets and signedness do (a MODIFY applied on some shards only
// keeps the name); flags the rows decide, such as NOT NULL of an
// expression, do not count.
func TestSameColumns(t *testing.T) {
	col := func(name string, tp byte, cs uint16, flag uint16) *mysql.Field {
		return &mysql.Field{Name: []byte(name), Type: tp, Charset: cs, Flag: flag}
	}
	base := col("n", mysql.MYSQL_TYPE_LONG, 63, mysql.NOT_NULL_FLAG)
	tests := []struct {
		name  string
		other *mysql.Field
		same  bool
	}{
		{"identical", col("n", mysql.MYSQL_TYPE_LONG, 63, mysql.NOT_NULL_FLAG), true},
		{"another NOT NULL flag", col("n", mysql.MYSQL_TYPE_LONG, 63, 0), true},
		{"another name", col("m", mysql.MYSQL_TYPE_LONG, 63, mysql.NOT_NULL_FLAG), false},
		{"INT become VARCHAR", col("n", mysql.MYSQL_TYPE_VAR_STRING, 45, mysql.NOT_NULL_FLAG), false},
		{"another character set", col("n", mysql.MYSQL_TYPE_LONG, 8, mysql.NOT_NULL_FLAG), false},
		{"made UNSIGNED", col("n", mysql.MYSQL_TYPE_LONG, 63, mysql.NOT_NULL_FLAG|mysql.UNSIGNED_FLAG), false},
	}
	for _, tt := range tests {
		if got := sameColumns([]*mysql.Field{base}, []*mysql.Field{tt.other}); got != tt.same {
			t.Errorf("%s: sameColumns %v, want %v", tt.name, got, tt.same)
		}
	}
	if sameColumns([]*mysql.Field{base}, nil) {
		t.Error("one column against none: the same")
	}
}
