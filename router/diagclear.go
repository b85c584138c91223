package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// MariaDB clears the diagnostics (SHOW WARNINGS) at the start of a
// statement that uses a table; one that uses none keeps the previous
// statement's unless it raises its own (SET, DO, SELECT 1). Tables it
// counts that name none: a derived table or a CTE in FROM, and the
// information_schema table most SHOW statements are answered from.

// showFromTables tells whether MariaDB answers a SHOW of type tp from an
// information_schema table, showNoTables whether it answers it without
// one, even when it names a schema (checked against MariaDB 10.11).
func showFromTables(tp ast.ShowStmtType) bool {
	switch tp {
	case ast.ShowVariables, ast.ShowStatus, ast.ShowDatabases, ast.ShowCollation,
		ast.ShowCharset, ast.ShowEngines, ast.ShowPlugins, ast.ShowOpenTables,
		ast.ShowProcedureStatus, ast.ShowFunctionStatus, ast.ShowProfile,
		ast.ShowTables, ast.ShowTableStatus, ast.ShowColumns, ast.ShowIndex,
		ast.ShowTriggers, ast.ShowEvents:
		return true
	}
	return false
}

func showNoTables(tp ast.ShowStmtType) bool {
	switch tp {
	case ast.ShowCreateDatabase, ast.ShowProcessList, ast.ShowGrants,
		ast.ShowPrivileges, ast.ShowMasterStatus, ast.ShowCreateUser:
		return true
	}
	return false
}

// clearsDiagnostics tells whether n, whose named tables are tables, clears
// the previous statement's diagnostics.
func clearsDiagnostics(n ast.StmtNode, tables []TableRef) bool {
	if sh, ok := n.(*ast.ShowStmt); ok {
		switch {
		case showFromTables(sh.Tp):
			return true
		case showNoTables(sh.Tp):
			return false
		}
	}
	if len(tables) > 0 {
		return true
	}
	var f unnamedTableFinder
	n.Accept(&f)
	return f.found
}

// unnamedTableFinder finds a table in FROM that names no base table: a
// derived table or a CTE's name (the table collector leaves both out).
type unnamedTableFinder struct {
	ctes  bool
	found bool
}

func (f *unnamedTableFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.WithClause:
		f.ctes = len(x.CTEs) > 0
	case *ast.TableSource:
		switch x.Source.(type) {
		case *ast.SelectStmt, *ast.SetOprStmt:
			f.found = true
		case *ast.TableName:
			f.found = f.found || f.ctes // no table was collected: a CTE
		}
	}
	return n, f.found
}

func (f *unnamedTableFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// ShowFromInfoSchema tells whether st is a SHOW statement MariaDB answers
// from an information_schema table: it needs no table lock under LOCK
// TABLES (SHOW COLUMNS of a table not locked runs).
func ShowFromInfoSchema(st *Statement) bool {
	sh, ok := st.Node.(*ast.ShowStmt)
	return ok && showFromTables(sh.Tp)
}
