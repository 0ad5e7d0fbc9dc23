package app

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"infomat/l10n"
)

// focusedText is the text of the focused answer field.
func (h *harness) focusedText() string {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("no focused entry; screen: %s", h.screenSummary())
	}
	return e.Text
}

// where returns the position of the first visible text reading label.
func (h *harness) where(label string) fyne.Position {
	h.t.Helper()
	for _, f := range h.texts() {
		if f.text == label {
			return f.pos
		}
	}
	h.t.Fatalf("%q not on screen; screen has: %s", label, h.screenSummary())
	return fyne.Position{}
}

func (h *harness) tapKeys(keys string) {
	h.t.Helper()
	for _, k := range strings.Split(keys, "") {
		h.tapKey(k)
	}
}

// After an error and after "Zmień" the caret sits after the answer: the on-screen ⌫ removes
// the last digit and a new digit goes on the end (it used to give 944051401358).
func TestFormCaretAtEndAfterErrorAndChange(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.answer("Jan")
	h.answer("Kowalski")
	h.tapKeys("44051401358") // a wrong check digit
	h.tap("Dalej")
	h.mustSee("⚠")
	h.tapKey("⌫")
	h.tapKey("9")
	if got := h.focusedText(); got != "44051401359" {
		t.Fatalf("after the error ⌫ 9 gives %q", got)
	}
	h.tap("Dalej")
	h.mustSee("Krok 4")
	h.answer("ul. Polna 5")
	h.answer("99-150")
	h.answer("01.11.2026")
	h.tap("○ Wynajmuję")
	h.tap("Dalej")
	h.tap("Dalej")
	h.mustSee("Sprawdź, czy wszystko się zgadza")
	h.tapNth("Zmień", 3)
	h.tapKey("⌫")
	h.tapKey("⌫")
	h.tapKeys("59")
	if got := h.focusedText(); got != "44051401359" {
		t.Fatalf("after Zmień ⌫ ⌫ 5 9 gives %q", got)
	}
	h.tap("Dalej")
	h.mustSee("Sprawdź, czy wszystko się zgadza")
	if got := sub; len(got.got) != 0 {
		t.Fatal("sent early")
	}
}

// Dates are accepted as people type them and stored as DD.MM.RRRR; the date pad has "."
// and no "-".
// An error on screen follows a language switch (it stayed in the language it was made in).
func TestFormErrorFollowsLanguageSwitch(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.answer("Jan")
	h.answer("Kowalski")
	h.tapKeys("44051401358") // a wrong check digit
	h.tap("Dalej")
	pl, uk := h.loc.T("validate.pesel.checksum"), ""
	h.mustSee("⚠ " + pl)
	h.loc.SetLang(l10n.UK)
	uk = h.loc.T("validate.pesel.checksum")
	if uk == pl {
		t.Fatal("no Ukrainian message to switch to")
	}
	h.mustSee("⚠ " + uk)
}

func TestFormDateTypedWithoutDots(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.answer("Jan")
	h.answer("Kowalski")
	h.answer("44051401359")
	h.answer("ul. Polna 5")
	h.answer("00 950")
	h.mustSee("Od kiedy tam mieszkasz?")
	h.where(".") // the pad's dot key
	for _, f := range h.textsWithin(nil) {
		if f.text == "-" {
			t.Fatal(`the date pad offers "-"`)
		}
	}
	h.tapKeys("01112026")
	h.tap("Dalej")
	h.mustSee("Krok 7")
	h.tap("○ Wynajmuję")
	h.tap("Dalej")
	h.tap("Dalej")
	h.mustSee("01.11.2026")
	h.mustSee("00-950")
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	h.tap("Wyślij wniosek")
	if len(sub.got) != 1 || sub.got[0]["data_przeprowadzki"]+sub.got[0]["kod"] == "" {
		t.Fatalf("sent %v", sub.got)
	}
	for id, v := range sub.got[0] {
		if v == "01112026" || v == "00 950" {
			t.Fatalf("%s sent as typed (%q), not normalised", id, v)
		}
	}
}

