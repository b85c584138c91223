package router

import (
	"github.com/go-mysql-org/go-mysql/mysql"
)

// Errors returned to clients carry a real MySQL code and SQLSTATE.

func errMultiStatement() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
		"xaproxy runs one statement per query: send the statements one at a time (multi-statement queries are not supported)")
}

// ErrXA is the answer to a client's own XA statement.
func ErrXA() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
		"XA statements are reserved to xaproxy, which turns multi-shard transactions into XA itself: use BEGIN/COMMIT/ROLLBACK")
}
