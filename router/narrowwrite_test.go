package router

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/sharding"
)

// An UPDATE or DELETE over several shards picked by an IN list on the key
// runs on each with only the keys it holds (items: id % 3 is the shard).
func TestNarrowedWriteText(t *testing.T) {
	r := keyedRouter(t)
	str := func(s string) Param { return bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte(s)) }
	tests := []struct {
		name   string
		sql    string
		params []Param
		want   map[string]string // shard: its text ("" the client's own)
	}{
		{name: "update, two shards, one item on one", sql: "UPDATE items SET v = 'x' WHERE id IN (1, 2, 4)", want: map[string]string{
			"s1": "UPDATE `items` SET `v`='x' WHERE `id` IN (1,4)",
			"s2": "UPDATE `items` SET `v`='x' WHERE `id` IN (2)",
		}},
		{name: "delete, three shards", sql: "DELETE FROM items WHERE id IN (7, 3, 2, 1) AND v <> 'a'", want: map[string]string{
			"s0": "DELETE FROM `items` WHERE `id` IN (3) AND `v`!='a'",
			"s1": "DELETE FROM `items` WHERE `id` IN (7,1) AND `v`!='a'",
			"s2": "DELETE FROM `items` WHERE `id` IN (2) AND `v`!='a'",
		}},
		{name: "prepared update, three shards", sql: "UPDATE items SET v = ? WHERE id IN (?, ?, ?, ?) AND name = ?",
			params: []Param{str("it's"), intParam(5), intParam(4), intParam(6), intParam(2), str("n")}, want: map[string]string{
				"s0": "UPDATE `items` SET `v`='it''s' WHERE `id` IN (6) AND `name`='n'",
				"s1": "UPDATE `items` SET `v`='it''s' WHERE `id` IN (4) AND `name`='n'",
				"s2": "UPDATE `items` SET `v`='it''s' WHERE `id` IN (5,2) AND `name`='n'",
			}},
		{name: "prepared delete, two shards", sql: "DELETE FROM items WHERE id IN (?, ?, ?)",
			params: []Param{intParam(1), intParam(3), intParam(4)}, want: map[string]string{
				"s0": "DELETE FROM `items` WHERE `id` IN (3)",
				"s1": "DELETE FROM `items` WHERE `id` IN (1,4)",
			}},
		{name: "delete returning", sql: "DELETE FROM items WHERE id IN (1, 2) RETURNING id, v", want: map[string]string{
			"s1": "DELETE FROM `items` WHERE `id` IN (1) RETURNING id, v",
			"s2": "DELETE FROM `items` WHERE `id` IN (2) RETURNING id, v",
		}},
		// The client's own statement where nothing is narrowed.
		{name: "one shard", sql: "UPDATE items SET v = 'x' WHERE id IN (1, 4)", want: map[string]string{"s1": ""}},
		{name: "no split", sql: "DELETE FROM items WHERE id IN (1, 2) AND id > 0", want: map[string]string{"s1": "", "s2": ""}},
		{name: "returning parameter", sql: "DELETE FROM items WHERE id IN (?, ?) RETURNING id, ?",
			params: []Param{intParam(1), intParam(2), intParam(3)}, want: map[string]string{"s1": "", "s2": ""}},
		{name: "parameter without literal", sql: "UPDATE items SET v = ? WHERE id IN (?, ?)",
			params: []Param{floatParam(math.NaN()), intParam(1), intParam(2)}, want: map[string]string{"s1": "", "s2": ""}},
		// Written in, a large value could pass the shard's
		// max_allowed_packet where the binary execute does not.
		{name: "large parameter", sql: "UPDATE items SET v = ? WHERE id IN (?, ?)",
			params: []Param{str(strings.Repeat("x", maxNarrowedText)), intParam(1), intParam(2)}, want: map[string]string{"s1": "", "s2": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.Bind(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Parts) != len(tt.want) {
				t.Fatalf("parts %v, want shards %v", e.Parts, tt.want)
			}
			narrowed := false
			for _, part := range e.Parts {
				want, ok := tt.want[part.Shard]
				if !ok || part.SQL != want {
					t.Errorf("%s runs %q, want %q", part.Shard, part.SQL, want)
				}
				narrowed = narrowed || part.SQL != ""
			}
			if e.Narrowed != narrowed {
				t.Errorf("Narrowed = %v", e.Narrowed)
			}
			if e.Narrowed {
				w := e.Unnarrowed()
				for i, part := range w.Parts {
					if part.SQL != "" || part.Shard != e.Parts[i].Shard {
						t.Errorf("Unnarrowed part %d: %+v", i, part)
					}
				}
				if w.Narrowed || e.Parts[0].SQL == "" {
					t.Error("Unnarrowed changed its exec, or is Narrowed")
				}
			}
			want := ExecWrite
			switch {
			case len(e.Parts) == 1:
				want = ExecSingle
			case p.Stmt.Returning != nil:
				want = ExecReturning
			}
			if e.Op != want {
				t.Errorf("op %v, want %v", e.Op, want)
			}
		})
	}
}

// A multi-table UPDATE of co-located tables is narrowed the same way.
func TestNarrowedJoinedWrite(t *testing.T) {
	r := keyedRouter(t)
	tbl := r.rules.Schema("shop").Table("orders")
	byShard := map[string][]string{}
	for _, id := range []int64{1, 2, 3, 4, 5, 6, 7, 8} {
		k, _ := tbl.Normalize(sharding.IntValue(id))
		s, _ := tbl.Locate(k)
		byShard[s] = append(byShard[s], strconv.FormatInt(id, 10))
	}
	p, err := planFor(t, r, "UPDATE orders o JOIN users u ON u.user_id = o.user_id SET o.total = 0 WHERE o.user_id IN (1, 2, 3, 4, 5, 6, 7, 8)")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) != len(byShard) || !e.Narrowed {
		t.Fatalf("parts %+v", e.Parts)
	}
	for _, part := range e.Parts {
		want := "UPDATE `orders` AS `o` JOIN `users` AS `u` ON `u`.`user_id`=`o`.`user_id` SET `o`.`total`=0 WHERE `o`.`user_id` IN (" + strings.Join(byShard[part.Shard], ",") + ")"
		if part.SQL != want {
			t.Errorf("%s runs %q, want %q", part.Shard, part.SQL, want)
		}
	}
}
