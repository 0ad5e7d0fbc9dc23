package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"infomat/content"
	"infomat/receipt"
)

// fakeSubmitter records what the wizard files; fail makes the next submit fail like a full disk.
type fakeSubmitter struct {
	got  []content.Answers
	fail bool
}

func (f *fakeSubmitter) Submit(_ context.Context, p *content.Procedure, a content.Answers) (string, time.Time, error) {
	if f.fail {
		return "", time.Time{}, errors.New("write outbox: no space left on device")
	}
	cp := content.Answers{}
	for k, v := range a {
		cp[k] = v
	}
	f.got = append(f.got, cp)
	return "PRZ-7K4M-Q2", time.Date(2026, 11, 23, 14, 5, 0, 0, time.Local), nil
}

func newFormHarness(t testing.TB) (*harness, *fakeSubmitter) {
	h := newHarness(t)
	sub := &fakeSubmitter{}
	h.ui.d.Submit = sub
	return h, sub
}

func (h *harness) openForm() {
	h.t.Helper()
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	h.tap("Złóż wniosek tutaj")
	h.mustSee("Rozpocznij")
	h.tap("Rozpocznij")
}

// answer types into the focused field and goes on.
func (h *harness) answer(text string) {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("no focused entry; screen: %s", h.screenSummary())
	}
	e.SetText("")
	test.Type(e, text)
	h.tap("Dalej")
}

func (h *harness) fillHappyPath() {
	h.t.Helper()
	h.mustSee("Krok 1")
	h.answer("Zażółć")
	h.answer("Gęślą")
	h.answer("44051401359")
	h.answer("ul. Polna 5 m. 2")
	h.answer("99-150")
	h.answer("01.11.2026")
	h.mustSee("Krok 7")
	h.tap("○ Wynajmuję")
	h.tap("Dalej")
	h.mustSee("Krok 8 z 8")
	h.tap("Dalej") // the phone is optional
	h.mustSee("Sprawdź, czy wszystko się zgadza")
}

func TestFormHappyPath(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	// Identifiers are masked in the lobby until the resident asks to see them.
	h.mustSee("*******1359")
	h.mustNotSee("44051401359")
	h.tap("Pokaż")
	h.mustSee("44051401359")
	h.tap("Ukryj")
	h.mustSee("*******1359")
	h.mustSee("Wynajmuję")
	h.screenshot("form-review")
	h.tap("Wszystko się zgadza — dalej")
	h.mustSee("Administrator danych")
	h.mustSee("Wójt Gminy Przykładowa")
	h.mustSee("Inspektor ochrony danych")
	h.mustSee("iod@przykladowa.example.pl")
	h.mustSee("Prezesa Urzędu Ochrony Danych Osobowych")
	h.screenshot("form-consent")

	// Consent gate: nothing is sent before the clause is accepted.
	h.tap("Wyślij wniosek")
	if len(sub.got) != 0 {
		t.Fatal("submitted without consent")
	}
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	h.tap("Wyślij wniosek")
	if len(sub.got) != 1 {
		t.Fatalf("submitted %d times", len(sub.got))
	}
	got := sub.got[0]
	if got["pesel"] != "44051401359" || got["tytul"] != "najem" || got["imie"] != "Zażółć" {
		t.Fatalf("answers = %v", got)
	}
	if _, hidden := got["tytul_opis"]; hidden {
		t.Fatal("an answer to a hidden question was sent")
	}
	h.mustSee("Wniosek został zapisany")
	h.mustSee("PRZ-7K4M-Q2")
	h.mustSee("Co dalej")
	h.mustSee("Zeskanuj telefonem")
	h.screenshot("form-confirmation")
	if h.ui.form != nil {
		t.Fatal("the form session outlived the submission")
	}
	// Back from the confirmation leads to the card, not into the form.
	h.tap("Wstecz")
	h.mustSee("Złóż wniosek tutaj")
}

