package router

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// The templates of an INSERT split by shard (template.go): each shard's
// statement has the VALUES rows that go to that shard, and generated
// AUTO_INCREMENT ids written in (autoinc.go).

const (
	slotRows    = 0 // the statement's VALUES rows
	slotAutoInc = 1 // a row's AUTO_INCREMENT value
)

// insertTemplate is an INSERT with holes for its rows and ids.
type insertTemplate struct {
	// stmt is the statement; slot slotRows is the rows of the VALUES form
	// ("(" and ")" around them are the template's). The SET form has one
	// row, inline, with slot slotAutoInc at the AUTO_INCREMENT value.
	stmt sqlTemplate
	// stmtAuto is stmt with the AUTO_INCREMENT column added to the column
	// list, for an execution that gives ids when the client's column list
	// lacks it (the SET form has slot slotAutoInc for its value).
	stmtAuto sqlTemplate
	// rows are the VALUES rows, each its values joined by ","; slot
	// slotAutoInc is the AUTO_INCREMENT value when the row has it.
	rows []sqlTemplate
	// autoVals are the rows' AUTO_INCREMENT values as the client wrote
	// them (auto.pos >= 0).
	autoVals []sqlTemplate
}

// compile makes the templates. The plan is not shared yet.
func (ip *insertPlan) compile() {
	ins, a := ip.ins, ip.auto
	pos := -1
	if a != nil {
		pos = a.pos
	}
	t := &ip.tpl
	if pos >= 0 {
		t.autoVals = make([]sqlTemplate, len(ins.Lists))
		for i, row := range ins.Lists {
			if pos < len(row) {
				t.autoVals[i] = templateOf(row[pos])
			}
		}
	}
	addsColumn := a != nil && pos < 0
	if ins.Setlist {
		t.stmt = insertWith(ins, ins.Columns, [][]ast.ExprNode{rowWithSlot(ins.Lists[0], pos, false)})
		if addsColumn {
			t.stmtAuto = insertWith(ins, withAutoColumn(ins.Columns, a.column), [][]ast.ExprNode{rowWithSlot(ins.Lists[0], -1, true)})
		}
		return
	}
	rows := [][]ast.ExprNode{{newSlot(slotRows)}}
	t.stmt = insertWith(ins, ins.Columns, rows)
	if addsColumn {
		t.stmtAuto = insertWith(ins, withAutoColumn(ins.Columns, a.column), rows)
	}
	t.rows = make([]sqlTemplate, len(ins.Lists))
	for i, row := range ins.Lists {
		var tb templateBuilder
		for j, v := range row {
			if j > 0 {
				tb.plain(",")
			}
			if j == pos {
				tb.hole(-1 - slotAutoInc)
				continue
			}
			tb.node(v)
		}
		t.rows[i] = tb.done()
	}
}

// insertWith is the template of ins with other columns and rows; ins is
// copied, not changed.
func insertWith(ins *ast.InsertStmt, cols []*ast.ColumnName, lists [][]ast.ExprNode) sqlTemplate {
	c := *ins
	c.Columns, c.Lists = cols, lists
	return templateOf(&c)
}

// withAutoColumn is the column list with the AUTO_INCREMENT column added,
// in a new array.
func withAutoColumn(cols []*ast.ColumnName, column string) []*ast.ColumnName {
	return append(cols[:len(cols):len(cols)], &ast.ColumnName{Name: ast.NewCIStr(column)})
}

// rowWithSlot is a copy of row with slot slotAutoInc at pos, or added at
// the end.
func rowWithSlot(row []ast.ExprNode, pos int, add bool) []ast.ExprNode {
	out := append([]ast.ExprNode(nil), row...)
	switch {
	case add:
		out = append(out, newSlot(slotAutoInc))
	case pos >= 0 && pos < len(out):
		out[pos] = newSlot(slotAutoInc)
	}
	return out
}

// text is the statement for the VALUES rows rows (the SET form: its
// row), with ids written in when the execution gives generated ids.
func (ip *insertPlan) text(rows []int, ids *autoIncIDs, params []Param) (string, error) {
	t := &ip.tpl
	stmt := &t.stmt
	addsID := ids.rewrites() && ip.auto.pos < 0
	if addsID {
		stmt = &t.stmtAuto
	}
	// value writes row r's AUTO_INCREMENT value.
	value := func(b *strings.Builder, r int) error {
		if ids.rewrites() && ids.generated[r] {
			b.WriteString(ids.text(r))
			return nil
		}
		return t.autoVals[r].render(b, params, nil)
	}
	var b strings.Builder
	b.Grow(stmt.size(params) + 64*len(rows))
	err := stmt.render(&b, params, func(b *strings.Builder, slot int) error {
		if slot == slotAutoInc {
			return value(b, 0)
		}
		for k, r := range rows {
			if k > 0 {
				b.WriteString("),(")
			}
			err := t.rows[r].render(b, params, func(b *strings.Builder, _ int) error { return value(b, r) })
			if err != nil {
				return err
			}
			if addsID {
				// After the row's values: it has some, one per column
				// of the client's column list (planInsert).
				b.WriteByte(',')
				b.WriteString(ids.text(r))
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

// text is row i's generated id as the statement writes it: the
// statement's first generated id sets LAST_INSERT_ID() on its shard.
func (ids *autoIncIDs) text(i int) string {
	txt := strconv.FormatUint(ids.ids[i], 10)
	if ids.ids[i] == ids.first {
		txt = "LAST_INSERT_ID(" + txt + ")"
	}
	return txt
}
