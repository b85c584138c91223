package proxy

import "github.com/xaproxy/xaproxy/engine"

// keyOrder puts the rows of a DELETE ... RETURNING over several shards in
// the order of the table's primary key, whose columns are keys in the
// answer (router.ReturningMerge.Order): one server returns them as its
// scan of the key meets them.
func keyOrder(keys []int, answers []*returned) ([]*returnedRow, error) {
	rows := rowsOf(answers)
	cols, ok := parseColumnDefs(answers[0].cols, answers[0].ext)
	if !ok {
		return nil, errMalformed("shard sent a malformed column definition")
	}
	decoded := make([]engine.Row, len(rows))
	for i, r := range rows {
		var err error
		if r.text {
			decoded[i], err = engine.DecodeTextRow(r.data, len(cols))
		} else {
			decoded[i], err = engine.DecodeBinaryRow(r.data, cols)
		}
		if err != nil {
			return nil, err
		}
	}
	sortKeys := make([]engine.SortKey, len(keys))
	for i, k := range keys {
		sortKeys[i] = engine.SortKey{Col: k, Loose: true}
	}
	order, err := engine.SortOrder(cols, decoded, sortKeys)
	if err != nil {
		return nil, err
	}
	out := make([]*returnedRow, len(rows))
	for i, pos := range order {
		out[i] = rows[pos]
	}
	return out, nil
}
