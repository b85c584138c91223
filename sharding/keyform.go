package sharding

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// KeyForm is the one spelling of a key that places a row where MariaDB
// finds it, for a key column whose conversions xaproxy does not model.
// MariaDB stores and compares such a column by its value: '2020-01-02',
// '20200102' and 20200102 are one DATE, 21 and 2021 one YEAR, 1 and 'a'
// one ENUM('a','b'), and a TIMESTAMP's text depends on the session's
// time_zone. A hash table places a key by its text, so only the spelling
// MariaDB itself gives the stored value can place a row or pick a shard:
// any other spelling of the same value would be placed elsewhere (two
// rows with one primary key) or looked for on the wrong shard.
type KeyForm struct {
	kind formKind
	fsp  int // fractional digits of DATETIME(n) and TIME(n)
}

type formKind uint8

const (
	formAny      formKind = iota // integers, decimals, text: modelled
	formDate                     // 'YYYY-MM-DD'
	formDatetime                 // 'YYYY-MM-DD hh:mm:ss[.f]'
	formTime                     // '[-]hh:mm:ss[.f]'
	formYear                     // 1901..2155
	formText                     // ENUM: a member by name, not by index
	formNone                     // TIMESTAMP, FLOAT, DOUBLE, BIT, SET
)

// Key forms by column type; fsp is DATETIME(n)'s or TIME(n)'s n.
var (
	FormAny  = KeyForm{}
	FormDate = KeyForm{kind: formDate}
	FormYear = KeyForm{kind: formYear}
	FormEnum = KeyForm{kind: formText}
	FormNone = KeyForm{kind: formNone}
)

// FormDatetime is DATETIME(fsp)'s form.
func FormDatetime(fsp int) KeyForm { return KeyForm{kind: formDatetime, fsp: fsp} }

// FormTime is TIME(fsp)'s form.
func FormTime(fsp int) KeyForm { return KeyForm{kind: formTime, fsp: fsp} }

// Modelled tells whether every spelling of a key is placed as MariaDB
// stores it (the form of integers, decimals and text).
func (f KeyForm) Modelled() bool { return f.kind == formAny }

// Accepts tells whether v is spelt as the column gives its stored value
// back, which places it where MariaDB finds it.
func (f KeyForm) Accepts(v Value) bool {
	s, isText := v.Text()
	switch f.kind {
	case formAny:
		return true
	case formDate:
		return isText && validTime("2006-01-02", s)
	case formDatetime:
		return isText && validTime("2006-01-02 15:04:05"+fraction(f.fsp, "0"), s)
	case formTime:
		return isText && canonicalTime(s, f.fsp)
	case formYear:
		y, ok := yearOf(v)
		return ok && y >= 1901 && y <= 2155
	case formText:
		// '1' that is no member's name is the index 1 as well.
		_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return isText && !v.Binary() && err != nil
	}
	return false
}

// String names the form for an error message.
func (f KeyForm) String() string {
	switch f.kind {
	case formDate:
		return "'YYYY-MM-DD'"
	case formDatetime:
		return "'YYYY-MM-DD hh:mm:ss" + fraction(f.fsp, "f") + "'"
	case formTime:
		return "'hh:mm:ss" + fraction(f.fsp, "f") + "'"
	case formYear:
		return "a four-digit year from 1901 to 2155"
	case formText:
		return "a member's name as a string (not its index, nor digits)"
	case formNone:
		return "none: the column's type is not modelled"
	}
	return "any"
}

// fraction is fsp fractional digits spelt digit ("0" in a Go time
// layout, "f" in a message), with their point; "" for none.
func fraction(fsp int, digit string) string {
	if fsp <= 0 {
		return ""
	}
	return "." + strings.Repeat(digit, min(fsp, 6))
}

// validTime: s is layout's exact spelling of a valid date and time (Go
// reads "000" in a layout as exactly three fractional digits).
func validTime(layout, s string) bool {
	t, err := time.Parse(layout, s)
	return err == nil && t.Format(layout) == s && t.Year() >= 1000
}

// canonicalTime: s is how TIME(fsp) gives a value back: at least two hour
// digits (no leading zero beyond two), minutes and seconds below 60, hours
// up to 838, a sign only on a value that is not zero.
func canonicalTime(s string, fsp int) bool {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	var h, m, sec int
	var frac string
	if fsp > 0 {
		n := len(s) - fsp - 1
		if n < 0 || s[n] != '.' {
			return false
		}
		s, frac = s[:n], s[n+1:]
		if _, err := strconv.ParseUint(frac, 10, 32); err != nil {
			return false
		}
	}
	if n, err := fmt.Sscanf(s, "%d:%d:%d", &h, &m, &sec); err != nil || n != 3 {
		return false
	}
	if fmt.Sprintf("%02d:%02d:%02d", h, m, sec) != s || h > 838 || m > 59 || sec > 59 {
		return false
	}
	zero := h == 0 && m == 0 && sec == 0 && (frac == "" || frac == "000000"[:len(frac)])
	return !neg || !zero
}

// yearOf reads a YEAR key written as an integer or its digits.
func yearOf(v Value) (int64, bool) {
	if s, ok := v.Text(); ok {
		if len(s) != 4 {
			return 0, false
		}
		y, err := strconv.ParseInt(s, 10, 64)
		return y, err == nil
	}
	switch v.kind {
	case vInt:
		return v.i, true
	case vNumber:
		y, err := strconv.ParseInt(v.s, 10, 64)
		return y, err == nil
	}
	if v.kind == vUint && v.u <= 9999 {
		return int64(v.u), true
	}
	return 0, false
}
