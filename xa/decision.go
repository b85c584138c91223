// Package xa is xaproxy's XA coordinator. This part of it is the decision
// log: the durable record of the COMMIT (or recovery's ABORT) decision of
// each global transaction that spans shards, and the registrations that tell
// which proxy instances are alive. It serves the protocol of the design
// notes (docs/xa-protocol.md): presumed abort, the decision is
// written with one create-if-absent etcd transaction before any XA COMMIT
// is sent, and any instance can finish the in-doubt branches of a dead one.
//
// Two implementations: EtcdLog (production) and MemLog (unit tests of the
// coordinator). Both satisfy the same conformance tests.
package xa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Outcome is the decision for a global transaction.
type Outcome string

const (
	// Commit: the coordinator decided to commit; every prepared branch
	// must be committed.
	Commit Outcome = "commit"
	// Abort: written by recovery (presumed abort made explicit) so that a
	// slow coordinator can no longer store Commit; every branch must be
	// rolled back.
	Abort Outcome = "abort"
)

// Valid reports whether o is Commit or Abort.
func (o Outcome) Valid() bool { return o == Commit || o == Abort }

// Decision is the durable record for one global transaction.
type Decision struct {
	Gtrid        string    // see ValidateGtrid; made by a Generator
	Outcome      Outcome   // Commit or Abort
	Participants []string  // shard names; required for Commit
	Instance     string    // the instance that wrote the record
	At           time.Time // when it was written (filled in by Decide if zero)
	// Fence, when set, makes Decide store the decision only while that
	// registration still holds the token (ErrFenced otherwise): a
	// coordinator paused past its lease cannot commit after recovery
	// presumed it dead. Not stored.
	Fence Fence
}

// Fence is a registration and the token it held when a transaction began
// (the etcd lease bound to its key).
type Fence struct {
	Registration string
	Token        int64
}

// Same reports whether d and o are the same record (all fields equal).
func (d Decision) Same(o Decision) bool {
	return d.Gtrid == o.Gtrid && d.Outcome == o.Outcome && d.Instance == o.Instance &&
		d.At.Equal(o.At) && slices.Equal(d.Participants, o.Participants)
}

// Validate checks what Decide requires: a valid gtrid and outcome, and
// for Commit at least one participant; participant names must not be empty.
func (d Decision) Validate() error {
	if err := ValidateGtrid(d.Gtrid); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if !d.Outcome.Valid() {
		return fmt.Errorf("%w: gtrid %s: outcome %q is neither %q nor %q", ErrInvalid, d.Gtrid, d.Outcome, Commit, Abort)
	}
	if d.Outcome == Commit && len(d.Participants) == 0 {
		return fmt.Errorf("%w: gtrid %s: a commit decision must list its participants", ErrInvalid, d.Gtrid)
	}
	for _, p := range d.Participants {
		if p == "" {
			return fmt.Errorf("%w: gtrid %s: empty participant name", ErrInvalid, d.Gtrid)
		}
	}
	return nil
}

// normalized is d as Decide stores it: At filled in, in UTC, without a
// monotonic clock reading, Participants copied.
func (d Decision) normalized(now func() time.Time) Decision {
	if d.At.IsZero() {
		d.At = now()
	}
	d.At = d.At.Round(0).UTC()
	d.Participants = slices.Clone(d.Participants)
	return d
}

func (d Decision) clone() Decision {
	d.Participants = slices.Clone(d.Participants)
	return d
}

// Log stores decisions and instance registrations. Exactly one of Commit
// and Abort can ever be stored for a gtrid (until Delete, which garbage
// collection calls only once no shard has a branch of it left; gtrids are
// never reused). Every method honours its context and, for the etcd
// implementation, a per-call deadline: none blocks while the store is down.
type Log interface {
	// Decide stores d if no decision exists for d.Gtrid (create-if-absent)
	// and returns the stored decision: d itself (At filled in if it was
	// zero), or the one that was already there, which may have the other
	// outcome — callers compare stored.Outcome with what they asked for.
	// If it cannot tell whether a decision was stored, or what the stored
	// one says (ErrCorrupt too), it returns an error wrapping ErrUnknown:
	// the caller must then neither commit nor roll back, and leave the
	// branches to recovery. Any other error means that this call stored
	// nothing (an invalid d wraps
	// ErrInvalid; ErrClosed; a context that ended before anything was sent;
	// a request etcd rejected outright).
	Decide(ctx context.Context, d Decision) (Decision, error)
	// Get returns the decision stored for gtrid, if any.
	Get(ctx context.Context, gtrid string) (Decision, bool, error)
	// Delete removes the decision for gtrid; deleting a missing one is not
	// an error.
	Delete(ctx context.Context, gtrid string) error
	// List returns every stored decision, ordered by gtrid. Records that
	// cannot be decoded are logged and skipped.
	List(ctx context.Context) ([]Decision, error)
	// Register announces instance as alive under a lease-bound key, kept
	// alive in the background until ctx ends or Close (both revoke it).
	// It returns once the first registration is stored. Registering an
	// instance this Log already keeps alive is an error.
	Register(ctx context.Context, instance string) error
	// Alive tells whether instance's registration exists.
	Alive(ctx context.Context, instance string) (bool, error)
	// Instances lists the registered instances, sorted.
	Instances(ctx context.Context) ([]string, error)
	// Runs lists every name ever registered in this log (a record without
	// a lease, written with the registration) that ForgetRun has not
	// removed, sorted. Recovery presumes dead, and so aborts, only the
	// undecided branches of runs it knows: a branch whose owner this log
	// never saw belongs to another deployment with the same identity (or
	// to a log that lost its data), whose decision it cannot read.
	Runs(ctx context.Context) ([]string, error)
	// ForgetRun removes the record of a run unless it is registered now.
	ForgetRun(ctx context.Context, registration string) error
	// Fence returns the current token of a registration this Log keeps
	// alive (no request: the keep-alive loop knows it).
	Fence(registration string) (Fence, bool)
	// Close revokes this Log's registrations and releases its resources.
	Close() error
}

