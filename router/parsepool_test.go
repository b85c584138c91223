package router

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// TestParseConcurrentNodesStayOwn: the TiDB parser returns its own result
// slice, which its next Parse overwrites; a pooled parser is reused by
// another session as soon as it is back in the pool. A statement must keep
// its own tree, or it is routed as another session's statement (seen under
// load: an UPDATE planned as a concurrent INSERT, run on the INSERT's shard,
// 0 rows affected).
func TestParseConcurrentNodesStayOwn(t *testing.T) {
	p := NewParser()
	const workers, rounds = 8, 3000
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				upd := (w+i)%2 == 0
				sql := fmt.Sprintf("INSERT INTO transfers (src, tid) VALUES (?, 'w%d-%d')", w, i)
				if upd {
					sql = fmt.Sprintf("UPDATE accounts SET bal = bal + %d WHERE id = ?", w*rounds+i)
				}
				st, err := p.Parse(sql)
				if err != nil {
					errs <- fmt.Sprintf("%s: %v", sql, err)
					return
				}
				_, isUpd := st.Node.(*ast.UpdateStmt)
				_, isIns := st.Node.(*ast.InsertStmt)
				if upd != isUpd || upd == isIns {
					errs <- fmt.Sprintf("%s parsed as %T", sql, st.Node)
					return
				}
				got, err := restore(st.Node)
				if err != nil || !strings.Contains(got, fmt.Sprint(w*rounds+i)) && !strings.Contains(got, fmt.Sprintf("'w%d-%d'", w, i)) {
					errs <- fmt.Sprintf("%s parsed as %s (%v)", sql, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
