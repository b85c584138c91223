package sharding

import (
	"strconv"
	"strings"
)

// AutoIncID reads v as a value given for an AUTO_INCREMENT column:
// generated is true for NULL and, unless zeroIsValue (sql_mode
// NO_AUTO_VALUE_ON_ZERO), for 0, which make MariaDB generate an id; else id
// is the value when it is a positive integer (0 for a negative one). ok is
// false for a value that is not an integer.
func (v Value) AutoIncID(zeroIsValue bool) (id uint64, generated, ok bool) {
	var neg bool
	switch v.kind {
	case vNull:
		return 0, true, true
	case vInt:
		neg, id = v.i < 0, uint64(v.i)
		if neg {
			id = 0
		}
	case vUint:
		id = v.u
	case vNumber, vString:
		s := strings.TrimSpace(v.s)
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			id = n
		} else if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			neg = true
		} else {
			return 0, false, false
		}
	default:
		return 0, false, false
	}
	if id == 0 && !neg && !zeroIsValue {
		return 0, true, true
	}
	return id, false, true
}
