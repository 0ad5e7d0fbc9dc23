package content

import (
	"fmt"
	"strings"
	"testing"
)

func TestLongestTable(t *testing.T) {
	table := func(rows int) string {
		var b strings.Builder
		b.WriteString("| Dział | Kwota |\n|---|---:|\n")
		for i := range rows {
			fmt.Fprintf(&b, "| %d | %d,00 zł |\n", i, i*10)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name       string
		body       string
		rows, line int
	}{
		{"no table", "Tekst.\n\nDrugi akapit | z kreską.\n", 0, 0},
		{"pipes without a delimiter row", "| a |\n| b |\n| c |\n", 0, 0},
		{"one table", "Wstęp\n\n" + table(3), 3, 3},
		{"the longer of two", table(2) + "\nprzerwa\n\n" + table(5), 5, 8},
		{"indented and no trailing newline", "  | a | b |\n  | --- | :-: |\n  | 1 | 2 |", 1, 1},
	} {
		rows, line := longestTable(tc.body)
		if rows != tc.rows || line != tc.line {
			t.Errorf("%s: longestTable = %d rows at line %d, want %d at %d", tc.name, rows, line, tc.rows, tc.line)
		}
	}
}
