package content_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"infomat/assets"
	"infomat/content"
)

// sample copies the embedded bundle into a MapFS the test can break.
func sample(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(assets.DefaultContent(), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEmbeddedDefaultIsCompleteAndValid(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatalf("embedded content invalid: %v", err)
	}
	if len(b.Warnings) > 0 {
		t.Errorf("embedded content has warnings: %v", b.Warnings)
	}
	if b.Municipality.Name != "Gmina Przykładowa" {
		t.Errorf("municipality = %q", b.Municipality.Name)
	}
	if len(b.Procedures) < 30 {
		t.Errorf("%d procedure cards, want at least 30", len(b.Procedures))
	}
	used := map[string]bool{}
	fees := 0
	for _, p := range b.Procedures {
		used[p.Category] = true
		fees += len(p.Fees)
	}
	if len(used) < 8 {
		t.Errorf("cards cover %d categories, want at least 8", len(used))
	}
	if fees == 0 {
		t.Error("no card has a fee")
	}
	if len(b.BIPPages) < 20 {
		t.Errorf("%d BIP pages, want at least 20", len(b.BIPPages))
	}
	menus := map[string]bool{}
	for _, p := range b.BIPPages {
		menus[p.Menu] = true
	}
	var walk func([]content.MenuItem)
	walk = func(items []content.MenuItem) {
		for _, it := range items {
			if len(it.Children) == 0 && !menus[it.ID] {
				t.Errorf("BIP menu item %q has no pages", it.ID)
			}
			walk(it.Children)
		}
	}
	walk(b.BIPMenu)
	if len(b.Version) != 16 {
		t.Errorf("version %q", b.Version)
	}
}

// problems loads a broken bundle and returns its problems as "file: field: reason" lines.
func problems(t *testing.T, m fstest.MapFS) string {
	t.Helper()
	_, err := content.Load(m)
	var ps content.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("want Problems, got %v", err)
	}
	return err.Error()
}

func replaceIn(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	f, ok := m[file]
	if !ok {
		t.Fatalf("no %s in sample", file)
	}
	s := string(f.Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s has no %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

const card = "procedury/zameldowanie-pobyt-staly.yaml"

func TestProblemsNameFileFieldAndReason(t *testing.T) {
	cases := []struct {
		name      string
		break_    func(fstest.MapFS)
		file      string
		field     string
		reasonHas string
	}{
		{"unknown category", func(m fstest.MapFS) { replaceIn(t, m, card, "kategoria: meldunek", "kategoria: nieistniejaca") },
			card, "kategoria", "nieznana kategoria"},
		{"unknown office", func(m fstest.MapFS) { replaceIn(t, m, card, "urzad: urzad-gminy", "urzad: ratusz") },
			card, "miejsce.urzad", "nieznany urząd"},
		{"typo in key", func(m fstest.MapFS) { replaceIn(t, m, card, "termin:", "termni:") },
			card, "termni", "nieznane pole"},
		{"bad date", func(m fstest.MapFS) {
			replaceIn(t, m, card, "data_publikacji: 2026-01-14", "data_publikacji: 14.01.2026")
		},
			card, "", "RRRR-MM-DD"},
		{"bad channel", func(m fstest.MapFS) { replaceIn(t, m, card, "[osobiscie, epuap]", "[osobiscie, fax]") },
			card, "forma_zlozenia[1]", "nieznana forma"},
		{"empty keyword", func(m fstest.MapFS) { replaceIn(t, m, card, `slowa_kluczowe: ["meldunek"`, `slowa_kluczowe: [""`) },
			card, "slowa_kluczowe[0]", "puste słowo"},
		{"bad account", func(m fstest.MapFS) {
			replaceIn(t, m, "gmina.yaml", "25 1240 1239 2000 0000 0000 0101", "26 1240 1239 2000 0000 0000 0101")
		}, "gmina.yaml", "rachunek", "błędny"},
		{"bad postal code", func(m fstest.MapFS) { replaceIn(t, m, "gmina.yaml", "kod: 99-150", "kod: 99150") },
			"gmina.yaml", "adres.kod", "00-000"},
		{"missing crest", func(m fstest.MapFS) { delete(m, "pliki/herb.svg") },
			"gmina.yaml", "herb", "brak pliku"},
		{"bad hours", func(m fstest.MapFS) { replaceIn(t, m, "gmina.yaml", `od: "08:00"`, `od: "8.00"`) },
			"gmina.yaml", "godziny[0].od", "GG:MM"},
		{"empty required", func(m fstest.MapFS) { replaceIn(t, m, card, "nazwa: Zameldowanie na pobyt stały", `nazwa: ""`) },
			card, "nazwa", "wymagane"},
		{"change register out of order", func(m fstest.MapFS) { replaceIn(t, m, card, "- wersja: 2", "- wersja: 1") },
			card, "metryczka.rejestr_zmian[1].wersja", "rosnąć"},
		{"page without front matter", func(m fstest.MapFS) {
			replaceIn(t, m, "bip/dane-podmiotu/dane-kontaktowe.md", "---\ntytul:", "tytul:")
		}, "bip/dane-podmiotu/dane-kontaktowe.md", "", "nagłówka YAML"},
		{"page in unknown menu", func(m fstest.MapFS) {
			replaceIn(t, m, "bip/dane-podmiotu/dane-kontaktowe.md", "menu: dane-kontaktowe", "menu: kontakt")
		}, "bip/dane-podmiotu/dane-kontaktowe.md", "menu", "nieznana pozycja menu"},
		{"missing municipality file", func(m fstest.MapFS) { delete(m, "gmina.yaml") },
			"gmina.yaml", "", "brak pliku"},
		{"broken yaml", func(m fstest.MapFS) { replaceIn(t, m, "urzedy.yaml", "- id: usc", "- id: [usc") },
			"urzedy.yaml", "", "YAML"},
		{"duplicate category", func(m fstest.MapFS) { replaceIn(t, m, "kategorie.yaml", "- id: usc", "- id: meldunek") },
			"kategorie.yaml", "[2].id", "powtarza się"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := sample(t)
			c.break_(m)
			got := problems(t, m)
			want := c.file + ": "
			if c.field != "" {
				want += c.field + ": "
			}
			found := false
			for _, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, want) && strings.Contains(line, c.reasonHas) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem %q…%q in:\n%s", want, c.reasonHas, got)
			}
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, card, "kategoria: meldunek", "kategoria: nieistniejaca")
	replaceIn(t, m, "gmina.yaml", "kod: 99-150", "kod: 99150")
	_, err := content.Load(m)
	var ps content.Problems
	if !errors.As(err, &ps) || len(ps) < 2 {
		t.Fatalf("want both problems, got %v", err)
	}
}

func TestEmptyCategoryIsOnlyAWarning(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, "kategorie.yaml", "- id: meldunek", "- id: pusta\n  nazwa: Pusta\n- id: meldunek")
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) != 1 || b.Warnings[0].Field != "pusta" {
		t.Fatalf("warnings = %v", b.Warnings)
	}
}

