package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestTemporalParamLiterals: a temporal parameter is written as the typed
// literal MariaDB reads back as the value it binds (seen on 10.11: a DATE
// sent with a time of day binds the date, a TIME of more than 838 hours
// 838:59:59 with its microseconds, six decimals only when there are
// microseconds); what no literal reads back is refused at rendering.
func TestTemporalParamLiterals(t *testing.T) {
	dt, date, tm, ts := mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_TIME, mysql.MYSQL_TYPE_TIMESTAMP
	noZero := DateModes{NoZeroDate: true, NoZeroInDate: true}
	for _, tc := range []struct {
		tp      byte
		value   []byte // after the length byte
		modes   DateModes
		literal string
		refused string // part of why none is written
	}{
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5}, literal: "TIMESTAMP'2020-01-02 03:04:05'"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5, 0xc0, 0xd4, 1, 0}, literal: "TIMESTAMP'2020-01-02 03:04:05.120000'"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5, 0, 0, 0, 0}, literal: "TIMESTAMP'2020-01-02 03:04:05'"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2}, literal: "TIMESTAMP'2020-01-02 00:00:00'"},
		{tp: ts, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5}, literal: "TIMESTAMP'2020-01-02 03:04:05'"},
		{tp: dt, value: []byte{99, 0, 1, 2, 3, 4, 5}, literal: "TIMESTAMP'0099-01-02 03:04:05'"},
		{tp: date, value: []byte{0xe4, 0x07, 1, 2}, literal: "DATE'2020-01-02'"},
		{tp: date, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5}, literal: "DATE'2020-01-02'"},
		{tp: mysql.MYSQL_TYPE_NEWDATE, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5}, literal: "DATE'2020-01-02'"},
		{tp: date, value: []byte{0xe4, 0x07, 2, 29}, literal: "DATE'2020-02-29'"},
		{tp: date, value: []byte{0x90, 0x01, 2, 29}, literal: "DATE'0400-02-29'"},
		{tp: tm, value: []byte{0, 0, 0, 0, 0, 3, 4, 5}, literal: "TIME'03:04:05'"},
		{tp: tm, value: []byte{1, 1, 0, 0, 0, 3, 4, 5}, literal: "TIME'-27:04:05'"},
		{tp: tm, value: []byte{0, 0, 0, 0, 0, 3, 4, 5, 1, 0, 0, 0}, literal: "TIME'03:04:05.000001'"},
		{tp: tm, value: []byte{0, 40, 0, 0, 0, 3, 4, 5, 7, 0, 0, 0}, literal: "TIME'838:59:59.000007'"},
		{tp: tm, value: []byte{1, 0, 0, 0, 0, 0, 0, 0}, literal: "TIME'-00:00:00'"},
		{tp: tm, value: nil, literal: "TIME'00:00:00'"},
		{tp: tm, value: []byte{1, 2, 3}, literal: "TIME'00:00:00'"},
		{tp: tm, value: []byte{2, 0, 0, 0, 0, 3, 4, 5}, literal: "TIME'-03:04:05'"},
		{tp: tm, value: []byte{0, 0, 0, 0, 0, 3, 4, 5, 1, 0, 0, 0, 9}, literal: "TIME'03:04:05.000001'"},
		{tp: dt, value: []byte{0xe4, 0x07, 1}, literal: "TIMESTAMP'0000-00-00 00:00:00'"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5, 1, 0, 0, 0, 9}, literal: "TIMESTAMP'2020-01-02 03:04:05.000001'"},
		{tp: date, value: []byte{0xe4, 0x07, 1, 2, 3}, literal: "DATE'2020-01-02'"},

		{tp: dt, value: nil, literal: "TIMESTAMP'0000-00-00 00:00:00'"},
		{tp: date, value: nil, literal: "DATE'0000-00-00'"},
		{tp: date, value: []byte{0xe4, 0x07, 0, 0}, literal: "DATE'2020-00-00'"},
		{tp: dt, value: nil, modes: DateModes{NoZeroDate: true}, refused: "NO_ZERO_DATE"},
		{tp: date, value: []byte{0xe4, 0x07, 0, 0}, modes: DateModes{NoZeroInDate: true}, refused: "NO_ZERO_IN_DATE"},
		{tp: date, value: []byte{0xe4, 0x07, 0, 0}, modes: DateModes{NoZeroDate: true}, literal: "DATE'2020-00-00'"},
		{tp: tm, value: nil, modes: noZero, literal: "TIME'00:00:00'"},

		{tp: date, value: []byte{0xe4, 0x07, 2, 30}, refused: "a day its month lacks"},
		{tp: date, value: []byte{0xe5, 0x07, 2, 29}, refused: "a day its month lacks"},
		{tp: date, value: []byte{0x6c, 0x07, 2, 29}, refused: "a day its month lacks"}, // 1900
		{tp: date, value: []byte{0, 0, 2, 29}, refused: "a day its month lacks"},
		{tp: date, value: []byte{0xe4, 0x07, 4, 31}, refused: "a day its month lacks"},
		{tp: date, value: []byte{0xe4, 0x07, 13, 1}, refused: "out of range"},
		{tp: date, value: []byte{0x10, 0x27, 1, 1}, refused: "out of range"}, // 10000
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 24, 0, 0}, refused: "out of range"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 60, 0}, refused: "out of range"},
		{tp: dt, value: []byte{0xe4, 0x07, 1, 2, 3, 4, 5, 0x40, 0x42, 0x0f, 0}, refused: "out of range"}, // 1000000 µs
		{tp: tm, value: []byte{0, 0, 0, 0, 0, 3, 4, 60}, refused: "out of range"},
	} {
		values := append([]byte{byte(len(tc.value))}, tc.value...)
		params, err := DecodeParams(1, []byte{0}, []byte{tc.tp, 0}, values, nil, tc.modes)
		if err != nil {
			t.Errorf("type %d %v: %v", tc.tp, tc.value, err)
			continue
		}
		p := params[0]
		var b strings.Builder
		tpl := sqlTemplate{text: []string{"SELECT ", ""}, holes: []int{0}}
		err = tpl.render(&b, params, nil)
		switch {
		case tc.refused != "":
			if err == nil || !strings.Contains(err.Error(), tc.refused) || !strings.Contains(err.Error(), "1235") {
				t.Errorf("type %d %v %+v: rendered %q (%v), want a 1235 saying %q", tc.tp, tc.value, tc.modes, b.String(), err, tc.refused)
			}
		case err != nil || p.Literal != tc.literal || b.String() != "SELECT "+tc.literal:
			t.Errorf("type %d %v %+v: literal %q, rendered %q (%v), want %q", tc.tp, tc.value, tc.modes, p.Literal, b.String(), err, tc.literal)
		}
	}
}
