package search

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"zaswiadczenie", "zaswiadczenie"},
		{"ZAŚWIADCZENIE", "zaswiadczenie"},
		{"ą ć ę ł ń ó ś ź ż", "a c e l n o s z z"},
		{"Ą Ć Ę Ł Ń Ó Ś Ź Ż", "a c e l n o s z z"},
		{"Łódź", "lodz"},
		{"ŁÓDŹ", "lodz"},
		{"Žluťoučký kůň", "zlutoucky kun"},          // Czech
		{"Müller, Straße", "muller, straße"},        // German ß has no decomposition
		{"Zaz\u0301o\u0301\u0142c\u0301", "zazolc"}, // decomposed (NFD) input
		{"Україна", "україна"},                      // Ukrainian lower-cased
		{"ЇЖАК Й", "їжак й"},                        // ї and й are letters, not і and и
		{"USC-1 2026", "usc-1 2026"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeNoAllocASCII(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = Normalize("zaswiadczenie") })
	if allocs != 0 {
		t.Errorf("Normalize of lower-case ASCII allocated %v times", allocs)
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,. - ", nil},
		{"Odpis (USC-1), 2026r.", []string{"Odpis", "USC", "1", "2026r"}},
		{"Łódź, ul. Żółta 7/3", []string{"Łódź", "ul", "Żółta", "7", "3"}},
		{"пункт обслуговування", []string{"пункт", "обслуговування"}},
		{"Zaz\u0301o\u0301łc\u0301!", []string{"Zaz\u0301o\u0301łc\u0301"}},
	}
	for _, tt := range tests {
		var got []string
		for _, sp := range words(tt.in) {
			got = append(got, tt.in[sp.Start:sp.End])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWordSpansAreBytes(t *testing.T) {
	s := "Żółć łódź"
	got := words(s)
	want := []Span{{0, 8}, {9, 16}}
	if !slices.Equal(got, want) {
		t.Errorf("words(%q) = %v, want %v", s, got, want)
	}
}
