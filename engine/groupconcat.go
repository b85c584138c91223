package engine

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// GroupConcat says how an AggGroupConcat merges the shards' pieces. The
// shards group finer, by the function's arguments too, and each sends per
// finer group the function of its rows: its piece, one value repeated as
// often as it occurs (once under DISTINCT). The merge orders the pieces by
// the arguments and joins them with the separator. Only forms whose order
// the arguments decide are merged (router/groupconcat.go): rows that tie
// then hold equal values. Where that does not hold of the data, or the
// value reaches the session's limit, the merge refuses (1235) rather than
// give another answer than one server's.
type GroupConcat struct {
	// Keys are the input columns of the arguments in the order the
	// function sorts by, Desc their directions; SameCols, for each, the
	// column saying whether the piece's rows spell it alike (1; 0 where
	// 'kiwi' and 'Kiwi' share a piece under a case-insensitive collation).
	Keys     []int
	Desc     []bool
	SameCols []int
	// CollationCols, for each key, hold its collation: the merge compares
	// only those it compares as MariaDB does (exactCollation).
	CollationCols []int
	// WithSepCol is the piece followed by the separator, as the function
	// converts it (the separator's text is what follows the piece);
	// LenCol and WithSepLenCol their lengths in the function's character
	// set, in which MariaDB measures @@group_concat_max_len (MaxLenCol).
	WithSepCol, LenCol, WithSepLenCol int
	MaxLenCol                         int
}

// gcPiece is one shard's piece of a group, with its sort keys.
type gcPiece struct {
	keys  Row
	piece []byte
	n     uint64 // the piece's length in the function's character set
}

// gcAcc is what a group has met of a GROUP_CONCAT.
type gcAcc struct {
	pieces []gcPiece
	sep    []byte // as the function writes it
	sepLen uint64 // its length in the function's character set
	maxLen uint64
	err    error // a piece that no merge can place (mixedSpelling)
}

// checkGroupConcat validates g's columns against the input's, and that
// the merge compares its arguments as MariaDB does.
func checkGroupConcat(g Agg, inCols []*mysql.Field) error {
	c := g.Concat
	if c == nil || len(c.Keys) != len(c.Desc) || len(c.Keys) != len(c.SameCols) || len(c.Keys) != len(c.CollationCols) {
		return fmt.Errorf("engine: GROUP_CONCAT without its sort keys")
	}
	cols := append([]int{c.MaxLenCol, c.WithSepCol, c.LenCol, c.WithSepLenCol}, c.Keys...)
	for _, k := range append(append(cols, c.SameCols...), c.CollationCols...) {
		if k < 0 || k >= len(inCols) {
			return fmt.Errorf("engine: GROUP_CONCAT column %d out of range (%d columns)", k, len(inCols))
		}
	}
	for _, k := range c.Keys {
		if why := inexactOrder(inCols[k]); why != "" {
			return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"GROUP_CONCAT over several shards of %s is not supported: the merge would not order them as MariaDB does; restrict the shard key to one shard", why))
		}
	}
	return nil
}

// inexactOrder says what of a column the merge's comparisons do not order
// as MariaDB does (engine/doc.go); "" where they do.
func inexactOrder(f *mysql.Field) string {
	switch {
	case f == nil:
		return ""
	case lossyText(f):
		return "FLOAT values (their text does not tell them apart)"
	case f.Flag&(mysql.ENUM_FLAG|mysql.SET_FLAG) != 0:
		return "ENUM and SET values (ordered by their positions)"
	}
	if _, err := keyKind(f); err != nil {
		// keyKind decides, as for every other key: the wire's id says
		// how the text is encoded (any utf8mb3 or utf8mb4 one is read
		// right); its collation the CollationCols check.
		return "strings sent in " + resultCharsetText(f.Charset) + " (the merge compares UTF-8: SET NAMES utf8mb4)"
	}
	return ""
}

// lossyText: a FLOAT without fixed decimals, whose text (6 significant
// digits of a value stored with about 7) does not tell values apart. A
// FLOAT(M,D) or DOUBLE(M,D) stores values rounded to its decimals.
func lossyText(f *mysql.Field) bool {
	return f != nil && f.Type == mysql.MYSQL_TYPE_FLOAT && f.Decimal >= notFixedDec
}

// exactCollation: the merge's comparisons order strings of a collation
// (the shard's COLLATION() of the argument; the wire's character set is
// the results') as MariaDB does: utf8 general_ci weights, and bytes for
// binary and the _bin collations whose byte order in UTF-8 is theirs (not
// latin1_bin: MariaDB's latin1 is cp1252, whose 0x80-0x9F sort before
// é).
func exactCollation(name string) bool {
	switch name {
	case "binary", "utf8mb4_general_ci", "utf8mb3_general_ci", "utf8_general_ci",
		"utf8mb4_bin", "utf8mb3_bin", "utf8_bin", "ascii_bin":
		return true
	}
	return false
}

