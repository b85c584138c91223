package proxy

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// MariaDB 10.11's answers to client packets it cannot use, by code and
// SQLSTATE as it sends them (checked against mariadbd with raw packets);
// the messages add what was wrong.

// errWrongArguments: a COM_STMT_EXECUTE whose parameter values do not
// match its statement (bitmap, types or a value missing or truncated).
// The connection stays usable.
func errWrongArguments(where string, err error) error {
	return mysql.NewError(mysql.ER_WRONG_ARGUMENTS, fmt.Sprintf("Incorrect arguments to %s: %v", where, err))
}

// errOutOfOrder: a packet whose sequence number is not the next one.
// MariaDB sends it with sequence number 0 and closes the connection.
func errOutOfOrder() error {
	return mysql.NewError(mysql.ER_NET_PACKETS_OUT_OF_ORDER, "Got packets out of order")
}

// errNoCursor: COM_STMT_FETCH on a statement executed without a cursor,
// which with xaproxy is every statement (no cursor is opened on shards).
func errNoCursor(id uint32) error {
	return mysql.NewError(mysql.ER_STMT_HAS_NO_OPEN_CURSOR, fmt.Sprintf("The statement (%d) has no open cursor: xaproxy executes prepared statements without cursors", id))
}

// errBadHandshake: a handshake response that cannot be read. MariaDB
// answers 1043 and closes the connection.
func errBadHandshake(what string) error {
	return mysql.NewError(mysql.ER_HANDSHAKE_ERROR, "Bad handshake: "+what)
}
