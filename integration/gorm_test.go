package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// gNote is an unsharded row with an auto-increment id and a column the
// database fills (default:(-)): GORM reads both back with RETURNING.
type gNote struct {
	ID    uint64 `gorm:"primaryKey"`
	Body  string
	Score float64 `gorm:"default:(-)"`
}

func (gNote) TableName() string { return "gnotes" }

// gItem is a row of a table sharded by k; twice is a generated column
// (k * 2), read back with RETURNING: GORM assigns the returned rows to the
// created values by position, so a wrong row order shows.
type gItem struct {
	K     int `gorm:"primaryKey;autoIncrement:false"`
	V     string
	Twice int `gorm:"->;default:(-)"`
}

func (gItem) TableName() string { return "gitems" }

// sqlLog records the SQL GORM runs.
type sqlLog struct {
	mu   sync.Mutex
	stmt []string
}

func (l *sqlLog) LogMode(logger.LogLevel) logger.Interface      { return l }
func (l *sqlLog) Info(context.Context, string, ...interface{})  {}
func (l *sqlLog) Warn(context.Context, string, ...interface{})  {}
func (l *sqlLog) Error(context.Context, string, ...interface{}) {}
func (l *sqlLog) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.mu.Lock()
	l.stmt = append(l.stmt, sql)
	l.mu.Unlock()
}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.stmt
	l.stmt = nil
	return out
}

// openGORM opens GORM with its MariaDB dialect detection, as an
// application does: the dialector asks the server's version.
func openGORM(t *testing.T, dsn string) (*gorm.DB, *sqlLog) {
	t.Helper()
	log := &sqlLog{}
	db, err := gorm.Open(gormmysql.Open(dsn), &gorm.Config{Logger: log})
	if err != nil {
		t.Fatalf("gorm.Open(%s): %v", dsn, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return db, log
}

// gormTrial runs the same GORM code on db and describes what it saw, one
// line per operation; the SQL GORM sent for the Creates goes to creates.
func gormTrial(t *testing.T, db *gorm.DB, log *sqlLog) (lines, creates []string) {
	t.Helper()
	out := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	errText := func(err error) string {
		if err == nil {
			return "ok"
		}
		return retErrLine(err)
	}
	logCreate := func() {
		for _, s := range log.take() {
			if strings.HasPrefix(s, "INSERT") {
				creates = append(creates, s)
			}
		}
	}

	n := gNote{Body: "first"}
	err := db.Create(&n).Error
	out("create note: %s id=%d score=%v", errText(err), n.ID, n.Score)
	logCreate()

	batch := []gNote{{Body: "b1"}, {Body: "b2"}, {Body: "b3", Score: 9.5}}
	res := db.Create(&batch)
	out("create notes: %s affected=%d %+v", errText(res.Error), res.RowsAffected, batch)
	logCreate()

	items := []gItem{{K: 1, V: "a"}, {K: 2, V: "b"}, {K: 3, V: "c"}, {K: 5, V: "e"}, {K: 4, V: "d"}, {K: 7, V: "g"}}
	res = db.Create(&items)
	out("create items: %s affected=%d %+v", errText(res.Error), res.RowsAffected, items)
	logCreate()

	one := gItem{K: 10, V: "j"}
	err = db.Create(&one).Error
	out("create item: %s %+v", errText(err), one)
	logCreate()

	var page []gNote
	err = db.Order("id").Limit(2).Offset(1).Find(&page).Error
	out("notes page: %s %+v", errText(err), page)
	var ipage []gItem
	err = db.Order("k desc").Limit(3).Offset(1).Find(&ipage).Error
	out("items page: %s %+v", errText(err), ipage)

	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&gNote{Body: "tx"}).Error; err != nil {
			return err
		}
		return tx.Create(&[]gItem{{K: 20, V: "t"}, {K: 21, V: "u"}}).Error
	})
	out("committed transaction: %s", errText(err))
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&[]gItem{{K: 30, V: "r"}, {K: 31, V: "s"}}).Error; err != nil {
			return err
		}
		if err := tx.Create(&gNote{Body: "rolled back"}).Error; err != nil {
			return err
		}
		return errors.New("undo")
	})
	out("rolled back transaction: %v", err)
	logCreate()

	res = db.Delete(&gNote{}, n.ID)
	out("delete note: %s affected=%d", errText(res.Error), res.RowsAffected)
	res = db.Where("k IN ?", []int{1, 2}).Delete(&gItem{})
	out("delete items: %s affected=%d", errText(res.Error), res.RowsAffected)
	var deleted []gItem
	res = db.Clauses(clause.Returning{}).Where("k > ?", 4).Delete(&deleted)
	// Rows deleted on several shards have no order.
	sort.Slice(deleted, func(i, j int) bool { return deleted[i].K < deleted[j].K })
	out("delete items returning: %s affected=%d %+v", errText(res.Error), res.RowsAffected, deleted)
	log.take()

	var notes []gNote
	err = db.Order("id").Find(&notes).Error
	out("notes: %s %+v", errText(err), notes)
	var left []gItem
	err = db.Order("k").Find(&left).Error
	out("items: %s %+v", errText(err), left)
	return lines, creates
}

