package sharding

import "testing"

func TestKeyFormAccepts(t *testing.T) {
	tests := []struct {
		form KeyForm
		v    Value
		want bool
	}{
		{FormAny, StringValue("20200102"), true},
		{FormDate, StringValue("2020-01-02"), true},
		{FormDate, StringValue("20200102"), false},
		{FormDate, IntValue(20200102), false},
		{FormDate, StringValue("2020/01/02"), false},
		{FormDate, StringValue("2020-1-02"), false},
		{FormDate, StringValue("2020-02-30"), false},
		{FormDate, StringValue("2020-01-02 00:00:00"), false},
		{FormDate, StringValue("0000-00-00"), false},
		{FormDatetime(0), StringValue("2020-01-02 10:00:00"), true},
		{FormDatetime(0), StringValue("2020-01-02 10:00"), false},
		{FormDatetime(0), StringValue("2020-01-02"), false},
		{FormDatetime(0), StringValue("2020-01-02 10:00:00.5"), false},
		{FormDatetime(3), StringValue("2020-01-02 10:00:00.500"), true},
		{FormDatetime(3), StringValue("2020-01-02 10:00:00"), false},
		{FormDatetime(6), StringValue("2020-01-02 23:59:59.000001"), true},
		{FormDatetime(0), StringValue("2020-01-02 24:00:00"), false},
		{FormTime(0), StringValue("10:00:00"), true},
		{FormTime(0), StringValue("10:00"), false},
		{FormTime(0), StringValue("120000"), false},
		{FormTime(0), StringValue("1 01:00:00"), false},
		{FormTime(0), StringValue("25:00:00"), true},
		{FormTime(0), StringValue("100:00:00"), true},
		{FormTime(0), StringValue("839:00:00"), false},
		{FormTime(0), StringValue("-01:00:00"), true},
		{FormTime(0), StringValue("-00:00:00"), false},
		{FormTime(0), StringValue("05:00:00"), true},
		{FormTime(0), StringValue("5:00:00"), false},
		{FormTime(0), StringValue("005:00:00"), false},
		{FormTime(0), StringValue("10:60:00"), false},
		{FormTime(2), StringValue("10:00:00.25"), true},
		{FormTime(2), StringValue("10:00:00"), false},
		{FormTime(0), IntValue(100000), false},
		{FormYear, IntValue(2021), true},
		{FormYear, NumberValue("2021"), true},
		{FormYear, StringValue("2021"), true},
		{FormYear, IntValue(21), false},
		{FormYear, StringValue("21"), false},
		{FormYear, IntValue(1900), false},
		{FormYear, IntValue(0), false},
		{FormYear, NumberValue("2021.0"), false},
		{FormEnum, StringValue("a"), true},
		{FormEnum, IntValue(1), false},
		{FormEnum, StringValue("1"), false},
		{FormEnum, StringValue(" 2 "), false},
		{FormEnum, BinaryValue([]byte("a")), false},
		{FormNone, StringValue("2020-01-02 10:00:00"), false},
		{FormNone, IntValue(1), false},
	}
	for _, tt := range tests {
		if got := tt.form.Accepts(tt.v); got != tt.want {
			t.Errorf("%v accepts %v: %v, want %v", tt.form, tt.v, got, tt.want)
		}
	}
}
