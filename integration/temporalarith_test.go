package integration

import (
	"fmt"
	"testing"
)

// TestTemporalArithmeticMetadata: arithmetic over a merged MIN or MAX of a
// date or time column is a number whose length follows the column's digits
// (MariaDB's decimal_precision: a DATE has 8, a DATETIME or TIMESTAMP 14
// and a TIME 7, then the fraction; a YEAR is an unsigned 4): MIN(dt6) + 0 was described as a
// DECIMAL of 38 for MariaDB's 23, MAX(ts3) + 0 of 35 for 20.
func TestTemporalArithmeticMetadata(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE txitems (k INT PRIMARY KEY, d DATE, dt0 DATETIME, dt6 DATETIME(6), ts3 TIMESTAMP(3) NULL, t0 TIME, t2 TIME(2), y YEAR)",
		"INSERT INTO txitems VALUES (1, '2020-01-02', '2020-01-02 10:00:00', '2020-01-02 10:00:00.123456', '2020-01-02 10:00:00.123', '10:00:00', '-100:00:00.25', 2021), "+
			"(2, '2021-01-02', '2021-01-02 10:00:00', '2021-01-02 10:00:00.5', '2021-01-02 10:00:00.5', '11:00:00', '01:00:00.5', 1999)")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	const q = "SELECT MIN(d) + 0, MIN(dt0) + 0, MIN(dt6) + 0, MAX(ts3) + 0, MIN(t0) + 0, MAX(t2) + 0, MIN(dt6) - 1, MAX(dt6) * 2, MIN(t2) * 1.5, MIN(y) + 0, MAX(y) - 1 FROM txitems"
	got, err := proxy.Execute(q)
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	want, err := direct.Execute(q)
	if err != nil {
		t.Fatalf("on one server: %v", err)
	}
	for i := range want.Fields {
		g, w := got.Fields[i], want.Fields[i]
		gs := fmt.Sprintf("type %d length %d decimals %d flags %#x", g.Type, g.ColumnLength, g.Decimal, g.Flag)
		ws := fmt.Sprintf("type %d length %d decimals %d flags %#x", w.Type, w.ColumnLength, w.Decimal, w.Flag)
		if gs != ws {
			t.Errorf("%s: through the proxy %s, on one server %s", w.Name, gs, ws)
		}
	}
	if fmt.Sprint(got.Values) != fmt.Sprint(want.Values) {
		t.Errorf("values: through the proxy %v, on one server %v", got.Values, want.Values)
	}
}
