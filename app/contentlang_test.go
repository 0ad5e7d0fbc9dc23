package app

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"infomat/assets"
	"infomat/content"
	"infomat/l10n"
	"infomat/receipt"
)

// Test overlays of their own, so the tests do not depend on the sample's translations.
var testOverlays = map[string]string{
	"procedury/zameldowanie-pobyt-staly.en.yaml": "nazwa: Test residence card\nw_skrocie: Test summary in English.\n",
	"formularze/zameldowanie-pobyt-staly.en.yaml": `tytul: Test registration form
wstep: Test introduction.
co_dalej: Test next steps in English.
pola:
  - id: imie
    pytanie: Test first name question?
  - id: tytul
    pytanie: Test basis question?
    opcje:
      - wartosc: najem
        etykieta: Test I rent
`,
	"procedury/zameldowanie-pobyt-staly.uk.yaml":   "nazwa: Тестова картка проживання\n",
	"formularze/zameldowanie-pobyt-staly.uk.yaml":  "tytul: Тестова форма\nco_dalej: Тестові наступні кроки.\npola:\n  - id: imie\n    pytanie: Тестове питання про ім'я?\n",
	"kategorie.en.yaml":                            "- id: meldunek\n  nazwa: Test residence category\n",
	"bip/ogloszenia/sesja-rady-gminy-xxviii.en.md": "---\ntytul: Test council session\n---\nTest body.\n",
}

// translatedHarness runs the UI on the sample content (Polish only) with testOverlays.
func translatedHarness(t *testing.T) (*harness, *procSubmitter) {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if _, lang, ok := strings.Cut(strings.TrimSuffix(strings.TrimSuffix(p, ".yaml"), ".md"), "."); ok && len(lang) == 2 {
			return nil // the sample's own translations
		}
		data, err := fs.ReadFile(assets.DefaultContent(), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range testOverlays {
		m[p] = &fstest.MapFile{Data: []byte(s)}
	}
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) > 0 {
		t.Fatalf("warnings: %v", b.Warnings)
	}
	h := newHarness(t)
	h.ui.setContent(b)
	sub := &procSubmitter{}
	h.ui.d.Submit = sub
	h.ui.Reset()
	return h, sub
}

// procSubmitter records the card each submission was filed with.
type procSubmitter struct{ procs []*content.Procedure }

func (s *procSubmitter) Submit(_ context.Context, p *content.Procedure, a content.Answers) (string, time.Time, error) {
	s.procs = append(s.procs, p)
	return "PRZ-7K4M-Q2", time.Date(2026, 11, 23, 14, 5, 0, 0, time.Local), nil
}

func TestTranslatedCardAndPolishOnlyNote(t *testing.T) {
	h, _ := translatedHarness(t)
	h.loc.SetLang(l10n.EN)
	h.tap("Office matters")
	h.mustSee("Test residence category")
	h.mustSee("in Polish · ") // an untranslated category's row
	h.tap("Test residence category")
	h.mustSee("in Polish · ") // an untranslated card's row
	h.tap("Test residence card")
	h.mustSee("Test summary in English.")
	h.mustSee("Some of this information is available in Polish only.")
	// The opening hours under "where to go" name the days in English too.
	h.mustSee("Tuesday–Thursday")
	h.mustNotSee("wtorek")
	h.ui.back()
	h.tap("Wymeldowanie z pobytu stałego lub czasowego")
	h.mustSee("This information is available in Polish only.")

	h.loc.SetLang(l10n.UK)
	h.mustSee("Ця інформація доступна лише польською мовою.")
	h.loc.SetLang(l10n.PL)
	h.mustNotSee("po polsku")
}

func TestTranslatedBIPPage(t *testing.T) {
	h, _ := translatedHarness(t)
	h.loc.SetLang(l10n.EN)
	h.ui.push(route{kind: pageScreen, id: "ogloszenia/sesja-rady-gminy-xxviii"})
	h.mustSee("Test council session")
	h.mustSee("Test body.")
	h.mustNotSee("available in Polish only")
	h.ui.push(route{kind: pageScreen, id: "ogloszenia/dyzury-nieodplatnej-pomocy-prawnej"})
	h.mustSee("This information is available in Polish only.")
}

