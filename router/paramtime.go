package router

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Temporal parameters of the binary protocol (MYSQL_TYPE_DATE, DATETIME,
// TIMESTAMP, TIME). MariaDB binds them as temporal values: compared with an
// INT column, added to 0 or passed to DATE_ADD they act as dates and times,
// not as strings ('2020-01-02' + 0 is 2020 with a warning, DATE 2020-01-02
// + 0 is 20200102). A statement rewritten for shards writes them as typed
// literals, which MariaDB reads as the same value, type and decimals. What
// MariaDB binds without checking, which no literal reads back (2020-02-30;
// under NO_ZERO_DATE a zero date), is refused where it must be written.

// DateModes is what of the session's sql_mode decides whether a shard
// reads a date literal holding zeros: DATE'0000-00-00' is an error under
// NO_ZERO_DATE, DATE'2020-00-00' under NO_ZERO_IN_DATE, where a parameter
// holds either.
type DateModes struct{ NoZeroDate, NoZeroInDate bool }

// isTemporalType tells whether a parameter of type tp binds as a date or
// time.
func isTemporalType(tp byte) bool {
	switch tp {
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_TIME:
		return true
	}
	return false
}

// temporal is a bound temporal parameter, as MariaDB's MYSQL_TIME.
type temporal struct {
	kind                       byte // MYSQL_TYPE_DATE, _DATETIME (TIMESTAMP too) or _TIME
	neg                        bool // TIME only
	year, month, day           uint32
	hour, minute, second, usec uint32 // TIME: hour counts the days too
}

// decodeDatetime reads a DATE, DATETIME or TIMESTAMP value (its length
// byte read) as MariaDB's set_param_date/set_param_datetime do: fewer
// than 4 bytes are the zero date; a DATE's (and NEWDATE's) time of day is
// ignored; bytes beyond the microseconds are ignored. A length that would
// have MariaDB read past the value (5, 6, 8-10 bytes) is an error.
func decodeDatetime(b []byte, tp byte) (temporal, error) {
	t := temporal{kind: mysql.MYSQL_TYPE_DATETIME}
	if tp == mysql.MYSQL_TYPE_DATE || tp == mysql.MYSQL_TYPE_NEWDATE {
		t.kind = mysql.MYSQL_TYPE_DATE
	}
	if len(b) < 4 {
		return t, nil
	}
	t.year, t.month, t.day = uint32(binary.LittleEndian.Uint16(b)), uint32(b[2]), uint32(b[3])
	if t.kind == mysql.MYSQL_TYPE_DATE || len(b) == 4 {
		return t, nil
	}
	switch {
	case len(b) == 7:
	case len(b) >= 11:
		t.usec = binary.LittleEndian.Uint32(b[7:])
	default:
		return t, fmt.Errorf("bad datetime length %d", len(b))
	}
	t.hour, t.minute, t.second = uint32(b[4]), uint32(b[5]), uint32(b[6])
	return t, nil
}

// decodeTime reads a TIME value as MariaDB's set_param_time does: fewer
// than 8 bytes are 00:00:00, its days become hours, and more than 838
// hours are 838:59:59 (without a warning). 9 to 11 bytes would have
// MariaDB read past the value: an error.
func decodeTime(b []byte) (temporal, error) {
	t := temporal{kind: mysql.MYSQL_TYPE_TIME}
	switch {
	case len(b) < 8:
		return t, nil
	case len(b) >= 12:
		t.usec = binary.LittleEndian.Uint32(b[8:])
	case len(b) > 8:
		return t, fmt.Errorf("bad time length %d", len(b))
	}
	t.neg = b[0] != 0
	// uint32 arithmetic, MariaDB's.
	t.hour = uint32(b[5]) + binary.LittleEndian.Uint32(b[1:])*24
	t.minute, t.second = uint32(b[6]), uint32(b[7])
	if t.hour > 838 {
		t.hour, t.minute, t.second = 838, 59, 59
	}
	return t, nil
}

// text is the value as MariaDB writes it: six digits of fraction when it
// has one.
func (t temporal) text() string {
	var b strings.Builder
	switch t.kind {
	case mysql.MYSQL_TYPE_TIME:
		if t.neg {
			b.WriteByte('-')
		}
		fmt.Fprintf(&b, "%02d:%02d:%02d", t.hour, t.minute, t.second)
	case mysql.MYSQL_TYPE_DATE:
		fmt.Fprintf(&b, "%04d-%02d-%02d", t.year, t.month, t.day)
	default:
		fmt.Fprintf(&b, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour, t.minute, t.second)
	}
	if t.usec != 0 && t.kind != mysql.MYSQL_TYPE_DATE {
		fmt.Fprintf(&b, ".%06d", t.usec)
	}
	return b.String()
}

// literal is the typed literal MariaDB reads as t, or why none does under
// modes.
func (t temporal) literal(modes DateModes) (string, string) {
	if why := t.unfit(modes); why != "" {
		return "", why
	}
	switch t.kind {
	case mysql.MYSQL_TYPE_TIME:
		return "TIME'" + t.text() + "'", ""
	case mysql.MYSQL_TYPE_DATE:
		return "DATE'" + t.text() + "'", ""
	}
	return "TIMESTAMP'" + t.text() + "'", ""
}

// unfit says why no literal reads back t: MariaDB binds a value out of
// range as zero with a warning, and a day the month lacks as it is (a
// literal of it is an error, 1525); zeros in a date are read only where
// the sql_mode allows them.
func (t temporal) unfit(modes DateModes) string {
	maxHour := uint32(23)
	if t.kind == mysql.MYSQL_TYPE_TIME {
		maxHour = 838
	}
	if t.year > 9999 || t.month > 12 || t.day > 31 || t.hour > maxHour || t.minute > 59 || t.second > 59 || t.usec > 999999 {
		return "is out of range (MariaDB binds it as zero, with a warning)"
	}
	if t.kind == mysql.MYSQL_TYPE_TIME {
		return ""
	}
	switch {
	case t.year == 0 && t.month == 0 && t.day == 0:
		if modes.NoZeroDate {
			return "is a zero date, which a date literal cannot be under sql_mode NO_ZERO_DATE"
		}
	case t.month == 0 || t.day == 0:
		if modes.NoZeroInDate {
			return "has a zero month or day, which a date literal cannot have under sql_mode NO_ZERO_IN_DATE"
		}
	case t.day > daysIn(t.year, t.month):
		return "is a day its month lacks, which a date literal cannot be"
	}
	return ""
}

// daysIn is the number of days of a month (1-12), as MariaDB counts them
// (calc_days_in_year: year 0 is no leap year, DATE'0000-02-29' an error).
func daysIn(year, month uint32) uint32 {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0 && year != 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
