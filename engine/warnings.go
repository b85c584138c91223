package engine

import (
	"slices"
	"strconv"
)

// Condition is a warning or note as SHOW WARNINGS lists it.
type Condition struct {
	Level   string // Note, Warning or Error
	Code    uint16
	Message string
}

// Row is c as a row of SHOW WARNINGS.
func (c Condition) Row() Row {
	return Row{[]byte(c.Level), []byte(strconv.Itoa(int(c.Code))), []byte(c.Message)}
}

// Warnings counts the conditions one execution of a pipeline raised
// (MariaDB's warnings of the expressions the engine computes). Operators
// that evaluate expressions report to the one they were built with; the
// caller lists them after the rows (Rows). Not safe for concurrent use:
// one execution, one goroutine.
type Warnings struct {
	divByZero uint64
}

// divisionByZero records warning 1365; a nil Warnings records nothing.
func (w *Warnings) divisionByZero() { w.add(1) }

func (w *Warnings) add(n uint64) {
	if w != nil {
		w.divByZero += n
	}
}

// Count is how many warnings there are.
func (w *Warnings) Count() uint64 {
	if w == nil {
		return 0
	}
	return w.divByZero
}

// Rows lists the warnings as SHOW WARNINGS does (Level, Code, Message),
// in the order they were raised, at most limit of them, and how many
// there are in all.
func (w *Warnings) Rows(limit uint64) ([]Row, uint64) {
	if w == nil {
		return nil, 0
	}
	n := min(w.divByZero, limit)
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{[]byte("Warning"), []byte("1365"), []byte("Division by 0")}
	}
	return rows, w.divByZero
}

// Divides reports whether e divides (/, DIV, MOD) anywhere: the only
// expressions whose evaluation raises warnings.
func Divides(e Expr) bool {
	switch x := e.(type) {
	case *binExpr:
		return x.op == "/" || x.op == "DIV" || x.op == "%" || Divides(x.a) || Divides(x.b)
	case *unExpr:
		return Divides(x.a)
	case *isNullExpr:
		return Divides(x.a)
	case *namedExpr:
		return Divides(x.e)
	case *roundExpr:
		return Divides(x.a)
	case *numFuncExpr:
		return Divides(x.a)
	case *ifNullExpr:
		return Divides(x.a)
	case *nullIfExpr:
		return Divides(x.a) || Divides(x.b)
	case *greatestExpr:
		return slices.ContainsFunc(x.args, Divides)
	case *caseExpr:
		for _, w := range x.whens {
			if Divides(w.Cond) || Divides(w.Result) {
				return true
			}
		}
		return x.els != nil && Divides(x.els)
	}
	return false
}
