package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/content"
	"infomat/kiosk/health"
	"infomat/l10n"
	"infomat/receipt"
	"infomat/validate"
)

// The kiosk's portrait screen in Fyne units at scale 1.
var kioskScreen = fyne.NewSize(1080, 1920)

// nopPrinter prints nothing; it only makes the print buttons and the preview appear.
type nopPrinter struct{}

func (nopPrinter) Print(context.Context, receipt.Doc) error { return nil }

// overflow lists what does not fit the kiosk's screen: the window grown larger than the
// screen (a window never shrinks below its content's minimum), any object whose minimum
// width exceeds the screen, any object lying partly outside it, and the keyboard's ⌫ and ↵
// keys outside the screen.
func (h *harness) overflow() []string {
	const eps = 0.5
	var bad []string
	c := h.win.Canvas()
	if s := c.Size(); s.Width > kioskScreen.Width+eps || s.Height > kioskScreen.Height+eps {
		bad = append(bad, fmt.Sprintf("window grew to %v", s))
	}
	// The test canvas grows only when content is set; a real window also grows when wrapped
	// text, laid out, asks for more.
	pad := 2 * theme.Padding()
	if m := c.Content().MinSize(); m.Width+pad > kioskScreen.Width+eps || m.Height+pad > kioskScreen.Height+eps {
		bad = append(bad, fmt.Sprintf("the screen needs %v", m.AddWidthHeight(pad, pad)))
	}
	// Inside a scroller what sticks out is clipped (truncated rich text lays its runs out
	// past the row's end), and the scroller itself is checked; so only minimum widths count
	// there. A canvas.Text's minimum is its whole unwrapped text: its label's counts instead.
	// Each problem is reported where it starts: the innermost object too wide, the outermost
	// object out of the screen.
	var walk func(o fyne.CanvasObject, at fyne.Position, clipped, out bool) (wide bool)
	walk = func(o fyne.CanvasObject, at fyne.Position, clipped, out bool) (wide bool) {
		if o == nil || !o.Visible() {
			return false
		}
		at = at.Add(o.Position())
		name := fmt.Sprintf("%T", o)
		switch x := o.(type) {
		case *canvas.Text:
			name += fmt.Sprintf("%q", x.Text)
		case *widget.Label:
			name += fmt.Sprintf("%q", x.Text)
		case fyne.Widget:
			if t := widgetText(x); t != "" {
				name += fmt.Sprintf("%q", t)
			}
		}
		if !clipped && !out && (at.X < -eps || at.X+o.Size().Width > kioskScreen.Width+eps) {
			bad = append(bad, fmt.Sprintf("%s spans x %.0f–%.0f", name, at.X, at.X+o.Size().Width))
			out = true
		}
		inner := false
		switch x := o.(type) {
		case *fyne.Container:
			for _, ch := range x.Objects {
				inner = walk(ch, at, clipped, out) || inner
			}
		case *container.Scroll:
			inner = walk(x.Content, at, true, out)
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				inner = walk(ch, at, clipped, out) || inner
			}
		}
		_, text := o.(*canvas.Text)
		if w := o.MinSize().Width; w > kioskScreen.Width+eps && !text {
			if !inner {
				bad = append(bad, fmt.Sprintf("%s is at least %.0f wide", name, w))
			}
			return true
		}
		return inner
	}
	walk(c.Content(), fyne.Position{}, false, false)
	for _, o := range c.Overlays().List() {
		walk(o, fyne.Position{}, false, false)
	}
	if findObject[*keyboard.Keyboard](c.Content()) != nil || h.keyboardShown() {
		for _, glyph := range []string{"⌫", "↵"} {
			n := 0
			for _, f := range h.textsWithin(isKeyboard) {
				if f.text != glyph {
					continue
				}
				n++
				if f.pos.X < 0 || f.pos.X > kioskScreen.Width || f.pos.Y < 0 || f.pos.Y > kioskScreen.Height {
					bad = append(bad, fmt.Sprintf("key %s centred at %v, off the screen", glyph, f.pos))
				}
			}
			if n == 0 {
				bad = append(bad, fmt.Sprintf("keyboard has no %s key", glyph))
			}
		}
	}
	return bad
}

