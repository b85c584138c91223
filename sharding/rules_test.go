package sharding

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/conf"
)

func testConfig() *conf.Config {
	all := []string{"s0", "s1", "s2"}
	return &conf.Config{
		Shards: []conf.Shard{{Name: "s0"}, {Name: "s1"}, {Name: "s2"}},
		Schemas: []conf.Schema{{
			Name: "Shop", DefaultShard: "s1",
			Tables: []conf.Table{
				{Name: "Users", ShardKey: "id", Algorithm: "hash", Shards: all},
				{Name: "orders", ShardKey: "user_id", Algorithm: "hash", Shards: all},
				{Name: "orders_rev", ShardKey: "user_id", Algorithm: "hash", Shards: []string{"s2", "s1", "s0"}},
				{Name: "items", ShardKey: "id", Algorithm: "mod", Shards: all},
				{Name: "items2", ShardKey: "id", Algorithm: "mod", Shards: all},
				{Name: "events", ShardKey: "id", Algorithm: "range", Shards: all, Ranges: []conf.Range{
					{Shard: "s0", Below: below(100)}, {Shard: "s1", Below: below(200)}, {Shard: "s2"}}},
				{Name: "events2", ShardKey: "id", Algorithm: "range", Shards: all, Ranges: []conf.Range{
					{Shard: "s0", Below: below(100)}, {Shard: "s1", Below: below(200)}, {Shard: "s2"}}},
				{Name: "logs", ShardKey: "id", Algorithm: "range", Shards: all, Ranges: []conf.Range{
					{Shard: "s0", Below: below(100)}, {Shard: "s1", Below: below(300)}, {Shard: "s2"}}},
				{Name: "capped", ShardKey: "id", Algorithm: "range", Shards: all, Ranges: []conf.Range{
					{Shard: "s0", Below: below(500)}, {Shard: "s1", Below: below(1000)}}},
				{Name: "countries", Broadcast: true, Shards: all},
				{Name: "weird", ShardKey: "id", Algorithm: "crc", Shards: all},
			},
		}},
	}
}

func TestRulesExistingAPI(t *testing.T) {
	r := New(testConfig())
	if got := r.Shards(); !reflect.DeepEqual(got, []string{"s0", "s1", "s2"}) {
		t.Errorf("Shards = %v", got)
	}
	if got := r.SchemaNames(); !reflect.DeepEqual(got, []string{"Shop"}) {
		t.Errorf("SchemaNames = %v", got)
	}
	s := r.Schema("SHOP")
	if s == nil || s.Name != "Shop" || s.DefaultShard != "s1" || len(s.Tables) != 11 {
		t.Fatalf("Schema(SHOP) = %+v", s)
	}
	if r.Schema("nope") != nil {
		t.Error("Schema(nope) found")
	}
	u := s.Table("users")
	if u == nil || u.Name != "Users" || u.ShardKey != "id" || u.Algorithm != "hash" || u.Broadcast {
		t.Fatalf("Table(users) = %+v", u)
	}
	if s.Table("unlisted") != nil {
		t.Error("unlisted table found")
	}
}

func TestNewCopiesConfig(t *testing.T) {
	c := testConfig()
	r := New(c)
	c.Schemas[0].Tables[0].Shards[0] = "changed"
	*c.Schemas[0].Tables[5].Ranges[0].Below = 7
	s := r.Schema("shop")
	if s.Table("users").Shards[0] != "s0" || *s.Table("events").Ranges[0].Below != 100 {
		t.Error("rules share memory with the configuration")
	}
	all := s.Table("users").AllShards()
	all[0] = "changed"
	if s.Table("users").Shards[0] != "s0" {
		t.Error("AllShards returned the table's own slice")
	}
}

func TestLookup(t *testing.T) {
	s := New(testConfig()).Schema("shop")
	tests := []struct {
		table string
		kind  TableKind
		name  string
	}{
		{"USERS", Sharded, "Users"},
		{"countries", Broadcast, "countries"},
		{"unlisted", Unsharded, ""},
	}
	for _, tc := range tests {
		kind, tbl := s.Lookup(tc.table)
		if kind != tc.kind || (tbl == nil) != (tc.name == "") || tbl != nil && tbl.Name != tc.name {
			t.Errorf("Lookup(%s) = %v, %+v; want %v %q", tc.table, kind, tbl, tc.kind, tc.name)
		}
	}
	if Sharded.String() != "sharded" || Unsharded.String() != "unsharded" || Broadcast.String() != "broadcast" {
		t.Error("TableKind.String")
	}
}

