package proxy

import (
	"encoding/binary"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestFakeFirstExecuteOfNullsWithoutTypes: a first COM_STMT_EXECUTE whose
// parameters are all NULL may leave their types out (new-params-bound 0,
// as go-mysql's client sends it); MariaDB runs it, and so does the proxy,
// forwarding NULL types.
func TestFakeFirstExecuteOfNullsWithoutTypes(t *testing.T) {
	e := newFakeEnv(t)
	for _, f := range e.shards {
		f.On("UPDATE ranged", fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
	}
	c := e.connect(t)
	st, err := c.Prepare("UPDATE ranged SET v = ?, w = ? WHERE id = 5")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.Execute(nil, nil)
	if err != nil {
		t.Fatalf("execute of NULLs without types: %v", err)
	}
	if r.AffectedRows != 1 {
		t.Errorf("affected %d rows, want 1", r.AffectedRows)
	}
	var exec []byte
	for _, en := range e.shards["s0"].Log() {
		if en.Command == mysql.COM_STMT_EXECUTE {
			exec = []byte(en.Text)
		}
	}
	// id(4) flags(1) iterations(4) bitmap(1) bound(1) types(2*2)
	if len(exec) != 15 || exec[9] != 3 || exec[10] != 1 || exec[11] != mysql.MYSQL_TYPE_NULL || exec[13] != mysql.MYSQL_TYPE_NULL {
		// Fatal: the id check below reads the packet's first bytes.
		t.Fatalf("the shard got execute %v, want both parameters NULL with their types", exec)
	}
	if binary.LittleEndian.Uint32(exec) == 0 {
		t.Errorf("execute names no statement")
	}
}
