package proxy

import (
	"context"
	"errors"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/loadfile"
	"github.com/xaproxy/xaproxy/router"
)

// LOAD DATA LOCAL INFILE into a table on several shards (router.LoadSplit):
// every shard runs the statement as a branch of the session's transaction
// (an implicit one, two-phase committed, in autocommit mode), and answers
// with its request for a file; the proxy asks the client for the file
// itself and streams it on: the whole file to every copy of a broadcast
// table, or, for a sharded table, each row (its bytes as they came, cut
// where MariaDB cuts them: loadfile) to the shard its key field names.
// Only one row is held at a time, and up to loadChunk bytes per shard.
// A row whose key cannot be placed ends the load: the rest of the file is
// read and dropped, and every branch rolled back.

const loadChunk = 64 << 10

// loadPart is one shard's side of the load.
type loadPart struct {
	shard string
	c     *backend.Conn
	reply backend.Reply
	buf   []byte   // header room and the file bytes not sent yet
	rows  []uint64 // the file's row numbers of the rows sent, in order
	lost  error
	ok    okInfo
	err   *mysql.MyError
}

func (p *loadPart) send(data []byte) {
	if p.lost != nil {
		return
	}
	p.buf = append(p.buf, data...)
	if len(p.buf)-4 >= loadChunk {
		p.flush()
	}
}

func (p *loadPart) flush() {
	if p.lost == nil && len(p.buf) > 4 {
		p.lost = p.c.WriteData(p.buf)
	}
	p.buf = p.buf[:4]
}

// runLoad runs a LoadSplit.
func (s *Session) runLoad(ctx context.Context, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error)) error {
	l := ex.Load
	var f loadfile.Format
	if !l.Copies {
		var err error
		if f, err = s.loadFormat(ctx, l); err != nil {
			return s.writeErr(err)
		}
	}
	implicit := s.tx == nil && s.autocommit
	if implicit {
		s.tx = s.newTxn(false)
		s.tx.perStatement = s.holdsTableLocks()
	}
	parts, failed, cause := s.startLoad(ctx, ex, own)
	if cause != nil {
		s.endLoad(parts)
		return s.abortMultiShard(ctx, implicit, failed, cause)
	}
	var routeErr, clientErr error
	if l.Copies {
		clientErr = s.copyFile(l, parts)
	} else {
		routeErr, clientErr = s.splitFile(l, f, parts)
	}
	if clientErr != nil {
		for _, p := range parts {
			p.c.MarkBroken()
			s.untrack(p.c)
		}
		_ = s.endTx(ctx, false)
		return clientErr
	}
	s.endLoad(parts)
	for _, p := range parts {
		if p.lost != nil {
			return s.abortMultiShard(ctx, implicit, p.shard, errShardUnavailable(p.shard, p.lost))
		}
	}
	if shard, f := s.loadError(ctx, l, parts); f.err != nil {
		werr := s.abortMultiShard(ctx, implicit, shard, f.err)
		s.keepFailureConditions(f.err, f.conds)
		return werr
	}
	if routeErr != nil {
		return s.abortMultiShard(ctx, implicit, parts[0].shard, routeErr)
	}
	total := s.loadAnswer(ctx, l, parts)
	if implicit {
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	return s.writeOKStatus(total.affected, 0, s.status(0), total.warnings, total.info)
}

// loadFormat reads the file layout of a split load; the character set and
// sql_mode it depends on are the shard session's.
func (s *Session) loadFormat(ctx context.Context, l *router.LoadSplit) (loadfile.Format, error) {
	c, err := s.acquire(ctx, l.Shards[0])
	if err != nil {
		return loadfile.Format{}, err
	}
	res, err := c.Exec(ctx, "SELECT @@character_set_database, @@sql_mode LIMIT 1")
	s.release(c)
	if err != nil {
		return loadfile.Format{}, shardErr(l.Shards[0], err)
	}
	cl := l.Clauses
	dbCharset, _ := res.GetString(0, 0)
	mode, _ := res.GetString(0, 1)
	if cl.Charset == "" {
		cl.Charset = dbCharset
	}
	f, err := loadfile.Resolve(cl, strings.Contains(strings.ToUpper(mode), "NO_BACKSLASH_ESCAPES"))
	if err != nil {
		return f, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, "LOAD DATA into "+l.Table+", which spans shards "+strings.Join(l.Shards, ", ")+": "+err.Error())
	}
	return f, nil
}

