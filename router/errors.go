package router

import (
	"github.com/go-mysql-org/go-mysql/mysql"
)

// Errors returned to clients carry a real MySQL code and SQLSTATE.

func errMultiStatement() error {
	// What MariaDB answers for several statements where one is expected
	// (a prepared statement; a query without CLIENT_MULTI_STATEMENTS).
	return mysql.NewError(mysql.ER_PARSE_ERROR,
		"You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use: several statements where one is expected")
}

// ErrXA is the answer to a client's own XA statement.
func ErrXA() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
		"XA statements are reserved to xaproxy, which turns multi-shard transactions into XA itself: use BEGIN/COMMIT/ROLLBACK")
}
