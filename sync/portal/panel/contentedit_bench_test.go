package panel_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// BenchmarkLiveCheck is one keystroke's check in the editor, end to end over HTTP: the form
// parsed into the card, written back as YAML, the whole sample draft validated as the kiosk
// validates it, the problems placed at their fields. The moderator sees the answer this long
// after the 400 ms pause the page waits for.
//
//	go test ./sync/portal/panel -run '^$' -bench LiveCheck -benchtime 50x
func BenchmarkLiveCheck(b *testing.B) {
	e := newEnv(b)
	br := moderatorWithDraft(b, e, "przykladowa")
	const card = "procedury/licencja-taxi.yaml"
	q := "?f=" + url.QueryEscape(card)
	br.get("/panel/content/edit" + q)
	form := formValues(b, br.body, "editor")
	form.Set("nazwa", "")
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if st, _ := br.post("/panel/content/check"+q, form, nil); st != http.StatusOK {
			b.Fatalf("check: %d", st)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	pct := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1e3 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
