package proxy

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// cursorTypeReadOnly is COM_STMT_EXECUTE's CURSOR_TYPE_READ_ONLY flag,
// the only cursor MariaDB opens.
const cursorTypeReadOnly = 0x01

// errCursorNotSupported refuses an execute that asks for a cursor over a
// result set. MariaDB materializes the result and serves COM_STMT_FETCH
// from it (column definitions of its temporary table, CURSOR_EXISTS and
// LAST_ROW_SENT status); the proxy streams results from the shards and
// keeps none. A statement without a result set runs, cursor flag or not,
// as on MariaDB.
func errCursorNotSupported(id uint32) error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
		"COM_STMT_EXECUTE of statement %d with a cursor (CURSOR_TYPE_READ_ONLY) is not supported: xaproxy sends whole results; execute without a cursor (Connector/J: useCursorFetch=false)", id))
}