// An error message appears above the answer, and "Dalej" stays where the finger is.
func TestFormErrorDoesNotMoveNext(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	before := h.where("Dalej")
	h.tap("Dalej") // empty required name
	h.mustSee("⚠")
	if after := h.where("Dalej"); after != before {
		t.Fatalf("Dalej moved from %v to %v when the error appeared", before, after)
	}
	h.answer("Jan")
	h.answer("Kowalski")
	h.answer("44051401359")
	h.answer("ul. Polna 5")
	h.answer("99-150")
	h.answer("01.11.2026")
	before = h.where("Dalej")
	h.tap("Dalej") // no choice made
	h.mustSee("⚠")
	if after := h.where("Dalej"); after != before {
		t.Fatalf("Dalej on a choice moved from %v to %v", before, after)
	}
}

var stepRe = regexp.MustCompile(`^Krok (\d+)(?: z (\d+))?$`)

// The step count never shows a total that later changes by itself: "Krok N" until the
// questions that add others are answered, then "Krok N z M" with M fixed.
func TestFormStepCountNeverJumps(t *testing.T) {
	h, _ := newFormHarness(t)
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	h.tap("Złóż wniosek tutaj")
	// The start page promises no exact number either: one question depends on another.
	h.mustSee("Odpowiesz najwyżej na 9 pytań")
	h.tap("Rozpocznij")
	var seen []string
	step := func() {
		for _, f := range h.texts() {
			if stepRe.MatchString(f.text) {
				seen = append(seen, f.text)
				return
			}
		}
		t.Fatalf("no step count; screen has: %s", h.screenSummary())
	}
	for _, a := range []string{"Jan", "Kowalski", "44051401359", "ul. Polna 5", "99-150", "01.11.2026"} {
		step()
		h.answer(a)
	}
	step()
	h.tap("○ Inna podstawa")
	h.tap("Dalej")
	step()
	h.answer("Użyczenie")
	step()
	want := []string{"Krok 1", "Krok 2", "Krok 3", "Krok 4", "Krok 5", "Krok 6", "Krok 7", "Krok 8 z 9", "Krok 9 z 9"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("steps %q, want %q", seen, want)
	}
	// Going back with the answers settled, the total is known on earlier questions too.
	h.tap("Wstecz")
	h.tap("Wstecz")
	h.tap("Wstecz")
	h.mustSee("Krok 6 z 9")
}

// The review lists what is wrong before anything else, each problem leading to its question.
func TestFormReviewErrorSummary(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	h.mustNotSee("do poprawienia")
	h.tapNth("Zmień", 7)
	h.tap("○ Inna podstawa")
	h.tap("Dalej") // back to the review; the new question is still unanswered
	h.mustSee("Jest 1 błąd do poprawienia:")
	h.tap("Opisz krótko, na jakiej podstawie zajmujesz mieszkanie: To pole jest wymagane — wpisz odpowiedź")
	h.mustSee("Opisz krótko")
	h.answer("Użyczenie")
	h.mustSee("Sprawdź, czy wszystko się zgadza")
	h.mustNotSee("do poprawienia")
}

// "Wyślij wniosek" is never disabled: without the tick it says what is missing.
func TestFormSubmitWithoutConsentExplains(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	before := h.where("Wyślij wniosek")
	h.tap("Wyślij wniosek")
	if len(sub.got) != 0 {
		t.Fatal("sent without consent")
	}
	h.mustSee("Zaznacz pole poniżej, aby wysłać wniosek.")
	if after := h.where("Wyślij wniosek"); after != before {
		t.Fatalf("Wyślij wniosek moved from %v to %v when the error appeared", before, after)
	}
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	h.mustNotSee("Zaznacz pole poniżej")
	h.tap("Wyślij wniosek")
	if len(sub.got) != 1 {
		t.Fatalf("sent %d times", len(sub.got))
	}
}

