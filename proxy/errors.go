package proxy

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// Client-facing errors: real MySQL codes and SQLSTATEs, messages that say
// what is wrong and what is supported.

func errNotSupported(format string, args ...any) error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(format, args...))
}

func errShardUnavailable(shard string, err error) error {
	return mysql.NewError(mysql.ER_UNKNOWN_ERROR, fmt.Sprintf("shard %s unavailable: %v", shard, err))
}

func errUnknownCommand(cmd byte) error {
	return mysql.NewError(mysql.ER_UNKNOWN_COM_ERROR, fmt.Sprintf("Unknown command 0x%02x: xaproxy supports COM_QUERY, COM_INIT_DB, COM_PING, COM_QUIT, COM_FIELD_LIST, COM_STMT_*, COM_RESET_CONNECTION, COM_CHANGE_USER, COM_SET_OPTION, COM_STATISTICS, COM_PROCESS_KILL", cmd))
}

func errMalformed(what string) error {
	return mysql.NewError(mysql.ER_MALFORMED_PACKET, "Malformed communication packet: "+what)
}

func errUnknownStmt(id uint32, where string) error {
	return mysql.NewError(mysql.ER_UNKNOWN_STMT_HANDLER, fmt.Sprintf("Unknown prepared statement handler (%d) given to %s", id, where))
}

func mysqlErr(err error) (*mysql.MyError, bool) { return backend.ServerError(err) }
