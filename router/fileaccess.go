package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// FileAccess names what in a statement reads or writes files on a shard's
// server with the backend account's FILE privilege ("" if nothing):
// LOAD_FILE(), SELECT ... INTO OUTFILE or DUMPFILE, server-side LOAD DATA
// INFILE. A proxy user may do that only when given it explicitly.
func FileAccess(st *Statement) string {
	if st == nil {
		return ""
	}
	if st.checked {
		return st.fileUse
	}
	return fileAccess(st)
}

func fileAccess(st *Statement) string {
	if st.Node == nil {
		// Unparsed (the parser does not know INTO DUMPFILE): any mention
		// outside string literals counts, comments included, since
		// executable comments run.
		return fileWordIn(st.SQL)
	}
	if l, ok := st.Node.(*ast.LoadDataStmt); ok && l.FileLocRef != ast.FileLocClient {
		return "LOAD DATA INFILE"
	}
	f := &fileFinder{}
	st.Node.Accept(f)
	if f.what == "" && st.Returning != nil {
		// Node is the INSERT or DELETE without its RETURNING list, which
		// the shard runs too: read as unparsed text.
		return fileWordIn(st.Returning.List)
	}
	return f.what
}

type fileFinder struct{ what string }

func (f *fileFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		if x.FnName.L == "load_file" {
			f.what = "LOAD_FILE()"
		}
	case *ast.SelectStmt:
		f.into(x.SelectIntoOpt)
	}
	return n, f.what != ""
}

// into notes an INTO clause (Accept does not visit it).
func (f *fileFinder) into(o *ast.SelectIntoOption) {
	if o == nil {
		return
	}
	switch o.Tp {
	case ast.SelectIntoOutfile:
		f.what = "SELECT ... INTO OUTFILE"
	case ast.SelectIntoDumpfile:
		f.what = "SELECT ... INTO DUMPFILE"
	}
}

func (f *fileFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// fileWordIn finds OUTFILE, DUMPFILE or LOAD_FILE as a word of sql outside
// string literals, as either sql_mode reads them: under
// NO_BACKSLASH_ESCAPES 'x\' ends where the default mode's string goes on,
// which would otherwise hide a LOAD_FILE after it.
func fileWordIn(sql string) string {
	if w := fileWordLexed(sql, true); w != "" {
		return w
	}
	return fileWordLexed(sql, false)
}

// fileWordLexed is fileWordIn with strings read as escapes says.
func fileWordLexed(sql string, escapes bool) string {
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if c == '\'' || c == '"' {
			i = skipQuotedIn(sql, i, escapes)
			continue
		}
		if i > 0 && sqllex.IsWordByte(sql[i-1]) {
			continue
		}
		for _, w := range [...]struct{ kw, what string }{
			{"OUTFILE", "SELECT ... INTO OUTFILE"}, {"DUMPFILE", "SELECT ... INTO DUMPFILE"}, {"LOAD_FILE", "LOAD_FILE()"},
		} {
			if isKeyword(sql[i:], w.kw) {
				return w.what
			}
		}
	}
	return ""
}
