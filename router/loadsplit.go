package router

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/loadfile"
	"github.com/xaproxy/xaproxy/sharding"
)

// LoadSplit is LOAD DATA LOCAL INFILE into a table on several shards. The
// proxy asks the client for the file (Path) and runs SQL on every shard
// of Shards as a branch of one transaction. Copies: every shard gets the
// whole file (a broadcast table) and runs the client's statement.
// Otherwise the file is read as MariaDB reads it (Clauses, Ignore: the
// proxy skips the IGNORE lines, the shards run the statement with IGNORE
// 0 LINES), and each row's bytes go to the shard its key field (KeyField
// of NFields) names (Locate).
type LoadSplit struct {
	Table    string
	Shards   []string
	Copies   bool
	SQL      string
	Path     string
	Clauses  loadfile.Clauses // Charset "": the database's, which the proxy asks the shard for
	Ignore   uint64
	NFields  int
	KeyField int

	table *sharding.Table
	key   keyColumn
}

// keyColumn is what the shard key column's type makes of a field.
type keyColumn struct {
	name     string
	integer  bool
	min, max string // integer: the type's range, as decimal text
	unsigned bool
	lo       int64  // signed range
	hi       uint64 // the largest value
	chars    int    // string: the most characters it holds (0: no limit checked)
	bytes    int    // string: the most bytes it holds (TINYTEXT)
}

func (r *Router) planLoadCopies(n *ast.LoadDataStmt, t tableInfo) (*LoadSplit, error) {
	if err := checkLoadOptions(n); err != nil {
		return nil, err
	}
	return &LoadSplit{Table: t.String(), Shards: t.table.AllShards(), Copies: true, Path: n.Path}, nil
}

func (r *Router) planLoadSplit(n *ast.LoadDataStmt, t tableInfo) (*LoadSplit, error) {
	if err := checkLoadOptions(n); err != nil {
		return nil, err
	}
	def, err := r.definition(t)
	if err != nil {
		return nil, err
	}
	refuse := func(why string, args ...any) error {
		return errUnsupported("LOAD DATA into sharded table %s (on shards %s): %s", t, loadShardList(t), fmt.Sprintf(why, args...))
	}
	if i := def.AutoIncrement(); i >= 0 {
		return nil, refuse("its AUTO_INCREMENT column %s would get ids from each shard's own counter; load it with INSERT, which the proxy gives ids", def.Columns[i].Name)
	}
	l := &LoadSplit{Table: t.String(), Shards: t.table.AllShards(), Path: n.Path, table: t.table, KeyField: -1}
	if n.IgnoreLines != nil {
		l.Ignore = *n.IgnoreLines
	}
	keyName := t.table.ShardKey
	ki := def.ColumnIndex(keyName)
	if ki < 0 {
		return nil, refuse("the table has no column %s, its shard key in xaproxy's configuration", keyName)
	}
	if len(n.ColumnsAndUserVars) == 0 {
		l.NFields = len(def.Positional())
		l.KeyField = def.PositionOf(keyName)
	} else {
		l.NFields = len(n.ColumnsAndUserVars)
		for i, c := range n.ColumnsAndUserVars {
			if c.ColumnName != nil && strings.EqualFold(c.ColumnName.Name.O, keyName) {
				if l.KeyField >= 0 {
					return nil, refuse("shard key column %s is listed twice", keyName)
				}
				l.KeyField = i
			}
		}
	}
	for _, a := range n.ColumnAssignments {
		if a.Column != nil && strings.EqualFold(a.Column.Name.O, keyName) {
			return nil, refuse("SET assigns the shard key column %s; the proxy routes each row by the key field read from the file, so the key must be read into the column itself, not set by an expression", keyName)
		}
	}
	if l.KeyField < 0 {
		return nil, refuse("the shard key column %s is not read from the file; list it among the columns so that each row can be routed by it", keyName)
	}
	if l.key, err = keyColumnOf(def.Columns[ki]); err != nil {
		return nil, refuse("%v", err)
	}
	if n.FieldsInfo != nil {
		l.Clauses.FieldTerm, l.Clauses.Enclosed, l.Clauses.Escaped = n.FieldsInfo.Terminated, n.FieldsInfo.Enclosed, n.FieldsInfo.Escaped
	}
	if n.LinesInfo != nil {
		l.Clauses.LineStart, l.Clauses.LineTerm = n.LinesInfo.Starting, n.LinesInfo.Terminated
	}
	if n.Charset != nil {
		l.Clauses.Charset = *n.Charset
	}
	// Each shard reads only rows: the proxy skips the IGNORE lines. The
	// parser marks LOCAL loads IGNORE (duplicates are warnings), as
	// MariaDB treats them: the restored text says so.
	c := *n
	c.IgnoreLines = nil
	if l.SQL, err = restore(&c); err != nil {
		return nil, err
	}
	return l, nil
}

