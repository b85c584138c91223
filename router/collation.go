package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/catalog"
)

// A merge over several shards compares text with utf8mb4_general_ci
// weights, or bytewise for a _bin collation (engine/compare.go): the
// result's column definitions name character_set_results' collation, not
// the column's, so the engine cannot tell latin1_swedish_ci ('ä' after
// 'z') or utf8mb4_unicode_ci ('ß' = 'ss') text from general_ci text. The
// router can, from the catalog's COLLATION_NAME: a merge whose sort,
// group, DISTINCT, MIN/MAX or DISTINCT-aggregate key may be text of
// another collation is refused (1235); on one shard the statement runs
// whole, as MariaDB computes it.

// mergedCollation tells whether the merge compares text of a collation
// (lower case) as MariaDB does.
func mergedCollation(name string) bool {
	switch name {
	case "utf8mb4_general_ci", "utf8mb3_general_ci", "utf8_general_ci",
		"utf8mb4_bin", "utf8mb3_bin", "utf8_bin", "binary":
		return true
	}
	return false
}

// mergedCharset tells whether text converted to a character set (CONVERT
// ... USING, CAST ... CHARACTER SET) is of a collation the merge compares:
// the set's default one.
func mergedCharset(name string) bool {
	switch strings.ToLower(name) {
	case "utf8mb4", "utf8mb3", "utf8", "binary":
		return true
	}
	return false
}

// Besides collationText's names of unmerged collations, exprText tells
// two classes of text apart, for how an expression's arguments combine
// (MariaDB's coercibility: a COLLATE clause or a column's collation
// decides over a literal's or a number turned text):
const (
	// mergedText is text of a collation the merge compares.
	mergedText = "=merged"
	// connText is text of the session's collation_connection: string
	// literals, CAST(x AS CHAR), numbers and dates turned text (HEX,
	// DATE_FORMAT, CONCAT(n)). The plan marks a merge key of it
	// (Merge.ConnText) and the proxy checks the session at run time.
	connText = "=connection"
)

// collationText is what a message calls an unmerged collation;
// mergedText for one the merge compares, "" for none (not text, not
// known).
func collationText(name string) string {
	switch name = strings.ToLower(name); {
	case name == "":
		return ""
	case name == catalog.MixedCollation:
		return "collations that differ between shards"
	case mergedCollation(name):
		return mergedText
	}
	return "collation " + name
}

// charsetCollText is collationText for the default collation of a
// character set.
func charsetCollText(name string) string {
	if mergedCharset(name) {
		return mergedText
	}
	return "character set " + strings.ToLower(name)
}

// unmerged tells whether t, an exprText, names an unmerged collation.
func unmerged(t string) bool {
	return t != "" && t != mergedText && t != connText
}

// textScope tells what the column names of a merged SELECT mean.
type textScope interface {
	// columnText is exprText of the columns a name means (the first
	// unmerged one of a USING column's tables); "" for no text or a
	// name the catalog does not know.
	columnText(*ast.ColumnName) string
	// expand lists the columns a wildcard brings, in order; false when
	// the catalog does not know them all.
	expand(*ast.WildCardField) ([]ast.ExprNode, bool)
}

// exprText is the collation of the text e may give (collationText, or
// connText), looking through what passes text on (functions, CASE,
// MIN/MAX) to the columns, literals, COLLATE clauses and conversions that
// decide it; "" where e gives a number or a date, or the router cannot
// tell (variables, subqueries).
func exprText(e ast.ExprNode, s textScope) string {
	switch x := e.(type) {
	case *ast.ColumnNameExpr:
		return s.columnText(x.Name)
	case *ast.ParenthesesExpr:
		return exprText(x.Expr, s)
	case *ast.SetCollationExpr:
		return collationText(x.Collate)
	case *driver.ValueExpr:
		return literalText(x)
	case *ast.FuncCastExpr:
		return castText(x)
	case *ast.FuncCallExpr:
		return callText(x, s)
	case *internalFuncExpr: // CHAR, INSERT
		return callText(x.FuncCallExpr, s)
	case *ast.AggregateFuncExpr:
		switch strings.ToLower(x.F) {
		case ast.AggFuncMin, ast.AggFuncMax, ast.AggFuncGroupConcat:
			return listText(x.Args, s)
		}
	case *ast.CaseExpr:
		rs := []ast.ExprNode{x.ElseClause}
		for _, w := range x.WhenClauses {
			rs = append(rs, w.Result)
		}
		return listText(rs, s)
	}
	// Operators, comparisons, variables, subqueries.
	return ""
}

// literalText: a string literal is the connection's text; one with a
// character set introducer (_latin1'a', N'a') that set's. The parser
// gives a plain literal utf8mb4_bin, which an introducer does not (but
// _utf8mb4'a' reads as plain: the stricter of the two).
func literalText(v *driver.ValueExpr) string {
	switch {
	case v.Kind() != driver.KindString && v.Kind() != driver.KindBytes:
		return "" // a number, NULL
	case v.Type.GetCharset() == "", v.Type.GetCharset() == "utf8mb4" && v.Type.GetCollate() == "utf8mb4_bin":
		return connText // GROUP_CONCAT's SEPARATOR has none
	}
	return charsetCollText(v.Type.GetCharset())
}

