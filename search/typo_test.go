package search

import (
	"slices"
	"testing"
)

func TestWithin1(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"meldunek", "meldunek", true},
		{"meldunek", "meldunk", true},   // deletion
		{"meldunek", "meldunekk", true}, // insertion
		{"meldunek", "meldunak", true},  // substitution
		{"meldunek", "meldunke", true},  // transposition
		{"meldunek", "emldunek", true},  // transposition at the start
		{"meldunek", "meldnuke", false}, // two transpositions
		{"meldunek", "mldunk", false},   // two deletions
		{"abc", "bca", false},
		{"łódź", "łódż", true}, // multi-byte substitution
		{"", "a", true},
		{"", "ab", false},
	}
	for _, tt := range tests {
		if got := within1(tt.a, tt.b); got != tt.want {
			t.Errorf("within1(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := within1(tt.b, tt.a); got != tt.want {
			t.Errorf("within1(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestTypoTerms(t *testing.T) {
	ix := NewIndex([]Doc{{Title: "zaświadczenie zaświadczenia meldunek dowód rejestracja"}})
	tests := []struct {
		query string
		want  []string
	}{
		{"zaswiadczene", []string{"zaswiadczenie"}},   // deletion
		{"zaswiadczeniee", []string{"zaswiadczenie"}}, // insertion
		{"zaswiadczenia", []string{"zaswiadczenie"}},  // substitution, exact excluded
		{"zaswiadczenei", []string{"zaswiadczenie"}},  // transposition
		{"meldunke", []string{"meldunek"}},            // transposition
		{"rejestracje", []string{"rejestracja"}},      // substitution
		{"rejestarcja", []string{"rejestracja"}},      // transposition
		{"dowodd", []string{"dowod"}},                 // 4-letter term, 6-letter query
		{"meldnuke", nil},                             // two edits
	}
	for _, tt := range tests {
		var got []string
		ix.typoTerms(tt.query, func(t uint32) { got = append(got, ix.terms[t]) })
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("typoTerms(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestFuzzyPrefixRanges(t *testing.T) {
	ix := NewIndex([]Doc{{Title: "zaświadczenie zaświadczenia zasiłek meldunek meldunkowy"}})
	tests := []struct {
		prefix string
		want   []string
	}{
		{"zasiwadcz", []string{"zaswiadczenia", "zaswiadczenie"}},   // transposition
		{"zaswiadczne", []string{"zaswiadczenia", "zaswiadczenie"}}, // deletion
		{"zaswiaddcz", []string{"zaswiadczenia", "zaswiadczenie"}},  // insertion
		{"zaswiedcz", []string{"zaswiadczenia", "zaswiadczenie"}},   // substitution
		{"meldunkk", []string{"meldunek", "meldunkowy"}},            // meldun[e]k, meldunk…
		{"xyzxy", nil},
	}
	for _, tt := range tests {
		var got []string
		ix.fuzzyPrefixRanges(tt.prefix, func(lo, hi int) { got = append(got, ix.terms[lo:hi]...) })
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("fuzzyPrefixRanges(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}