// checkLoadOptions refuses what MariaDB's LOAD DATA does not have (the
// parser reads TiDB's extensions too).
func checkLoadOptions(n *ast.LoadDataStmt) error {
	for _, c := range n.ColumnsAndUserVars {
		if c.UserVar != nil {
			return errUnsupported("LOAD DATA into a table on several shards cannot read fields into user variables (@%s): each shard would set its own, and the session's would not be the last row's; read the fields into columns", c.UserVar.Name)
		}
	}
	if n.Format != nil || len(n.Options) > 0 || (n.FieldsInfo != nil && n.FieldsInfo.DefinedNullBy != nil) {
		return mysql.NewError(mysql.ER_PARSE_ERROR, "LOAD DATA FORMAT, WITH options and DEFINED NULL BY are not MariaDB syntax")
	}
	return nil
}

var (
	intTypeRe = regexp.MustCompile(`^(tinyint|smallint|mediumint|int|bigint)(\(\d+\))?( unsigned)?( zerofill)?$`)
	strTypeRe = regexp.MustCompile(`^(char|varchar)\((\d+)\)$|^(tinytext|text|mediumtext|longtext)$`)
)

var intRanges = map[string][4]string{
	"tinyint":   {"-128", "127", "0", "255"},
	"smallint":  {"-32768", "32767", "0", "65535"},
	"mediumint": {"-8388608", "8388607", "0", "16777215"},
	"int":       {"-2147483648", "2147483647", "0", "4294967295"},
	"bigint":    {"-9223372036854775808", "9223372036854775807", "0", "18446744073709551615"},
}

// keyColumnOf reads the key column's type: integers and character strings
// are stored as the file says (or refused by the row's check); other types
// convert text in ways the proxy does not reproduce ('2024-1-1' is stored
// as 2024-01-01), so a row's home could not be told from its field.
func keyColumnOf(c catalog.Column) (keyColumn, error) {
	typ := strings.ToLower(c.Type)
	k := keyColumn{name: c.Name}
	if m := intTypeRe.FindStringSubmatch(typ); m != nil {
		rg := intRanges[m[1]]
		k.integer, k.unsigned = true, m[3] != ""
		k.min, k.max = rg[0], rg[1]
		if k.unsigned {
			k.min, k.max = rg[2], rg[3]
		}
		k.lo, _ = strconv.ParseInt(k.min, 10, 64)
		k.hi, _ = strconv.ParseUint(k.max, 10, 64)
		return k, nil
	}
	if m := strTypeRe.FindStringSubmatch(typ); m != nil {
		if m[2] != "" {
			k.chars, _ = strconv.Atoi(m[2])
		}
		if m[3] == "tinytext" {
			k.bytes = 255
		}
		return k, nil
	}
	return k, fmt.Errorf("its shard key column %s is %s; the proxy routes rows by integer and character string keys only", c.Name, c.Type)
}

// Locate names the shard of a row from its fields (fewer than NFields for
// a short line). utf8 tells that the file's character set is utf8mb3 or
// utf8mb4. The error, for a key MariaDB would store as another value than
// the field's text (NULL, an empty field, 'abc' for an integer, out of range, too
// long), refuses the whole load.
func (l *LoadSplit) Locate(fields []loadfile.Field, row uint64, utf8ok bool) (string, error) {
	fail := func(why string, args ...any) (string, error) {
		return "", errUnsupported("LOAD DATA into sharded table %s: row %d: %s; the whole load was rolled back", l.Table, row, fmt.Sprintf(why, args...))
	}
	if l.KeyField >= len(fields) {
		return fail("the line has no field for shard key column %s, which would get its default", l.key.name)
	}
	f := fields[l.KeyField]
	if f.Null {
		return fail("shard key column %s is NULL (\\N), which MariaDB would store as the column's default or refuse", l.key.name)
	}
	v := string(f.Value)
	var k sharding.Key
	var err error
	if l.key.integer {
		k, err = sharding.Normalize(sharding.StringValue(v), sharding.Integer)
		if err == nil && !l.key.inRange(k) {
			return fail("shard key value %s is out of the range of column %s [%s, %s], which MariaDB would clip", clipText(v), l.key.name, l.key.min, l.key.max)
		}
	} else {
		switch {
		case !utf8ok && !IsASCII(v):
			return fail("shard key value %s is not ASCII, and the file's character set is not utf8mb4", clipText(v))
		case l.key.chars > 0 && utf8.RuneCountInString(strings.TrimRight(v, " ")) > l.key.chars:
			return fail("shard key value %s is longer than column %s holds; MariaDB would cut it", clipText(v), l.key.name)
		case l.key.bytes > 0 && len(v) > l.key.bytes:
			return fail("shard key value %s is longer than column %s holds; MariaDB would cut it", clipText(v), l.key.name)
		}
		if form := l.table.KeyForm(); !form.Accepts(sharding.StringValue(v)) {
			return fail("shard key value %s is not written %s, the one spelling of its column's type that xaproxy places as MariaDB stores it", clipText(v), form)
		}
		k, err = l.table.Normalize(sharding.StringValue(v))
	}
	if err != nil {
		return fail("%v", err)
	}
	return l.table.Locate(k)
}

func (k keyColumn) inRange(key sharding.Key) bool {
	if k.unsigned {
		u, ok := key.Uint64()
		return ok && u <= k.hi
	}
	i, ok := key.Int64()
	return ok && i >= k.lo && (i < 0 || uint64(i) <= k.hi)
}

// IsASCII: s has no byte above 0x7F, which character sets read apart.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func clipText(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "'" + s + "'"
}