func TestFormFieldErrors(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.tap("Dalej") // empty required name
	h.mustSee("⚠")
	h.mustSee("Krok 1")
	h.answer("Jan")
	h.answer("Kowalski")
	h.answer("4405140135") // 10 digits
	h.mustSee("11 cyfr")
	h.mustSee("Krok 3")
	h.answer("44051401358") // bad check digit
	h.mustSee("⚠")
	h.answer("44051401359")
	h.answer("ul. Polna 5")
	h.answer("9915")
	h.mustSee("00-000")
	h.answer("99150") // five digits become 99-150
	h.answer("31.02.2026")
	h.mustSee("⚠")
	h.mustSee("Krok 6")
	h.answer("28.02.2026")
	h.tap("Dalej") // no choice made
	h.mustSee("⚠")
	h.mustSee("Krok 7")
}

func TestFormBackKeepsAnswersAndConditionsCount(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.answer("Jan")
	h.mustSee("Krok 2")
	h.tap("Wstecz")
	h.mustSee("Krok 1")
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "Jan" {
		t.Fatalf("answer after Back = %q", e.Text)
	}
	h.tap("Dalej")
	h.answer("Kowalski")
	h.answer("44051401359")
	h.answer("ul. Polna 5")
	h.answer("99-150")
	h.answer("01.11.2026")
	// Choosing "Inna podstawa" adds the question that depends on it.
	h.tap("○ Inna podstawa")
	h.mustSee("Krok 7")
	h.tap("Dalej")
	h.mustSee("Opisz krótko")
	h.answer("Użyczenie od rodziny")
	h.mustSee("Krok 9 z 9")
	// Changing the choice on the review hides it again, and its answer is not sent.
	h.tap("Dalej")
	h.mustSee("Użyczenie od rodziny")
	h.tapNth("Zmień", 7)
	h.mustSee("Na jakiej podstawie")
	h.tap("○ Mieszkanie jest moją własnością")
	h.tap("Dalej")
	h.mustSee("Sprawdź, czy wszystko się zgadza")
	h.mustNotSee("Użyczenie od rodziny")
}

func TestFormReviewChangeReturnsToReview(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	h.tapNth("Zmień", 2)
	h.mustSee("Krok 2 z 8")
	h.answer("Nowak")
	h.mustSee("Sprawdź, czy wszystko się zgadza")
	h.mustSee("Nowak")
}

func TestFormSaveFailureShowsMessageAndNoReference(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.fillHappyPath()
	h.tap("Wszystko się zgadza — dalej")
	h.tap("☐ Znam informację o ochronie danych i chcę wysłać wniosek")
	sub.fail = true
	h.tap("Wyślij wniosek")
	h.mustSee("Nie udało się zapisać wniosku — prosimy spróbować ponownie lub zgłosić się do urzędu")
	h.mustNotSee("PRZ-")
	h.mustNotSee("Twój numer zgłoszenia")
	// The answers are still there: the resident can simply try again.
	sub.fail = false
	h.tap("Wyślij wniosek")
	h.mustSee("PRZ-7K4M-Q2")
	if len(sub.got) != 1 || sub.got[0]["nazwisko"] != "Gęślą" {
		t.Fatalf("retry sent %v", sub.got)
	}
}

func TestIdleResetMidFormWipesIt(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.answer("Zażółć")
	answers := h.ui.form.answers
	e := h.win.Canvas().Focused().(*widget.Entry)
	test.Type(e, "Gęś")
	h.clock.advance(2 * time.Minute)
	h.ui.Tick()
	h.mustSee("Sprawy urzędowe")
	if h.ui.form != nil || len(answers) != 0 {
		t.Fatalf("form survived the reset: %v %v", h.ui.form, answers)
	}
	h.openForm()
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "" {
		t.Fatalf("the next resident sees %q", e.Text)
	}
	h.mustNotSee("Zażółć")
	if len(sub.got) != 0 {
		t.Fatal("reset submitted something")
	}
}

func TestHomeWipesForm(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	h.answer("Zażółć")
	h.tap("Start")
	h.tap("Tak, przerwij i usuń odpowiedzi")
	if h.ui.form != nil {
		t.Fatal("Home kept the form")
	}
}