// startLoad sends the statement to every shard; each must answer with its
// request for the file. On failure, the shard and the cause.
func (s *Session) startLoad(ctx context.Context, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error)) ([]*loadPart, string, error) {
	var parts []*loadPart
	for _, part := range ex.Parts {
		c, _, err := s.connFor(ctx, part.Shard)
		if err != nil {
			return parts, part.Shard, err
		}
		s.track(c)
		reply, err := sendPart(ctx, c, part, own)
		if err != nil {
			s.untrack(c)
			if _, isMy := backend.ServerError(err); !isMy {
				c.MarkBroken()
				err = errShardUnavailable(part.Shard, err)
			}
			return parts, part.Shard, err
		}
		pk, err := s.readBackend(reply)
		if err != nil {
			s.untrack(c)
			c.MarkBroken()
			return parts, part.Shard, errShardUnavailable(part.Shard, err)
		}
		if pk[4] != mysql.LocalInFile_HEADER {
			s.untrack(c)
			if pk[4] == mysql.ERR_HEADER {
				return parts, part.Shard, parseErrPacket(pk[4:])
			}
			c.MarkBroken()
			return parts, part.Shard, errMalformed("shard " + part.Shard + " did not ask for the LOAD DATA file")
		}
		parts = append(parts, &loadPart{shard: part.Shard, c: c, reply: reply, buf: make([]byte, 4, 4+loadChunk)})
	}
	return parts, "", nil
}

// endLoad ends every shard's file and reads its answer.
func (s *Session) endLoad(parts []*loadPart) {
	for _, p := range parts {
		p.flush()
		if p.lost == nil {
			p.lost = p.c.WriteData(make([]byte, 4))
		}
	}
	for _, p := range parts {
		if p.lost == nil {
			var err error
			p.ok, p.err, err = s.readOK(p.reply)
			if err != nil {
				p.lost = err
			}
		}
		if p.lost != nil {
			p.c.MarkBroken()
		}
		s.untrack(p.c)
	}
}

// askFile sends the client the request for the file named path.
func (s *Session) askFile(path string) error {
	if err := s.conn.WritePacket(append(append(s.buf[:4], mysql.LocalInFile_HEADER), path...)); err != nil {
		return err
	}
	return s.nc.Flush()
}

// clientFile reads the file the client sends, packet by packet, up to the
// empty packet that ends it.
type clientFile struct {
	s    *Session
	live *settings
	cur  []byte
	done bool
	err  error
}

func (f *clientFile) Read(b []byte) (int, error) {
	for len(f.cur) == 0 {
		if f.done {
			return 0, io.EOF
		}
		if f.err != nil {
			return 0, f.err
		}
		p, err := f.s.readFilePacket(f.live)
		if err != nil {
			f.err = err
			return 0, err
		}
		if len(p) == 4 {
			f.done = true
			continue
		}
		f.cur = p[4:]
	}
	n := copy(b, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}

// drain reads the rest of the file.
func (f *clientFile) drain() error {
	_, err := io.Copy(io.Discard, f)
	return err
}

// clientFailed answers a broken file transfer as relayLocalInfile does.
func (s *Session) clientFailed(f *clientFile) error {
	if errors.Is(f.err, errPacketTooLarge) {
		s.refusePacket(f.live.maxPacket)
	} else if isOutOfOrder(f.err) {
		s.refuseOutOfOrder(f.err)
	}
	return f.err
}

// copyFile sends the whole file to every part.
func (s *Session) copyFile(l *router.LoadSplit, parts []*loadPart) error {
	if err := s.askFile(l.Path); err != nil {
		return err
	}
	file := &clientFile{s: s, live: s.srv.live.Load()}
	buf := make([]byte, loadChunk)
	for {
		n, err := file.Read(buf)
		for _, p := range parts {
			p.send(buf[:n])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s.clientFailed(file)
		}
	}
}

// splitFile sends each row to the part of its shard. routeErr: a row that
// could not be placed; clientErr: the client's connection failed.
func (s *Session) splitFile(l *router.LoadSplit, f loadfile.Format, parts []*loadPart) (routeErr, clientErr error) {
	if err := s.askFile(l.Path); err != nil {
		return nil, err
	}
	byShard := make(map[string]*loadPart, len(parts))
	for _, p := range parts {
		byShard[p.shard] = p
	}
	file := &clientFile{s: s, live: s.srv.live.Load()}
	rd := loadfile.NewReader(file, f, l.NFields, l.Ignore)
	for n := uint64(1); ; n++ {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, s.clientFailed(file)
		}
		shard, err := l.Locate(row.Fields, n, f.UTF8)
		if err == nil && byShard[shard] == nil {
			err = mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, "LOAD DATA: row "+strconv.FormatUint(n, 10)+" belongs on shard "+shard+", which the load did not start on")
		}
		if err != nil {
			routeErr = err
			break
		}
		p := byShard[shard]
		p.rows = append(p.rows, n)
		p.send(row.Raw)
	}
	if file.drain() != nil {
		return routeErr, s.clientFailed(file)
	}
	return routeErr, nil
}

