package proxy

import (
	"context"
	"strings"

	"github.com/xaproxy/xaproxy/router"
)

// runSetParams executes a prepared SET with parameters (SET @a = ?, SET
// time_zone = ?): the proxy runs every SET itself (set.go), so the values
// are written into the text as the literals MariaDB reads as the values
// it binds (router.Param.Literal: an integer, an exponent double, a
// DECIMAL with its point, a quoted string, _binary for a blob), and the
// statement runs as the text query. A value with no such literal is
// refused, as is a string written with backslash escapes while sql_mode
// has NO_BACKSLASH_ESCAPES, under which the literal would read otherwise.
func (s *Session) runSetParams(ctx context.Context, p *prepared, nullBitmap, types, values []byte) error {
	defer p.clearLongData()
	params, err := router.DecodeParams(p.params, nullBitmap, types, values, p.joinedLongData(), s.dateModes())
	if err != nil {
		s.startStatement(nil)
		return s.writeErr(errWrongArguments("mysqld_stmt_execute", err))
	}
	noEscapes := s.sqlModeHas("NO_BACKSLASH_ESCAPES")
	lits := make([]string, len(params))
	for i, pr := range params {
		switch {
		case pr.NoLiteral() != "":
			s.startStatement(nil)
			return s.writeErr(errNotSupported("parameter %d of this prepared SET %s; the proxy runs a SET as text with the values written in: send the value as a string or an integer", i+1, pr.NoLiteral()))
		case noEscapes && strings.IndexByte(pr.Literal, '\\') >= 0:
			s.startStatement(nil)
			return s.writeErr(errNotSupported("parameter %d of this prepared SET is a string written with backslash escapes (it holds a backslash, NUL, newline, carriage return or Ctrl-Z) while sql_mode has NO_BACKSLASH_ESCAPES; the proxy runs a SET as text with the values written in: send it as a plain query", i+1))
		default:
			lits[i] = pr.Literal
		}
	}
	sql, err := substituteMarkers(p.sql, lits)
	if err != nil {
		s.startStatement(nil)
		return s.writeErr(errWrongArguments("mysqld_stmt_execute", err))
	}
	return s.runText(ctx, sql)
}
