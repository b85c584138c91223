package catalog

import "testing"

func TestMentionsStatementTime(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"current_timestamp()", true},
		{"current_timestamp(6)", true},
		{"(curdate() + interval 1 day)", true},
		{"BEGIN SET NEW.created = NOW(); END", true},
		{"set new.d = UTC_TIMESTAMP(3)", true},
		{"'now'", true}, // errs on the side of one time
		{"0", false},
		{"'2024-01-01 00:00:00'", false},
		{"SET NEW.nowhere = 1", false},
		{"SET NEW.v = sysdate()", false},
		{"SET NEW.known = my_now(1)", false},
		{"", false},
	} {
		if got := MentionsStatementTime(tc.text); got != tc.want {
			t.Errorf("MentionsStatementTime(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestStatementTimeOfTablesAndRoutines(t *testing.T) {
	snap := Snapshot{
		Shard:   "s0",
		Schemas: []string{"shop"},
		Tables: []*Table{
			{Schema: "shop", Name: "created", Columns: []Column{{Name: "id", Type: "int(11)"}, {Name: "at", Type: "timestamp(6)", HasDefault: true, Default: "current_timestamp(6)"}}},
			{Schema: "shop", Name: "touched", Columns: []Column{{Name: "id", Type: "int(11)"}, {Name: "at", Type: "datetime", HasDefault: true, Default: "NULL", Nullable: true, OnUpdateNow: true}}},
			{Schema: "shop", Name: "plain", Columns: []Column{{Name: "id", Type: "int(11)"}, {Name: "at", Type: "datetime", HasDefault: true, Default: "'2024-01-01 00:00:00'"}}},
			{Schema: "shop", Name: "stamped", Columns: []Column{{Name: "id", Type: "int(11)"}}},
			{Schema: "shop", Name: "stateful", Columns: []Column{{Name: "id", Type: "int(11)"}}},
			{Schema: "shop", Name: "viafunc", Columns: []Column{{Name: "id", Type: "int(11)"}}},
			{Schema: "shop", Name: "v_recent", View: true, Definition: "select `shop`.`created`.`id` AS `id` from `shop`.`created` where `shop`.`created`.`at` > current_timestamp() - interval 1 day"},
			{Schema: "shop", Name: "v_all", View: true, Definition: "select `shop`.`created`.`id` AS `id` from `shop`.`created`"},
		},
		Triggers: []Body{
			{Named: Named{Schema: "shop", Name: "stamped"}, Text: "SET NEW.id = UNIX_TIMESTAMP()"},
			{Named: Named{Schema: "shop", Name: "plain"}, Text: "SET NEW.id = NEW.id + 1"},
			{Named: Named{Schema: "shop", Name: "viafunc"}, Text: "SET NEW.id = f_calls(NEW.id)"},
		},
		Triggered: []Named{{Schema: "shop", Name: "stateful"}},
		Routines: []Body{
			{Named: Named{Schema: "shop", Name: "f_now"}, Text: "RETURN NOW()"},
			{Named: Named{Schema: "shop", Name: "f_calls"}, Text: "RETURN f_now() + x"},
			{Named: Named{Schema: "shop", Name: "f_plain"}, Text: "RETURN x + 1"},
		},
		Functions: []Named{{Schema: "shop", Name: "f_state"}},
	}
	c := Build(1, []Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	for table, want := range map[string]bool{"created": true, "touched": true, "plain": false, "stamped": true, "stateful": true, "viafunc": true, "missing": false} {
		if got := c.WritesStatementTime("shop", table); got != want {
			t.Errorf("WritesStatementTime(shop, %s) = %v, want %v", table, got, want)
		}
	}
	for view, want := range map[string]bool{"v_recent": true, "V_ALL": false, "created": false} {
		if got := c.ViewReadsStatementTime("shop", view); got != want {
			t.Errorf("ViewReadsStatementTime(shop, %s) = %v, want %v", view, got, want)
		}
	}
	for routine, want := range map[string]bool{"f_now": true, "F_CALLS": true, "f_plain": false, "f_state": true, "now": false} {
		if got := c.ReadsStatementTime("shop", routine); got != want {
			t.Errorf("ReadsStatementTime(shop, %s) = %v, want %v", routine, got, want)
		}
	}
}
