package router

import (
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/sharding"
)

// LiteralParam turns a literal written in SQL text into the parameter it
// binds (EXECUTE ... USING 42, 'x', NULL, -1.5), so that it can route as a
// shard key and be written into statements rewritten for several shards.
// A sign before a number and a COLLATE clause are taken; anything else (a
// column, a function, an operator) is not a literal: ok is false.
func LiteralParam(e ast.ExprNode) (p Param, ok bool) {
	switch x := e.(type) {
	case *ast.SetCollationExpr:
		return LiteralParam(x.Expr)
	case *ast.ParenthesesExpr:
		return LiteralParam(x.Expr)
	case *ast.FuncCastExpr:
		// A typed NULL (CAST(NULL AS SIGNED)), how a user variable holding
		// NULL is kept: NULL as a parameter.
		if v, ok := x.Expr.(*driver.ValueExpr); ok && v.Kind() == driver.KindNull {
			return Param{Null: true, Type: mysql.MYSQL_TYPE_NULL, Literal: "NULL", Key: sharding.NullValue()}, true
		}
		return Param{}, false
	case *ast.UnaryOperationExpr:
		if x.Op != opcode.Minus && x.Op != opcode.Plus {
			return Param{}, false
		}
		v, ok := x.V.(*driver.ValueExpr)
		if !ok {
			return Param{}, false
		}
		if x.Op == opcode.Plus {
			return numberParam(v, false)
		}
		return numberParam(v, true)
	case *driver.ValueExpr:
		switch x.Kind() {
		case driver.KindNull:
			return Param{Null: true, Type: mysql.MYSQL_TYPE_NULL, Literal: "NULL", Key: sharding.NullValue()}, true
		case driver.KindString:
			s := x.GetString()
			return Param{Type: mysql.MYSQL_TYPE_VAR_STRING, Literal: quoteString(s), Key: sharding.StringValue(s)}, true
		case driver.KindBytes, driver.KindBinaryLiteral:
			// X'..' and b'..' are binary strings, unless introduced with a
			// character set (_utf8mb4 X'..', how user variables are kept).
			if cs := x.Type.GetCharset(); cs != "" && cs != "binary" {
				s := string(x.GetBytes())
				return Param{Type: mysql.MYSQL_TYPE_VAR_STRING, Literal: quoteString(s), Key: sharding.StringValue(s)}, true
			}
			return bytesParam(mysql.MYSQL_TYPE_BLOB, x.GetBytes()), true
		}
		return numberParam(x, false)
	}
	return Param{}, false
}

// numberParam is the parameter of a number literal, negated when neg.
func numberParam(v *driver.ValueExpr, neg bool) (Param, bool) {
	var p Param
	switch v.Kind() {
	case driver.KindInt64:
		n := v.GetInt64()
		if neg {
			n = -n
		}
		p = intParam(n)
		p.Type = mysql.MYSQL_TYPE_LONGLONG
	case driver.KindUint64:
		u := v.GetUint64()
		if !neg {
			p = uintParam(u)
		} else if u <= 1<<63 {
			p = intParam(int64(-u))
		} else {
			text := "-" + strconv.FormatUint(u, 10)
			p = Param{Literal: text, Key: sharding.NumberValue(text)}
		}
		p.Type = mysql.MYSQL_TYPE_LONGLONG
	case driver.KindMysqlDecimal:
		text := v.GetMysqlDecimal().String()
		if neg {
			text = negateText(text)
		}
		p = Param{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Literal: text, Key: sharding.NumberValue(text)}
	case driver.KindFloat64, driver.KindFloat32:
		f := v.GetFloat64()
		if neg {
			f = -f
		}
		p = floatParam(f)
		p.Type = mysql.MYSQL_TYPE_DOUBLE
	default:
		return Param{}, false
	}
	return p, true
}

// negateText negates a decimal written as text.
func negateText(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return s[1:]
	}
	return "-" + s
}

// LiteralString is the value of a string literal (with an optional
// introducer and COLLATE clause, or a hex literal); ok is false for any
// other expression.
func LiteralString(e ast.ExprNode) (string, bool) {
	switch x := e.(type) {
	case *ast.SetCollationExpr:
		return LiteralString(x.Expr)
	case *driver.ValueExpr:
		switch x.Kind() {
		case driver.KindString:
			return x.GetString(), true
		case driver.KindBytes, driver.KindBinaryLiteral:
			return string(x.GetBytes()), true
		}
	}
	return "", false
}