// widgetText is the text a widget shows, to name it in a report: the first canvas text in it.
func widgetText(w fyne.Widget) string {
	for _, o := range test.WidgetRenderer(w).Objects() {
		switch x := o.(type) {
		case *canvas.Text:
			return x.Text
		case fyne.Widget:
			if t := widgetText(x); t != "" {
				return t
			}
		}
	}
	return ""
}

func isKeyboard(o fyne.CanvasObject) bool { _, ok := o.(*keyboard.Keyboard); return ok }

// keyboardShown reports whether a keyboard is anywhere on screen (findObject does not look
// inside widgets).
func (h *harness) keyboardShown() bool {
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found || o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *keyboard.Keyboard:
			found = true
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch)
			}
		}
	}
	walk(h.win.Canvas().Content())
	return found
}

// show renders the current route in a window of the kiosk's size: a window grown by an
// earlier screen would hide the next screen's overflow.
func (h *harness) show() {
	h.win.Resize(kioskScreen)
	h.ui.render()
	h.win.Resize(h.win.Canvas().Size().Max(kioskScreen))
}

// screens walks the screens of every kind, calling visit on each; all adds every card,
// BIP page and form of the sample too, not one of each.
func (h *harness) screens(all bool, visit func(name string)) {
	u := h.ui
	b := u.d.Content
	at := func(r route) {
		u.stack = []route{{kind: homeScreen}, r}
	}
	u.stack = []route{{kind: homeScreen}}
	h.show()
	visit("home")
	// On a closed day home says when the office opens next: its longest hours text.
	weekday := h.clock.now
	h.clock.now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) // a Saturday
	h.show()
	visit("home on a Saturday")
	h.clock.now = weekday

	for _, r := range []route{{kind: categoriesScreen}, {kind: bipScreen}, {kind: languageScreen}, {kind: accessScreen}} {
		at(r)
		h.show()
		visit(fmt.Sprintf("screen %d", r.kind))
	}
	for i, c := range b.Categories {
		if i > 0 && !all {
			break
		}
		at(route{kind: categoryScreen, id: c.ID})
		h.show()
		visit("category " + c.ID)
	}
	for i, p := range b.Procedures {
		if i > 0 && !all && p.Form == nil {
			continue
		}
		at(route{kind: procedureScreen, id: p.ID})
		h.show()
		visit("card " + p.ID)
		at(route{kind: previewScreen, id: p.ID})
		h.show()
		visit("preview " + p.ID)
		if !all {
			break
		}
	}
	for i, m := range b.BIPMenu {
		if i > 0 && !all {
			break
		}
		at(route{kind: bipScreen, id: m.ID})
		h.show()
		visit("bip " + m.ID)
	}
	for i, p := range b.BIPPages {
		if i > 0 && !all {
			break
		}
		at(route{kind: pageScreen, id: p.ID})
		h.show()
		visit("page " + p.ID)
	}
	for _, q := range []string{"", "zaswiadczenie o zameldowaniu na pobyt staly", "qqqxxzz"} {
		u.query = q
		at(route{kind: searchScreen})
		h.show()
		visit(fmt.Sprintf("search %q", q))
	}
	u.query = ""

	forms := 0
	for i := range b.Procedures {
		p := &b.Procedures[i]
		if p.Form == nil || (forms > 0 && !all) {
			continue
		}
		forms++
		u.form = &formSession{proc: p, answers: content.Answers{}}
		at(route{kind: formScreen, id: p.ID})
		h.show()
		visit("form start " + p.ID)
		fields := u.form.visible()
		for n, f := range fields {
			u.form.step = n + 1
			u.form.fieldErr = nil
			h.show()
			visit(fmt.Sprintf("form %s field %s", p.ID, f.ID))
			u.form.fieldErr = &validate.Error{Message: "validate.text.too_long", Args: []any{"Max", 1000, "Got", 1001, "Count", 1000}} // the longest message
			h.show()
			visit(fmt.Sprintf("form %s field %s with an error", p.ID, f.ID))
		}
		u.form.fieldErr = nil
		for _, f := range fields {
			u.form.answers[f.ID] = strings.Repeat("Zażółć gęślą jaźń ", 8)
		}
		u.form.step = u.form.reviewStep()
		h.show()
		visit("form review " + p.ID)
		u.form.step, u.form.consent, u.form.saveErr = u.form.consentStep(), true, true
		h.show()
		visit("form consent " + p.ID)
		u.dropForm()
		u.confirmation = u.newConfirmation(p, p.FeeIndexFor(nil), "PRZ-7K4M-Q2", time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC))
		u.confirmation.printMsg, u.confirmation.printFailed = u.t("print.paper_out"), true
		at(route{kind: confirmScreen, id: p.ID})
		h.show()
		visit("confirmation " + p.ID)
		u.confirmation = nil
	}

	u.pinErr = u.t("service.pin.unavailable")
	at(route{kind: pinScreen})
	h.show()
	visit("service PIN")
	u.pinErr = ""
	u.svcStatus = &health.Status{Printer: "/dev/ttyUSB0: brak papieru", Reader: "/dev/ttyUSB1",
		SyncConfigured: true, SyncError: "portal niedostępny: connection refused", AppVersion: "1.2.3",
		ClockProblem: "zegar cofnął się o 3 godziny względem ostatniej synchronizacji", ShortPIN: true}
	at(route{kind: serviceScreen})
	h.show()
	visit("service")
	u.svcStatus = nil

	u.stack = []route{{kind: homeScreen}, {kind: procedureScreen, id: b.Procedures[0].ID}}
	h.show()
	u.showWarning(15 * time.Second)
	visit("idle warning")
	u.hideWarning()
	u.stack = u.stack[:1]
	h.show()
}

