package cp852

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Zażółć gęślą jaźń": "Zażółć gęślą jaźń", // Polish letters are in CP852
		"e\u0328":           "ę",                 // composed first
		"1 m² za dzień":     "1 m2 za dzień",
		"½ · € — „x”":       `1/2 - EUR - "x"`,
		"Peña Øre":          "Pena Ore",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEveryFoldPrints(t *testing.T) {
	for _, r := range "„”“«»″‟‘’‚′‹›‛–—‒−‐‑―…•·‧∙⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉½⅓⅔¼¾⅕⅛€£¥₴¢±‰≤≥≠≈∞→←↔⇒⇐©®™№µ¶✓✔✗✘ØøÆæŒœÐðÞþıŀĿ" {
		if u := Unprintable(string(r)); len(u) > 0 {
			t.Errorf("%q folds to something that does not print: %q", r, Fold(string(r)))
		}
	}
}

func TestUnprintable(t *testing.T) {
	got := Unprintable("Opłata 5 € 🙂 i Жж 🙂\x1b")
	if want := []rune{'🙂', 'Ж', 'ж'}; !slices.Equal(got, want) {
		t.Errorf("Unprintable = %q, want %q", got, want)
	}
	if got := string(Encode("1 m² 🙂")); got != "1 m2 ?" {
		t.Errorf("Encode = %q", got)
	}
}
