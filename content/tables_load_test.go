package content_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"infomat/content"
)

// A page whose table the kiosk cannot draw in time is refused with the fix named, as the
// page size limit is.
func TestHugeTableRefused(t *testing.T) {
	const file = "bip/budzet/budzet-2026.md"
	withTable := func(rows int) fstest.MapFS {
		m := sample(t)
		var b strings.Builder
		b.Write(m[file].Data)
		b.WriteString("\n| Lp. | Pozycja | Kwota |\n|---|---|---:|\n")
		for i := range rows {
			fmt.Fprintf(&b, "| %d | wydatek | %d,00 |\n", i, i)
		}
		m[file] = &fstest.MapFile{Data: []byte(b.String())}
		return m
	}
	_, err := content.Load(withTable(140000))
	if err == nil || !strings.Contains(err.Error(), file+": tabela w treści (od wiersza") ||
		!strings.Contains(err.Error(), "ma 140000 wierszy, a na kiosku może mieć najwyżej 1000") {
		t.Fatalf("Load: %v", err)
	}
	if _, err := content.Load(withTable(content.MaxTableRows)); err != nil {
		t.Fatalf("a table of %d rows: %v", content.MaxTableRows, err)
	}
}
