package engine

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Division by zero warns per evaluation, when the server would evaluate:
// now for a sort key or a HAVING, when sent for the other outputs.
func TestDivisionByZeroWarnings(t *testing.T) {
	cols := []*mysql.Field{countField("g"), decField("SUM(v)", 0)}
	data := func() Rows {
		return FromSlice(cols, rowsOf([]string{"1", "10"}, []string{"2", "20"}, []string{"3", "30"}))
	}
	div, _ := Binary("/", Col(1), Lit("0", LitInt))
	idiv, _ := Binary("DIV", Col(1), Lit("0", LitInt))
	mod, _ := Binary("%", Col(1), Lit("0", LitInt))
	half, _ := Binary("/", Col(1), Lit("2", LitInt))
	for _, tc := range []struct {
		name  string
		build func(w *Warnings) Rows
		rows  []string
		want  uint64
	}{
		{"every output now", func(w *Warnings) Rows {
			return Compute(data(), []Expr{div, idiv, mod}, nil, w, nil)
		}, []string{"NULL|NULL|NULL", "NULL|NULL|NULL", "NULL|NULL|NULL"}, 9},
		{"no division by zero", func(w *Warnings) Rows {
			return Compute(data(), []Expr{half}, nil, w, nil)
		}, []string{"5.0000", "10.0000", "15.0000"}, 0},
		{"HAVING per row", func(w *Warnings) Rows {
			return Filter(data(), IsNull(div, false), w)
		}, []string{"1|10", "2|20", "3|30"}, 3},
		{"sent rows only", func(w *Warnings) Rows {
			c := Compute(data(), []Expr{Col(0), div}, nil, w, []WarnWhen{WarnNow, WarnSent})
			return SentWarnings(Limit(c, 1, 1), w)
		}, []string{"2|NULL"}, 1},
		{"a sort key for every row, then the rows sent", func(w *Warnings) Rows {
			c := Compute(data(), []Expr{Col(0), div}, nil, w, []WarnWhen{WarnNow, WarnNow | WarnSent})
			return SentWarnings(Limit(Sort(c, []SortKey{{Col: 1}}), 0, 1), w)
		}, []string{"1|NULL"}, 4},
	} {
		var w Warnings
		got := mustCollect(t, tc.build(&w))
		if !equalStrings(got, tc.rows) {
			t.Errorf("%s: rows %v, want %v", tc.name, got, tc.rows)
		}
		rows, n := w.Rows(2)
		if n != tc.want || len(rows) != int(min(n, 2)) {
			t.Errorf("%s: %d warnings (%d listed), want %d", tc.name, n, len(rows), tc.want)
		}
		for _, r := range rows {
			if string(r[0]) != "Warning" || string(r[1]) != "1365" || string(r[2]) != "Division by 0" {
				t.Errorf("%s: warning %q", tc.name, r)
			}
		}
	}
	// SentWarnings drops the count column Compute added.
	c := Compute(data(), []Expr{Col(0), div}, nil, nil, []WarnWhen{WarnNow, WarnSent})
	if n := len(SentWarnings(c, nil).Columns()); n != 2 {
		t.Errorf("SentWarnings leaves %d columns, want 2", n)
	}
	if !Divides(div) || !Divides(IsNull(mod, true)) || Divides(Col(1)) {
		t.Errorf("Divides misreads an expression")
	}
}