var (
	// ErrUnknown: a decision write may or may not have been stored and
	// re-reading could not tell.
	ErrUnknown = errors.New("xa: outcome of the decision write is unknown")
	// ErrInvalid: the argument was rejected before anything was sent.
	ErrInvalid = errors.New("xa: invalid argument")
	// ErrCorrupt: a stored record cannot be decoded.
	ErrCorrupt = errors.New("xa: corrupt decision record")
	// ErrClosed: the Log was closed.
	ErrClosed = errors.New("xa: decision log closed")
	// ErrFenced: Decide refused because the decision's fence no longer
	// holds (the registration was lost); nothing was stored.
	ErrFenced = errors.New("xa: registration lost since the transaction began; decision refused")
	// ErrAlreadyRegistered: Register of an instance this Log keeps alive.
	ErrAlreadyRegistered = errors.New("xa: instance already registered")
)

// recordVersion is the "v" field of stored decisions.
const recordVersion = 1

// record is the JSON form of a Decision, e.g.
//
//	{"v":1,"gtrid":"px1-sz4ql2c4g8w0-1f","outcome":"commit","participants":["s0","s1"],"instance":"px1","at":"2026-05-04T10:00:00.123456789Z"}
type record struct {
	V            int       `json:"v"`
	Gtrid        string    `json:"gtrid"`
	Outcome      Outcome   `json:"outcome"`
	Participants []string  `json:"participants,omitempty"`
	Instance     string    `json:"instance,omitempty"`
	At           time.Time `json:"at"`
}

// encodeDecision writes the record by hand when every string is plain
// (printable ASCII that JSON writes as is: no quote, backslash or HTML
// character, which encoding/json escapes) and the time has a four-digit
// year, else with encoding/json; the bytes are the same either way
// (TestEncodeDecisionMatchesJSON). json.Marshal's reflection was 1.5 % of a
// two-shard transfer's CPU.
func encodeDecision(d Decision) ([]byte, error) {
	if b, ok := appendRecord(make([]byte, 0, 160), d); ok {
		return b, nil
	}
	return marshalDecision(d)
}

func appendRecord(b []byte, d Decision) ([]byte, bool) {
	// time.Time's MarshalJSON refuses these; encoding/json reports it.
	_, off := d.At.Zone()
	if y := d.At.Year(); y < 0 || y > 9999 || off <= -24*3600 || off >= 24*3600 || !plainJSON(d.Gtrid) || !plainJSON(string(d.Outcome)) || !plainJSON(d.Instance) {
		return nil, false
	}
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, recordVersion, 10)
	b = append(append(append(b, `,"gtrid":"`...), d.Gtrid...), '"')
	b = append(append(append(b, `,"outcome":"`...), d.Outcome...), '"')
	if len(d.Participants) > 0 {
		b = append(b, `,"participants":[`...)
		for i, p := range d.Participants {
			if !plainJSON(p) {
				return nil, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(append(append(b, '"'), p...), '"')
		}
		b = append(b, ']')
	}
	if d.Instance != "" {
		b = append(append(append(b, `,"instance":"`...), d.Instance...), '"')
	}
	b = append(b, `,"at":"`...)
	b = d.At.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...), true
}

// plainJSON tells whether encoding/json writes s unchanged between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func marshalDecision(d Decision) ([]byte, error) {
	return json.Marshal(record{
		V:            recordVersion,
		Gtrid:        d.Gtrid,
		Outcome:      d.Outcome,
		Participants: d.Participants,
		Instance:     d.Instance,
		At:           d.At,
	})
}

// decodeDecision decodes the record stored under gtrid's key.
func decodeDecision(gtrid string, b []byte) (Decision, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Decision{}, fmt.Errorf("%w: gtrid %s: %v", ErrCorrupt, gtrid, err)
	}
	if r.V != recordVersion {
		return Decision{}, fmt.Errorf("%w: gtrid %s: record version %d, this build reads %d", ErrCorrupt, gtrid, r.V, recordVersion)
	}
	if r.Gtrid != gtrid {
		return Decision{}, fmt.Errorf("%w: key of gtrid %s holds the record of gtrid %q", ErrCorrupt, gtrid, r.Gtrid)
	}
	if !r.Outcome.Valid() {
		return Decision{}, fmt.Errorf("%w: gtrid %s: outcome %q", ErrCorrupt, gtrid, r.Outcome)
	}
	return Decision{
		Gtrid:        r.Gtrid,
		Outcome:      r.Outcome,
		Participants: r.Participants,
		Instance:     r.Instance,
		At:           r.At.UTC(),
	}, nil
}
