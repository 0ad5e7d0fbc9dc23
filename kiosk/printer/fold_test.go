package printer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"infomat/receipt"
)

// Characters CP852 lacks print as readable look-alikes, not "?": "1 m² za dzień" used to
// print "1 m? za dzień".
func TestFoldsWhatCP852Lacks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1 m² za dzień", "1 m2 za dzie\xe4"},
		{"10 m³ wody", "10 m3 wody"},
		{"Urząd · Kasa", "Urz\xa5d - Kasa"},
		{"½ opłaty, ¼ i ¾", "1/2 op\x88aty, 1/4 i 3/4"},
		{"5 €", "5 EUR"},
		{"± 2 ‰", "+/- 2 promil"},
		{"«cytat» — koniec…", "\"cytat\" - koniec..."},
		{"© ® ™ № 5", "(c) (R) TM Nr 5"},
		{"→ ← ≤ ≥ ≠", "-> <- <= >= !="},
		{"Peña, Åsa, Øre", "Pena, Asa, Ore"}, // letters: their base letter
		{"a\u200bb\u00adc", "abc"},           // invisible: dropped
	} {
		got := body(t, Profile58, receipt.Text{Text: c.in})
		if want := c.want + "\n"; string(got) != want {
			t.Errorf("%q: %q, want %q", c.in, got, want)
		}
	}
}

// The technician's test page prints no "?": it used to, for the "·" between device and profile.
func TestTestPageHasNoQuestionMarks(t *testing.T) {
	doc := receipt.TestPage(receipt.TestPageInfo{Municipality: "Gmina Przykładowa", Device: "/dev/ttyUSB0",
		Profile: "58 mm", Version: "1.2.3", Printed: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)},
		func(id string, _ ...any) string { return id })
	var text []string
	for _, it := range doc.Items {
		if tx, ok := it.(receipt.Text); ok {
			text = append(text, tx.Text)
		}
	}
	got := body(t, Profile58, receipt.Text{Text: strings.Join(text, "\n")})
	if i := bytes.IndexByte(got, '?'); i >= 0 {
		t.Errorf("test page prints a \"?\" in %q", got[max(0, i-20):min(len(got), i+20)])
	}
}
