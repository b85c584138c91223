package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// The proxy never forwards SET GLOBAL (it would change the shards for
// every application), but before its own refusal a client gets the error
// MariaDB checks first, as a user without SUPER would: an unknown name
// anywhere in the statement (1193, found while parsing), then, assignment
// by assignment, a read-only variable (1238) and a variable of the wrong
// scope (1228 for SET GLOBAL of a session-only one, 1229 for SET SESSION
// of a global-only one). Scripts and drivers tell these apart: "this
// cannot be set globally at all" is not "you lack the privilege".

// sysVarInfo is what information_schema.SYSTEM_VARIABLES says of one
// variable.
type sysVarInfo struct {
	name     string // canonical, lower case, as MariaDB's messages name it
	scope    string // GLOBAL, SESSION or SESSION ONLY
	readOnly bool
}

// globalSetError is the error for a SET with a GLOBAL assignment. It looks
// the statement's system variables up on a shard; should that fail (a
// server without information_schema.SYSTEM_VARIABLES, MySQL), the
// refusal alone is given.
func (s *Session) globalSetError(ctx context.Context, vars []*ast.VariableAssignment) error {
	known, err := s.lookupSysVars(ctx, vars)
	if err != nil {
		s.srv.log.DebugContext(ctx, "system variable lookup for SET GLOBAL failed", "err", err)
		known = nil
	}
	return globalSetRefusal(vars, known)
}

// lookupSysVars reads the scope of the statement's system variables.
func (s *Session) lookupSysVars(ctx context.Context, vars []*ast.VariableAssignment) (map[string]sysVarInfo, error) {
	var names []string
	for _, a := range vars {
		if n, ok := sysVarName(a); ok {
			names = append(names, "'"+strings.ToUpper(n)+"'")
		}
	}
	known := map[string]sysVarInfo{
		"xaproxy_locking_reads": {name: "xaproxy_locking_reads", scope: "SESSION ONLY"},
	}
	if len(names) == 0 {
		return known, nil
	}
	c, err := s.acquire(ctx, s.setShard())
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	r, err := c.Exec(ctx, "SELECT VARIABLE_NAME, VARIABLE_SCOPE, READ_ONLY FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME IN ("+strings.Join(names, ", ")+")")
	if err != nil {
		return nil, err
	}
	for i := range r.RowNumber() {
		name, _ := r.GetString(i, 0)
		scope, _ := r.GetString(i, 1)
		ro, _ := r.GetString(i, 2)
		n := strings.ToLower(name)
		known[n] = sysVarInfo{name: n, scope: scope, readOnly: ro == "YES"}
	}
	return known, nil
}

// sysVarName is the name of a system variable assignment whose name can
// be looked up; NAMES, CHARACTER SET, user variables and the parser's
// stand-in for SET TRANSACTION's one-shot isolation are not.
func sysVarName(a *ast.VariableAssignment) (string, bool) {
	if !a.IsSystem || a.Name == "tx_isolation_one_shot" || a.Name == "" {
		return "", false
	}
	for _, r := range a.Name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", false
		}
	}
	return a.Name, true
}

// globalSetRefusal is the error for a SET with a GLOBAL assignment, given
// the variables known by lower-case name; with known nil (not looked up)
// it is the refusal.
func globalSetRefusal(vars []*ast.VariableAssignment, known map[string]sysVarInfo) error {
	var first *ast.VariableAssignment
	for _, a := range vars {
		if first == nil && a.IsGlobal {
			first = a
		}
	}
	if known != nil {
		for _, a := range vars {
			if n, ok := sysVarName(a); ok {
				if _, found := known[strings.ToLower(n)]; !found {
					return mysql.NewError(mysql.ER_UNKNOWN_SYSTEM_VARIABLE, fmt.Sprintf("Unknown system variable '%s'", n))
				}
			}
		}
		for _, a := range vars {
			n, ok := sysVarName(a)
			if !ok {
				continue
			}
			if err := scopeError(known[strings.ToLower(n)], a.IsGlobal); err != nil {
				return err
			}
			if a == first {
				break
			}
		}
	}
	return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR,
		fmt.Sprintf("SET GLOBAL %s is not forwarded: it would change every application's backend server; set it on the shards directly", first.Name))
}

// scopeError is MariaDB's check of one assignment's scope (set_var::check,
// 10.11), nil when it passes.
func scopeError(v sysVarInfo, global bool) error {
	switch {
	case global && v.name == "sql_log_bin":
		// Its own check refuses the global scope.
		return mysql.NewError(mysql.ER_INCORRECT_GLOBAL_LOCAL_VAR, fmt.Sprintf("Variable '%s' is a SESSION variable", v.name))
	case v.readOnly:
		return mysql.NewError(mysql.ER_INCORRECT_GLOBAL_LOCAL_VAR, fmt.Sprintf("Variable '%s' is a read only variable", v.name))
	case global && v.scope == "SESSION ONLY":
		return mysql.NewError(mysql.ER_LOCAL_VARIABLE, fmt.Sprintf("Variable '%s' is a SESSION variable and can't be used with SET GLOBAL", v.name))
	case !global && v.scope == "GLOBAL":
		return mysql.NewError(mysql.ER_GLOBAL_VARIABLE, fmt.Sprintf("Variable '%s' is a GLOBAL variable and should be set with SET GLOBAL", v.name))
	}
	return nil
}
