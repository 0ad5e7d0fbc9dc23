package content_test

import (
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"infomat/content"
)

const cardEN = `nazwa: Registering your permanent residence
w_skrocie: Tell the office where you live.
slowa_kluczowe: [residence registration]
kogo_dotyczy: [Anyone who moves in]
wymagane_dokumenty:
  - nazwa: ID card or passport
    uwagi: to be shown
  - nazwa: Proof you may live there
    uwagi: e.g. a tenancy agreement
  - nazwa: The form
    uwagi: signed by the owner
termin: At once.
`

const formEN = `tytul: Registration form
pola:
  - id: imie
    pytanie: What is your first name?
  - id: tytul
    pytanie: On what basis do you live there?
    opcje:
      - wartosc: najem
        etykieta: I rent it
`

// polishSample is the sample bundle without its own translations.
func polishSample(t *testing.T) fstest.MapFS {
	m := sample(t)
	for p := range m {
		name := path.Base(p)
		if i := strings.Index(name, "."); i >= 0 && strings.Count(name[i:], ".") == 2 {
			delete(m, p)
		}
	}
	return m
}

func translated(t *testing.T, m fstest.MapFS) (*content.Bundle, string) {
	t.Helper()
	b, err := content.Load(m)
	if err != nil {
		t.Fatalf("a translation took the bundle down: %v", err)
	}
	var lines []string
	for _, w := range b.Warnings {
		lines = append(lines, w.String())
	}
	return b, strings.Join(lines, "\n")
}

func TestTranslationFilesAreOverlaysNotCards(t *testing.T) {
	m := polishSample(t)
	m["procedury/zameldowanie-pobyt-staly.en.yaml"] = &fstest.MapFile{Data: []byte(cardEN)}
	m["formularze/zameldowanie-pobyt-staly.en.yaml"] = &fstest.MapFile{Data: []byte(formEN)}
	m["kategorie.uk.yaml"] = &fstest.MapFile{Data: []byte("- id: meldunek\n  nazwa: Реєстрація місця проживання\n")}
	m["bip/menu.en.yaml"] = &fstest.MapFile{Data: []byte("- id: organy\n  tytul: Municipal bodies\n- id: wojt\n  tytul: Mayor\n")}
	m["bip/ogloszenia/sesja-rady-gminy-xxviii.en.md"] = &fstest.MapFile{Data: []byte("---\ntytul: Council session\n---\nThe council meets.\n")}
	b, warnings := translated(t, m)
	if warnings != "" {
		t.Errorf("warnings:\n%s", warnings)
	}
	pl := polishSample(t)
	plb, err := content.Load(pl)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Procedures) != len(plb.Procedures) || len(b.BIPPages) != len(plb.BIPPages) {
		t.Fatalf("%d cards, %d pages; want %d, %d: a translation was read as a card or page",
			len(b.Procedures), len(b.BIPPages), len(plb.Procedures), len(plb.BIPPages))
	}
	if len(b.FormProblems) > 0 {
		t.Errorf("form problems: %v", b.FormProblems)
	}

	en := b.In("en")
	if en.Lang != "en" || b.In("en") != en || en.In("uk") != b.In("uk") || en.Polish() != b {
		t.Error("views are not cached per language or do not lead back to Polish")
	}
	p, _ := en.Procedure("zameldowanie-pobyt-staly")
	if p.Title != "Registering your permanent residence" || p.Lang != "en" || !p.Partial {
		t.Errorf("card %q lang %q partial %v", p.Title, p.Lang, p.Partial)
	}
	if p.Documents[1].Name != "Proof you may live there" || p.Duration != "At once." {
		t.Errorf("documents %v, duration %q", p.Documents, p.Duration)
	}
	if p.Steps[0] == "" || p.Appeal == "" || p.LegalBase[0] == "" {
		t.Error("untranslated texts do not fall back to Polish")
	}
	if !strings.Contains(strings.Join(p.Keywords, ","), "meldunek") || !strings.Contains(strings.Join(p.Keywords, ","), "residence registration") {
		t.Errorf("keywords %v: want the Polish ones and the translated ones", p.Keywords)
	}
	plp, _ := b.Procedure("zameldowanie-pobyt-staly")
	if plp.Title == p.Title || plp.Lang != "" || plp.Documents[1].Name == p.Documents[1].Name {
		t.Error("the view changed the Polish bundle")
	}
	other, _ := en.Procedure("wymeldowanie")
	if other.Lang != "" {
		t.Errorf("untranslated card has lang %q", other.Lang)
	}

	// The form keeps its structure: same ids, values and checks.
	f := p.Form
	if f == nil || f.Lang != "en" || !f.Partial || f.Title != "Registration form" {
		t.Fatalf("form %+v", f)
	}
	if len(f.Fields) != len(plp.Form.Fields) {
		t.Fatal("fields differ")
	}
	for i, fd := range f.Fields {
		pfd := plp.Form.Fields[i]
		if fd.ID != pfd.ID || fd.Type != pfd.Type || fd.Required != pfd.Required || len(fd.Options) != len(pfd.Options) {
			t.Errorf("field %d: %+v, Polish %+v", i, fd, pfd)
		}
		for j := range fd.Options {
			if fd.Options[j].Value != pfd.Options[j].Value {
				t.Errorf("option value changed: %q", fd.Options[j].Value)
			}
		}
		if fd.ID == "imie" && fd.Label != "What is your first name?" {
			t.Errorf("label %q", fd.Label)
		}
		if fd.ID == "tytul" && (fd.OptionLabel("najem") != "I rent it" || fd.OptionLabel("wlasnosc") != pfd.OptionLabel("wlasnosc")) {
			t.Errorf("options %v", fd.Options)
		}
	}
	if plp.Form.Fields[0].Label == "What is your first name?" {
		t.Error("the view changed the Polish form")
	}

	uk := b.In("uk")
	c, _ := uk.Category("meldunek")
	if c.Name != "Реєстрація місця проживання" || c.Lang != "uk" || !c.Partial {
		t.Errorf("category %+v", c)
	}
	if m, _ := en.MenuItem("wojt"); m.Title != "Mayor" || m.Lang != "en" {
		t.Errorf("menu %+v", m)
	}
	pg, _ := en.Page("ogloszenia/sesja-rady-gminy-xxviii")
	if pg.Title != "Council session" || strings.TrimSpace(pg.Body) != "The council meets." || pg.Lang != "en" {
		t.Errorf("page %q %q", pg.Title, pg.Body)
	}
	if b.In("pl") != b || b.In("de") != b || b.In("") != b {
		t.Error("Polish and unknown languages must give the Polish bundle")
	}

	cov := b.Coverage()
	if len(cov) != 2 || cov[0].Lang != "en" || cov[0].Procedures != 1 || cov[0].ProceduresPartial != 1 || cov[0].Forms != 1 || cov[0].Pages != 1 || cov[1].Categories != 1 {
		t.Errorf("coverage %+v", cov)
	}
}

