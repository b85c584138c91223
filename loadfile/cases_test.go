package loadfile

// readCase is a file, the statement's clauses and what MariaDB 10.11
// loads from it into a table of three BLOB columns: each row's fields
// (nil: NULL; fewer than three: the line was short). The expectations were
// checked against mariadbd 10.11.19 with TestCasesAgainstMariaDB
// (mariadb_check_test.go, build tag mariadbcheck).
type readCase struct {
	name    string
	file    string
	clauses string // the FIELDS/LINES/IGNORE clauses as SQL
	c       Clauses
	ignore  uint64
	charset string
	want    [][]*string
	// raws are the rows' bytes as the reader cuts them.
	raws []string
}

func sp(s string) *string { return &s }

var readCases = []readCase{
	{name: "defaults", file: "1\ta\tb\n2\tc\td\n",
		want: [][]*string{{sp("1"), sp("a"), sp("b")}, {sp("2"), sp("c"), sp("d")}},
		raws: []string{"1\ta\tb\n", "2\tc\td\n"}},
	{name: "no final newline", file: "1\ta\tb\n2\tc\td",
		want: [][]*string{{sp("1"), sp("a"), sp("b")}, {sp("2"), sp("c"), sp("d")}},
		raws: []string{"1\ta\tb\n", "2\tc\td"}},
	{name: "escapes and null", file: "1\t\\N\tx\\ty\\\\z\\n\n2\t\\0\\Z\\b\\r\tN\n",
		want: [][]*string{{sp("1"), nil, sp("x\ty\\z\n")}, {sp("2"), sp("\x00\x1a\b\r"), sp("N")}}},
	{name: "short and long lines", file: "1\ta\n2\tb\tc\td\te\n\n3\n",
		want: [][]*string{{sp("1"), sp("a")}, {sp("2"), sp("b"), sp("c")}, {sp("")}, {sp("3")}},
		raws: []string{"1\ta\n", "2\tb\tc\td\te\n", "\n", "3\n"}},
	{name: "csv enclosed crlf ignore", clauses: `FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\r\n' IGNORE 1 LINES`,
		c:      Clauses{FieldTerm: sp(","), Enclosed: sp(`"`), LineTerm: sp("\r\n")},
		file:   "id,name,note\r\n1,\"a,b\",\"say \"\"hi\"\"\"\r\n2,NULL,\"NULL\"\r\n3,\"multi\r\nline\",x\r\n",
		ignore: 1,
		want:   [][]*string{{sp("1"), sp("a,b"), sp(`say "hi"`)}, {sp("2"), nil, sp("NULL")}, {sp("3"), sp("multi\r\nline"), sp("x")}},
		raws:   []string{"1,\"a,b\",\"say \"\"hi\"\"\"\r\n", "2,NULL,\"NULL\"\r\n", "3,\"multi\r\nline\",x\r\n"}},
	{name: "non-ascii utf8", clauses: "CHARACTER SET utf8mb4", charset: "utf8mb4", file: "1\tnaïve\t日本語\n2\t😀\t\\N\n",
		want: [][]*string{{sp("1"), sp("naïve"), sp("日本語")}, {sp("2"), sp("😀"), nil}}},
	{name: "lines starting by", clauses: `LINES STARTING BY 'xx'`, c: Clauses{LineStart: sp("xx")},
		file: "junk xx1\ta\tb\nno prefix line\nxx2\tc\td\n",
		want: [][]*string{{sp("1"), sp("a"), sp("b")}, {sp("2"), sp("c"), sp("d")}}},
	{name: "escape equals enclosure", clauses: `FIELDS TERMINATED BY ',' ENCLOSED BY '"' ESCAPED BY '"'`,
		c:    Clauses{FieldTerm: sp(","), Enclosed: sp(`"`), Escaped: sp(`"`)},
		file: "1,\"fie\"\"ld\",\"x\"\n2,\"a\\nb\",c\n",
		want: [][]*string{{sp("1"), sp(`fie"ld`), sp("x")}, {sp("2"), sp(`a\nb`), sp("c")}}},
	{name: "no escape", clauses: `FIELDS ESCAPED BY ''`, c: Clauses{Escaped: sp("")},
		file: "1\ta\\nb\t\\N\n",
		want: [][]*string{{sp("1"), sp(`a\nb`), sp(`\N`)}}},
	{name: "ignore more lines than the file", clauses: "IGNORE 5 LINES", ignore: 5, file: "1\ta\tb\n2\tc\td\n"},
	{name: "enclosed field not closed", clauses: `FIELDS ENCLOSED BY '"'`, c: Clauses{Enclosed: sp(`"`)},
		file: "1\t\"abc\n2\tx\ty\n",
		want: [][]*string{{sp("1"), sp("\"abc\n2\tx\ty\n")}}},
	{name: "long terminators", clauses: `FIELDS TERMINATED BY '||' LINES TERMINATED BY '##'`,
		c:    Clauses{FieldTerm: sp("||"), LineTerm: sp("##")},
		file: "1||a|b||c#d##2||e||f##",
		want: [][]*string{{sp("1"), sp("a|b"), sp("c#d")}, {sp("2"), sp("e"), sp("f")}}},
	{name: "escaped terminator in extra fields", file: "1\ta\tb\tc\\\nd\n2\te\tf\n",
		want: [][]*string{{sp("1"), sp("a"), sp("b")}, {sp("2"), sp("e"), sp("f")}},
		raws: []string{"1\ta\tb\tc\\\nd\n", "2\te\tf\n"}},
	{name: "broken utf8 before a newline", clauses: "CHARACTER SET utf8mb4", charset: "utf8mb4", file: "1\tx\xe2\nz\tq\n2\ta\tb\n",
		want: [][]*string{{sp("1"), sp("x\xe2")}, {sp("z"), sp("q")}, {sp("2"), sp("a"), sp("b")}}},
	{name: "broken utf8 in skipped fields", clauses: "CHARACTER SET utf8mb4", charset: "utf8mb4", file: "1\ta\tb\tc\xe2\nz\n2\ta\tb\n",
		want: [][]*string{{sp("1"), sp("a"), sp("b")}, {sp("2"), sp("a"), sp("b")}}},
	{name: "latin1 bytes", clauses: "CHARACTER SET latin1", charset: "latin1", file: "1\tx\xe2\nz\tq\n",
		want: [][]*string{{sp("1"), sp("x\xe2")}, {sp("z"), sp("q")}}},
}
