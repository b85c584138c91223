package proxy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/sharding"
)

// catalogTimeout bounds one load of the catalog from the shards.
const catalogTimeout = 10 * time.Second

// catalogLoader reads the table definitions of the served schemas from the
// shards and hands them to the router. Loads are serialised; a caller that
// waited while another load ran, which started after it asked, takes that
// load's result instead of reading the shards again.
type catalogLoader struct {
	mu       sync.Mutex
	gen      uint64
	started  time.Time                   // when the latest load began
	last     map[string]catalog.Snapshot // latest readable snapshot of each shard
	built    []catalog.Snapshot          // what the router's catalog was built from
	lastErr  error
	asyncRun sync.Mutex // at most one background refresh at a time
	// lastAsync is when the latest background refresh began (under
	// asyncRun): one a second at most, however many statements fail.
	lastAsync time.Time
}

// refreshCatalog loads the catalog unless a load that started after asked
// already did; it returns the router's catalog afterwards.
func (s *Server) refreshCatalog(ctx context.Context, asked time.Time) (*catalog.Catalog, error) {
	l := &s.catLoader
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started.IsZero() && !l.started.Before(asked) {
		return s.router.Catalog(), l.lastErr
	}
	prevStart := l.started
	l.started = time.Now()
	rctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	snaps := s.readSnapshots(rctx)
	cur := s.router.Catalog()
	if ctx.Err() != nil && cur != nil {
		// The caller gave up (the proxy stopping, or its client gone): the
		// shards' failures say nothing about them, and a caller waiting
		// for this read does its own.
		l.started = prevStart
		return cur, ctx.Err()
	}
	var failed []error
	if l.last == nil {
		l.last = map[string]catalog.Snapshot{}
	}
	for i, sn := range snaps {
		if sn.Err != nil {
			failed = append(failed, fmt.Errorf("shard %s: %w", sn.Shard, sn.Err))
			if prev, ok := l.last[sn.Shard]; ok {
				snaps[i] = prev // keep what it said last time
			}
			continue
		}
		l.last[sn.Shard] = sn
	}
	wasWhole := l.lastErr == nil
	l.lastErr = errors.Join(failed...)
	result := "changed"
	if l.lastErr != nil {
		result = "partial"
	}
	if cur != nil && sameSnapshots(snaps, l.built) {
		// The catalog would be the same: keeping it keeps the plans made
		// with it, where a new generation would make every cached shape
		// and prepared statement plan again (also at each periodic read
		// while a shard stays unreadable).
		switch {
		case l.lastErr == nil:
			result = "unchanged"
		case wasWhole: // said once per outage, not at every read
			s.log.Warn("schema catalog: some shards could not be read; their last definitions are kept", "err", l.lastErr)
		default:
			s.log.Debug("schema catalog: some shards still cannot be read; their last definitions are kept", "err", l.lastErr)
		}
		s.metrics.catalogLoads.WithLabelValues(result).Inc()
		return cur, l.lastErr
	}
	l.built = snaps
	l.gen++
	c := catalog.Build(l.gen, snaps, s.placement)
	s.router.SetCatalog(c)
	s.metrics.catalogLoads.WithLabelValues(result).Inc()
	s.logCatalog(c, l.lastErr)
	return c, l.lastErr
}

// sameSnapshots tells whether a catalog built from a would be the one
// built from b: each shard answered alike, or failed in both with nothing
// read before to stand for it.
func sameSnapshots(a, b []catalog.Snapshot) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		switch {
		case x.Shard != y.Shard || (x.Err == nil) != (y.Err == nil):
			return false
		case x.Err == nil && !reflect.DeepEqual(x, y):
			return false
		}
	}
	return true
}

// CatalogLoop reads the definitions again every interval until ctx ends
// (none when every is 0), so that a table, routine, trigger or sql_mode
// changed on the shards directly, not through the proxy, is planned with
// and checked within one interval. A read that finds nothing changed
// keeps the catalog and its plans.
func (s *Server) CatalogLoop(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	repeat(ctx, every, nil, func() {
		if _, err := s.refreshCatalog(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Debug("periodic catalog read incomplete", "err", err)
		}
	})
}

