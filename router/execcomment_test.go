package router

import (
	"errors"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	tmysql "github.com/pingcap/tidb/pkg/parser/mysql"
)

// The expectations come from MariaDB 10.11.19 (version 101119): the
// comment of each case says what that server answered for the original
// text (the column name it gave, or its error). The output must lex to the
// same tokens and, where MariaDB names a column after the text, give the
// same name.
func TestExpandExecutableComments(t *testing.T) {
	const v = 101119
	tests := []struct {
		in, want string
	}{
		{"SELECT 1", "SELECT 1"},
		// MariaDB-only form: runs up to the server's version, 5 or 6 digits.
		{"select id from t where id = 1 /*M!100000 OR id = 2 */", "select id from t where id = 1  OR id = 2 "},
		{"select 1 /*M!101119 +1 */", "select 1  +1 "},           // 2
		{"select 1 /*M!101120 +1 */", "select 1 "},               // 1
		{"select 1 /*M!110000 +1 */", "select 1 "},               // 1
		{"select 1 /*M!99999 +1 */", "select 1  +1 "},            // 2: /*M! runs MySQL 5.7+ versions
		{"select 1 /*M!50700 +1 */", "select 1  +1 "},            // 2
		{"select 1 /*M!50000 +1 */", "select 1  +1 "},            // 2
		{"select 1 /*M!123456+1*/", "select 1 "},                 // 1: 123456 > 101119
		{"select 1 /*M!1000000 +1*/", "select 1 0 +1"},           // syntax error near '0 +1*/'
		{"select 1 /*M!5000 +1*/", "select 1 5000 +1"},           // syntax error near '5000 +1*/'
		{"select 1 /*M!*/ + 1 /*M! +1 */", "select 1  + 1  +1 "}, // 3: no version, runs
		// MySQL form: MySQL 5.7+ versions (50700-99999) never run.
		{"select 1 /*!50000 +1 */", "select 1  +1 "},            // 2
		{"select 1 /*!50699 +1 */", "select 1  +1 "},            // 2
		{"select 1 /*!50700 +1 */", "select 1 "},                // 1
		{"select 1 /*!99999 +1 */", "select 1 "},                // 1
		{"select 1 /*!100000 +1 */", "select 1  +1 "},           // 2
		{"select 1 /*!101119 +1 */", "select 1  +1 "},           // 2
		{"select 1 /*!101120 +1 */", "select 1 "},               // 1
		{"select 1 /*!401011+1*/", "select 1 "},                 // 1
		{"select 1 /*!40101+1*/", "select 1 +1"},                // column "1 +1"
		{"select 1 /*!12345+1*/", "select 1 +1"},                // 2
		{"select 1 /*!00000+1*/", "select 1 +1"},                // 2
		{"select 1 /*!4010+1*/", "select 1 4010+1"},             // syntax error near '4010+1*/'
		{"select 1 /*!1 OR 2 */", "select 1 1 OR 2 "},           // syntax error near '1 OR 2 */'
		{"select 1 /*! +1 */", "select 1  +1 "},                 // 2: no version, runs
		{"select 1 /*!*/ + 1", "select 1  + 1"},                 // column "1  + 1"
		{"select 1/*!+1*/", "select 1+1"},                       // column "1+1"
		{"select 1/*!-1*/, 2/*!50000 */-1", "select 1-1, 2 -1"}, // columns "1-1", "2 -1"
		{"/*!40101 SET @a=1 */", " SET @a=1 "},
		{"/*!50000 select*/ 'x'", " select 'x'"},
		// Lower-case m, hints and TiDB's /*T! are plain comments.
		{"select 1 /*m!50000 +1 */", "select 1 /*m!50000 +1 */"},
		{"select 1 /*+ +1 */", "select 1 /*+ +1 */"},
		{"select 1 /*T! +1 */", "select 1 /*T! +1 */"},
		{"select 1 /* c */ + 1", "select 1 /* c */ + 1"}, // column "1 /* c */ + 1"
		// Not comments inside strings and quoted names.
		{`select "/*!50000 + 1 */", '/*M!1 y*/', ` + "`/*!x*/`", `select "/*!50000 + 1 */", '/*M!1 y*/', ` + "`/*!x*/`"},
		{`select 'a\'/*!50000 b*/'`, `select 'a\'/*!50000 b*/'`},
		{`select 'a''/*!50000 b*/'`, `select 'a''/*!50000 b*/'`},
		// Line comments hide them.
		{"select 1 -- /*!50000 +1 */", "select 1 -- /*!50000 +1 */"},
		{"select 1 #/*!50000 +1 */", "select 1 #/*!50000 +1 */"},
		// Inside a running comment: strings, comments, line comments.
		{"select 1 /*!50000 + '*/' */", "select 1  + '*/' "},                                   // 1 (1 + '*/')
		{"select 1 /*!50000 + 1 /* c */ + 10 */", "select 1  + 1 /* c */ + 10 "},               // 12
		{"select 1 /*!50000 +1 -- x */\n + 10 */ + 100", "select 1  +1 -- x */\n + 10  + 100"}, // 112
		{"select 1 /*!50000 + /*!50000 1 */", "select 1  +  1 "},                               // 2: one "*/" closes both
		{"select 1 /*!50000 + 1 /*!50000 + 10 */ + 100 */", "select 1  + 1  + 10  + 100 */"},   // syntax error near '/'
		{"select 1 /*!50000 + 1 */ */", "select 1  + 1  */"},                                   // syntax error near '/'
		// A comment that does not run: one nested plain comment, no strings.
		{"select 1 /*!99999 + 10 /* c */ + 100 */ + 1000", "select 1  + 1000"},       // 1001
		{"select 1 /*!99999 + 10 /* /* c */ + 100 */ + 1000", "select 1  + 1000"},    // 1001
		{"select 1 /*!99999 + 10 /*!50000 c */ + 100 */ + 1000", "select 1  + 1000"}, // 1001
		{"select 1 /*!99999 + '*/' */", "select 1 ' */"},                             // syntax error near '' */'
		{"select 1/*!99999 x*/+1", "select 1+1"},                                     // column "1+1"
		// mariadb-dump's first line.
		{"/*M!999999\\- enable the sandbox mode */", ""},
		{"/*M!999999\\- enable the sandbox mode */ select 1", " select 1"},
		{"/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */", " SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 "},
		{"/*!40000 ALTER TABLE `t` DISABLE KEYS */", " ALTER TABLE `t` DISABLE KEYS "},
		// A removed piece still separates tokens.
		{"select 1/*!50000*/2", "select 1 2"},    // syntax error near '2'
		{"select 1/*!99999 x*/2", "select 1 2"},  // syntax error near '2'
		{"sel/*!50000 ect*/ 1", "sel ect 1"},     // syntax error
		{"select 0x/*!*/41", "select 0x 41"},     // syntax error near '41'
		{"select 'a'/*!*/'b'", "select 'a' 'b'"}, // "ab"
		{"select x/*!*/'41'", "select x '41'"},
		{"select @/*!*/a", "select @ a"},
		{"select 1 -/*!*/- 1", "select 1 - - 1"},
		{"select 1 </*!*/= 1", "select 1 < = 1"},
		{"select 1/*!*/.5", "select 1 .5"},
		{"select 1 //*!*/* 2", "select 1 / * 2"},
		// Unclosed plain comments are the shard's syntax error.
		{"select 1 /* x", "select 1 /* x"},
	}
	for _, tt := range tests {
		got, err := ExpandExecutableComments(tt.in, v, 0)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestExpandExecutableCommentsErrors(t *testing.T) {
	for _, in := range []string{
		"select 1 /*!50000 + 1",        // MariaDB: syntax error
		"select 1 /*!99999 + 1",        // MariaDB: syntax error
		"select 1 /*!50000 +1 -- x */", // the comment hides the "*/"
		"select 1 /*!50000 +1 # x */",
		"select 1 /*!50000 -- */ + 1",
		"select 1 /*!99999 /* x */",
		"select 1 --/*!50000 +1 */", // 2 on MariaDB ("--" then "/" is two minus signs): no text without the marker says so
		"select 1 --/*!*/\x7f1",     // without the marker, "--\x7f" starts a comment (MariaDB's rule)
	} {
		_, err := ExpandExecutableComments(in, 101119, 0)
		var me *mysql.MyError
		if !errors.As(err, &me) || me.Code != mysql.ER_PARSE_ERROR {
			t.Errorf("%q: got %v, want a syntax error", in, err)
		}
	}
}

func TestExpandExecutableCommentsVersion(t *testing.T) {
	tests := []struct {
		in      string
		version int
		want    string
	}{
		{"select 1 /*M!100616 +1 */", 100615, "select 1 "},
		{"select 1 /*M!100616 +1 */", 100616, "select 1  +1 "},
		{"select 1 /*!40103 +1 */", 40102, "select 1 "},
	}
	for _, tt := range tests {
		if got, err := ExpandExecutableComments(tt.in, tt.version, 0); err != nil || got != tt.want {
			t.Errorf("%q at %d: got %q, %v; want %q", tt.in, tt.version, got, err, tt.want)
		}
	}
}

func TestHideTiDBComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{"select 1 /*T! +1 */", "select 1 /*T  +1 */"},
		{"select '/*T! x */' /*T![clustered_index] +1 */", "select '/*T! x */' /*T [clustered_index] +1 */"},
		{"select 1 -- /*T! x */", "select 1 -- /*T! x */"},
		{"select 1", "select 1"},
	}
	for _, tt := range tests {
		if got := hideTiDBComments(tt.in, 0); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExpandExecutableCommentsMode: quotes read as the session's sql_mode
// reads them. Under NO_BACKSLASH_ESCAPES 'x\' is a whole string, so the
// comment after it runs; a backquoted name never escapes; under
// ANSI_QUOTES neither does a double-quoted one.
func TestExpandExecutableCommentsMode(t *testing.T) {
	tests := []struct {
		in   string
		mode Mode
		want string
	}{
		{`select 'x\' /*M!, f(1) */, ' -- '`, tmysql.ModeNoBackslashEscapes, `select 'x\' , f(1) , ' -- '`},
		{`select 'x\' /*M!, f(1) */, ' -- '`, 0, `select 'x\' /*M!, f(1) */, ' -- '`},
		{"select `x\\` /*M!, f(1) */", 0, "select `x\\` , f(1) "},
		{`select "x\" /*M!, f(1) */`, tmysql.ModeANSIQuotes, `select "x\" , f(1) `},
	}
	for _, tt := range tests {
		if got, err := ExpandExecutableComments(tt.in, AssumedServerVersion, tt.mode); err != nil || got != tt.want {
			t.Errorf("%q in mode %d: got %q, %v; want %q", tt.in, tt.mode, got, err, tt.want)
		}
	}
}