// addPiece records a shard's piece; a NULL piece (every row had a NULL
// argument) adds nothing, as MariaDB skips such rows.
func (sp *aggSpec) addPiece(acc *aggAcc, r Row) error {
	v, err := cell(r, sp.Col)
	if err != nil || v == nil {
		return err
	}
	c := sp.Concat
	if acc.concat == nil {
		acc.concat = &gcAcc{}
	}
	ga := acc.concat
	vals, err := cells(r, c.MaxLenCol, c.WithSepCol, c.LenCol, c.WithSepLenCol)
	if err != nil {
		return err
	}
	nums, err := parseUints(vals[0], vals[2], vals[3])
	if err != nil {
		return err
	}
	withSep := vals[1]
	if !bytes.HasPrefix(withSep, v) || nums[2] < nums[1] {
		return fmt.Errorf("engine: GROUP_CONCAT piece %q and with its separator %q disagree", v, withSep)
	}
	ga.maxLen, ga.sep, ga.sepLen = nums[0], withSep[len(v):], nums[2]-nums[1]
	p := gcPiece{piece: v, n: nums[1], keys: make(Row, len(c.Keys))}
	for i, k := range c.Keys {
		if p.keys[i], err = cell(r, k); err != nil {
			return err
		}
		same, err := cell(r, c.SameCols[i])
		if err != nil {
			return err
		}
		if string(same) == "0" && ga.err == nil {
			ga.err = errMixedSpelling(p.keys[i])
		}
		coll, err := cell(r, c.CollationCols[i])
		if err != nil {
			return err
		}
		if !exactCollation(string(coll)) && ga.err == nil {
			ga.err = mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"GROUP_CONCAT over several shards of strings of collation %s is not supported: the merge orders only utf8mb4_general_ci, utf8mb3_general_ci, binary and utf8/ascii _bin strings as MariaDB does; restrict the shard key to one shard", coll))
		}
	}
	ga.pieces = append(ga.pieces, p)
	acc.has = true
	return nil
}

// cells reads columns of r.
func cells(r Row, cols ...int) ([][]byte, error) {
	out := make([][]byte, len(cols))
	for i, c := range cols {
		v, err := cell(r, c)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// parseUints reads unsigned integers a shard sent.
func parseUints(vals ...[]byte) ([]uint64, error) {
	out := make([]uint64, len(vals))
	for i, v := range vals {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("engine: bad GROUP_CONCAT length %q", v)
		}
		out[i] = n
	}
	return out, nil
}

func errMixedSpelling(v []byte) error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
		"GROUP_CONCAT over several shards meets values equal under the collation but spelt apart (as %q): one MariaDB orders them, and keeps one under DISTINCT, as its plan reads them; restrict the shard key to one shard", v))
}

// concatResult joins a group's pieces in order of their keys.
func (sp *aggSpec) concatResult(acc *aggAcc) ([]byte, error) {
	ga := acc.concat
	if !acc.has || ga == nil {
		return nil, nil
	}
	if ga.err != nil {
		return nil, ga.err
	}
	c := sp.Concat
	cmp := func(a, b gcPiece) int {
		for i := range c.Keys {
			if d := compareValues(sp.concatKinds[i], a.keys[i], b.keys[i]); d != 0 {
				if c.Desc[i] {
					return -d
				}
				return d
			}
		}
		return 0
	}
	slices.SortStableFunc(ga.pieces, cmp)
	out, n := []byte{}, uint64(0)
	for i, p := range ga.pieces {
		if i > 0 && cmp(ga.pieces[i-1], p) == 0 {
			// Equal values: the same text, or no merge can tell where
			// one server puts each, or which it keeps.
			for k, key := range p.keys {
				if !bytes.Equal(key, ga.pieces[i-1].keys[k]) {
					return nil, errMixedSpelling(key)
				}
			}
			if sp.Distinct {
				continue // another shard's copy of a value already kept
			}
		}
		if i > 0 {
			out, n = append(out, ga.sep...), n+ga.sepLen
		}
		out, n = append(out, p.piece...), n+p.n
		// A piece near the limit may be the shard's cut.
		if n > ga.maxLen || p.n+4 > ga.maxLen {
			return nil, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"GROUP_CONCAT over several shards reaches @@group_concat_max_len (%d bytes), where MariaDB cuts it with a warning, which the merge cannot reproduce; raise group_concat_max_len, or restrict the shard key to one shard", ga.maxLen))
		}
	}
	acc.concat = nil
	return out, nil
}