func TestVersionChangesWithAnyByte(t *testing.T) {
	m := sample(t)
	v1, err := content.Version(m)
	if err != nil {
		t.Fatal(err)
	}
	replaceIn(t, m, card, "bezpłatne", "bezpłatne!")
	v2, _ := content.Version(m)
	if v1 == v2 {
		t.Fatal("version did not change")
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]content.Amount{
		"17,00": 1700, "17": 1700, "0,5": 50, "1 234,50 zł": 123450, "598.00": 59800, "22,1": 2210,
	} {
		got, err := content.ParseAmount(in)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc", "17,001", "17,", "-5", "1,2,3"} {
		if _, err := content.ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
	if s := content.Amount(123450).String(); s != "1\u00a0234,50 zł" {
		t.Errorf("String = %q", s)
	}
}

func TestLookupsAndOrder(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	ps := b.ProceduresIn("meldunek")
	if len(ps) < 3 {
		t.Fatalf("meldunek has %d cards", len(ps))
	}
	for i := 1; i < len(ps); i++ {
		if strings.ToLower(ps[i-1].Title) == strings.ToLower(ps[i].Title) {
			t.Fatalf("duplicate title %q", ps[i].Title)
		}
	}
	if _, ok := b.MenuItem("uchwaly"); !ok {
		t.Fatal("menu item uchwaly not found")
	}
	if _, ok := b.Procedure("zameldowanie-pobyt-staly"); !ok {
		t.Fatal("procedure not found")
	}
	o, _ := b.Office("gops")
	if got := b.OfficeAddress(o).Street; got != "ul. Szkolna 3" {
		t.Fatalf("gops street %q", got)
	}
	o, _ = b.Office("urzad-gminy")
	if got := b.OfficeHours(o); len(got) == 0 || got[0].Days != "poniedziałek" {
		t.Fatalf("office without hours should use the municipality's: %v", got)
	}
}

// A bad value does not hide the other problems of the same file.
func TestBadValueDoesNotStopTheFileCheck(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, card, "data_publikacji: 2026-01-14", "data_publikacji: 14.01.2026")
	replaceIn(t, m, card, "kategoria: meldunek", "kategoria: nieistniejaca")
	replaceIn(t, m, card, "termin: Od ręki", "termin:\n  - Od ręki\ntermin_stary: Od ręki")
	got := problems(t, m)
	for _, want := range []string{"RRRR-MM-DD", "nieznana kategoria", "oczekiwano tekstu", "termin_stary: nieznane pole"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "cannot unmarshal") {
		t.Errorf("raw decoder message reached the clerk:\n%s", got)
	}
}

