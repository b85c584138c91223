// Package engine holds the merge operators and the value semantics that let
// xaproxy combine the result sets of several shards into the answer one
// MariaDB 10.11 server holding all rows would send, byte for byte in the MySQL
// text protocol.
//
// # Rows
//
// A result is a pull iterator ([Rows]) of [Row] values: Row[i] == nil is SQL
// NULL, anything else is the value's text-protocol bytes. Column metadata is
// go-mysql's *mysql.Field. Rows returned by Next belong to the caller: an
// operator never reuses or mutates a returned Row or its byte slices, and every
// input must behave the same way (so an operator may Close its input as soon
// as it has the rows it needs, e.g. [Limit]).
//
// Streaming operators ([Concat], [MergeSort], [Limit], [Project], [Filter],
// [Compute]) pull lazily, one row at a time; [MergeSort] holds one row per
// input. [Sort] and [Aggregate] buffer; [Distinct] keeps a set of the keys it
// has seen.
//
// # Comparison rules
//
// Sorting, DISTINCT, grouping, MIN/MAX and COUNT(DISTINCT) compare values by
// the kind implied by the column's *mysql.Field:
//
//   - integer types (TINY, SHORT, INT24, LONG, LONGLONG, YEAR, signed or
//     UNSIGNED, ZEROFILL text included) and DECIMAL/NEWDECIMAL: exact numeric
//     comparison of the decimal text (no precision limit);
//   - FLOAT/DOUBLE: float64;
//   - TIME: signed [-]h:mm:ss[.frac] (hours may exceed 24);
//   - DATE, DATETIME, TIMESTAMP, BIT, GEOMETRY, NULL and binary strings
//     (Charset 63): bytewise, no padding;
//   - other strings with BINARY_FLAG (a *_bin collation such as utf8mb4_bin,
//     or MariaDB's JSON): bytewise (= code point order for UTF-8) with PAD SPACE;
//   - all other strings: utf8mb4_general_ci with PAD SPACE. The per-character
//     weights come from a table generated from MariaDB 10.11 itself
//     (WEIGHT_STRING(... COLLATE utf8mb4_general_ci) for every BMP code point),
//     so 'a' = 'A' = 'á' = 'Á', 'ß' = 's' but 'ß' <> 'ss', all supplementary
//     characters (emoji) are equal, 'a' = 'a  ' and 'a\t' < 'a'. Invalid UTF-8
//     bytes sort after every character.
//
// NULL sorts before every value in ascending order and after in descending
// order. Equal keys keep their input order ([Sort] is stable, [MergeSort]
// breaks ties by input index).
//
// Approximations: the metadata carries the connection's character set, not
// the column's collation, so a non-binary string column whose real collation
// is not utf8mb4_general_ci (utf8mb4_unicode_ci, uca1400_*, latin1_swedish_ci,
// ...) is still compared as general_ci, and text is taken as UTF-8. ENUM and
// SET columns compare as strings (MariaDB orders ENUM by member index). Among
// values that are equal under the collation ('abc', 'ABC'), the text kept for a
// group, a DISTINCT row or MIN/MAX is the first one the engine sees, which may
// differ from the one MariaDB meets first in its own scan order.
//
// # Aggregates
//
// [Aggregate] merges shard partials: COUNT adds counts, SUM adds exactly
// (DECIMAL and integer partial sums) or in float64 (DOUBLE), AVG divides the
// summed partial SUM by the summed partial COUNT with MariaDB's DECIMAL
// division (scale + 4, see below) or in float64. A DOUBLE sum is added in a
// different order than MariaDB's row-by-row sum, so its last digit may differ.
//
// # Expressions
//
// [Expr] trees ([Col], [Lit], [Binary], [Unary], [IsNull], [Named]) evaluate
// HAVING predicates ([Filter]) and select-list expressions over aggregates
// ([Compute]) with MariaDB 10.11's rules, checked against a scratch server with
// a differential test of tens of thousands of random expressions:
//
//   - BIGINT + - * keep integers; overflow is error 1690 ("BIGINT [UNSIGNED]
//     value is out of range in '...'") as a *mysql.MyError; unsigned when an
//     operand is unsigned, signed when an operand is a temporal;
//   - DECIMAL: exact; scale max(s1,s2) for + - %, s1+s2 (at most 38) for *,
//     s1+4 for / . A quotient is computed like MariaDB's do_div: truncated to
//     a whole number of 9-digit words, kept at that precision for later
//     arithmetic (2/3*1000000 = 666666.6660) and rounded half up to its scale
//     when printed or compared, so that DECIMAL(x,5)/integer is truncated at
//     its 9 digits; MOD and truncating divisions can print "-0.00";
//   - DOUBLE as soon as an operand is FLOAT/DOUBLE or a string; printed like
//     MariaDB: shortest round-trip digits, 'e' notation beyond 15 integer
//     digits or below 1e-14 ("1e15", "1.5e-16"), fixed decimals (dtoa mode 5)
//     for a DOUBLE with declared decimals; FLOAT columns with 6 digits;
//   - division by zero, DIV 0 and MOD 0 give NULL with warning 1365, counted
//     in the execution's Warnings when the server would evaluate the
//     expression (WarnWhen); DIV truncates;
//   - comparisons follow MariaDB's type aggregation: strings by collation,
//     temporals as temporals (a string or number operand converted, invalid
//     ones as the zero value, YEAR as YYYY-00-00, TIME against a date on the
//     current date), integers exactly, DECIMAL at declared scale, an integer
//     or DECIMAL against a constant string as DECIMAL, doubles with MariaDB's
//     tolerance when both sides have fixed decimals; results are 1/0/NULL;
//   - AND/OR/XOR three-valued, short-circuiting like MariaDB; NOT NOT a is
//     a <> 0 (MariaDB's rewrite).
//
// Known differences from MariaDB: a DOUBLE(M,D) column is stored rounded in a
// way its printed text does not preserve, so arithmetic over it can differ in
// the last digits; DECIMAL products beyond MariaDB's 81-digit buffers are exact
// here; some IS NULL tests MariaDB folds or evaluates depending on the plan;
// BIGINT values around 2^62 and up compared with a TIME; expressions MariaDB
// evaluates on an empty aggregate state while grouping (raising 1690 where no
// final group overflows). An exact [Aggregate] AVG column carries every digit
// of its DECIMAL quotient, which expressions over it compute with (Compute
// prints it rounded); where MariaDB computes the AVG in doubles (an operand
// of arithmetic or a comparison in doubles, without GROUP BY) refer to it
// with AvgCol and an [Agg] with Real.
package engine
