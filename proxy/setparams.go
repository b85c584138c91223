package proxy

import (
	"context"
	"strings"

	"github.com/xaproxy/xaproxy/router"
)

// runSetParams executes a prepared SET with parameters (SET @a = ?, SET
// time_zone = ?): the proxy runs every SET itself (set.go), so the values
// are written into the text (setLiterals) and the statement runs as the
// text query.
func (s *Session) runSetParams(ctx context.Context, p *prepared, nullBitmap, types, values []byte) error {
	defer p.clearLongData()
	sql, err := s.boundSetText(p, nullBitmap, types, values)
	if err != nil {
		s.startStatement(nil)
		return s.writeErr(err)
	}
	return s.runText(ctx, sql)
}

// boundSetText is p's text with the values an execute bound in place of
// its ? markers.
func (s *Session) boundSetText(p *prepared, nullBitmap, types, values []byte) (string, error) {
	params, err := router.DecodeParams(p.params, nullBitmap, types, values, p.joinedLongData(), s.dateModes())
	if err != nil {
		return "", errWrongArguments("mysqld_stmt_execute", err)
	}
	lits, err := setLiterals(params, s.sqlModeHas("NO_BACKSLASH_ESCAPES"))
	if err != nil {
		return "", err
	}
	sql, err := substituteMarkers(p.sql, lits)
	if err != nil {
		return "", errWrongArguments("mysqld_stmt_execute", err)
	}
	return sql, nil
}

// setLiterals are the literals MariaDB reads as the values it binds for
// params (router.Param.Literal: an integer, an exponent double, a DECIMAL
// with its point, a quoted string, _binary for a blob, NULL). A value with
// no such literal is refused, as is a string written with backslash
// escapes when noEscapes (sql_mode NO_BACKSLASH_ESCAPES), under which the
// literal would read otherwise.
func setLiterals(params []router.Param, noEscapes bool) ([]string, error) {
	lits := make([]string, len(params))
	for i, p := range params {
		switch {
		case p.NoLiteral() != "":
			return nil, errNotSupported("parameter %d of this prepared SET %s; the proxy runs a SET as text with the values written in: send the value as a string or an integer", i+1, p.NoLiteral())
		case noEscapes && strings.IndexByte(p.Literal, '\\') >= 0:
			return nil, errNotSupported("parameter %d of this prepared SET is a string written with backslash escapes (it holds a backslash, NUL, newline, carriage return or Ctrl-Z) while sql_mode has NO_BACKSLASH_ESCAPES; the proxy runs a SET as text with the values written in: send it as a plain query", i+1)
		}
		lits[i] = p.Literal
	}
	return lits, nil
}
