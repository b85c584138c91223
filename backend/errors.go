package backend

import (
	"errors"

	"github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
)

// asMyError unwraps both std-wrapped and pingcap-traced errors.
func asMyError(err error, target **mysql.MyError) bool {
	if err == nil {
		return false
	}
	if errors.As(err, target) {
		return true
	}
	if me, ok := perrors.Cause(err).(*mysql.MyError); ok {
		*target = me
		return true
	}
	return false
}

// ServerError returns the MySQL error packet behind err, if any.
func ServerError(err error) (*mysql.MyError, bool) {
	var me *mysql.MyError
	ok := asMyError(err, &me)
	return me, ok
}
