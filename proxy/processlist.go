package proxy

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// The process list is the proxy's sessions (router/processlist.go): a user
// sees its own user's sessions, a users[].admin user every session, as
// MariaDB shows a user without the PROCESS privilege only its own threads.
// The viewer's own row is in the state MariaDB gives the statement that
// reads the list; other running statements are "executing" (the proxy does
// not know the shards' stages).

// processList lists the sessions viewer may see, by id; selfState is the
// state of viewer's own row.
func (srv *Server) processList(viewer *Session, selfState string, now time.Time) []router.ProcessRow {
	srv.mu.Lock()
	sessions := make([]*Session, 0, len(srv.sessions))
	for _, sess := range srv.sessions {
		sessions = append(sessions, sess)
	}
	srv.mu.Unlock()
	sort.Slice(sessions, func(i, j int) bool { return sessions[i].id < sessions[j].id })
	rows := make([]router.ProcessRow, 0, len(sessions))
	for _, sess := range sessions {
		sess.mu.Lock()
		v := sess.view
		sess.mu.Unlock()
		if sess != viewer && v.user != viewer.user && !viewer.admin() {
			continue
		}
		r := router.ProcessRow{ID: sess.id, User: v.user, Host: sess.remote, DB: v.db,
			Command: v.cmd, TimeUs: max(now.Sub(v.at).Microseconds(), 0), QueryID: v.query}
		switch {
		case v.cmd == "Sleep" || v.cmd == "":
			r.Command, r.NoInfo = "Sleep", true
		case sess == viewer:
			r.State, r.Info = selfState, v.sql
		default:
			r.State, r.Info = "executing", v.sql
		}
		rows = append(rows, r)
	}
	return rows
}

// answerShowProcessList answers SHOW [FULL] PROCESSLIST: the column
// definitions are the shard's for the same statement, the rows the
// proxy's sessions (Info cut to 100 characters without FULL).
func (s *Session) answerShowProcessList(ctx context.Context, st *router.Statement, sql string) error {
	full, _ := router.ShowProcessList(st)
	cols, err := s.shardColumns(ctx, sql)
	if err != nil {
		return s.writeErr(err)
	}
	list := s.srv.processList(s, "starting", time.Now())
	rows := make([]engine.Row, len(list))
	for i, r := range list {
		var info []byte
		if !r.NoInfo {
			info = []byte(r.Info)
			if !full {
				info = []byte(router.CutChars(r.Info, router.ShowInfoChars))
			}
		}
		var db []byte
		if r.DB != "" {
			db = []byte(r.DB)
		}
		rows[i] = engine.Row{
			[]byte(strconv.FormatUint(uint64(r.ID), 10)), []byte(r.User), []byte(r.Host), db,
			[]byte(r.Command), []byte(strconv.FormatInt(r.TimeUs/1000000, 10)), []byte(r.State), info, []byte("0.000"),
		}
	}
	if len(cols) != 9 {
		return s.writeErr(errNotSupported("SHOW PROCESSLIST: the shard answered %d columns where MariaDB 10.11 has 9", len(cols)))
	}
	return s.writeRows(engine.FromSlice(cols, rows), false)
}

// answerProcessList answers a query over information_schema.PROCESSLIST:
// the client's text gives the column definitions, the same query over the
// sessions (newest first, as MariaDB lists its threads) the rows.
func (s *Session) answerProcessList(ctx context.Context, st *router.Statement, sql string) error {
	if st.Kind == router.KindUnparsed {
		return s.writeErr(errNotSupported("xaproxy cannot parse this statement (%v), and it reads information_schema.PROCESSLIST, which lists xaproxy's sessions", st.ParseErr))
	}
	list := s.srv.processList(s, "Filling schema table", time.Now())
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	text, err := router.RewriteProcessList(st, s.identity(), s.db, list)
	if err != nil {
		return s.writeErr(err)
	}
	return s.answerRewritten(ctx, st, sql, text, false)
}

// shardColumns runs sql on the session's default shard for its column
// definitions only.
func (s *Session) shardColumns(ctx context.Context, sql string) ([]*mysql.Field, error) {
	shard := s.srv.router.DefaultShard(s.db)
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	return s.textColumns(ctx, c, shard, sql)
}

// textColumns runs the text sql on c, a connection to shard, for its
// column definitions only.
func (s *Session) textColumns(ctx context.Context, c *backend.Conn, shard, sql string) ([]*mysql.Field, error) {
	cols, err := s.columnsOf(ctx, c, func(c *backend.Conn) (backend.Pending, error) {
		return c.Send(ctx, mysql.COM_QUERY, []byte(sql))
	})
	if err != nil {
		return nil, shardErr(shard, err)
	}
	return cols, nil
}

// answerRewritten answers with the column definitions the shard gives the
// client's text sql and the rows of text, the same query over tables the
// proxy put in place of the real ones. A statement that assigns user
// variables is refused: both texts would run on a pooled connection, its
// assignments lost to the session and left for the connection's next
// user, the client's text over the shard's real tables (every schema), and
// an INTO answers no columns.
func (s *Session) answerRewritten(ctx context.Context, st *router.Statement, sql, text string, binary bool) error {
	if st.SelectInto || len(st.AssignsVars) > 0 {
		return s.writeErr(errNotSupported("assigning user variables (@x := ..., INTO @x) in a read of information_schema's listings, the process list or the connection attributes is not supported: the proxy answers these from rows it gathers or keeps itself; read the values with a SELECT and assign them with SET"))
	}
	shard := s.srv.router.DefaultShard(s.db)
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return s.writeErr(err)
	}
	defer s.release(c)
	cols, err := s.textColumns(ctx, c, shard, sql)
	if err != nil {
		return s.writeErr(err)
	}
	res, err := c.Exec(ctx, text)
	if err != nil {
		return s.writeErr(shardErr(shard, err))
	}
	s.noteWarnings(ctx, c, res.Warnings)
	return s.writeRows(engine.FromSlice(cols, valueRows(res)), binary)
}