// At 2× text the consent page is long: the resident scrolls down to the tick and "Wyślij
// wniosek", and a tap there must not throw the page back to its top (the error it shows, or
// the tick, would be out of sight).
func TestConsentPageKeepsItsPlace(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.ui.look.Text = TextSize(len(textScales) - 1)
	h.ui.applyLook()
	h.ui.render()
	sc := h.ui.scroll
	if sc == nil {
		t.Fatal("the consent page is not one scroll view")
	}
	sc.ScrollTo(1e6) // to the bottom
	bottom := sc.Offset()
	if bottom <= 0 {
		t.Fatal("the consent page does not scroll at 2× text")
	}
	h.tap("Wyślij wniosek")
	h.mustSee("Zaznacz pole poniżej, aby wysłać wniosek.")
	if got := h.ui.scroll.Offset(); got != bottom {
		t.Fatalf("after Wyślij without the tick the page is at %v, was at %v", got, bottom)
	}
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	if got := h.ui.scroll.Offset(); got != bottom {
		t.Fatalf("after the tick the page is at %v, was at %v", got, bottom)
	}
	// A new screen starts at its top.
	h.ui.back()
	if got := h.ui.scroll.Offset(); got != 0 {
		t.Errorf("the review opened at %v, want its top", got)
	}
}

// Leaving a half-filled form by Start, by Back from its start or for the language screen asks
// first; the idle reset does not (it has its own warning); a language switch keeps the form.
func TestLeavingHalfFilledFormAsks(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	// Nothing typed yet: Start leaves at once.
	h.tap("Start")
	h.mustNotSee("Przerwać wniosek?")
	if h.ui.form != nil {
		t.Fatal("an empty form survived Start")
	}
	h.openForm()
	h.answer("Jan")
	h.tap("Start")
	h.mustSee("Przerwać wniosek?")
	h.tap("Nie, wracam do wniosku")
	h.mustNotSee("Przerwać wniosek?")
	h.mustSee("Krok 2")
	if h.ui.form == nil || h.ui.form.answers["imie"] != "Jan" {
		t.Fatal("staying lost the answers")
	}
	// Back to the start page keeps the answers; Back from there asks.
	h.tap("Wstecz")
	h.tap("Wstecz")
	h.mustSee("Rozpocznij")
	h.tap("Wstecz")
	h.mustSee("Przerwać wniosek?")
	h.tap("Tak, przerwij i usuń odpowiedzi")
	h.mustSee("Złóż wniosek tutaj")
	if h.ui.form != nil {
		t.Fatal("the form survived leaving it")
	}
	// The language screen.
	h.tap("Złóż wniosek tutaj")
	h.tap("Rozpocznij")
	h.answer("Jan")
	h.ui.push(route{kind: languageScreen})
	h.mustSee("Przerwać wniosek?")
	h.tap("Tak, przerwij i usuń odpowiedzi")
	if h.ui.form != nil || h.ui.current().kind != languageScreen {
		t.Fatalf("form %v, screen %v", h.ui.form, h.ui.current())
	}
	// A language switch that keeps the screen keeps the answers.
	h.ui.home()
	h.openForm()
	h.answer("Jan")
	h.loc.SetLang(l10n.EN)
	h.mustSee("Step 2")
	if h.ui.form == nil || h.ui.form.answers["imie"] != "Jan" {
		t.Fatal("a language switch lost the answers")
	}
	h.loc.SetLang(l10n.PL)
	// The idle reset drops the form without asking.
	h.clock.advance(5 * time.Minute)
	h.ui.Tick()
	h.mustNotSee("Przerwać wniosek?")
	if h.ui.form != nil {
		t.Fatal("the idle reset kept the form")
	}
}
