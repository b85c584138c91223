package engine

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// charsetField is a VARCHAR sent in the character set of collation id cs
// (SET NAMES latin1: 8; character_set_results = utf16: 54).
func charsetField(name string, cs uint16) *mysql.Field {
	f := strField(name)
	f.Charset = cs
	return f
}

func TestKeyKind(t *testing.T) {
	latinBin := charsetField("lb", 8)
	latinBin.Flag |= mysql.BINARY_FLAG
	intLatin := intField("n")
	intLatin.Charset = 8 // not text: its charset does not matter
	// ENUM and SET members are distinct as UTF-8 or binary bytes; latin1
	// may send two as '?'.
	member := func(cs uint16, flag uint16) *mysql.Field {
		f := charsetField("e", cs)
		f.Flag |= flag
		return f
	}
	for _, c := range []struct {
		name    string
		f       *mysql.Field
		kind    cmpKind
		refused bool
	}{
		{"utf8mb4_general_ci", strField("s"), kindCI, false},
		{"utf8mb3", charsetField("s", 33), kindCI, false},
		{"utf8mb4 _bin", binStrField("s"), kindBinPad, false},
		{"utf8mb4_unicode_ci id (results NULL)", charsetField("s", 224), kindCI, false},
		{"varbinary", varbinaryField("b"), kindBinary, false},
		{"int", intLatin, kindNumber, false},
		{"date", temporalField("d", mysql.MYSQL_TYPE_DATE, 0), kindBinary, false},
		{"latin1", charsetField("l", 8), kindCI, true},
		{"latin1_bin", latinBin, kindBinPad, true},
		{"utf16", charsetField("u", 54), kindCI, true},
		{"unknown id 0", charsetField("z", 0), kindCI, true},
		{"enum utf8mb4", member(45, mysql.ENUM_FLAG), kindBinary, false},
		{"set utf8mb3", member(33, mysql.SET_FLAG), kindBinary, false},
		{"enum binary", member(63, mysql.ENUM_FLAG), kindBinary, false},
		{"enum latin1", member(8, mysql.ENUM_FLAG), kindBinary, true},
		{"set latin1", member(8, mysql.SET_FLAG), kindBinary, true},
	} {
		k, err := keyKind(c.f)
		if k != c.kind || (err != nil) != c.refused {
			t.Errorf("%s: keyKind = %v, %v; want %v, refused %v", c.name, k, err, c.kind, c.refused)
		}
		if me, ok := err.(*mysql.MyError); err != nil && (!ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, "SET NAMES utf8mb4")) {
			t.Errorf("%s: error %v, want 1235 naming SET NAMES utf8mb4", c.name, err)
		}
	}
}

func TestKeyKindMessage(t *testing.T) {
	for _, c := range []struct {
		cs   uint16
		want string
	}{
		{8, "merging text in character set latin1 (column 'l')"},
		{54, "merging text in character set utf16 (column 'l')"},
		{99, "the character set of collation number 99"},
	} {
		_, err := keyKind(charsetField("l", c.cs))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("charset %d: %v, want it to say %q", c.cs, err, c.want)
		}
	}
	// A hidden sort key is named after its table column, or not at all.
	hidden := charsetField("__xa_o0", 8)
	if _, err := keyKind(hidden); err == nil || !strings.Contains(err.Error(), "latin1 over several") {
		t.Errorf("hidden key: %v", err)
	}
	hidden.OrgName = []byte("s")
	if _, err := keyKind(hidden); err == nil || !strings.Contains(err.Error(), "latin1 (column 's') over") {
		t.Errorf("hidden key of column s: %v", err)
	}
}

// TestForeignTextOperators: each operator refuses to compare latin1 text
// before it yields a row (BuildError), and only where it compares it.
func TestForeignTextOperators(t *testing.T) {
	cols := []*mysql.Field{charsetField("l", 8), intField("n"), strField("s")}
	in := func() Rows { return FromSlice(cols, []Row{row("a", "1", "x")}) }
	for _, c := range []struct {
		name    string
		build   func() Rows
		refused bool
	}{
		{"sort by latin1", func() Rows { return Sort(in(), []SortKey{{Col: 0}}) }, true},
		{"sort by int", func() Rows { return Sort(in(), []SortKey{{Col: 1}}) }, false},
		{"sort by utf8mb4", func() Rows { return Sort(in(), []SortKey{{Col: 2}}) }, false},
		{"loose sort by latin1", func() Rows { return Sort(in(), []SortKey{{Col: 0, Loose: true}}) }, false},
		{"merge sort by latin1", func() Rows { return MergeSort([]Rows{in(), in()}, []SortKey{{Col: 0}}) }, true},
		{"merge sort, loose", func() Rows { return MergeSort([]Rows{in(), in()}, []SortKey{{Col: 0, Loose: true}}) }, false},
		{"distinct over latin1", func() Rows { return Distinct(in(), nil) }, true},
		{"distinct over others", func() Rows { return Distinct(in(), []int{1, 2}) }, false},
		{"group by latin1", func() Rows { return Aggregate(in(), []int{0}, nil) }, true},
		{"group by int", func() Rows { return Aggregate(in(), []int{1}, []Agg{{Fn: AggAny, Col: 0}}) }, false},
		{"MAX of latin1", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggMax, Col: 0}}) }, true},
		{"MIN of latin1", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggMin, Col: 0}}) }, true},
		{"Rep MIN of latin1", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggMin, Col: 0, Rep: true}}) }, false},
		{"MAX of equal latin1 literals", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggMax, Col: 0, Equal: true}}) }, false},
		{"COUNT(DISTINCT latin1)", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggCountDistinct, Col: 0}}) }, true},
		{"COUNT(DISTINCT n, latin1)", func() Rows {
			return Aggregate(in(), nil, []Agg{{Fn: AggCountDistinct, Col: 1, More: []int{0}}})
		}, true},
		{"COUNT of latin1", func() Rows { return Aggregate(in(), nil, []Agg{{Fn: AggCount, Col: 1}}) }, false},
		{"limit over a refused sort", func() Rows { return Limit(Sort(in(), []SortKey{{Col: 0}}), 0, 1) }, true},
		{"project over a refused merge", func() Rows {
			return Project(MergeSort([]Rows{in(), in()}, []SortKey{{Col: 0}}), []int{1})
		}, true},
	} {
		r := c.build()
		err := BuildError(r)
		if (err != nil) != c.refused {
			t.Errorf("%s: BuildError = %v, want refused %v", c.name, err, c.refused)
		}
		r.Close()
	}
}

func TestIsUTF8Collation(t *testing.T) {
	for id, want := range map[uint16]bool{33: true, 45: true, 46: true, 83: true, 224: true, 2048: true, 8: false, 63: false, 54: false, 0: false, 216: false} {
		if IsUTF8Collation(id) != want {
			t.Errorf("IsUTF8Collation(%d) = %v", id, !want)
		}
	}
}
