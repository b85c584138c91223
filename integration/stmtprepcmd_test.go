package integration

import (
	"fmt"
	"testing"
)

// TestStmtPrepareOfPrepareCommands: COM_STMT_PREPARE of PREPARE, EXECUTE
// and DEALLOCATE PREPARE answers what one MariaDB answers (1295, or its
// syntax error), also for forms xaproxy's parser cannot read (EXECUTE s
// USING 7, a value rather than a variable, was the parser's 1064).
func TestStmtPrepareOfPrepareCommands(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t)
	p := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	d := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	for _, q := range []string{
		"EXECUTE s USING 7",
		"EXECUTE s USING 1 + 1, 'a'",
		"EXECUTE s USING @a",
		"EXECUTE s",
		"EXECUTE IMMEDIATE 'SELECT 1'",
		"EXECUTE IMMEDIATE 'SELECT ?' USING 5",
		"PREPARE s FROM 'SELECT 1'",
		"PREPARE s FROM @q",
		"DEALLOCATE PREPARE s",
		"DROP PREPARE s",
		"/* c */ EXECUTE s USING 7",
	} {
		var got, want string
		if st, err := p.Prepare(q); err != nil {
			got = err.Error()
		} else {
			got = fmt.Sprintf("prepared, %d parameters", st.ParamNum())
			_ = st.Close()
		}
		if st, err := d.Prepare(q); err != nil {
			want = err.Error()
		} else {
			want = fmt.Sprintf("prepared, %d parameters", st.ParamNum())
			_ = st.Close()
		}
		if got != want {
			t.Errorf("COM_STMT_PREPARE %s: proxy %s, MariaDB %s", q, got, want)
		}
	}
}