func TestTableLocate(t *testing.T) {
	s := New(testConfig()).Schema("shop")
	tests := []struct {
		table string
		v     Value
		want  string // "" = error
	}{
		{"items", IntValue(4), "s1"},
		{"items", StringValue("-1"), "s2"},
		{"items", StringValue("5abc"), ""},
		{"items", StringValue("1.5"), ""},
		{"events", IntValue(99), "s0"},
		{"events", StringValue("100"), "s1"},
		{"events", NumberValue("1e9"), "s2"},
		{"capped", IntValue(999), "s1"},
		{"capped", IntValue(1000), ""},
		{"users", IntValue(5), "s1"},
		{"users", StringValue("5"), "s1"},
		{"users", StringValue("abc"), "s0"},
		{"users", StringValue("ABC  "), "s0"},
		{"users", NullValue(), ""},
		{"countries", IntValue(1), ""},
		{"weird", IntValue(1), ""},
	}
	for _, tc := range tests {
		tbl := s.Table(tc.table)
		got, err := func() (string, error) {
			k, err := tbl.Normalize(tc.v)
			if err != nil {
				return "", err
			}
			return tbl.Locate(k)
		}()
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: %s located on %s, want an error", tc.table, tc.v, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %s on %s, %v; want %s", tc.table, tc.v, got, err, tc.want)
		}
	}
	if _, err := s.Table("countries").Locate(IntKey(1)); !errors.Is(err, ErrBroadcast) || !strings.HasPrefix(err.Error(), "table countries is broadcast") {
		t.Errorf("broadcast Locate: %v", err)
	}
	if _, err := s.Table("weird").Locate(IntKey(1)); err == nil || !strings.Contains(err.Error(), `unknown algorithm "crc"`) {
		t.Errorf("unknown algorithm: %v", err)
	}
	if !s.Table("users").IsSharded() || s.Table("countries").IsSharded() {
		t.Error("IsSharded")
	}
	if got := s.Table("countries").AllShards(); !reflect.DeepEqual(got, []string{"s0", "s1", "s2"}) {
		t.Errorf("broadcast AllShards = %v", got)
	}
}

func TestLocateValues(t *testing.T) {
	s := New(testConfig()).Schema("shop")
	got, err := s.Table("items").LocateValues([]Value{IntValue(0), IntValue(1), StringValue("3"), NumberValue("4.0"), IntValue(-2), UintValue(6)})
	want := map[string][]int{"s0": {0, 2, 5}, "s1": {1, 3, 4}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LocateValues = %v, %v; want %v", got, err, want)
	}
	// IN ('abc', 'ABC', 5, '5') on a hash table: case and spelling variants go together.
	got, err = s.Table("users").LocateValues([]Value{StringValue("abc"), StringValue("ABC"), IntValue(5), StringValue("5")})
	want = map[string][]int{"s0": {0, 1}, "s1": {2, 3}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LocateValues = %v, %v; want %v", got, err, want)
	}
	_, err = s.Table("items").LocateValues([]Value{IntValue(1), StringValue("5abc")})
	if !errors.Is(err, ErrNotNumber) || !strings.Contains(err.Error(), "value 2") {
		t.Errorf("bad value: %v", err)
	}
	_, err = s.Table("capped").LocateValues([]Value{IntValue(1), IntValue(5000)})
	if !errors.Is(err, ErrNoRange) {
		t.Errorf("no range: %v", err)
	}
	if _, err := s.Table("countries").LocateValues([]Value{IntValue(1)}); !errors.Is(err, ErrBroadcast) {
		t.Errorf("broadcast: %v", err)
	}
	if got, err := s.Table("items").LocateValues(nil); err != nil || len(got) != 0 {
		t.Errorf("no values: %v, %v", got, err)
	}
}

func TestTableLocateRange(t *testing.T) {
	s := New(testConfig()).Schema("shop")
	got, err := s.Table("events").LocateRange(keyp(IntKey(150)), keyp(IntKey(250)), true, false)
	if err != nil || !reflect.DeepEqual(got, []string{"s1", "s2"}) {
		t.Errorf("events [150, 250) = %v, %v", got, err)
	}
	got, err = s.Table("items").LocateRange(keyp(IntKey(3)), keyp(IntKey(4)), true, true)
	if err != nil || !reflect.DeepEqual(got, []string{"s0", "s1"}) {
		t.Errorf("items [3, 4] = %v, %v", got, err)
	}
	// A hash table of unknown key type cannot enumerate; declared Integer it can.
	users := s.Table("users")
	got, err = users.LocateRange(keyp(IntKey(5)), keyp(IntKey(5)), true, true)
	if err != nil || len(got) != 3 {
		t.Errorf("users [5, 5] = %v, %v", got, err)
	}
	ui, err := users.WithKeyType(Integer)
	if err != nil {
		t.Fatal(err)
	}
	got, err = ui.LocateRange(keyp(IntKey(5)), keyp(IntKey(5)), true, true)
	if err != nil || !reflect.DeepEqual(got, []string{"s1"}) {
		t.Errorf("users as integer [5, 5] = %v, %v", got, err)
	}
	if _, err := s.Table("countries").LocateRange(nil, nil, true, true); !errors.Is(err, ErrBroadcast) {
		t.Errorf("broadcast: %v", err)
	}
}

