package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

func TestUnroundedDivision(t *testing.T) {
	for expr, want := range map[string]bool{
		"v / 3":                                 true,
		"v / 2":                                 false,
		"v / 100":                               false,
		"v / 10000":                             false,
		"v / 100000":                            true, // five more decimals
		"v / 32":                                true,
		"v / 625":                               false,
		"v / 2.5":                               false,
		"v / -2":                                false,
		"v / 2.0":                               false,
		"v / -0.25":                             false,
		"v / 0.3":                               true,
		"v / 1.5":                               true,
		"v / 0.00001":                           false,
		"IF(v / n > 1, 1, 0)":                   false,
		"IF(v > 1, v / 3, 0)":                   true,
		"CASE WHEN v / 3 > 1 THEN 1 ELSE 0 END": false,
		"CASE WHEN v > 1 THEN v / 3 END":        true,
		"CAST(v / 3 AS DECIMAL(10, 2))":         false,
		"IFNULL(v / 3, 0)":                      true,
		"v / 3 > 1":                             false,
		"(v / 3) % 1":                           true,
		"v / w":                                 true,
		"ROUND(v / 3, 2)":                       false,
		"TRUNCATE(v / 7, 1)":                    false,
		"ROUND(v, 2) / 3":                       true,
		"v * 3 + 1":                             false,
		"v DIV 3":                               false,
		"(v + 1) / 0":                           true,
	} {
		st, err := NewParser().Parse("SELECT " + expr)
		if err != nil {
			t.Fatal(err)
		}
		e := st.Node.(*ast.SelectStmt).Fields.Fields[0].Expr
		if got := unroundedDivision(e); got != want {
			t.Errorf("unroundedDivision(%s) = %v, want %v", expr, got, want)
		}
	}
}