func TestFormInChosenLanguageFilesPolishQuestions(t *testing.T) {
	h, sub := translatedHarness(t)
	h.loc.SetLang(l10n.EN)
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	h.tap("Apply here")
	h.mustSee("Test introduction.")
	h.mustSee("Some of this information is available in Polish only.")
	h.tap("Start")
	h.mustSee("Test first name question?")
	h.answerWith("Anna", "Continue")
	// Mid-form the resident switches to Ukrainian: answers stay, questions follow.
	h.loc.SetLang(l10n.UK)
	h.ui.back()
	h.mustSee("Тестове питання про ім'я?")
	h.answerWith("Anna", "Далі")
	h.loc.SetLang(l10n.EN)
	h.answerWith("Nowak", "Continue")
	h.answerWith("44051401359", "Continue")
	h.answerWith("ul. Polna 5 m. 2", "Continue")
	h.answerWith("99-150", "Continue")
	h.answerWith("01.11.2026", "Continue")
	h.mustSee("Test basis question?")
	h.tap("○ Test I rent")
	h.tap("Continue")
	h.tap("Continue") // the phone is optional
	h.mustSee("Check your answers")
	h.mustSee("Test I rent")
	h.tap("Everything is right — continue")
	h.tap("☐ I have read the data protection information and want to send the application")
	h.tap("Send the application")
	if len(sub.procs) != 1 {
		t.Fatalf("%d submissions", len(sub.procs))
	}
	if p := sub.procs[0]; p.Lang != "" || p.Form.Fields[0].Label != "Jak masz na imię?" {
		t.Errorf("filed with the card in %q, question %q: the office reads Polish", p.Lang, p.Form.Fields[0].Label)
	}
	h.mustSee("Test next steps in English.")
	h.mustSee("Test residence card")
	if r := receiptText(h.ui.lastReceipt); !strings.Contains(r, "Test next steps in English.") || !strings.Contains(r, "Test residence card") || !strings.Contains(r, "Reference number") {
		t.Errorf("receipt not in English:\n%s", r)
	}
	// Switched on the confirmation: the screen and the receipt follow.
	h.loc.SetLang(l10n.UK)
	h.mustSee("Тестові наступні кроки.")
	if r := receiptText(h.ui.lastReceipt); !strings.Contains(r, "Тестові наступні кроки.") || !strings.Contains(r, "Тестова картка проживання") || !strings.Contains(r, "PRZ-7K4M-Q2") {
		t.Errorf("receipt not in Ukrainian:\n%s", r)
	}
}

func receiptText(d *receipt.Doc) string {
	if d == nil {
		return ""
	}
	var s []string
	for _, it := range d.Items {
		if t, ok := it.(receipt.Text); ok {
			s = append(s, t.Text)
		}
	}
	return strings.Join(s, "\n")
}

func TestSearchShowsTranslatedTitles(t *testing.T) {
	h, _ := translatedHarness(t)
	h.loc.SetLang(l10n.EN)
	h.ui.push(route{kind: searchScreen})
	h.typeInSearch("test residence")
	h.mustSee("Test residence card")
	h.loc.SetLang(l10n.PL)
	h.mustSee("Zameldowanie na pobyt stały")
	h.mustNotSee("Test residence card")
}

// answerWith types into the focused field and taps next, in the screen's language.
func (h *harness) answerWith(text, next string) {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("no focused entry; screen: %s", h.screenSummary())
	}
	e.SetText("")
	test.Type(e, text)
	h.tap(next)
}

// enResidenceTitle is the sample's English title of zameldowanie-pobyt-staly.
var enResidenceTitle = func() string {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		return ""
	}
	p, _ := b.In("en").Procedure("zameldowanie-pobyt-staly")
	return p.Title
}()
