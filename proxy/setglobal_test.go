package proxy

import (
	"errors"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// TestGlobalSetRefusal: the codes and messages are MariaDB 10.11's for the
// same statements (checked with the mariadb client).
func TestGlobalSetRefusal(t *testing.T) {
	known := map[string]sysVarInfo{
		"last_insert_id":  {name: "last_insert_id", scope: "SESSION ONLY"},
		"max_connections": {name: "max_connections", scope: "GLOBAL"},
		"version":         {name: "version", scope: "GLOBAL", readOnly: true},
		"sql_log_bin":     {name: "sql_log_bin", scope: "SESSION"},
		"sql_mode":        {name: "sql_mode", scope: "SESSION"},
		"tx_read_only":    {name: "tx_read_only", scope: "SESSION"},
	}
	tests := []struct {
		sql   string
		known map[string]sysVarInfo
		code  uint16
		msg   string
	}{
		{"SET GLOBAL NoSuch = 1", known, 1193, "Unknown system variable 'NoSuch'"},
		{"SET GLOBAL max_connections = 500, SESSION nosuch = 1", known, 1193, "Unknown system variable 'nosuch'"},
		{"SET GLOBAL Last_Insert_ID = 5", known, 1228, "Variable 'last_insert_id' is a SESSION variable and can't be used with SET GLOBAL"},
		{"SET @@global.version = 'x'", known, 1238, "Variable 'version' is a read only variable"},
		{"SET GLOBAL sql_log_bin = 0", known, 1238, "Variable 'sql_log_bin' is a SESSION variable"},
		{"SET GLOBAL version = 'x', last_insert_id = 1", known, 1238, "Variable 'version' is a read only variable"},
		{"SET GLOBAL last_insert_id = 1, SESSION sql_mode = ''", known, 1228, "Variable 'last_insert_id' is a SESSION variable and can't be used with SET GLOBAL"},
		{"SET SESSION max_connections = 5, GLOBAL sql_mode = ''", known, 1229, "Variable 'max_connections' is a GLOBAL variable and should be set with SET GLOBAL"},
		// Assignments after the first global one are not checked: the
		// refusal comes first, as MariaDB's missing SUPER would.
		{"SET GLOBAL max_connections = 5, SESSION version = 'x'", known, 1227, "SET GLOBAL max_connections is not forwarded: it would change every application's backend server; set it on the shards directly"},
		{"SET NAMES utf8mb4, @u = 1, GLOBAL tx_read_only = 1", known, 1227, "SET GLOBAL tx_read_only is not forwarded: it would change every application's backend server; set it on the shards directly"},
		// Not looked up (the lookup failed): the refusal.
		{"SET GLOBAL last_insert_id = 5", nil, 1227, "SET GLOBAL last_insert_id is not forwarded: it would change every application's backend server; set it on the shards directly"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			st, err := parser.New().ParseOneStmt(tt.sql, "", "")
			if err != nil {
				t.Fatal(err)
			}
			err = globalSetRefusal(st.(*ast.SetStmt).Variables, tt.known)
			var me *mysql.MyError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a MySQL error", err)
			}
			if me.Code != tt.code || me.Message != tt.msg {
				t.Fatalf("got %d %q, want %d %q", me.Code, me.Message, tt.code, tt.msg)
			}
		})
	}
}
