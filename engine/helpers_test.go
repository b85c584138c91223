package engine

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Column metadata as MariaDB 10.11 sends it (checked with --column-type-info
// and a go-mysql client on a scratch server).

func intField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_LONG, Charset: binaryCharset, ColumnLength: 11}
}

func bigintField(name string, unsigned bool) *mysql.Field {
	f := &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_LONGLONG, Charset: binaryCharset, ColumnLength: 20}
	if unsigned {
		f.Flag |= mysql.UNSIGNED_FLAG
	}
	return f
}

func countField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_LONGLONG, Charset: binaryCharset, ColumnLength: 21, Flag: mysql.NOT_NULL_FLAG | mysql.BINARY_FLAG}
}

func decField(name string, scale int) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_NEWDECIMAL, Charset: binaryCharset, Decimal: uint8(scale), ColumnLength: 34, Flag: mysql.BINARY_FLAG}
}

func doubleField(name string, dec int) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_DOUBLE, Charset: binaryCharset, Decimal: uint8(dec), ColumnLength: 23, Flag: mysql.BINARY_FLAG}
}

func floatField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_FLOAT, Charset: binaryCharset, Decimal: 31, ColumnLength: 12}
}

// strField is a VARCHAR with the connection's utf8mb4_general_ci (45).
func strField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: 45, Decimal: 39, ColumnLength: 80}
}

// binStrField is a VARCHAR ... COLLATE utf8mb4_bin: BINARY_FLAG, charset 45.
func binStrField(name string) *mysql.Field {
	f := strField(name)
	f.Flag |= mysql.BINARY_FLAG
	return f
}

// varbinaryField is a VARBINARY: charset 63.
func varbinaryField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: binaryCharset, Flag: mysql.BINARY_FLAG, ColumnLength: 20}
}

func temporalField(name string, typ byte, fsp int) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: typ, Charset: binaryCharset, Decimal: uint8(fsp), Flag: mysql.BINARY_FLAG}
}

func yearField(name string) *mysql.Field {
	return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_YEAR, Charset: binaryCharset, ColumnLength: 4, Flag: mysql.UNSIGNED_FLAG | mysql.ZEROFILL_FLAG}
}

// row builds a Row from strings; "NULL" is NULL.
func row(vals ...string) Row {
	r := make(Row, len(vals))
	for i, v := range vals {
		if v != "NULL" {
			r[i] = []byte(v)
		}
	}
	return r
}

func rowsOf(vals ...[]string) []Row {
	out := make([]Row, len(vals))
	for i, v := range vals {
		out[i] = row(v...)
	}
	return out
}

// texts renders rows as "a|b|NULL" strings.
func texts(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			if v == nil {
				parts[j] = "NULL"
			} else {
				parts[j] = string(v)
			}
		}
		out[i] = strings.Join(parts, "|")
	}
	return out
}

func mustCollect(t *testing.T, r Rows) []string {
	t.Helper()
	rows, err := Collect(r)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return texts(rows)
}

// mustCollectShown is mustCollect of the rows as the client sees them
// (every column through Compute, which prints a merged AVG at its scale).
func mustCollectShown(t *testing.T, r Rows) []string {
	t.Helper()
	exprs := make([]Expr, len(r.Columns()))
	for i := range exprs {
		exprs[i] = Col(i)
	}
	return mustCollect(t, Compute(r, exprs, nil, nil, nil))
}

// computeOne evaluates e over one input row of cells ("NULL" for NULL)
// and returns its text, "NULL" for NULL.
func computeOne(in []*mysql.Field, e Expr, cells ...string) (string, error) {
	rows, err := Collect(Compute(FromSlice(in, []Row{row(cells...)}), []Expr{e}, nil, nil, nil))
	if err != nil {
		return "", err
	}
	if rows[0][0] == nil {
		return "NULL", nil
	}
	return string(rows[0][0]), nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// trackRows wraps FromSlice, counting Next calls and recording Close.
type trackRows struct {
	Rows
	nexts  int
	closed bool
}

func track(cols []*mysql.Field, rows []Row) *trackRows {
	return &trackRows{Rows: FromSlice(cols, rows)}
}

func (t *trackRows) Next() (Row, error) {
	if t.closed {
		return nil, errors.New("Next after Close")
	}
	t.nexts++
	return t.Rows.Next()
}

func (t *trackRows) Close() { t.closed = true; t.Rows.Close() }

// failRows returns its rows then an error.
type failRows struct {
	Rows
	err error
}

func (f *failRows) Next() (Row, error) {
	r, err := f.Rows.Next()
	if err == io.EOF {
		return nil, f.err
	}
	return r, err
}

func myErrCode(err error) uint16 {
	var me *mysql.MyError
	if errors.As(err, &me) {
		return me.Code
	}
	return 0
}