// refreshCatalogAsync starts a load in the background unless one runs:
// after a shard said a table or column does not exist.
func (s *Server) refreshCatalogAsync() {
	l := &s.catLoader
	if !l.asyncRun.TryLock() {
		return
	}
	asked := time.Now()
	if asked.Sub(l.lastAsync) < time.Second {
		l.asyncRun.Unlock()
		return
	}
	l.lastAsync = asked
	go func() {
		defer l.asyncRun.Unlock()
		_, _ = s.refreshCatalog(context.Background(), asked)
	}()
}

// checkSchemaExists answers MariaDB's 1049 for a served schema whose
// database does not exist on its default shard (tools create their
// database after that error). If the shard cannot be read it lets the
// schema be used: the shard answers for itself later.
func (s *Server) checkSchemaExists(ctx context.Context, name string) error {
	sc := s.router.Rules().Schema(name)
	if sc == nil {
		return nil
	}
	exists := func(c *catalog.Catalog) (bool, bool) {
		if _, failed := c.Failed()[sc.DefaultShard]; failed || c == nil {
			return false, false
		}
		shards, _ := c.SchemaShards(name)
		return slices.Contains(shards, sc.DefaultShard), true
	}
	asked := time.Now()
	if ok, known := exists(s.router.Catalog()); ok || (!known && s.router.Catalog() != nil) {
		return nil
	}
	// Not loaded yet, or created since the last load (on the shards
	// directly, a moment ago): read again. Loads that overlap are shared.
	c, _ := s.refreshCatalog(ctx, asked)
	if ok, known := exists(c); ok || !known {
		return nil
	}
	return mysql.NewError(mysql.ER_BAD_DB_ERROR, fmt.Sprintf("Unknown database '%s'", name))
}

func (s *Server) logCatalog(c *catalog.Catalog, err error) {
	n := 0
	for _, name := range s.router.Rules().SchemaNames() {
		n += len(c.Tables(name))
	}
	if err != nil {
		s.log.Warn("schema catalog: some shards could not be read; their last definitions are kept", "tables", n, "err", err)
	} else {
		s.log.Debug("schema catalog loaded", "generation", c.Gen(), "tables", n)
	}
	for _, d := range c.Differences() {
		s.log.Warn("schema catalog: a table's definition differs between its shards (SHOW SHARD CATALOG lists them)",
			"schema", d.Schema, "table", d.Table, "shard", d.Shard, "reference", d.Reference, "difference", d.Detail)
	}
	s.metrics.catalogDiffs.Set(float64(len(c.Differences())))
	keys := unenforcedKeys(s.router.Rules(), c)
	// Said when the list changes, not at every load (each DDL, and a
	// refresh after a failed statement).
	said := fmt.Sprint(keys)
	if prev := s.unenforcedSaid.Swap(&said); prev == nil || *prev != said {
		for _, k := range keys {
			s.log.Warn("schema catalog: a unique key of a sharded table lacks the shard key: each shard checks it over its own rows only, and rows on different shards may repeat its values",
				"schema", k.schema, "table", k.table, "key", k.key, "shard_key", k.shardKey)
		}
	}
}

// placement is where the rules put a table (catalog.Placement).
func (s *Server) placement(schema, table string) []string {
	sc := s.router.Rules().Schema(schema)
	if sc == nil {
		return nil
	}
	kind, t := sc.Lookup(table)
	if kind == sharding.Unsharded {
		return []string{sc.DefaultShard}
	}
	return t.AllShards()
}

// readSnapshots reads every shard's snapshot at once.
func (s *Server) readSnapshots(ctx context.Context) []catalog.Snapshot {
	shards := s.router.Rules().Shards()
	out := make([]catalog.Snapshot, len(shards))
	var wg sync.WaitGroup
	for i, name := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap, err := s.readSnapshot(ctx, name)
			if err != nil {
				snap = catalog.Snapshot{Shard: name, Err: err}
			}
			out[i] = snap
		}()
	}
	wg.Wait()
	return out
}

func (s *Server) readSnapshot(ctx context.Context, shard string) (catalog.Snapshot, error) {
	c, err := s.acquireInternal(ctx, shard)
	if err != nil {
		return catalog.Snapshot{}, err
	}
	defer s.pools[shard].Release(c)
	qs := catalog.Queries(s.router.Rules().SchemaNames())
	var results [4][]catalog.Row
	for i, q := range qs {
		if results[i], err = queryRows(ctx, c, q); err != nil {
			return catalog.Snapshot{}, err
		}
	}
	snap, err := catalog.ParseSnapshot(shard, results[0], results[1], results[2], results[3])
	if err == nil {
		// Not a reason to fail the snapshot: sessions then read statements
		// as MariaDB's default sql_mode does.
		if rows, err := queryRows(ctx, c, catalog.QuerySQLMode); err == nil && len(rows) == 1 && len(rows[0]) == 1 && rows[0][0] != nil {
			snap.SQLMode = rows[0][0]
		}
	}
	return snap, err
}