// TestGORMOnMariaDB: GORM with its MySQL driver takes the proxy for
// MariaDB (from the version the server reports), so every Create of a row
// with database-assigned columns sends INSERT ... RETURNING, as a prepared
// statement; creates, batch creates (across shards), paged finds,
// transactions and deletes give the application what the same code gets
// from one MariaDB.
func TestGORMOnMariaDB(t *testing.T) {
	t.Parallel()
	f := startReturningFixture(t)
	proxyDSN := f.p.DSN(appUser, appPass, "shop", "")
	directDSN := f.s0.DSN("direct")
	for _, d := range []string{proxyDSN, directDSN} {
		db := openDiffDB(t, d)
		mustExec(t, db, "CREATE TABLE gnotes (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, body VARCHAR(50) NOT NULL, score DOUBLE NOT NULL DEFAULT 1.25)")
		mustExec(t, db, "CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), twice INT AS (k * 2) STORED)")
	}
	pdb, plog := openGORM(t, proxyDSN)
	ddb, dlog := openGORM(t, directDSN)
	pv := pdb.Dialector.(*gormmysql.Dialector).ServerVersion
	if !strings.Contains(pv, "MariaDB") {
		t.Fatalf("GORM read server version %q through the proxy: it does not take it for MariaDB and would not use RETURNING", pv)
	}
	t.Logf("server version through the proxy: %s", pv)

	got, pcreates := gormTrial(t, pdb, plog)
	want, dcreates := gormTrial(t, ddb, dlog)
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("step %d:\n  proxy:   %s\n  MariaDB: %s", i, got[min(i, len(got)-1)], want[i])
		}
	}
	if strings.Join(pcreates, "\n") != strings.Join(dcreates, "\n") {
		t.Errorf("GORM sent different SQL through the proxy:\n%s\ndirectly:\n%s", strings.Join(pcreates, "\n"), strings.Join(dcreates, "\n"))
	}
	if len(pcreates) < 4 {
		t.Fatalf("GORM logged %d INSERTs, want at least 4: %q", len(pcreates), pcreates)
	}
	t.Logf("GORM's INSERTs through the proxy: %q", pcreates)
	for _, s := range pcreates {
		if !strings.Contains(s, " RETURNING ") {
			t.Errorf("GORM did not use RETURNING through the proxy: %s", s)
		}
	}
	// The items went to the shards their keys name, and the batch's
	// generated values came back to the right rows.
	for _, line := range got {
		t.Log(line)
	}
	for i, s := range []*sql.DB{f.s0.DB(t, "shop"), f.s1.DB(t, "shop")} {
		keys := queryStrings(t, s, "SELECT CAST(k AS CHAR) FROM gitems ORDER BY k")
		for _, k := range keys {
			var n int
			fmt.Sscan(k, &n)
			if n%2 != i {
				t.Errorf("shard s%d holds gitems key %d", i, n)
			}
		}
	}
}