func TestTranslationProblemsAreWarnings(t *testing.T) {
	m := polishSample(t)
	m["procedury/zameldowanie-pobyt-staly.de.yaml"] = &fstest.MapFile{Data: []byte(cardEN)}
	m["procedury/nie-ma-takiej.en.yaml"] = &fstest.MapFile{Data: []byte(cardEN)}
	// Two documents where Polish has three; an unknown key; a legal basis is never translated.
	m["procedury/wydanie-dowodu-osobistego.en.yaml"] = &fstest.MapFile{Data: []byte(
		"nazwa: ID card\nwymagane_dokumenty:\n  - nazwa: a\n  - nazwa: b\n  - nazwa: c\n  - nazwa: d\n  - nazwa: e\n  - nazwa: f\n  - nazwa: g\npodstawa_prawna: [x]\n")}
	m["procedury/wymeldowanie.uk.yaml"] = &fstest.MapFile{Data: []byte("nazwa: [zepsuty\n")}
	m["formularze/zameldowanie-pobyt-staly.uk.yaml"] = &fstest.MapFile{Data: []byte(
		"pola:\n  - id: nie-ma\n    pytanie: x\n  - id: tytul\n    opcje:\n      - wartosc: zle\n        etykieta: x\n")}
	m["kategorie.en.yaml"] = &fstest.MapFile{Data: []byte("- id: brak\n  nazwa: None\n")}
	m["bip/menu.en.yaml"] = &fstest.MapFile{Data: []byte("- id: brak\n  tytul: None\n")}
	m["bip/ogloszenia/brak.en.md"] = &fstest.MapFile{Data: []byte("---\ntytul: x\n---\nx\n")}
	b, warnings := translated(t, m)
	for _, want := range []string{
		`procedury/zameldowanie-pobyt-staly.de.yaml: nieznany język "de"`,
		`procedury/nie-ma-takiej.en.yaml: nie ma karty usługi "nie-ma-takiej"`,
		`procedury/wydanie-dowodu-osobistego.en.yaml: wymagane_dokumenty: 7 pozycji, a po polsku `,
		`procedury/wydanie-dowodu-osobistego.en.yaml: podstawa_prawna: nieznane pole`,
		`procedury/wymeldowanie.uk.yaml: błędny YAML`,
		`formularze/zameldowanie-pobyt-staly.uk.yaml: pola[0].id: formularz formularze/zameldowanie-pobyt-staly.yaml nie ma pola "nie-ma"`,
		`formularze/zameldowanie-pobyt-staly.uk.yaml: pola[1].opcje[0].wartosc: pole "tytul" nie ma opcji "zle"`,
		`kategorie.en.yaml: [0].id: nie ma kategorii "brak"`,
		`bip/menu.en.yaml: [0].id: nie ma pozycji menu "brak"`,
		`bip/ogloszenia/brak.en.md: nie ma strony`,
	} {
		if !strings.Contains(warnings, want) {
			t.Errorf("no warning %q in:\n%s", want, warnings)
		}
	}
	if len(b.FormProblems) > 0 {
		t.Errorf("a translation disabled a form: %v", b.FormProblems)
	}
	p, _ := b.In("en").Procedure("wydanie-dowodu-osobistego")
	pl, _ := b.Procedure("wydanie-dowodu-osobistego")
	if p.Title != "ID card" || p.Documents[0].Name != pl.Documents[0].Name {
		t.Errorf("a list of the wrong length must fall back to Polish: %q %v", p.Title, p.Documents)
	}
	if p, _ := b.In("uk").Procedure("wymeldowanie"); p.Lang != "" {
		t.Error("a broken translation was used")
	}
}
