package xa

import (
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTag is the deployment tag of the tests' generators.
const testTag = "5eed0001"

func mustGenerator(t *testing.T, instance string, now time.Time) *Generator {
	t.Helper()
	g, err := NewGenerator(testTag, instance, now)
	if err != nil {
		t.Fatalf("NewGenerator(%q): %v", instance, err)
	}
	return g
}

func TestValidateInstance(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"px1", true},
		{"proxy-a.eu_west-1", true},
		{strings.Repeat("a", MaxInstanceLen), true},
		{strings.Repeat("a", MaxInstanceLen+1), false},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{"é", false},
		{"a:b", false},
	} {
		err := ValidateInstance(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateInstance(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		_, gerr := NewGenerator(testTag, tc.name, time.Now())
		if (gerr == nil) != tc.ok {
			t.Errorf("NewGenerator(%q) = %v, want ok=%v", tc.name, gerr, tc.ok)
		}
	}
	if MaxInstanceLen != 27 {
		t.Errorf("MaxInstanceLen = %d, want 27", MaxInstanceLen)
	}
	if got := len(strconv.FormatUint(math.MaxUint64, 36)); got != maxBase36Len {
		t.Errorf("maxBase36Len = %d, want %d", maxBase36Len, got)
	}
	if got := len(strconv.FormatInt(math.MaxInt64, 36)); got > maxBase36Len {
		t.Errorf("int64 in base 36 is %d long, more than %d", got, maxBase36Len)
	}
	if _, err := NewGenerator(testTag, "px1", time.Unix(0, 0)); err == nil {
		t.Error("NewGenerator at the Unix epoch: no error")
	}
	for _, tag := range []string{"", "5eed000", "5eed00011", "5EED0001", "5eed000g"} {
		if _, err := NewGenerator(tag, "px1", time.Now()); err == nil {
			t.Errorf("NewGenerator with tag %q: no error", tag)
		}
	}
}

func TestGeneratorFormatAndLength(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 123456789, time.UTC)
	g := mustGenerator(t, "px1", now)
	want := testTag + ":px1-" + strconv.FormatInt(now.UnixNano(), 36) + "-"
	for i := uint64(1); i <= 3; i++ {
		if got := g.Next(); got != want+strconv.FormatUint(i, 36) {
			t.Errorf("Next() #%d = %q, want %q", i, got, want+strconv.FormatUint(i, 36))
		}
	}

	// The longest possible gtrid: longest instance, latest epoch, last counter value.
	long := mustGenerator(t, strings.Repeat("z", MaxInstanceLen), time.Unix(0, math.MaxInt64))
	long.seq.Store(math.MaxUint64 - 1)
	gtrid := long.Next()
	if len(gtrid) != MaxXIDPartLen {
		t.Errorf("longest gtrid %q is %d bytes, want exactly %d", gtrid, len(gtrid), MaxXIDPartLen)
	}
	if err := ValidateGtrid(gtrid); err != nil {
		t.Errorf("ValidateGtrid(longest) = %v", err)
	}
	if owner, ok := OwnerOf(gtrid); !ok || owner != long.Instance() {
		t.Errorf("OwnerOf(longest) = %q, %v", owner, ok)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}:[A-Za-z0-9._-]{1,55}$`).MatchString(g.Next()) {
		t.Error("gtrid is not <tag>:<bytes of [A-Za-z0-9._-]>")
	}
	if g.Deployment() != testTag {
		t.Errorf("Deployment() = %q, want %q", g.Deployment(), testTag)
	}
}

func TestGeneratorUniqueAcrossRunsAndGoroutines(t *testing.T) {
	start := time.Now()
	// Two runs of the same instance (a restart), the second one started
	// one nanosecond later: same instance name, same counter values.
	runs := []*Generator{
		mustGenerator(t, "px1", start),
		mustGenerator(t, "px1", start.Add(time.Nanosecond)),
		mustGenerator(t, "px1", start.Add(time.Hour)),
		mustGenerator(t, "px1-a", start),               // '-' in names must not create clashes
		mustGenerator(t, "px1", start.Add(-time.Hour)), // clock stepped back
	}
	const perGoroutine, goroutines = 500, 8
	var mu sync.Mutex
	seen := make(map[string]int)
	var wg sync.WaitGroup
	for ri, g := range runs {
		for range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := make([]string, 0, perGoroutine)
				for range perGoroutine {
					local = append(local, g.Next())
				}
				mu.Lock()
				defer mu.Unlock()
				for _, id := range local {
					if prev, dup := seen[id]; dup {
						t.Errorf("gtrid %q from run %d was already made by run %d", id, ri, prev)
					}
					seen[id] = ri
				}
			}()
		}
	}
	wg.Wait()
	if want := len(runs) * goroutines * perGoroutine; len(seen) != want {
		t.Errorf("%d distinct gtrids, want %d", len(seen), want)
	}
	for id, ri := range seen {
		if !runs[ri].Owns(id) {
			t.Errorf("run %d does not own its gtrid %q", ri, id)
		}
		for rj, other := range runs {
			if rj != ri && other.Owns(id) {
				t.Errorf("run %d claims gtrid %q of run %d", rj, id, ri)
			}
		}
	}
}

func TestParseGtridAndOwnerOf(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	g := mustGenerator(t, "px-eu-1", now)
	first := g.Next()
	for _, tc := range []struct {
		gtrid string
		owner string
		ok    bool
	}{
		{first, "px-eu-1", true},
		{"px1-" + strconv.FormatInt(now.UnixNano(), 36) + "-1", "px1", true}, // legacy: no tag
		{"0badcafe:px1-1-1", "px1", true},
		{"0BADCAFE:px1-1-1", "", false}, // tag not lower-case hex
		{"0badcaf:px1-1-1", "", false},  // tag too short
		{"0badcafe:px1:1-1", "", false}, // second ':'
		{":px1-1-1", "", false},         // empty tag
		{"0badcafe:", "", false},        // nothing after the tag
		{"a-1-1", "a", true},
		{"a-b-c-1-1", "a-b-c", true},
		{"px1-1", "", false},                // one field missing
		{"px1", "", false},                  // no fields
		{"-1-1", "", false},                 // empty instance
		{"px1-1-0", "", false},              // counter starts at 1
		{"px1-0-1", "", false},              // epoch must be positive
		{"px1-01-1", "", false},             // leading zero: not canonical
		{"px1-1-A", "", false},              // upper case: not canonical
		{"px1--1", "", false},               // empty epoch
		{"px1-1-", "", false},               // empty counter
		{"p/x-1-1", "", false},              // bad instance byte
		{"px1-1-+1", "", false},             // sign
		{"px1-zzzzzzzzzzzzzz-1", "", false}, // 14 digits
		{"px1-1y2p0ij32e8e8-1", "", false},  // MaxInt64+1 in base 36
		{"foreign transaction", "", false},
		{"", "", false},
		{strings.Repeat("a", 60) + "-1-1", "", false}, // instance too long
	} {
		owner, ok := OwnerOf(tc.gtrid)
		if ok != tc.ok || owner != tc.owner {
			t.Errorf("OwnerOf(%q) = %q, %v; want %q, %v", tc.gtrid, owner, ok, tc.owner, tc.ok)
		}
	}
	p, ok := ParseGtrid(first)
	if !ok || p != (GtridParts{Deployment: testTag, Instance: "px-eu-1", Epoch: now.UnixNano(), Seq: 1}) {
		t.Errorf("ParseGtrid(%q) = %+v, %v", first, p, ok)
	}
	if p, ok := ParseGtrid("px1-1-1"); !ok || p.Deployment != "" {
		t.Errorf("ParseGtrid(legacy) = %+v, %v; want no deployment", p, ok)
	}
}

func TestDeploymentTag(t *testing.T) {
	a, b := DeploymentTag("/xaproxy/"), DeploymentTag("/staging/")
	if !validTag(a) || !validTag(b) || a == b {
		t.Errorf("DeploymentTag: %q and %q, want two different 8-hex-digit tags", a, b)
	}
	if a != DeploymentTag("/xaproxy/") {
		t.Error("DeploymentTag is not deterministic")
	}
	// Pinned: every proxy of a deployment, whatever its version, must
	// compute the same tag from the same name.
	if a != "2246094a" {
		t.Errorf(`DeploymentTag("/xaproxy/") = %q, want "2246094a"`, a)
	}
}

func TestBranchXIDOwner(t *testing.T) {
	for _, tc := range []struct {
		shard  string
		thread uint32
		bqual  string
		owner  uint32
	}{
		{"s0", 42, "s0.42", 42},
		{"s0", math.MaxUint32, "s0.4294967295", math.MaxUint32},
		{"s0", 0, "s0", 0}, // unknown connection id
		{strings.Repeat("s", 53), 1234567890, strings.Repeat("s", 53) + ".1234567890", 1234567890},
		{strings.Repeat("s", 54), 1234567890, strings.Repeat("s", 54), 0}, // no room left for the id
	} {
		x := BranchXID("g", tc.shard, tc.thread)
		if x.Bqual != tc.bqual || x.FormatID != FormatID || x.Validate() != nil {
			t.Errorf("BranchXID(%q, %d) = %+v, want bqual %q", tc.shard, tc.thread, x, tc.bqual)
		}
		if shard, thread := x.Owner(); shard != tc.shard || thread != tc.owner {
			t.Errorf("Owner(%q) = %q, %d; want %q, %d", x.Bqual, shard, thread, tc.shard, tc.owner)
		}
	}
	for _, bqual := range []string{"s0.", "s0.0", "s0.01", "s0.-1", "s0.4294967296", "s0.x"} {
		if shard, thread := (XID{Gtrid: "g", Bqual: bqual}).Owner(); shard != bqual || thread != 0 {
			t.Errorf("Owner(%q) = %q, %d; want the bqual and no thread", bqual, shard, thread)
		}
	}
}

func TestXIDSQLAndRecoverRoundTrip(t *testing.T) {
	g := mustGenerator(t, "px1", time.Now())
	for _, x := range []XID{
		NewXID(g.Next(), "s0"),
		NewXID(g.Next(), "shard_with-long.name"),
		NewXID(g.Next(), ""),
		NewXID(g.Next(), strings.Repeat("b", MaxXIDPartLen)),
		{Gtrid: "foreign", Bqual: "x", FormatID: 1},
		{Gtrid: "bin\x00\xff'\"", Bqual: "\\", FormatID: 0}, // bytes a quoted literal would need escaping for
		{Gtrid: strings.Repeat("g", MaxXIDPartLen), Bqual: "q", FormatID: math.MaxUint32},
	} {
		t.Run(x.String(), func(t *testing.T) {
			if err := x.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			sql := x.SQL()
			m := regexp.MustCompile(`^X'([0-9A-F]*)',X'([0-9A-F]*)',([0-9]+)$`).FindStringSubmatch(sql)
			if m == nil {
				t.Fatalf("SQL() = %q, not X'hex',X'hex',formatID", sql)
			}
			gtrid, err1 := hex.DecodeString(m[1])
			bqual, err2 := hex.DecodeString(m[2])
			fid, err3 := strconv.ParseInt(m[3], 10, 64)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("SQL() = %q: %v %v %v", sql, err1, err2, err3)
			}
			// What XA RECOVER prints for the branch started with these
			// literals: lengths, then gtrid and bqual bytes concatenated.
			data := append(append([]byte{}, gtrid...), bqual...)
			got, ours := ParseRecoverRow(fid, int64(len(gtrid)), int64(len(bqual)), data)
			if got != x {
				t.Errorf("ParseRecoverRow(SQL()) = %#v, want %#v", got, x)
			}
			if want := x.FormatID == FormatID; ours != want {
				t.Errorf("ParseRecoverRow ours = %v, want %v", ours, want)
			}
		})
	}
	if got := NewXID("ab", "s0").SQL(); got != "X'6162',X'7330',2019651704" {
		t.Errorf("SQL() = %q", got)
	}
	if FormatID != uint32('x')<<24|uint32('a')<<16|uint32('p')<<8|uint32('x') || int32(FormatID) < 0 {
		t.Errorf("FormatID %#x is not \"xapx\" or not positive as int32", FormatID)
	}
}

func TestParseRecoverRowRejects(t *testing.T) {
	for _, tc := range []struct {
		name            string
		fid, glen, blen int64
		data            string
	}{
		{"null xid formatID -1", -1, 1, 0, "a"},
		{"formatID too large", math.MaxUint32 + 1, 1, 0, "a"},
		{"empty gtrid", int64(FormatID), 0, 1, "a"},
		{"gtrid too long", int64(FormatID), 65, 0, strings.Repeat("a", 65)},
		{"bqual too long", int64(FormatID), 1, 65, strings.Repeat("a", 66)},
		{"negative bqual", int64(FormatID), 2, -1, "a"},
		{"data too short", int64(FormatID), 3, 2, "abcd"},
		{"data too long", int64(FormatID), 3, 2, "abcdef"},
	} {
		if x, ok := ParseRecoverRow(tc.fid, tc.glen, tc.blen, []byte(tc.data)); ok || x != (XID{}) {
			t.Errorf("%s: ParseRecoverRow = %#v, %v; want zero, false", tc.name, x, ok)
		}
	}
	if x, ok := ParseRecoverRow(1, 3, 2, []byte("abcde")); ok || x != (XID{Gtrid: "abc", Bqual: "de", FormatID: 1}) {
		t.Errorf("foreign xid: ParseRecoverRow = %#v, %v", x, ok)
	}
	if err := (XID{Bqual: "s0", FormatID: FormatID}).Validate(); err == nil {
		t.Error("Validate of an empty gtrid: no error")
	}
	if err := (XID{Gtrid: "g", Bqual: strings.Repeat("b", 65)}).Validate(); err == nil {
		t.Error("Validate of a 65-byte bqual: no error")
	}
}
