package router

import "testing"

func TestWithAutoIncrement(t *testing.T) {
	const head = "CREATE TABLE `t` (\n  `k` int(11) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`k`)\n"
	tests := []struct {
		opts string
		next uint64
		want string
	}{
		{") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4", 6, ") ENGINE=InnoDB AUTO_INCREMENT=6 DEFAULT CHARSET=utf8mb4"},
		{") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", 6, ") ENGINE=InnoDB AUTO_INCREMENT=6 DEFAULT CHARSET=utf8mb4"},
		{") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT=' AUTO_INCREMENT=3'", 9, ") ENGINE=InnoDB AUTO_INCREMENT=9 DEFAULT CHARSET=utf8mb4 COMMENT=' AUTO_INCREMENT=3'"},
		{") ENGINE=InnoDB AUTO_INCREMENT=5 COMMENT='x) ENGINE=InnoDB AUTO_INCREMENT=7'", 12, ") ENGINE=InnoDB AUTO_INCREMENT=12 COMMENT='x) ENGINE=InnoDB AUTO_INCREMENT=7'"},
		{") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", 1, ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"}, // counter at 1: not printed
		{")", 6, ")"}, // NO_TABLE_OPTIONS
	}
	for _, tt := range tests {
		if got := WithAutoIncrement(head+tt.opts, tt.next); got != head+tt.want {
			t.Errorf("%q, %d:\n got  %q\n want %q", tt.opts, tt.next, got, head+tt.want)
		}
	}
}
