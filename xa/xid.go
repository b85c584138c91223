package xa

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// FormatID is the XA formatID of every branch xaproxy starts: the bytes
// "xapx" read as a big-endian integer (2019651704, positive as a signed
// 32-bit value). Recovery only touches branches that carry it, so that the
// prepared branches of other transaction managers on the same server are
// left alone.
const FormatID uint32 = 0x78617078

// MaxXIDPartLen is the longest gtrid or bqual MySQL and MariaDB accept.
const MaxXIDPartLen = 64

// MaxInstanceLen is the longest instance name: "<tag>:<instance>-<epoch>-<seq>"
// with an 8-character deployment tag, a 13-character base-36 epoch and a
// 13-character base-36 sequence number (the widest any int64/uint64 can be)
// must fit in MaxXIDPartLen.
const MaxInstanceLen = MaxXIDPartLen - DeploymentTagLen - 1 - 2*maxBase36Len - 2

// DeploymentTagLen is the length of a deployment tag: 8 lower-case hex
// digits (32 bits of a SHA-256).
const DeploymentTagLen = 8

// DeploymentTag is the tag of the deployment named name, as it appears in
// every gtrid the deployment makes: the first 8 hex digits of SHA-256(name).
// A deployment is every proxy that shares one decision log (one etcd
// prefix); recovery touches only branches whose gtrid carries its own tag,
// so two deployments on the same shards never finish each other's
// branches. Two names collide with probability 2^-32.
func DeploymentTag(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])[:DeploymentTagLen]
}

