package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/loadfile"
)

func loadRouter(t *testing.T) *Router {
	r := routerWith(t, 2, `
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: user_id, algorithm: hash}
      - {name: names, shard_key: name, algorithm: hash}
      - {name: stamps, shard_key: at, algorithm: hash}
      - {name: seq, shard_key: id, algorithm: hash}
      - {name: logs, shard_key: id, algorithm: hash, shards: [s1]}
      - {name: nokey, shard_key: k, algorithm: hash}
      - {name: uuids, shard_key: id, algorithm: hash}
      - {name: codes, shard_key: code, algorithm: hash}
      - {name: countries, broadcast: true}
  - name: crm
    default_shard: s1
`)
	withCatalog(t, r, map[string][]string{
		"shop.orders": {"id int(11)", "user_id int(11)", "note text"},
		"shop.names":  {"name varchar(4)", "v text"},
		"shop.stamps": {"at datetime", "v text"},
		"shop.seq":    {"id bigint(20) auto_increment", "v text"},
		"shop.nokey":  {"id int(11)", "v text"}, // no column k, its configured key
		"shop.uuids":  {"id binary(16)", "v text"},
		"shop.codes":  {"code varchar(32) collate=utf8mb4_unicode_ci", "c char(4) collate=utf8mb4_unicode_ci"},
	})
	return r
}

func TestPlanLoadData(t *testing.T) {
	r := loadRouter(t)
	tests := []struct {
		sql      string
		shard    string // relayed to this shard
		split    string // split: the statement each shard runs
		nfields  int
		keyField int
		copies   bool
		errPart  string // the refusal names this
	}{
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE notes", shard: "s0"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE crm.contacts FIELDS TERMINATED BY ','", shard: "s1"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' REPLACE INTO TABLE logs (id, msg)", shard: "s1"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE orders", split: "LOAD DATA LOCAL INFILE '/tmp/f' IGNORE INTO TABLE `orders`", nfields: 3, keyField: 1},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' IGNORE INTO TABLE orders CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES (user_id, note) SET id = 7",
			split: "LOAD DATA LOCAL INFILE '/tmp/f' IGNORE INTO TABLE `orders` CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' ENCLOSED BY '\"' LINES TERMINATED BY '\r\n' (`user_id`,`note`) SET `id`=7", nfields: 2, keyField: 0},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE orders (@x, user_id, note) SET id = @x + 1", errPart: "cannot read fields into user variables (@x)"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE countries", copies: true},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE orders (id, note)", errPart: "the shard key column user_id is not read from the file"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE orders (id, note) SET user_id = 5", errPart: "SET assigns the shard key column user_id"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE stamps", errPart: "its shard key column at is datetime"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE seq", errPart: "AUTO_INCREMENT column id"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE nokey (k, v)", errPart: "the table has no column k"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if tt.errPart != "" {
				var me *mysql.MyError
				if err == nil || !asMy(err, &me) || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, tt.errPart) {
					t.Fatalf("err %v, want 1235 containing %q", err, tt.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ex, err := p.Bind(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Write() {
				t.Fatal("not a write")
			}
			if tt.shard != "" {
				if !ex.Single() || ex.Parts[0].Shard != tt.shard || ex.Load != nil {
					t.Fatalf("parts %+v; want the statement as it is on %s", ex.Parts, tt.shard)
				}
				return
			}
			l := ex.Load
			if l == nil || len(ex.Parts) != 2 || l.Copies != tt.copies || l.Path != "/tmp/f" {
				t.Fatalf("exec %+v load %+v", ex, l)
			}
			if tt.copies {
				return
			}
			if l.SQL != tt.split || l.NFields != tt.nfields || l.KeyField != tt.keyField {
				t.Fatalf("load %q fields %d key %d; want %q %d %d", l.SQL, l.NFields, l.KeyField, tt.split, tt.nfields, tt.keyField)
			}
		})
	}
}

func TestLoadSplitLocate(t *testing.T) {
	r := loadRouter(t)
	plan := func(sql string) *LoadSplit {
		p, err := planFor(t, r, sql)
		if err != nil {
			t.Fatal(err)
		}
		ex, _ := p.Bind(nil)
		return ex.Load
	}
	orders := plan("LOAD DATA LOCAL INFILE 'f' INTO TABLE orders")
	names := plan("LOAD DATA LOCAL INFILE 'f' INTO TABLE names")
	fld := func(vals ...string) []loadfile.Field {
		var out []loadfile.Field
		for _, v := range vals {
			if v == "NULL" {
				out = append(out, loadfile.Field{Null: true})
			} else {
				out = append(out, loadfile.Field{Value: []byte(v)})
			}
		}
		return out
	}
	same := func(l *LoadSplit, a, b []loadfile.Field) {
		t.Helper()
		sa, errA := l.Locate(a, 1, true)
		sb, errB := l.Locate(b, 2, true)
		if errA != nil || errB != nil || sa != sb {
			t.Errorf("%v -> %s %v, %v -> %s %v: want one shard", a, sa, errA, b, sb, errB)
		}
	}
	same(orders, fld("1", "7"), fld("2", " 7"))
	same(orders, fld("1", "7"), fld("2", "7.0"))
	same(names, fld("Abc"), fld("abc "))
	for _, tt := range []struct {
		l      *LoadSplit
		fields []loadfile.Field
		utf8   bool
		err    string
	}{
		{orders, fld("1"), true, "no field for shard key column user_id"},
		{orders, fld("1", "NULL"), true, "is NULL"},
		{orders, fld("1", ""), true, "is not"},
		{orders, fld("1", "7x"), true, "is not"},
		{orders, fld("1", "7.5"), true, "is not an integer"},
		{orders, fld("1", "2147483648"), true, "out of the range of column user_id [-2147483648, 2147483647]"},
		{names, fld("abcde"), true, "longer than column name holds"},
		{names, fld("é"), false, "not ASCII"},
	} {
		if _, err := tt.l.Locate(tt.fields, 3, tt.utf8); err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "row 3") {
			t.Errorf("%v: err %v, want %q", tt.fields, err, tt.err)
		}
	}
	if _, err := names.Locate(fld("é"), 1, true); err != nil {
		t.Errorf("utf8 key: %v", err)
	}
}

func asMy(err error, me **mysql.MyError) bool {
	m, ok := err.(*mysql.MyError)
	*me = m
	return ok
}
