package cp852

import (
	"bytes"
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
	got := Unprintable("Opłata 5 € 🙂 i Жж 中 🙂\x1b")
	if want := []rune{'🙂', '中'}; !slices.Equal(got, want) {
		t.Errorf("Unprintable = %q, want %q", got, want)
	}
	if got := string(Encode("1 m² 🙂")); got != "1 m2 ?" {
		t.Errorf("Encode = %q", got)
	}
}

// Ukrainian on a Polish receipt: the official romanisation (examples from the 2010 table),
// never "?".
func TestTranslitUkrainian(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Алушта", "Alushta"}, {"Розгон", "Rozghon"}, {"Згорани", "Zghorany"},
		{"Гадяч", "Hadiach"}, {"Ґалаґан", "Galagan"}, {"Євген", "Yevhen"},
		{"Єнакієве", "Yenakiieve"}, {"Їжакевич", "Yizhakevych"}, {"Кадиївка", "Kadyivka"},
		{"Йосипівка", "Yosypivka"}, {"Стрий", "Stryi"}, {"Олексій", "Oleksii"},
		{"Юрій", "Yurii"}, {"Крюківка", "Kriukivka"}, {"Яготин", "Yahotyn"},
		{"Костянтин", "Kostiantyn"}, {"Знам'янка", "Znamianka"}, {"Феодосія", "Feodosiia"},
		{"Щербухи", "Shcherbukhy"}, {"Рівне", "Rivne"}, {"Ярошенко", "Yaroshenko"},
		{"Заяву збережено", "Zaiavu zberezheno"},
		{"Ваш номер звернення: PRZ-RPWJ-N8", "Vash nomer zvernennia: PRZ-RPWJ-N8"},
		{"ЄВРО", "YEVRO"}, {"ім’я", "imia"}, {"Gmina Przykładowa", "Gmina Przykładowa"},
	} {
		if got := Translit(c.in); got != c.want {
			t.Errorf("Translit(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Encode(c.in); bytes.Contains(got, []byte("?")) {
			t.Errorf("Encode(%q) = %q: Cyrillic printed as ?", c.in, got)
		}
	}
	if u := Unprintable("Податок на нерухомість"); len(u) != 0 {
		t.Errorf("Unprintable(Ukrainian) = %q, want none: it prints transliterated", string(u))
	}
}
