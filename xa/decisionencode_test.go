package xa

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// The hand-written encoder must give encoding/json's bytes exactly:
// recovery, other instances and older builds read the records.
func TestEncodeDecisionMatchesJSON(t *testing.T) {
	at := time.Date(2026, 5, 4, 10, 0, 0, 123456789, time.UTC)
	cases := []Decision{
		{Gtrid: "px1-sz4ql2c4g8w0-1f", Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1", At: at},
		{Gtrid: "g", Outcome: Abort, At: at},
		{Gtrid: "g", Outcome: Commit, Participants: []string{}, At: time.Time{}},
		{Gtrid: "g", Outcome: Commit, At: at.Truncate(time.Second)},
		{Gtrid: "g", Outcome: Commit, At: at.In(time.FixedZone("x", -(9*3600 + 30*60)))},
		{Gtrid: "g", Outcome: Commit, At: at.In(time.FixedZone("odd", 3600+17))},
		// Not plain: encoding/json writes them.
		{Gtrid: `a"b`, Outcome: Commit, At: at},
		{Gtrid: "a<b&c>", Outcome: Commit, At: at},
		{Gtrid: "g", Outcome: Commit, Participants: []string{"s0", "ünï", `s\1`}, At: at},
		{Gtrid: "g", Outcome: Commit, Instance: "tab\there", At: at},
		{Gtrid: "g", Outcome: Commit, At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Gtrid: "g", Outcome: Commit, At: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Gtrid: "g", Outcome: Commit, At: at.In(time.FixedZone("far", 25*3600))},
	}
	r := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		b := make([]byte, r.IntN(12))
		plain := r.IntN(8) != 0 // mostly printable ASCII, specials included
		for i := range b {
			if plain {
				b[i] = byte(0x20 + r.IntN(0x5f))
			} else {
				b[i] = byte(r.IntN(0x90)) // control and high bytes too
			}
		}
		return string(b)
	}
	for range 2000 {
		d := Decision{Gtrid: str(), Outcome: Outcome(str()), Instance: str(),
			At: time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9)).In(time.FixedZone("z", (r.IntN(97)-48)*900))}
		for range r.IntN(4) {
			d.Participants = append(d.Participants, str())
		}
		cases = append(cases, d)
	}
	fast := 0
	for _, d := range cases {
		want, wantErr := marshalDecision(d)
		got, gotErr := encodeDecision(d)
		if (wantErr != nil) != (gotErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("encodeDecision(%#v) = %s, %v; encoding/json: %s, %v", d, got, gotErr, want, wantErr)
		}
		if _, ok := appendRecord(nil, d); ok {
			fast++
		}
	}
	// The generated cases must exercise the hand-written path too.
	if fast < 50 {
		t.Fatalf("only %d cases took the hand-written path", fast)
	}
}
