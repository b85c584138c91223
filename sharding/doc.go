// Package sharding holds the shard rules from the configuration: which
// tables are sharded, by which column and algorithm, and where unsharded
// and broadcast tables live; and the algorithms that map a shard key value
// to a shard. Pure code, no I/O. Rules and Tables built by New are
// immutable and safe for concurrent use.
//
// # Shard key values and their normalisation
//
// A shard key arrives as a SQL literal or a prepared-statement parameter in
// many spellings. The one rule this package enforces is: the same logical
// value lands on the same shard whatever its spelling, i.e. two values that
// MySQL/MariaDB treats as equal in "WHERE key = value" get the same Key.
// (The reverse need not hold: values MySQL treats as different may share a
// Key, which costs nothing but balance.) A Value is normalised into a Key by
// Normalize according to the key column's ColType:
//
// Integer (TINYINT..BIGINT, signed or unsigned). The key is the exact
// integer in [-2^63, 2^64-1].
//   - Go integers (IntValue, UintValue) are taken as they are.
//   - Numeric text, quoted or not (StringValue, BytesValue, NumberValue) is
//     parsed as a decimal number: optional leading ASCII white space
//     (" \t\n\v\f\r"), optional sign, digits with an optional decimal point
//     and an optional exponent, optional trailing spaces. It must denote an
//     integer exactly: '5', 5, '05', '+5', ' 5', '5 ', '5.', '5.0', '5.000',
//     '0.5e1', 5e0 and '50e-1' are all the integer 5; '-0' is 0. This is what
//     MySQL does when it compares or stores such a string in an integer
//     column (leading zeros, spaces and a zero fraction are not significant).
//   - Anything else is an error, never a silent conversion: '5abc', '0x5',
//     '5 6' and the empty string are ErrNotNumber (MySQL would read '5abc'
//     as 5 with a warning; the proxy refuses instead of guessing), '5.5' and
//     5.5 are ErrNotInteger
//     (MySQL would round 5.5 to 6 on INSERT but match no row in a WHERE),
//     and integers outside [-2^63, 2^64-1] are ErrOutOfRange.
//   - A float64 (FloatValue, e.g. a DOUBLE parameter) is the integer it holds
//     if it is integral and |f| < 2^53; beyond 2^53 a double no longer
//     stands for one integer (MySQL compares a BIGINT with a double as
//     doubles, so 2^53 would also match 2^53+1), which is ErrInexact. NaN
//     and infinities are ErrNotNumber.
//
// Decimal (DECIMAL/NUMERIC). Same parsing; an integral value gives the
// same Key as under Integer (so DECIMAL 5.00 and INT 5 agree), any other
// value gives an exact decimal Key (1.5 = '1.50' = 15e-1). A non-integral
// float64 is taken as its shortest decimal representation (0.1, not
// 0.1000000000000000055...). Normalize does not know the column's scale:
// a value with more fractional digits than the column holds (1.005 into a
// DECIMAL(10,2), stored as 1.01) is the value written. Where the column
// type is known an INSERT places the row by the value stored instead
// (StoredDecimal, and StoredInteger for integer columns, as the router
// does with the catalog's definitions).
//
// String (CHAR, VARCHAR, TEXT). MySQL's default collations
// (utf8mb4_general_ci and friends) are case-insensitive and PAD SPACE, so
// 'abc', 'ABC' and 'abc  ' are equal. The Key is the text with trailing
// spaces (U+0020 only) removed and every character replaced by a canonical
// member of its Unicode simple case-folding orbit (the orbit's smallest code
// point, lower-cased): two valid UTF-8 strings get the same Key exactly when
// strings.EqualFold says they are equal after trailing spaces are trimmed.
// Bytes that are not valid UTF-8 are kept as they are: the caller gives
// the text in UTF-8 (the router reads a client's latin1 into it; a
// BinaryValue is bytes as they are). Numbers (IntValue,
// FloatValue, NumberValue) are refused with ErrNumberForString: MySQL
// compares a string column with a number numerically ('05' = 5), so no
// single string Key stands for it.
// Limits: accent-insensitivity ('é' = 'e' in general_ci), expansions
// ('ß' = 'ss' in unicode_ci), utf8mb4_general_ci treating all characters
// outside the BMP as equal, and other collation-specific equalities are not
// modelled; for string keys outside ASCII letters and digits use a _bin
// collation if such values must be found. Case folding follows the Unicode
// tables of the Go release; Unicode's case-folding stability policy keeps
// this fixed for assigned characters.
//
// Unknown (the proxy does not know the column type: a hash table whose key
// column the router's catalog does not know; with a definition, the
// router gives an integer or decimal key column's type with
// Table.WithKeyType, which moves no row placed by this rule). A value that
// parses as a number under the rules above is a
// number: an integral one gets the Integer Key, any other the Decimal Key.
// Other text gets the String Key. So on an integer column every spelling of
// 5 agrees with 5, and on a string column equal strings agree, because the
// numeric reading ignores case ('1e1' = '1E1') and trailing spaces just as
// the collation does. Wherever Normalize(v, Integer) or Normalize(v,
// Decimal) succeeds it returns the same Key as Normalize(v, Unknown), so a
// table may later be declared Integer or Decimal without moving rows. It is
// not so for String: there '5' is the string "5", under Unknown the
// integer 5. Limitation: under Unknown a non-numeric string compared with an
// integer column ('5abc', which MySQL reads as 5 with a warning) is routed
// as a string.
//
// Other column types (DATE, DATETIME, TIME, YEAR, ENUM; TIMESTAMP, FLOAT,
// DOUBLE, BIT, SET) stay Unknown, whose rule reads their spellings as
// different values where MariaDB stores one ('20200102' and '2020-01-02',
// 21 and 2021, an ENUM's index and its name). For them the router gives
// the table a KeyForm (Table.WithKeyForm): only the spelling MariaDB gives
// the stored value back places a row or picks a shard, which no other
// spelling of the value can do; TIMESTAMP (its text follows time_zone),
// FLOAT, DOUBLE, BIT and SET have no such spelling.
//
// NULL is never a shard key (ErrNullKey): a row without a key value has no
// home, and "key = NULL" matches nothing. The zero Value is NULL.
//
// Hex and bit literals: X'1F' is a binary string; 0x1F and b'11111' are a
// number where an integer is compared or stored and a string elsewhere.
// The router routes X'1F' as the string (BytesValue), and an INSERT's 0x1F
// into a known integer key as its integer value (UintValue); a read by
// 0x1F goes to every shard.
//
// # Algorithms
//
// "hash": FNV-1a 64 of the Key's canonical encoding, finished with
// MurmurHash3's fmix64 so that consecutive keys spread (see Key.Hash), mapped to
// a shard by jump consistent hash (Lamping & Veach, 2014) computed in exact
// integer arithmetic. Jump hash is used instead of hash mod n because when a
// table's shard list grows from n to n+1 shards (appended at the end) only
// 1/(n+1) of the keys move, all of them to the new shard, where mod n would
// move n/(n+1) of them. Both the encoding and the hash are fixed forever:
// changing either would move stored rows. The test vectors in the tests
// pin them.
//
// "mod": integer keys only; shard index = ((k mod n) + n) mod n.
//
// "range": integer keys only; a key goes to the first range whose Below is
// greater than the key (so a key equal to Below goes to the next range);
// the last range may be unbounded.
package sharding