// castText: CAST(x AS CHAR) gives the connection's text, AS CHAR
// CHARACTER SET cs (or CONVERT(x, ...)) cs's, AS BINARY bytes; other
// types are not text.
func castText(x *ast.FuncCastExpr) string {
	switch {
	case x.ExplicitCharSet:
		return charsetCollText(x.Tp.GetCharset())
	case !isStringType(x.Tp.GetType()):
		return ""
	case x.Tp.GetCharset() == "binary":
		return mergedText
	}
	return connText
}

// isStringType: a CAST target that is text or bytes.
func isStringType(tp byte) bool {
	switch tp {
	case mysql.TypeVarString, mysql.TypeString, mysql.TypeVarchar, mysql.TypeBlob,
		mysql.TypeTinyBlob, mysql.TypeMediumBlob, mysql.TypeLongBlob:
		return true
	}
	return false
}

// listText is the collation that text combined of es takes: the first
// unmerged one (where MariaDB would convert or refuse, the stricter
// answer), else a merged one (a column's or a COLLATE clause's decides
// over a literal's), else the connection's; "" when none gives text.
func listText(es []ast.ExprNode, s textScope) string {
	out := ""
	for _, e := range es {
		if e == nil {
			continue
		}
		switch t := exprText(e, s); {
		case unmerged(t):
			return t
		case t == mergedText || t == connText && out == "":
			out = t
		}
	}
	return out
}

// callText is exprText of a function call: CONVERT(x USING cs) and
// CHAR(n USING cs) give cs's text; IF its results'; the functions of ownResult numbers, dates or
// their own text; the string functions of textResult their arguments'
// collation, or the connection's when no argument is text; the others
// their arguments' collation.
func callText(f *ast.FuncCallExpr, s textScope) string {
	name := f.FnName.L
	if name == "convert" && len(f.Args) == 2 {
		if cs, ok := stringLiteral(f.Args[1]); ok {
			return charsetCollText(cs)
		}
	}
	if name == ast.CharFunc && len(f.Args) > 0 {
		// CHAR(n, ... USING cs): the parser's last argument is cs, or
		// NULL for bytes.
		if cs, ok := stringLiteral(f.Args[len(f.Args)-1]); ok {
			return charsetCollText(cs)
		}
		return mergedText
	}
	if t, ok := ownResult(name, len(f.Args)); ok {
		return t
	}
	args := f.Args
	if name == "if" && len(args) == 3 {
		args = args[1:] // the condition is not the result
	}
	t := listText(args, s)
	if t == "" && textResult(name) {
		return connText // numbers and dates turned text
	}
	return t
}

// ownResult: functions whose result does not take its arguments'
// collation: numbers and dates (""), the connection's text (connText),
// and the system's utf8mb3_general_ci text (mergedText); false for
// others.
func ownResult(name string, nargs int) (string, bool) {
	switch name {
	case "length", "char_length", "character_length", "octet_length", "bit_length",
		"ascii", "ord", "locate", "instr", "position", "field", "find_in_set", "strcmp",
		"crc32", "crc32c", "abs", "ceil", "ceiling", "floor", "round", "truncate", "sign",
		"mod", "pow", "power", "sqrt", "exp", "ln", "log", "log2", "log10", "rand",
		"bit_count", "isnull", "interval", "regexp_instr", "json_length", "json_depth",
		"json_valid", "json_contains", "json_contains_path", "inet_aton", "is_ipv4", "is_ipv6",
		"year", "month", "day", "dayofmonth", "dayofweek", "dayofyear", "week", "weekday",
		"weekofyear", "yearweek", "hour", "minute", "second", "microsecond", "quarter",
		"to_days", "to_seconds", "unix_timestamp", "datediff", "timestampdiff", "period_diff",
		"period_add", "date", "time", "timestamp", "str_to_date", "from_days", "makedate",
		"maketime", "sec_to_time", "time_to_sec", "last_day", "timediff",
		"date_add", "date_sub", "adddate", "subdate", "addtime", "subtime":
		return "", true
	case "from_unixtime":
		if nargs < 2 {
			return "", true // a DATETIME; with a format, text
		}
		return connText, true
	case "hex", "md5", "sha", "sha1", "sha2", "to_base64", "uuid", "date_format", "time_format",
		"format", "inet_ntoa", "bin", "oct", "conv", "space", "dayname", "monthname":
		return connText, true
	case "database", "schema", "user", "current_user", "session_user", "system_user",
		"version", "charset", "collation":
		return mergedText, true
	}
	return "", false
}