// loadError is the failure of a load that failed on some shards (and its
// shard): one MariaDB reads the file in order and stops at the first row
// that fails, so it is the error of the earliest failing row, with the row
// it names counted in the file (firstfailure.go), and the conditions it
// raised; every part ran to its end. A copy's error is every copy's. err
// is nil if none failed.
func (s *Session) loadError(ctx context.Context, l *router.LoadSplit, parts []*loadPart) (string, partFailure) {
	var fs []partFailure
	var shards []string
	for _, p := range parts {
		if p.err == nil {
			continue
		}
		var rows []int
		if !l.Copies {
			rows = make([]int, len(p.rows))
			for i, n := range p.rows {
				rows[i] = int(n) - 1
			}
		}
		fs = append(fs, partFailure{err: renumberError(p.err, rows), rows: rows, conds: s.partConditions(ctx, p.c, p.err, rows)})
		shards = append(shards, p.shard)
		if l.Copies {
			break
		}
	}
	if len(fs) == 0 {
		return "", partFailure{}
	}
	j, ok := earliestFailure(fs)
	if !ok {
		return shards[0], refusedFailure("LOAD DATA into "+strings.ReplaceAll(l.Table, "%", "%%")+" failed on several shards, and which of their errors one server would report first cannot be told (%s); the load is undone: load the rows of one shard at a time to see each shard's error", fs)
	}
	return shards[j], fs[j]
}

// loadAnswer adds up the shards' answers and records their warnings, with
// the row numbers they name counted in the whole file, in row order.
func (s *Session) loadAnswer(ctx context.Context, l *router.LoadSplit, parts []*loadPart) okInfo {
	var total okInfo
	type cond struct {
		row uint64
		r   engine.Row
	}
	var conds []cond
	var errs uint64
	for i, p := range parts {
		if l.Copies && i > 0 {
			break // another copy of the same rows: counted once
		}
		total.info = mergeOKInfo(total.info, p.ok.info, i == 0)
		total.affected += p.ok.affected
		total.warnings += p.ok.warnings
		if p.ok.warnings == 0 {
			continue
		}
		res, err := p.c.Exec(ctx, "SHOW WARNINGS")
		if err != nil {
			continue
		}
		// A condition naming no row (a duplicate IGNORE skipped) is put
		// after the one before it in its part, the first after the part's
		// first row (partRowKeys).
		last := uint64(0)
		if len(p.rows) > 0 {
			last = p.rows[0]
		}
		for _, r := range valueRows(res) {
			if len(r) > 2 {
				if k, ok := rowOf(string(r[2])); ok && !l.Copies && k >= 1 && k <= uint64(len(p.rows)) {
					last = p.rows[k-1]
					r[2] = []byte(renumberRow(string(r[2]), last))
				}
				if string(r[0]) == "Error" {
					errs++
				}
			}
			conds = append(conds, cond{row: last, r: r})
		}
	}
	sort.SliceStable(conds, func(i, j int) bool { return conds[i].row < conds[j].row })
	if limit := s.maxErrorCount(); uint64(len(conds)) > limit {
		conds = conds[:limit]
	}
	rows := make([]engine.Row, len(conds))
	for i, c := range conds {
		rows[i] = c.r
	}
	if total.warnings > 0 {
		s.addConditions(uint64(total.warnings), errs, rows)
	}
	return total
}

var (
	atRowRe = regexp.MustCompile(` at row (\d+)$`)
	rowNRe  = regexp.MustCompile(`^Row (\d+) `)
)

// rowOf reads the row number a condition's message names.
func rowOf(msg string) (uint64, bool) {
	m := atRowRe.FindStringSubmatch(msg)
	if m == nil {
		m = rowNRe.FindStringSubmatch(msg)
	}
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 64)
	return n, err == nil
}

func renumberRow(msg string, row uint64) string {
	n := strconv.FormatUint(row, 10)
	if loc := atRowRe.FindStringSubmatchIndex(msg); loc != nil {
		return msg[:loc[2]] + n + msg[loc[3]:]
	}
	loc := rowNRe.FindStringSubmatchIndex(msg)
	return msg[:loc[2]] + n + msg[loc[3]:]
}