// Every screen reflows at every text size: nothing is wider than the kiosk's portrait screen
// and the keyboard's ⌫ and ↵ stay on it. (At ×1.4 the keyboard alone was 1,213 units wide.)
func TestEveryScreenFitsAtEveryTextSize(t *testing.T) {
	h := newHarness(t)
	h.ui.d.Printer = nopPrinter{}
	h.ui.d.Submit = &fakeSubmitter{}
	h.ui.d.Speaker = &recorder{} // the accessibility screen shows its speech controls
	withService(t, h)
	looks := reflowLooks()
	visits := 0
	defer func() { t.Logf("%d screens checked", visits) }()
	for _, look := range looks {
		h.ui.look = look
		h.ui.applyLook()
		largest := look.Text == TextSize(len(textScales)-1)
		for _, lang := range l10n.Languages {
			if lang != l10n.PL && !largest {
				continue // the other languages at the largest size, where they are widest
			}
			h.ui.d.Loc.SetLang(lang)
			all := look == looks[len(looks)-1] && lang == l10n.PL
			seen := map[string]bool{}
			h.screens(all, func(name string) {
				visits++
				for _, p := range h.overflow() {
					if !seen[p] { // the same widget on every card is reported once
						seen[p] = true
						t.Errorf("look %+v, %s, %s: %s", look, lang, name, p)
					}
				}
			})
		}
	}
	h.ui.d.Loc.SetLang(l10n.PL)
}

// reflowLooks is every text size in both layouts, the largest in the usual layout (where the
// top bar is fullest) last: that one walks every card, page and form.
func reflowLooks() []Look {
	var looks []Look
	for _, lower := range []bool{true, false} {
		for i := range textScales {
			looks = append(looks, Look{Text: TextSize(i), Lower: lower})
		}
	}
	return looks
}