// textResult: string functions whose result is text of their text
// arguments' collation, or of the connection's when they are given only
// numbers or dates (CONCAT(n), LPAD(n, 3, 0)).
func textResult(name string) bool {
	switch name {
	case "concat", "concat_ws", "lpad", "rpad", "repeat", "left", "right", "substring",
		"substr", "mid", "substring_index", "reverse", "upper", "lower", "ucase", "lcase",
		"trim", "ltrim", "rtrim", "replace", "insert", ast.InsertFunc, "make_set", "export_set", "quote", "elt":
		return true
	}
	return false
}

// tableScope is textScope over a statement's FROM tables, as the catalog
// holds them.
type tableScope struct {
	r    *Router
	from []tableInfo
}

// columnText of a name several FROM tables hold is the first unmerged
// collation among them: a JOIN ... USING (or NATURAL JOIN) column is
// compared in its tables' collation, and a truly ambiguous name is
// MariaDB's own 1052, so refusing it costs nothing.
func (s tableScope) columnText(name *ast.ColumnName) string {
	out := ""
	for _, t := range s.from {
		if name.Table.O != "" && t.alias != name.Table.L {
			continue
		}
		if def := s.r.Catalog().Table(t.schema, t.name); def != nil {
			if i := def.ColumnIndex(name.Name.O); i >= 0 {
				if c := collationText(def.Columns[i].Collation); unmerged(c) {
					return c
				} else if c != "" {
					out = c
				}
			}
		}
	}
	return out
}

func (s tableScope) expand(w *ast.WildCardField) ([]ast.ExprNode, bool) {
	var out []ast.ExprNode
	for _, t := range s.from {
		if w.Table.O != "" && t.alias != w.Table.L {
			continue
		}
		def := s.r.Catalog().Table(t.schema, t.name)
		if def == nil {
			return nil, false
		}
		for _, c := range def.Positional() {
			out = append(out, &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(t.alias), Name: ast.NewCIStr(c.Name)}})
		}
	}
	return out, true
}

// derivedScope is textScope over the one derived table of a SELECT: a
// name means the derived table's select item of that name (or a column
// its wildcard brings), in the derived table's own scope.
type derivedScope struct {
	inner *ast.SelectStmt
	base  textScope
}

func (s derivedScope) columnText(name *ast.ColumnName) string {
	for _, f := range s.inner.Fields.Fields {
		if f.WildCard != nil {
			if t := s.base.columnText(&ast.ColumnName{Table: f.WildCard.Table, Name: name.Name}); t != "" {
				return t
			}
			continue
		}
		if strings.EqualFold(fieldName(f), name.Name.O) {
			return exprText(f.Expr, s.base)
		}
	}
	return ""
}

func (s derivedScope) expand(*ast.WildCardField) ([]ast.ExprNode, bool) {
	var out []ast.ExprNode
	for _, f := range s.inner.Fields.Fields {
		if f.WildCard == nil {
			out = append(out, &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(fieldName(f))}})
			continue
		}
		cols, ok := s.base.expand(f.WildCard)
		if !ok {
			return nil, false
		}
		for _, c := range cols {
			// Unqualified: the outer query names them so.
			out = append(out, &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: c.(*ast.ColumnNameExpr).Name.Name}})
		}
	}
	return out, true
}

// expandFields lists a select list's expressions, its wildcards'
// columns in their places; false when a wildcard's are not known.
func expandFields(fields []*ast.SelectField, s textScope) ([]ast.ExprNode, bool) {
	var out []ast.ExprNode
	for _, f := range fields {
		if f.WildCard == nil {
			out = append(out, f.Expr)
			continue
		}
		cols, ok := s.expand(f.WildCard)
		if !ok {
			return nil, false
		}
		out = append(out, cols...)
	}
	return out, true
}

// constantExpr tells whether e has one value on every row of every
// shard: literals, and operators and functions over them that depend on
// nothing else (not RAND, UUID, the clock or the session).
func constantExpr(e ast.ExprNode) bool {
	v := &constantFinder{constant: true}
	e.Accept(v)
	return v.constant
}

type constantFinder struct{ constant bool }

func (v *constantFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.ColumnNameExpr, *ast.SubqueryExpr, *ast.VariableExpr, *ast.AggregateFuncExpr,
		*ast.WindowFuncExpr, *ast.DefaultExpr, *ast.PositionExpr, *driver.ParamMarkerExpr:
		v.constant = false
	case *ast.FuncCallExpr:
		if len(x.Args) == 0 || volatileFunc(x.FnName.L) {
			v.constant = false
		}
	}
	return n, !v.constant
}

func (v *constantFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// volatileFunc: functions of arguments whose value still changes from row
// to row or shard to shard.
func volatileFunc(name string) bool {
	switch name {
	case "rand", "uuid", "uuid_short", "sys_guid", "now", "sysdate", "current_timestamp",
		"localtime", "localtimestamp", "curtime", "current_time", "utc_time", "utc_timestamp",
		"unix_timestamp", "sleep", "benchmark", "nextval", "lastval", "setval", "get_lock",
		"release_lock", "is_free_lock", "is_used_lock", "last_insert_id", "row_count",
		"found_rows", "connection_id", "value", "values":
		return true
	}
	return false
}
