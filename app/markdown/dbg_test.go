package markdown

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestDbgKomisja(t *testing.T) {
	test.NewTempApp(t)
	obj := Render("- **Komisja Rewizyjna** — kontroluje działalność Wójta i jednostek gminy. Przewodniczący: Adam Kozłowski.")
	w := test.NewTempWindow(t, obj)
	prev := 0
	for width := float32(300); width < 1100; width++ {
		w.Resize(fyne.NewSize(width, 2000))
		r := rows(obj)
		if len(r) != prev {
			t.Logf("%v: %q", width, r)
			prev = len(r)
		}
	}
}
