package proxy

import (
	"context"
	"strings"
	"sync"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// Queries over information_schema's schema-listing tables and SHOW TABLE
// STATUS are answered for the logical schemas (router/infogather.go): the
// rows are read from every shard holding some of the user's schemas, one
// row kept per logical object with a sharded table's counts summed, and
// the query runs on the session's default shard over those rows.

// infoGather returns how a text statement is answered from gathered
// information_schema rows; nil when it is not (it then runs filtered on
// one shard, filterInfoSchema).
func (s *Session) infoGather(st *router.Statement) (*router.InfoGather, error) {
	if !router.NeedsInfoView(st, s.db) {
		return nil, nil
	}
	view := s.infoView()
	g, _, err := s.srv.router.PlanTableStatus(st, s.user, s.db, view)
	if err != nil || g != nil {
		return g, err
	}
	if g, err := s.srv.router.PlanShowIndex(st, s.user, s.db, view); err != nil || g != nil {
		return g, err
	}
	if g := s.srv.router.PlanShowRoutines(st, s.db, view); g != nil {
		return g, nil
	}
	return s.srv.router.PlanInfoGather(st, s.db, view), nil
}

func (s *Session) infoView() router.InfoSchemaView {
	return router.InfoSchemaView{Schemas: s.visibleSchemas(), Shard: s.srv.router.DefaultShard(s.db), NextID: s.srv.nextAutoID}
}

// infoGatherBound is infoGather for the execution of a prepared SELECT
// with params, its parameters (nil, nil: it keeps the one-shard filter,
// which answers it as one server). The parameters are written into the
// text as the literals rewritten statements take (router.BindText); one
// without a literal, or a backslash-escaped string under
// NO_BACKSLASH_ESCAPES (the shard would read the backslash twice), is
// refused: one shard's rows would be another answer (a sharded table's
// TABLE_ROWS).
func (s *Session) infoGatherBound(st *router.Statement, sql string, params []router.Param) (*router.InfoGather, string, error) {
	g := s.srv.router.PlanInfoGatherBound(st, s.db, s.infoView())
	if g == nil {
		return nil, "", nil
	}
	if s.sqlModeHas("NO_BACKSLASH_ESCAPES") {
		for i, p := range params {
			if strings.IndexByte(p.Literal, '\\') >= 0 {
				return nil, "", errNotSupported("parameter %d of this prepared information_schema read is a string written with backslash escapes (it holds a backslash, NUL, newline, carriage return or Ctrl-Z) while sql_mode has NO_BACKSLASH_ESCAPES: its rows are gathered from every shard and the parameters written into a statement for the default sql_mode, where the shard would read the backslash twice; run it without NO_BACKSLASH_ESCAPES", i+1)
			}
		}
	}
	defs, err := router.BindText(sql, params)
	if err != nil {
		return nil, "", err
	}
	return g, defs, nil
}

// answerInfoGather reads the rows g needs, combines them and answers: the
// column definitions are those the shard gives the client's text sql (for
// SHOW TABLE STATUS, those of any SHOW TABLE STATUS), the rows those of
// the same query over the combined rows; binary: re-encoded for a prepared
// statement without parameters.
func (s *Session) answerInfoGather(ctx context.Context, st *router.Statement, g *router.InfoGather, sql string, binary bool, params []router.Param) error {
	if err := s.checkAllowed(ctx, st); err != nil {
		return s.writeErr(err)
	}
	results, err := s.gatherInfo(ctx, g.Reads)
	if err != nil {
		return s.writeErr(err)
	}
	text, err := g.RewriteBound(results, s.identity(), params)
	if err == nil {
		err = s.checkRewrittenText(text)
	}
	if err != nil {
		return s.writeErr(err)
	}
	if defs := g.DefsSQL(); defs != "" {
		sql = defs
	}
	return s.answerRewritten(ctx, st, sql, text, binary)
}

// gatherInfo runs the internal reads on pooled connections, shards in
// parallel: the results by table, then shard.
func (s *Session) gatherInfo(ctx context.Context, reads []router.InfoRead) (map[string]map[string]*router.InfoResult, error) {
	out := make([]*router.InfoResult, len(reads))
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, rd := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = s.srv.readInfo(ctx, rd)
		}()
	}
	wg.Wait()
	byTable := map[string]map[string]*router.InfoResult{}
	for i, rd := range reads {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if byTable[rd.Table] == nil {
			byTable[rd.Table] = map[string]*router.InfoResult{}
		}
		byTable[rd.Table][rd.Shard] = out[i]
	}
	return byTable, nil
}

// readInfo runs one internal read.
func (srv *Server) readInfo(ctx context.Context, rd router.InfoRead) (*router.InfoResult, error) {
	c, err := srv.acquireInternal(ctx, rd.Shard)
	if err != nil {
		return nil, shardErr(rd.Shard, err)
	}
	defer srv.pools[rd.Shard].Release(c)
	res, err := c.Exec(ctx, rd.SQL)
	if err != nil {
		return nil, shardErr(rd.Shard, err)
	}
	r := &router.InfoResult{}
	if res.Resultset == nil {
		return r, nil
	}
	for _, f := range res.Fields {
		r.Cols = append(r.Cols, infoColumn(f))
	}
	for _, row := range valueRows(res) {
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// infoColumn is what the derived table needs of a column definition.
func infoColumn(f *mysql.Field) router.InfoColumn {
	coll := "binary"
	if f.Charset != 63 {
		coll = "utf8mb3_general_ci"
		if c, ok := mariadbCollations[f.Charset]; ok {
			coll = c.name
		}
	}
	return router.InfoColumn{Name: string(f.Name), Type: f.Type, Unsigned: f.Flag&mysql.UNSIGNED_FLAG != 0,
		Collation: coll, Decimals: f.Decimal}
}
