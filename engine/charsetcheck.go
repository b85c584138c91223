package engine

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// The merge compares text as UTF-8 (utf8mb4_general_ci weights, or bytes
// for the _bin collations). A column definition names the character set
// the shard sent the text in (character_set_results', or the column's
// own when that is NULL); text sent in another one (SET NAMES latin1:
// 'é' as the byte 0xE9) would be compared as the wrong characters, so a
// merge that compares such a column is refused before any row is sent.

// IsUTF8Collation tells whether a MariaDB 10.11 collation id is one of
// utf8mb3 or utf8mb4 (proxy/mariadbcollations.go, to which a proxy test
// holds it), whose text the merge reads.
func IsUTF8Collation(id uint16) bool {
	switch {
	case id == 33, id == 45, id == 46, id == 83, id >= 192 && id <= 215,
		id >= 223 && id <= 247, id >= 576 && id <= 578, id >= 608 && id <= 610,
		id == 1057, id == 1069, id == 1070, id == 1107, id == 1216, id == 1238,
		id == 1248, id == 1270, id >= 2048 && id <= 2215, id >= 2232 && id <= 2247,
		id >= 2304 && id <= 2471, id >= 2488 && id <= 2503:
		return true
	}
	return false
}

// keyKind is fieldKind for a column the merge compares (a sort, group,
// DISTINCT or MIN/MAX key): an error for text in a character set the
// merge does not read.
//
// An ENUM's or SET's values are distinct under its collation, whatever
// it is: as group and DISTINCT keys they are equal as they are equal
// bytes (they sort by position, which the router gives the merge). That
// holds only as UTF-8 sends them, which holds every character: another
// result character set may send two of them as the same bytes
// (utf8mb4 ENUM('ā','ă') under SET NAMES latin1: '?' for both), which
// one MariaDB, comparing the values, still tells apart. Binary ones
// (63) come unconverted.
func keyKind(f *mysql.Field) (cmpKind, error) {
	if f != nil && f.Flag&(mysql.ENUM_FLAG|mysql.SET_FLAG) != 0 {
		if !IsUTF8Collation(f.Charset) && f.Charset != 63 {
			return kindBinary, errForeignText(f)
		}
		return kindBinary, nil
	}
	k := fieldKind(f)
	if (k == kindCI || k == kindBinPad) && !IsUTF8Collation(f.Charset) {
		return k, errForeignText(f)
	}
	return k, nil
}

// aggKeyError refuses an aggregate that compares text the merge does not
// read: MIN and MAX (not the Rep MIN, which only picks a row to show, nor
// one of Equal values),
// COUNT(DISTINCT)'s arguments. SUM and AVG(DISTINCT) compare the shards'
// numbers; GROUP_CONCAT checks its keys itself (checkGroupConcat).
func aggKeyError(g Agg, inCols []*mysql.Field) error {
	var cols []int
	switch {
	case (g.Fn == AggMin || g.Fn == AggMax) && !g.Rep && !g.Equal:
		cols = []int{g.Col}
	case g.Fn == AggCountDistinct:
		cols = append([]int{g.Col}, g.More...)
	}
	for _, c := range cols {
		if c < 0 || c >= len(inCols) {
			continue // reported as out of range
		}
		if _, err := keyKind(inCols[c]); err != nil {
			return err
		}
	}
	return nil
}

// errForeignText is the refusal of comparing f's text.
func errForeignText(f *mysql.Field) error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
		"merging text in %s%s over several shards is not supported: the proxy compares utf8mb4 or utf8mb3 results (SET NAMES utf8mb4), or restrict the shard key to one shard",
		resultCharsetText(f.Charset), fieldLabel(f)))
}

// fieldLabel names a result column for a message: the table's column,
// or the result's unless the router named it (a hidden sort key).
func fieldLabel(f *mysql.Field) string {
	switch {
	case len(f.OrgName) > 0:
		return " (column '" + string(f.OrgName) + "')"
	case len(f.Name) > 0 && !strings.HasPrefix(string(f.Name), "__xa_"):
		return " (column '" + string(f.Name) + "')"
	}
	return ""
}

// CharsetName names the character set of a collation id: latin1's and
// the defaults of the character sets a session's results may take; ""
// for others.
func CharsetName(id uint16) string {
	switch id {
	case 5, 8, 15, 31, 47, 48, 49, 94, 1032, 1071:
		return "latin1"
	case 11, 65, 1035, 1089:
		return "ascii"
	case 9:
		return "latin2"
	case 51:
		return "cp1251"
	case 35:
		return "ucs2"
	case 54:
		return "utf16"
	case 56:
		return "utf16le"
	case 60:
		return "utf32"
	}
	return ""
}

// resultCharsetText is what a message calls the character set of a
// result column's collation id (router's charsetCollText names a
// character set a statement converts to).
func resultCharsetText(id uint16) string {
	if name := CharsetName(id); name != "" {
		return "character set " + name
	}
	return fmt.Sprintf("the character set of collation number %d", id)
}
