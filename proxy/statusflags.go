package proxy

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	tidbmysql "github.com/pingcap/tidb/pkg/parser/mysql"
)

// serverStatusANSIQuotes is MariaDB's SERVER_STATUS_ANSI_QUOTES: the
// session's sql_mode has ANSI_QUOTES.
const serverStatusANSIQuotes = 0x8000

// modeStatus is the part of the status flags MariaDB derives from the
// session's sql_mode (checked on 10.11, every answer: OK, EOF, the SET
// itself). Clients read them: a driver that escapes values itself
// (go-sql-driver's interpolateParams, PHP's mysqli_real_escape_string)
// must not escape a backslash under NO_BACKSLASH_ESCAPES, or the value
// stored is another, and a quote may end the string early.
func (s *Session) modeStatus() uint16 {
	mode := s.parseMode()
	var st uint16
	if mode&tidbmysql.ModeNoBackslashEscapes != 0 {
		st |= mysql.SERVER_STATUS_NO_BACKSLASH_ESCAPED
	}
	if mode&tidbmysql.ModeANSIQuotes != 0 {
		st |= serverStatusANSIQuotes
	}
	return st
}

// txReadOnly tells whether the open transaction is READ ONLY, which
// MariaDB flags with SERVER_STATUS_IN_TRANS_READONLY: by its own access
// mode (START TRANSACTION READ ONLY, SET TRANSACTION READ ONLY), else the
// session's when it began.
func (s *Session) txReadOnly() bool {
	switch {
	case s.tx == nil:
		return false
	case s.tx.took.readOnly != nil:
		return *s.tx.took.readOnly
	case s.tx.began.known:
		return s.tx.began.readOnly
	}
	return s.sessionReadOnly()
}