func TestWithKeyType(t *testing.T) {
	s := New(testConfig()).Schema("shop")
	users := s.Table("users")
	if users.KeyType() != Unknown || s.Table("items").KeyType() != Integer || s.Table("events").KeyType() != Integer {
		t.Error("default key types")
	}
	// Declaring Integer or Decimal moves no row.
	for _, ct := range []ColType{Integer, Decimal} {
		c, err := users.WithKeyType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if c.KeyType() != ct || users.KeyType() != Unknown {
			t.Errorf("WithKeyType(%v) changed the original or did not apply", ct)
		}
		for i := int64(-50); i < 50; i++ {
			a, _ := users.Locate(IntKey(i))
			b, _ := c.Locate(IntKey(i))
			if a != b {
				t.Errorf("%v: key %d moved from %s to %s", ct, i, a, b)
			}
		}
		// The typed rule refines the unknown-type one: still co-located.
		if !New(testConfig()).Colocated(c, c) || !New(testConfig()).Colocated(users, c) {
			t.Errorf("%v: co-location with key types", ct)
		}
	}
	for _, tc := range []struct {
		table string
		ct    ColType
	}{{"users", String}, {"users", ColType(9)}, {"items", Unknown}, {"events", Decimal}, {"countries", Integer}} {
		if _, err := s.Table(tc.table).WithKeyType(tc.ct); err == nil {
			t.Errorf("%s.WithKeyType(%v) accepted", tc.table, tc.ct)
		}
	}
	if c, err := s.Table("items").WithKeyType(Integer); err != nil || c.KeyType() != Integer {
		t.Errorf("items.WithKeyType(Integer) = %v, %v", c, err)
	}
}

func TestColocated(t *testing.T) {
	r := New(testConfig())
	s := r.Schema("shop")
	tests := []struct {
		a, b string
		want bool
	}{
		{"users", "orders", true},
		{"users", "users", true},
		{"users", "orders_rev", false}, // same shards, other order
		{"users", "items", false},      // other algorithm
		{"items", "items2", true},
		{"events", "events2", true},
		{"events", "logs", false}, // other ranges
		{"events", "capped", false},
		{"countries", "countries", false},
		{"users", "countries", false},
		{"weird", "weird", false},
	}
	for _, tc := range tests {
		if got := r.Colocated(s.Table(tc.a), s.Table(tc.b)); got != tc.want {
			t.Errorf("Colocated(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := r.Colocated(s.Table(tc.b), s.Table(tc.a)); got != tc.want {
			t.Errorf("Colocated(%s, %s) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
	if r.Colocated(nil, s.Table("users")) {
		t.Error("Colocated(nil, users)")
	}
	// Co-located tables really put equal keys together.
	for _, pair := range [][2]string{{"users", "orders"}, {"items", "items2"}, {"events", "events2"}} {
		a, b := s.Table(pair[0]), s.Table(pair[1])
		for i := int64(-300); i < 300; i++ {
			x, _ := a.Locate(IntKey(i))
			y, _ := b.Locate(IntKey(i))
			if x != y {
				t.Fatalf("%s and %s disagree on %d: %s vs %s", pair[0], pair[1], i, x, y)
			}
		}
	}
}

// TestStructLiteralTable: a Table built without New derives its algorithm.
func TestStructLiteralTable(t *testing.T) {
	tbl := &Table{Name: "t", ShardKey: "id", Algorithm: "mod", Shards: []string{"a", "b"}}
	if got, err := tbl.Locate(IntKey(3)); err != nil || got != "b" {
		t.Errorf("Locate = %s, %v", got, err)
	}
	if tbl.KeyType() != Integer {
		t.Error("mod key type")
	}
	a, err := tbl.Locator()
	if err != nil || a == nil {
		t.Errorf("Locator = %v, %v", a, err)
	}
	empty := &Table{Name: "e", Algorithm: "hash"}
	if _, err := empty.Locate(IntKey(1)); err == nil {
		t.Error("table without shards located a key")
	}
	if !slices.Equal(empty.AllShards(), nil) {
		t.Error("AllShards of empty table")
	}
}