func TestFormTypingThroughOnScreenKeyboard(t *testing.T) {
	h, _ := newFormHarness(t)
	h.openForm()
	for _, k := range []string{"z", "ó", "ł", "w"} {
		h.tapKey(k)
	}
	h.tap("Dalej")
	h.answer("Nowak")
	// PESEL gets the digits pad.
	for _, k := range strings.Split("44051401359", "") {
		h.tapKey(k)
	}
	h.tap("Dalej")
	h.mustSee("Krok 4")
	if got := h.ui.form.answers["imie"] + "/" + h.ui.form.answers["pesel"]; got != "zółw/44051401359" {
		t.Fatalf("typed %q", got)
	}
}

// tapNth taps the n-th (1-based) visible text that reads label.
func (h *harness) tapNth(label string, n int) {
	h.t.Helper()
	size := h.win.Canvas().Size()
	for _, f := range h.texts() {
		if f.text != label || f.pos.Y < 0 || f.pos.Y >= size.Height {
			continue
		}
		if n--; n == 0 {
			h.clock.advance(tapGap)
			test.TapCanvas(h.win.Canvas(), f.pos)
			return
		}
	}
	h.t.Fatalf("fewer than %d %q on screen", n, label)
}

// A procedure with a fee gets a payment QR in the ZBP format on the confirmation, with the
// reference in the transfer title so the office can match the payment.
func TestConfirmationWithFeeHasPaymentQR(t *testing.T) {
	h, _ := newFormHarness(t)
	p, ok := h.ui.d.Content.Procedure("zaswiadczenie-o-niezaleganiu")
	if !ok || p.Form == nil || len(p.Fees) == 0 {
		t.Fatal("sample card with a fee and a form missing")
	}
	c := h.ui.newConfirmation(p, p.FeeIndexFor(nil), "PRZ-7K4M-Q2", time.Date(2026, 11, 23, 14, 5, 0, 0, time.Local))
	if c.fee == nil {
		t.Fatal("no fee on the confirmation")
	}
	fields := strings.Split(c.fee.QR, "|")
	if len(fields) != 9 {
		t.Fatalf("payment QR %q", c.fee.QR)
	}
	m := h.ui.d.Content.Municipality
	if fields[0] != m.NIP || fields[1] != "PL" || fields[2] != strings.ReplaceAll(h.ui.d.Content.FeeAccount(p.Fees[0]), " ", "") {
		t.Fatalf("payment QR %q", c.fee.QR)
	}
	if want := fmt.Sprintf("%06d", int64(p.Fees[0].Amount)); fields[3] != want {
		t.Fatalf("amount %q, want %q", fields[3], want)
	}
	if fields[5] != "PO-3 PRZ-7K4M-Q2 Niezaleganie" {
		t.Fatalf("title %q lacks the reference", fields[5])
	}
	if c.trackURL != "https://wnioski.przykladowa.example.pl/sprawdz/PRZ-7K4M-Q2" {
		t.Fatalf("tracking URL %q", c.trackURL)
	}
	h.ui.confirmation = c
	h.ui.push(route{kind: confirmScreen, id: p.ID})
	h.mustSee("Zeskanuj w aplikacji banku, aby zapłacić")
	h.mustSee(p.Fees[0].Amount.String())
	// The screen shows what the paper prints: the same code, the same amount line.
	if !slices.ContainsFunc(c.doc.Items, func(it receipt.Item) bool { q, ok := it.(receipt.QR); return ok && q.Data == c.fee.QR }) {
		t.Errorf("the receipt's payment code differs from the screen's %q", c.fee.QR)
	}
	h.screenshot("confirmation-with-fee")
}

// lastReceiptRef is the reference of the last confirmation shown.
func (u *UI) lastReceiptRef() string {
	if u.lastReceipt == nil {
		return ""
	}
	for _, it := range u.lastReceipt.Items {
		if t, ok := it.(receipt.Text); ok && t.Large {
			return t.Text
		}
	}
	return ""
}
