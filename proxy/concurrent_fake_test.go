package proxy

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestFakeConcurrentSessionsRunTheirOwnStatements: sessions preparing and
// running statements at the same time each get their own statement on the
// shard its key picks. Every statement names, in a literal, the session,
// the round and the shard its key belongs to, so a statement planned with
// another session's tree (the TiDB parser's result slice was shared
// through the parser pool: an UPDATE ran on a concurrent INSERT's shard)
// shows up on the wrong shard, and each must run exactly once. With the
// shared slice restored, 20 runs without -race caught it twice (the
// router's TestParseConcurrentNodesStayOwn provokes it every time); under
// -race, as make unit runs it, state shared between sessions without a
// lock fails the test (the parser's slice did: DATA RACE).
func TestFakeConcurrentSessionsRunTheirOwnStatements(t *testing.T) {
	e := newFakeEnv(t)
	for _, f := range e.shards {
		f.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
		f.On("UPDATE ranged", fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
	}
	const sessions, rounds = 6, 40
	e.concurrently(t, sessions, rounds, func(c *client.Conn, s, r int) error {
		shard, id := "s0", int64(10+s) // shop.ranged: id < 100 on s0
		if (s+r)%2 == 1 {
			shard, id = "s1", 200+int64(s)
		}
		// The key is a literal: a statement planned with another
		// session's tree goes where that tree's key points.
		mark := fmt.Sprintf("%d-%d-%s", s, r, shard)
		if r%3 == 0 {
			_, err := c.Execute(fmt.Sprintf("UPDATE ranged SET v = '%s' WHERE id = %d", mark, id))
			return err
		}
		sql := fmt.Sprintf("INSERT INTO ranged (id, v, w) VALUES (%d, '%s', ?)", id, mark)
		if r%3 == 2 {
			sql = fmt.Sprintf("UPDATE ranged SET v = '%s', w = ? WHERE id = %d", mark, id)
		}
		st, err := c.Prepare(sql)
		if err != nil {
			return err
		}
		defer st.Close()
		_, err = st.Execute(r)
		return err
	})
	ran := map[string]int{} // mark -> times run
	for shard, f := range e.shards {
		for _, text := range executed(f.Log()) {
			if !strings.Contains(text, "ranged") {
				continue
			}
			mark := strings.SplitN(text, "'", 3)[1]
			ran[mark]++
			if !strings.HasSuffix(mark, "-"+shard) {
				t.Errorf("shard %s ran %q", shard, text)
			}
		}
	}
	for s := 0; s < sessions; s++ {
		for r := 0; r < rounds; r++ {
			shard := map[bool]string{false: "s0", true: "s1"}[(s+r)%2 == 1]
			if n := ran[fmt.Sprintf("%d-%d-%s", s, r, shard)]; n != 1 {
				t.Errorf("session %d round %d ran %d times, want once", s, r, n)
			}
		}
	}
}

// executed lists the statements a shard ran, in order: query texts, and
// for each COM_STMT_EXECUTE the text its connection prepared under that id
// (the fake numbers a connection's statements from 1, as MariaDB does).
func executed(log []fakeshard.Entry) []string {
	prepared := map[uint32][]string{}
	var out []string
	for _, e := range log {
		switch e.Command {
		case mysql.COM_QUERY:
			out = append(out, fakeshard.Split(e.Text)...)
		case mysql.COM_STMT_PREPARE:
			prepared[e.Conn] = append(prepared[e.Conn], e.Text)
		case mysql.COM_STMT_EXECUTE:
			if id := binary.LittleEndian.Uint32([]byte(e.Text)); id >= 1 && int(id) <= len(prepared[e.Conn]) {
				out = append(out, prepared[e.Conn][id-1])
			}
		}
	}
	return out
}

// TestFakeConcurrentMergedSelects: sessions run, at once, reads that
// span both shards, as text (one plan per shape, shared through the shape
// cache) and prepared, so that under -race (make unit) whatever a shared
// plan or merge keeps between executions shows up. Each read must answer
// the rows of the shards it asks.
func TestFakeConcurrentMergedSelects(t *testing.T) {
	e := newFakeEnv(t)
	for name, f := range e.shards {
		f.On("SELECT", fakeshard.Rows([]string{"id", "v"}, []any{int64(map[string]int{"s0": 1, "s1": 101}[name]), name}))
	}
	e.concurrently(t, 6, 30, func(c *client.Conn, s, r int) error {
		var res *mysql.Result
		var err error
		switch r % 4 {
		case 0:
			res, err = c.Execute(fmt.Sprintf("SELECT id, v FROM ranged WHERE id IN (%d, %d)", s, 100+r))
		case 1:
			res, err = c.Execute(fmt.Sprintf("SELECT id, v FROM ranged ORDER BY id LIMIT %d", 2+r))
		case 2:
			res, err = c.Execute(fmt.Sprintf("SELECT id, v FROM ranged WHERE v <> 'x%d-%d' ORDER BY id DESC", s, r))
		default:
			var st *client.Stmt
			if st, err = c.Prepare("SELECT id, v FROM ranged WHERE id IN (?, ?) ORDER BY id"); err == nil {
				res, err = st.Execute(s, 100+r)
				_ = st.Close()
			}
		}
		if err == nil && (res.Resultset == nil || len(res.Values) != 2) {
			err = fmt.Errorf("answered %v, want one row of each shard", res)
		}
		return err
	})
}

// concurrently runs rounds of body in each of n sessions at once; a
// session stops at its first error, which fails the test.
func (e *fakeEnv) concurrently(t *testing.T, n, rounds int, body func(c *client.Conn, session, round int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for s := 0; s < n; s++ {
		c := e.connect(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if err := body(c, s, r); err != nil {
					errs <- fmt.Errorf("session %d round %d: %w", s, r, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