func TestFutureDatesAndWrongExtension(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, card, "data_publikacji: 2026-01-14", "data_publikacji: 2099-01-14")
	m["procedury/nowa.yml"] = &fstest.MapFile{Data: []byte("nazwa: x\n")}
	got := problems(t, m)
	for _, want := range []string{card + ": metryczka.data_publikacji: data 14.01.2099 jest w przyszłości", "procedury/nowa.yml: karty usług mają rozszerzenie .yaml"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// Residents' words for a card load from slowa_kluczowe (the field used to be unknown).
func TestKeywordsLoad(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, card, "slowa_kluczowe: [", `slowa_kluczowe: ["prописка test", `)
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Procedure("zameldowanie-pobyt-staly")
	if len(p.Keywords) < 2 || p.Keywords[0] != "prописка test" || p.Keywords[1] != "meldunek" {
		t.Errorf("keywords = %q", p.Keywords)
	}
}

func TestAmountRoundTripsThroughYAML(t *testing.T) {
	for _, a := range []content.Amount{0, 5, 1700, 123450} {
		out, err := yaml.Marshal(struct {
			K content.Amount `yaml:"kwota"`
		}{a})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			K content.Amount `yaml:"kwota"`
		}
		if err := yaml.Unmarshal(out, &back); err != nil || back.K != a {
			t.Fatalf("%d grosze → %q → %d, %v", a, out, back.K, err)
		}
	}
}

func TestPageSource(t *testing.T) {
	const file = "bip/ogloszenia/zrodlo.md"
	page := func(zrodlo string) []byte {
		return []byte("---\ntytul: Komunikat\nmenu: ogloszenia-wojta\nzrodlo: " + zrodlo + "\nmetryczka:\n" +
			"  wytworzyl: Jan Nowak\n  data_wytworzenia: 2025-01-02\n  opublikowal: Jan Nowak\n  data_publikacji: 2025-01-02\n---\nTreść.\n")
	}
	m := sample(t)
	m[file] = &fstest.MapFile{Data: page("https://bip.example.pl/komunikat?id=7")}
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.BIPPages {
		if p.File == file && p.Source != "https://bip.example.pl/komunikat?id=7" {
			t.Errorf("Source = %q", p.Source)
		}
	}
	for _, bad := range []string{"bip.example.pl/komunikat", "ftp://bip.example.pl/x", "/komunikat"} {
		m[file] = &fstest.MapFile{Data: page(bad)}
		_, err := content.Load(m)
		var ps content.Problems
		if !errors.As(err, &ps) || len(ps) != 1 || ps[0].File != file || ps[0].Field != "zrodlo" || !strings.Contains(ps[0].Reason, "podaj pełny adres") {
			t.Errorf("zrodlo %q: %v", bad, err)
		}
	}
}

// A clerk's usual YAML slips come back in Polish with the fix and the line they are on.
func TestYAMLSyntaxErrorsInPolish(t *testing.T) {
	for bad, want := range map[string]string{
		"- id: a\n  nazwa: B\n\topis: C\n":   "wiersz 3: znak tabulacji we wcięciu",
		"- id: a\n  nazwa: \"niedomkniety\n": "brakuje zamykającego cudzysłowu",
		"- id: a\n nazwa: B\n":               "wyrównaj wcięcia",
		"- id: a\n  nazwa: Urząd: pokój 5\n": "wiersz 2: dwukropek w środku wartości — ujmij całą wartość w cudzysłów",
		"- id: a\n  nazwa: [B\n":             "niedomknięty nawias [",
	} {
		m := sample(t)
		m[content.CategoriesFile] = &fstest.MapFile{Data: []byte(bad)}
		_, err := content.Load(m)
		var ps content.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("%q: %v", bad, err)
		}
		got := ""
		for _, p := range ps {
			if p.File == content.CategoriesFile {
				got = p.Reason
			}
		}
		if !strings.Contains(got, want) || strings.Contains(got, "found") || strings.Contains(got, "expected") {
			t.Errorf("%q: %q, want %q in Polish", bad, got, want)
		}
	}
}

// TestProceduresInViewLanguageFirst: in the Ukrainian view a category lists its Ukrainian
// cards first, in Ukrainian order, then the ones still only in Polish, in Polish order.
func TestProceduresInViewLanguageFirst(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	uk := b.In("uk")
	ukOrder := collate.New(language.Ukrainian)
	mixed := false
	for _, c := range uk.Categories {
		ps := uk.ProceduresIn(c.ID)
		seenPolish := false
		for i, p := range ps {
			if p.Lang == "" {
				seenPolish = true
			} else if seenPolish {
				t.Errorf("%s: Ukrainian card %q listed after a Polish one", c.ID, p.Title)
			}
			if i > 0 && ps[i-1].Lang == "uk" && p.Lang == "uk" && ukOrder.CompareString(ps[i-1].Title, p.Title) > 0 {
				t.Errorf("%s: %q before %q", c.ID, ps[i-1].Title, p.Title)
			}
		}
		if seenPolish && len(ps) > 0 && ps[0].Lang == "uk" {
			mixed = true
		}
	}
	if !mixed {
		t.Fatal("no category of the sample mixes Ukrainian and Polish-only cards: the test shows nothing")
	}
}
