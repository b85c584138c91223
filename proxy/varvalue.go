package proxy

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// Variables are replayed by value (docs/session-state.md, treatment 1):
// `SET @y = @x * 2` must be recorded as the value it gave where it ran,
// not as the expression, which a later replay would evaluate against other
// values (or in another order). After a SET (or a statement assigning with
// :=) the assigned variables are read back from the connection and
// recorded as literals of their type.

// readVars reads the current values of names ("@x" user variables,
// "@@session.x" system variables) from c as SQL literals.
func readVars(ctx context.Context, c *backend.Conn, names []string) ([]backend.Var, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var cols []string
	for _, n := range names {
		if strings.HasPrefix(n, "@@") {
			cols = append(cols, n)
		} else {
			// The value, and for a string its bytes and collation, which
			// the result's conversion to character_set_results would hide.
			cols = append(cols, n, "HEX("+n+")", "COLLATION("+n+")")
		}
	}
	r, err := c.Exec(ctx, "SELECT "+strings.Join(cols, ", ")+" LIMIT 1")
	if err != nil {
		return nil, err
	}
	out := make([]backend.Var, 0, len(names))
	col := 0
	for _, n := range names {
		f := r.Fields[col]
		isNull, _ := r.IsNull(0, col)
		raw, _ := r.GetString(0, col)
		if strings.HasPrefix(n, "@@") {
			out = append(out, backend.Var{Name: n, Value: sysVarLiteral(f, raw, isNull)})
			col++
			continue
		}
		hexBytes, _ := r.GetString(0, col+1)
		coll, _ := r.GetString(0, col+2)
		out = append(out, backend.Var{Name: n, Value: userVarLiteral(f, raw, hexBytes, coll, isNull)})
		col += 3
	}
	return out, nil
}

// numeric tells the result types whose text is a number literal.
func numeric(tp byte) (integer, decimal, float bool) {
	switch tp {
	case mysql.MYSQL_TYPE_TINY, mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG, mysql.MYSQL_TYPE_LONGLONG:
		return true, false, false
	case mysql.MYSQL_TYPE_NEWDECIMAL, mysql.MYSQL_TYPE_DECIMAL:
		return false, true, false
	case mysql.MYSQL_TYPE_DOUBLE, mysql.MYSQL_TYPE_FLOAT:
		return false, false, true
	}
	return false, false, false
}

// userVarLiteral renders a user variable's value so that assigning it
// gives the same type: an integer, a DECIMAL (digits as read), a DOUBLE (an
// exponent makes the literal one), a string in its own character set and
// collation, or NULL.
func userVarLiteral(f *mysql.Field, raw, hexBytes, collation string, isNull bool) string {
	if isNull {
		return typedNull(f, collation)
	}
	switch integer, decimal, float := numeric(f.Type); {
	case integer && f.Flag&mysql.UNSIGNED_FLAG != 0:
		// A bare 5 is signed: @u - 6 would be -1 where MariaDB refuses
		// the UNSIGNED subtraction (1690).
		return "CAST(" + raw + " AS UNSIGNED)"
	case integer, decimal:
		return raw
	case float:
		v, err := strconv.ParseFloat(raw, 64)
		if err == nil {
			return strconv.FormatFloat(v, 'e', -1, 64)
		}
	}
	cs, _, _ := strings.Cut(collation, "_")
	if collation == "binary" || cs == "" {
		return "_binary X'" + strings.ToUpper(hexBytes) + "'"
	}
	b, err := hex.DecodeString(hexBytes)
	if err != nil {
		return "_binary X''"
	}
	if lit, ok := malformedUTF8Literal(b, cs, collation); ok {
		return lit
	}
	return "_" + cs + " X'" + strings.ToUpper(hexBytes) + "' COLLATE " + collation
}

// malformedUTF8Literal renders bytes of a utf8mb4 or utf8mb3 variable that
// are not well formed in that character set (MariaDB keeps them from a
// literal like 'a\xffb'). An introducer before a hex literal of them is
// refused (1300), which would leave the session unable to use another
// connection; an introducer before a quoted literal is not checked. So the
// well-formed runs go as hex and the rest as quoted bytes (all above 0x7F,
// so no quote or backslash among them), joined: CONCAT keeps the bytes,
// the character set and, with COLLATE, the collation (MariaDB 10.11,
// checked). ok is false when the bytes are well formed.
func malformedUTF8Literal(b []byte, cs, collation string) (string, bool) {
	if cs != "utf8mb4" && cs != "utf8mb3" && cs != "utf8" {
		return "", false
	}
	maxRune := rune(utf8.MaxRune)
	if cs != "utf8mb4" {
		maxRune = 0xFFFF // three bytes at most
	}
	var parts []string
	var run []byte // bytes of one kind, well formed or not
	runBad, malformed := false, false
	emit := func() {
		switch {
		case len(run) == 0:
		case runBad:
			parts = append(parts, "_"+cs+"'"+string(run)+"'")
		default:
			parts = append(parts, "_"+cs+" X'"+strings.ToUpper(hex.EncodeToString(run))+"'")
		}
		run = run[:0]
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		bad := r == utf8.RuneError && n <= 1 || r > maxRune
		if bad != runBad {
			emit()
			runBad = bad
		}
		malformed = malformed || bad
		run = append(run, b[i:i+n]...)
		i += n
	}
	if !malformed {
		return "", false
	}
	emit()
	return "CONCAT(" + strings.Join(parts, ", ") + ") COLLATE " + collation, true
}

// typedNull is a NULL of the variable's type: a user variable keeps the
// type of the NULL assigned to it (SELECT @v says BIGINT, DOUBLE, LONGTEXT
// or, never set, LONGBLOB; checked on MariaDB 10.11).
func typedNull(f *mysql.Field, collation string) string {
	switch integer, decimal, float := numeric(f.Type); {
	case integer && f.Flag&mysql.UNSIGNED_FLAG != 0:
		return "CAST(NULL AS UNSIGNED)"
	case integer:
		return "CAST(NULL AS SIGNED)"
	case decimal:
		return "CAST(NULL AS DECIMAL(65,30))"
	case float:
		return "CAST(NULL AS DOUBLE)"
	}
	cs, _, _ := strings.Cut(collation, "_")
	if collation == "binary" || cs == "" {
		return "CAST(NULL AS BINARY)"
	}
	return "CAST(NULL AS CHAR CHARACTER SET " + cs + ") COLLATE " + collation
}

// sysVarLiteral renders a system variable's value for SET.
func sysVarLiteral(f *mysql.Field, raw string, isNull bool) string {
	if isNull {
		return "NULL"
	}
	if integer, decimal, float := numeric(f.Type); integer || decimal || float {
		return raw
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(raw) + "'"
}

// appendName adds name unless it is there already.
func appendName(names []string, name string) []string {
	for _, n := range names {
		if n == name {
			return names
		}
	}
	return append(names, name)
}

// sessionVar is the value the session gave a system variable, as read back
// without its quotes (for variables whose values are words or numbers:
// sql_mode, limits, counters); ok is false when the session never set it
// (the server's default applies).
func (s *Session) sessionVar(name string) (string, bool) {
	return s.sessionVarKey("@@session." + name)
}

// sessionVarKey is sessionVar by the variable's key ("@@session." and its
// name): a constant key spares statements on the hot path the joining.
func (s *Session) sessionVarKey(key string) (string, bool) {
	v, ok := s.vars.Get(key)
	return strings.Trim(v, "'"), ok
}
