package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
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

// collationText is what a message calls an unmerged collation; "" for
// one the merge compares (and for none: not text, not known).
func collationText(name string) string {
	if name = strings.ToLower(name); name == "" || mergedCollation(name) {
		return ""
	}
	return "collation " + name
}

// charsetText is collationText for the default collation of a character
// set.
func charsetText(name string) string {
	if name == "" || mergedCharset(name) {
		return ""
	}
	return "character set " + strings.ToLower(name)
}

// textScope tells what the column names of a merged SELECT mean.
type textScope interface {
	// columnText is the unmerged collation of the text the columns a
	// name means hold (collationText; the first of a USING column's
	// tables); "" for merged text, no text, a name the catalog does not
	// know.
	columnText(*ast.ColumnName) string
	// expand lists the columns a wildcard brings, in order; false when
	// the catalog does not know them all.
	expand(*ast.WildCardField) ([]ast.ExprNode, bool)
}

// exprText is the unmerged collation of the text e may give, looking
// through what passes text on (functions, CASE, MIN/MAX) to the columns,
// COLLATE clauses and conversions that decide it; "" where e gives a
// number, a date, merged text or the session's own text (literals, whose
// character set is the results', which the engine checks).
func exprText(e ast.ExprNode, s textScope) string {
	switch x := e.(type) {
	case *ast.ColumnNameExpr:
		return s.columnText(x.Name)
	case *ast.ParenthesesExpr:
		return exprText(x.Expr, s)
	case *ast.SetCollationExpr:
		return collationText(x.Collate)
	case *ast.FuncCastExpr:
		if x.ExplicitCharSet {
			return charsetText(x.Tp.GetCharset())
		}
		return "" // a number, a date, or the connection's text
	case *ast.FuncCallExpr:
		return callText(x, s)
	case *ast.AggregateFuncExpr:
		switch strings.ToLower(x.F) {
		case ast.AggFuncMin, ast.AggFuncMax, ast.AggFuncGroupConcat:
			return listText(x.Args, s)
		}
	case *ast.CaseExpr:
		for _, w := range x.WhenClauses {
			if t := exprText(w.Result, s); t != "" {
				return t
			}
		}
		return exprText(x.ElseClause, s)
	}
	// Operators, comparisons, literals, variables, subqueries.
	return ""
}

// listText is exprText of the first of es that gives unmerged text.
func listText(es []ast.ExprNode, s textScope) string {
	for _, e := range es {
		if t := exprText(e, s); t != "" {
			return t
		}
	}
	return ""
}

// callText is exprText of a function call: CONVERT(x USING cs) gives cs's
// text; the functions of ownResult give numbers, dates or text of their
// own; the others may pass their arguments' collation on.
func callText(f *ast.FuncCallExpr, s textScope) string {
	name := f.FnName.L
	if name == "convert" && len(f.Args) == 2 {
		if cs, ok := stringLiteral(f.Args[1]); ok {
			return charsetText(cs)
		}
	}
	if ownResult(name) {
		return ""
	}
	return listText(f.Args, s)
}

// ownResult: functions whose result does not take its arguments'
// collation (numbers, dates, hex digits, the connection's text).
func ownResult(name string) bool {
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
		"maketime", "sec_to_time", "time_to_sec", "last_day", "from_unixtime", "timediff",
		"date_add", "date_sub", "adddate", "subdate", "addtime", "subtime",
		"hex", "md5", "sha", "sha1", "sha2", "to_base64", "uuid", "date_format", "time_format",
		"format", "inet_ntoa", "bin", "oct", "conv", "space", "database", "schema", "user",
		"current_user", "session_user", "system_user", "version", "charset", "collation":
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
	for _, t := range s.from {
		if name.Table.O != "" && t.alias != name.Table.L {
			continue
		}
		if def := s.r.Catalog().Table(t.schema, t.name); def != nil {
			if i := def.ColumnIndex(name.Name.O); i >= 0 {
				if c := collationText(def.Columns[i].Collation); c != "" {
					return c
				}
			}
		}
	}
	return ""
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