// queryRows runs an internal query and returns its rows as text.
func queryRows(ctx context.Context, c *backend.Conn, q string) ([]catalog.Row, error) {
	res, err := c.Exec(ctx, q)
	if err != nil {
		return nil, err
	}
	if res.Resultset == nil {
		return nil, nil
	}
	out := make([]catalog.Row, len(res.Values))
	for i, r := range res.Values {
		row := make(catalog.Row, len(r))
		for j, v := range r {
			if b := textValue(v); b != nil {
				str := string(b)
				row[j] = &str
			}
		}
		out[i] = row
	}
	return out, nil
}

// plan makes the routing plan of a statement. A table the catalog does not
// know (created on the shards since it was loaded) makes it load again
// once before the client gets MariaDB's 1146.
func (s *Session) plan(ctx context.Context, st *router.Statement) (*router.Plan, error) {
	asked := time.Now()
	p, err := s.srv.router.Plan(st, s.user, s.db)
	if err == nil {
		return p, nil // the common case: nothing below applies
	}
	if ng := (*router.NonGroupedError)(nil); errors.As(err, &ng) && s.sqlModeHas("ONLY_FULL_GROUP_BY") {
		// MariaDB refuses the statement itself, with its own error.
		if me := ng.OnlyFullGroupBy(); me != nil {
			return nil, me
		}
	}
	var unknown *router.UnknownTableError
	if !errors.As(err, &unknown) {
		return p, err
	}
	if _, lerr := s.srv.refreshCatalog(ctx, asked); lerr != nil && s.srv.router.Catalog().Table(unknown.Schema, unknown.Table) == nil {
		return nil, mysql.NewError(mysql.ER_NO_SUCH_TABLE, fmt.Sprintf(
			"Table '%s.%s' is not known to xaproxy: its definition could not be read from the shards (%v)", unknown.Schema, unknown.Table, lerr))
	}
	return s.srv.router.Plan(st, s.user, s.db)
}

// noteSchemaError reloads the catalog in the background when a shard says
// a table or column does not exist: the catalog may be behind the shards.
func (s *Session) noteSchemaError(me *mysql.MyError) {
	switch me.Code {
	case mysql.ER_NO_SUCH_TABLE, mysql.ER_BAD_FIELD_ERROR:
		s.srv.refreshCatalogAsync()
	}
}

// catalogRows answers SHOW SHARD CATALOG: one row per table of the schemas
// the user sees, with how its shards differ (NULL when they agree).
func (s *Session) catalogRows() [][]any {
	c := s.srv.router.Catalog()
	if c == nil {
		c, _ = s.srv.refreshCatalog(context.Background(), time.Now())
	}
	diffs := map[string][]string{}
	for _, d := range c.Differences() {
		k := strings.ToLower(d.Schema + "." + d.Table)
		diffs[k] = append(diffs[k], fmt.Sprintf("%s (vs %s): %s", d.Shard, d.Reference, d.Detail))
	}
	var rows [][]any
	for _, name := range s.visibleSchemas() {
		sc := s.srv.router.Rules().Schema(name)
		for _, t := range c.Tables(name) {
			kind := s.srv.router.TableKind(sc, t.Name)
			cols := make([]string, len(t.Columns))
			for i, col := range t.Columns {
				cols[i] = col.Name + " " + col.Type
			}
			var auto, diff any
			if i := t.AutoIncrement(); i >= 0 {
				auto = t.Columns[i].Name
			}
			if d := diffs[strings.ToLower(t.Schema+"."+t.Name)]; len(d) > 0 {
				diff = strings.Join(d, "; ")
			}
			view := kind.String()
			if t.View {
				view += " view"
			}
			rows = append(rows, []any{t.Schema, t.Name, view, strings.Join(cols, ", "), strings.Join(t.PrimaryKey(), ","), auto, diff})
		}
	}
	failed := c.Failed()
	for _, shard := range slices.Sorted(maps.Keys(failed)) {
		rows = append(rows, []any{nil, nil, nil, nil, nil, nil, fmt.Sprintf("shard %s could not be read: %s", shard, failed[shard])})
	}
	return rows
}
