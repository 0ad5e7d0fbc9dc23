package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// centre is where the first visible text reading label sits, or a failure.
func (h *harness) centre(label string) fyne.Position {
	h.t.Helper()
	for _, f := range h.texts() {
		if f.text == label {
			return f.pos
		}
	}
	h.t.Fatalf("no %q on screen: %s", label, h.screenSummary())
	return fyne.Position{}
}

// mustBeLow fails unless each label lies in the lower half of the portrait screen.
func (h *harness) mustBeLow(where string, labels ...string) {
	h.t.Helper()
	for _, l := range labels {
		if p := h.centre(l); p.Y < kioskScreen.Height/2 {
			h.t.Errorf("%s: %q at y %.0f, in the upper half", where, l, p.Y)
		}
	}
}

// The lower layout brings Back, Start, the language switch and the search field within
// reach from a wheelchair, at the normal and the largest text size, and the next resident
// gets the usual layout back.
func TestLowerLayoutKeepsControlsLow(t *testing.T) {
	for _, size := range []TextSize{0, TextSize(len(textScales) - 1)} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			h, _ := newFormHarness(t)
			h.tap("Dostępność")
			if p := h.centre("Wstecz"); p.Y > kioskScreen.Height/2 {
				t.Fatalf("Wstecz at y %.0f before the lower layout is chosen", p.Y)
			}
			h.tap("Niższy układ: wyłączony")
			h.ui.look.Text = size
			h.ui.applyLook()
			h.show()
			h.mustSee("Niższy układ: włączony")
			h.mustBeLow("accessibility", "Wstecz", "Start", "PL", "EN", "УКР", "Niższy układ: włączony")

			h.screenshot(fmt.Sprintf("lower-access-%d", size))
			h.tap("Start")
			h.screenshot(fmt.Sprintf("lower-home-%d", size))
			h.mustBeLow("home", "Szukaj", "Polski", "English", "Українська")

			h.tap("Szukaj")
			h.screenshot(fmt.Sprintf("lower-search-%d", size))
			h.mustBeLow("search", "Wstecz", "Start", "PL", "⌫")
			e, ok := h.win.Canvas().Focused().(*widget.Entry)
			if !ok {
				t.Fatal("search field not focused")
			}
			if p := fyne.CurrentApp().Driver().AbsolutePositionForObject(e); p.Y+e.Size().Height/2 < kioskScreen.Height/2 {
				t.Errorf("search field centred at y %.0f, in the upper half", p.Y+e.Size().Height/2)
			}

			h.ui.home()
			h.openForm()
			h.screenshot(fmt.Sprintf("lower-form-%d", size))
			h.mustBeLow("form", "Wstecz", "Start", "УКР", "⌫", "↵", h.ui.t("form.next"))
			if len(h.overflow()) > 0 {
				t.Errorf("form overflows: %v", h.overflow())
			}

			h.ui.Reset()
			if h.ui.look != (Look{}) {
				t.Fatalf("look after reset: %+v", h.ui.look)
			}
		})
	}
}

// focusedEntry is the field the keyboard types into.
func (h *harness) focusedEntry() *widget.Entry {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("no focused entry; screen: %s", h.screenSummary())
	}
	return e
}

// The bar's language switch works mid-form: the same step comes back in the chosen
// language with every answer, typed or confirmed, and nothing asks to abandon the form; the
// confirmation comes in that language too.
func TestLanguageSwitchMidFormKeepsAnswers(t *testing.T) {
	h, sub := newFormHarness(t)
	h.openForm()
	h.answer("Zażółć")
	test.Type(h.focusedEntry(), "Gęślą") // typed, Dalej not yet tapped
	h.tap("УКР")
	if n := len(h.win.Canvas().Overlays().List()); n != 0 {
		t.Fatalf("the language switch opened %d popups; it must not ask", n)
	}
	if h.ui.form == nil || h.ui.form.step != 2 {
		t.Fatalf("form after the switch: %+v", h.ui.form)
	}
	h.mustSee("Крок 2")
	h.mustSee(h.ui.t("form.next"))
	h.mustNotSee("Dalej")
	if got := h.focusedEntry().Text; got != "Gęślą" {
		t.Fatalf("typed answer after the switch: %q", got)
	}
	h.tap("Назад")
	if got := h.focusedEntry().Text; got != "Zażółć" {
		t.Fatalf("first answer after the switch: %q", got)
	}
	next := func(text string) {
		t.Helper()
		if text != "" {
			e := h.focusedEntry()
			e.SetText("")
			test.Type(e, text)
		}
		h.tap(h.ui.t("form.next"))
	}
	next("")
	next("") // Gęślą is kept
	for _, a := range []string{"44051401359", "ul. Polna 5 m. 2", "99-150", "01.11.2026"} {
		next(a)
	}
	// The options are in the chosen language where the form is translated.
	for _, f := range h.ui.formProc(h.ui.form).Form.Fields {
		if f.ID == "tytul" {
			h.tap("○ " + f.OptionLabel("najem"))
		}
	}
	next("")
	next("") // the phone is optional
	h.tap(h.ui.t("form.review.next"))
	h.ui.form.consent = true
	h.show()
	h.tap(h.ui.t("form.submit"))
	if len(sub.got) != 1 {
		t.Fatalf("submitted %d times; screen: %s", len(sub.got), h.screenSummary())
	}
	if got := sub.got[0]; got["imie"] != "Zażółć" || got["nazwisko"] != "Gęślą" || got["pesel"] != "44051401359" {
		t.Fatalf("answers = %v", got)
	}
	h.mustSee("Заяву збережено")
	h.mustSee("PRZ-7K4M-Q2")
}