// validTag: exactly DeploymentTagLen lower-case hex digits.
func validTag(tag string) bool {
	if len(tag) != DeploymentTagLen {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// maxBase36Len is len(strconv.FormatUint(math.MaxUint64, 36)).
const maxBase36Len = 13

// ValidateInstance reports whether name can be an instance name: 1 to
// MaxInstanceLen bytes of [A-Za-z0-9._-]. The name is part of every gtrid
// and of etcd keys, so it must be short and free of separators other than
// '-' (OwnerOf splits a gtrid from the right, so '-' inside the name is fine).
func ValidateInstance(name string) error {
	if name == "" {
		return errors.New("xa: empty instance name")
	}
	if len(name) > MaxInstanceLen {
		return fmt.Errorf("xa: instance name %q is %d bytes, at most %d allowed (it is part of every XA gtrid, which MySQL limits to %d bytes)",
			name, len(name), MaxInstanceLen, MaxXIDPartLen)
	}
	for i := 0; i < len(name); i++ {
		if !isIDByte(name[i]) {
			return fmt.Errorf("xa: instance name %q: byte %q at offset %d is not allowed (use A-Z a-z 0-9 . _ -)", name, name[i], i)
		}
	}
	return nil
}

// MaxRegistrationNameLen is the longest name Log.Register accepts. It is
// not bound by the gtrid limit, so that a registration can name one run of
// an instance (e.g. instance + "." + epoch), not only the instance.
const MaxRegistrationNameLen = 128

// ValidateRegistrationName reports whether name can be registered with
// Log.Register: 1 to MaxRegistrationNameLen bytes of [A-Za-z0-9._-]. Every
// valid instance name is a valid registration name.
func ValidateRegistrationName(name string) error {
	if name == "" || len(name) > MaxRegistrationNameLen {
		return fmt.Errorf("xa: registration name %q must be 1 to %d bytes, is %d", name, MaxRegistrationNameLen, len(name))
	}
	for i := 0; i < len(name); i++ {
		if !isIDByte(name[i]) {
			return fmt.Errorf("xa: registration name %q: byte %q at offset %d is not allowed (use A-Z a-z 0-9 . _ -)", name, name[i], i)
		}
	}
	return nil
}

// ValidateGtrid reports whether gtrid can be stored in the decision log:
// 1 to MaxXIDPartLen bytes of [A-Za-z0-9._:-]. Every gtrid a Generator makes
// passes.
func ValidateGtrid(gtrid string) error {
	if gtrid == "" {
		return errors.New("xa: empty gtrid")
	}
	if len(gtrid) > MaxXIDPartLen {
		return fmt.Errorf("xa: gtrid %q is %d bytes, at most %d allowed", gtrid, len(gtrid), MaxXIDPartLen)
	}
	for i := 0; i < len(gtrid); i++ {
		if !isIDByte(gtrid[i]) && gtrid[i] != ':' {
			return fmt.Errorf("xa: gtrid %q: byte %q at offset %d is not allowed", gtrid, gtrid[i], i)
		}
	}
	return nil
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// Generator hands out the gtrids of one run of one proxy instance:
// "<tag>:<instance>-<epoch>-<seq>", tag being the deployment's (see
// DeploymentTag), epoch the start time in Unix nanoseconds and seq a counter
// from 1, both in base 36. The tag tells recovery which deployment a branch
// belongs to. The epoch makes the gtrids of two runs of the same instance
// differ, so a gtrid is never reused across restarts (which matters:
// XAER_NOTA is only unambiguous if gtrids are never reused). Safe for
// concurrent use.
type Generator struct {
	tag      string
	instance string
	epoch    int64
	prefix   string // "<tag>:<instance>-<epoch>-"
	seq      atomic.Uint64
}

// NewGenerator returns the generator of a run of instance of the deployment
// tagged tag (DeploymentTag) that started at now (pass time.Now(); two runs
// of one instance must not start in the same nanosecond). It fails if the
// tag or the instance name is invalid (see ValidateInstance) or now is
// before 1970.
func NewGenerator(tag, instance string, now time.Time) (*Generator, error) {
	if !validTag(tag) {
		return nil, fmt.Errorf("xa: deployment tag %q is not %d lower-case hex digits (use DeploymentTag)", tag, DeploymentTagLen)
	}
	if err := ValidateInstance(instance); err != nil {
		return nil, err
	}
	epoch := now.UnixNano()
	if epoch <= 0 {
		return nil, fmt.Errorf("xa: generator start time %s is not after 1970", now)
	}
	return &Generator{
		tag:      tag,
		instance: instance,
		epoch:    epoch,
		prefix:   tag + ":" + instance + "-" + strconv.FormatInt(epoch, 36) + "-",
	}, nil
}

// Deployment is the deployment tag the generator puts in every gtrid.
func (g *Generator) Deployment() string { return g.tag }

// Next returns a gtrid never returned before by any generator of any run
// of any instance.
func (g *Generator) Next() string {
	return g.prefix + strconv.FormatUint(g.seq.Add(1), 36)
}

// Instance is the instance name the generator was made for.
func (g *Generator) Instance() string { return g.instance }

// Epoch is the start time the generator was made with, in Unix nanoseconds.
func (g *Generator) Epoch() int64 { return g.epoch }

// Owns reports whether gtrid was made by this generator (this run of this
// instance). Recovery can use it to tell the branches of the running
// coordinator from those of an earlier run of the same instance name.
func (g *Generator) Owns(gtrid string) bool {
	return strings.HasPrefix(gtrid, g.prefix) && isCanonicalBase36(gtrid[len(g.prefix):])
}

// GtridParts are the fields of a gtrid made by a Generator.
type GtridParts struct {
	// Deployment is the deployment tag; "" for a gtrid of the legacy format
	// "<instance>-<epoch>-<seq>" that versions before deployment tags made.
	Deployment string
	Instance   string
	Epoch      int64  // start of the instance's run, Unix nanoseconds
	Seq        uint64 // counter within the run, from 1
}

// ParseGtrid splits a gtrid made by a Generator (or by a version before
// deployment tags: Deployment "") into its fields. ok is false for anything
// a Generator cannot have produced.
func ParseGtrid(gtrid string) (p GtridParts, ok bool) {
	if len(gtrid) > MaxXIDPartLen {
		return GtridParts{}, false
	}
	tag, rest, tagged := strings.Cut(gtrid, ":")
	if !tagged {
		tag, rest = "", gtrid
	} else if !validTag(tag) {
		return GtridParts{}, false
	}
	p, ok = parseUntagged(rest)
	p.Deployment = tag
	return p, ok
}

// parseUntagged parses "<instance>-<epoch>-<seq>".
func parseUntagged(gtrid string) (p GtridParts, ok bool) {
	j := strings.LastIndexByte(gtrid, '-')
	if j < 0 {
		return GtridParts{}, false
	}
	i := strings.LastIndexByte(gtrid[:j], '-')
	if i < 0 {
		return GtridParts{}, false
	}
	inst, es, ss := gtrid[:i], gtrid[i+1:j], gtrid[j+1:]
	if ValidateInstance(inst) != nil || !isCanonicalBase36(es) || !isCanonicalBase36(ss) {
		return GtridParts{}, false
	}
	epoch, err := strconv.ParseInt(es, 36, 64)
	if err != nil || epoch <= 0 {
		return GtridParts{}, false
	}
	seq, err := strconv.ParseUint(ss, 36, 64)
	if err != nil || seq == 0 {
		return GtridParts{}, false
	}
	return GtridParts{Instance: inst, Epoch: epoch, Seq: seq}, true
}

// isCanonicalBase36 accepts what strconv.Format{Int,Uint}(n, 36) prints
// for n > 0: lower-case digits, no sign, no leading zero, at most 13 long.
func isCanonicalBase36(s string) bool {
	if s == "" || len(s) > maxBase36Len || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// OwnerOf returns the instance whose Generator made gtrid. ok is false if
// gtrid is not one of ours.
func OwnerOf(gtrid string) (instance string, ok bool) {
	p, ok := ParseGtrid(gtrid)
	return p.Instance, ok
}

// XID identifies one XA branch: the global transaction (Gtrid), the shard
// (Bqual, the shard name) and the FormatID.
type XID struct {
	Gtrid    string
	Bqual    string
	FormatID uint32
}

// NewXID is the xid of the branch of gtrid on shard, with xaproxy's FormatID
// and no owner connection in the bqual (see BranchXID).
func NewXID(gtrid, shard string) XID {
	return XID{Gtrid: gtrid, Bqual: shard, FormatID: FormatID}
}

// BranchXID is the xid of the branch of gtrid that the backend connection
// thread starts on shard: bqual "<shard>.<thread>". The connection id in
// the xid lets recovery on any instance free a branch whose owner
// connection is stuck (MariaDB keeps a prepared branch attached to it and
// answers 1397 to everyone else) with KILL CONNECTION. Shard names have no
// '.', so the bqual parses back (XID.Owner). Thread 0 (unknown), or a shard
// name too long to leave room for the id, gives the bare shard name.
func BranchXID(gtrid, shard string, thread uint32) XID {
	x := NewXID(gtrid, shard)
	if b := shard + "." + strconv.FormatUint(uint64(thread), 10); thread != 0 && len(b) <= MaxXIDPartLen {
		x.Bqual = b
	}
	return x
}

// Owner splits the bqual of a branch xid into its shard and the backend
// connection id that started it; thread is 0 when the bqual names none.
func (x XID) Owner() (shard string, thread uint32) {
	shard, id, ok := strings.Cut(x.Bqual, ".")
	if !ok {
		return x.Bqual, 0
	}
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != id {
		return x.Bqual, 0
	}
	return shard, uint32(n)
}

// Validate checks the lengths MySQL and MariaDB enforce: a gtrid of 1 to
// 64 bytes and a bqual of at most 64 bytes.
func (x XID) Validate() error {
	if x.Gtrid == "" || len(x.Gtrid) > MaxXIDPartLen {
		return fmt.Errorf("xa: xid %s: gtrid must be 1 to %d bytes, is %d", x, MaxXIDPartLen, len(x.Gtrid))
	}
	if len(x.Bqual) > MaxXIDPartLen {
		return fmt.Errorf("xa: xid %s: bqual must be at most %d bytes, is %d", x, MaxXIDPartLen, len(x.Bqual))
	}
	return nil
}

// SQL renders the xid for XA statements as hex literals, which no
// character set conversion can mangle: X'<hex gtrid>',X'<hex bqual>',<formatID>
// (e.g. "XA PREPARE " + x.SQL()).
// Built in one buffer: it runs for every branch at every XA statement, and
// the hex strings and upper-casing it used to make were 3 % of a two-shard
// transfer's CPU.
func (x XID) SQL() string {
	b := make([]byte, 0, 2*len(x.Gtrid)+2*len(x.Bqual)+16)
	b = append(b, "X'"...)
	b = appendUpperHex(b, x.Gtrid)
	b = append(b, "',X'"...)
	b = appendUpperHex(b, x.Bqual)
	b = append(b, "',"...)
	b = strconv.AppendUint(b, uint64(x.FormatID), 10)
	return string(b)
}

func appendUpperHex(b []byte, s string) []byte {
	const digits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		b = append(b, digits[s[i]>>4], digits[s[i]&0x0f])
	}
	return b
}

// String is a readable form for logs: gtrid/bqual/formatID (with %q quoting
// if a part is not printable ASCII).
func (x XID) String() string {
	return quoteIfNeeded(x.Gtrid) + "/" + quoteIfNeeded(x.Bqual) + "/" + strconv.FormatUint(uint64(x.FormatID), 10)
}

func quoteIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == '/' || s[i] == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}

// ParseRecoverRow decodes one row of the plain `XA RECOVER` output of
// MariaDB or MySQL — columns formatID, gtrid_length, bqual_length, data,
// data being the gtrid bytes followed by the bqual bytes. It returns the
// XID and whether it is one of ours (FormatID matches). A row that cannot
// be a valid xid (negative or out-of-range formatID or lengths, data of the
// wrong size) gives the zero XID and false; a well-formed foreign xid is
// returned with false.
func ParseRecoverRow(formatID int64, gtridLen, bqualLen int64, data []byte) (XID, bool) {
	if formatID < 0 || formatID > math.MaxUint32 ||
		gtridLen < 1 || gtridLen > MaxXIDPartLen ||
		bqualLen < 0 || bqualLen > MaxXIDPartLen ||
		int64(len(data)) != gtridLen+bqualLen {
		return XID{}, false
	}
	x := XID{
		Gtrid:    string(data[:gtridLen]),
		Bqual:    string(data[gtridLen:]),
		FormatID: uint32(formatID),
	}
	return x, x.FormatID == FormatID
}
