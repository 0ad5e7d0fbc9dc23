package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"infomat/assets"
	"infomat/content"
	"infomat/l10n"
)

// A resident's walk on the real window: the kiosk binary under Xvfb, tapped with xdotool.
// The kiosk tells the test where its buttons are (INFOMAT_DEBUG_TARGETS, targets.go); what
// happened is judged from those targets and from screenshots, saved in test-output/e2e/walk.

// walker drives one kiosk by its targets.
type walker struct {
	scr  *screen
	k    *kioskProc
	file string
	last image.Image // the screen after the last step
	n    int         // screenshots taken, for their file names
}

// targets asks the kiosk for the current screen's targets.
func (w *walker) targets(t *testing.T) []target {
	t.Helper()
	if err := os.Remove(w.file); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if err := syscall.Kill(w.k.cmd.Process.Pid, syscall.SIGUSR1); err != nil {
		t.Fatalf("signal the kiosk: %v", err)
	}
	deadline := time.Now().Add(toolTimeout)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(w.file)
		if err == nil {
			var ts []target
			if err := json.Unmarshal(b, &ts); err != nil {
				t.Fatalf("targets file: %v", err)
			}
			return ts
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the kiosk wrote no targets within %s; log:\n%s", toolTimeout, w.k.logs.String())
	return nil
}

// find returns the smallest target whose text satisfies match: a list holds its rows'
// texts too, and a finger aims at the row.
func find(ts []target, match func(string) bool) (target, bool) {
	var best target
	found := false
	for _, tg := range ts {
		if match(tg.Text) && (!found || tg.W*tg.H < best.W*best.H) {
			best, found = tg, true
		}
	}
	return best, found
}

// is matches a target's whole text.
func is(text string) func(string) bool {
	return func(s string) bool { return s == strings.Join(strings.Fields(text), " ") }
}

// has matches a target whose text contains text.
func has(text string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, text) }
}

// tap taps the target matching match, as a finger would, and waits for the screen to change.
func (w *walker) tap(t *testing.T, what string, match func(string) bool) []target {
	t.Helper()
	ts := tappable(w.targets(t))
	tg, ok := find(ts, match)
	if !ok {
		t.Fatalf("%s: no such target on screen; targets: %s", what, describe(ts))
	}
	return w.tapTarget(t, what, tg)
}

func (w *walker) tapTarget(t *testing.T, what string, tg target) []target {
	t.Helper()
	before := fmt.Sprint(w.targets(t))
	c := image.Pt(tg.X+tg.W/2, tg.Y+tg.H/2)
	t.Logf("tap %s at (%d,%d)", what, c.X, c.Y)
	w.scr.xdotool(t, "mousemove", strconv.Itoa(c.X), strconv.Itoa(c.Y), "click", "1")
	// A step of a form changes less than 1% of the screen, so the change is judged by what
	// is on it; the screenshot then waits for the drawing to finish.
	deadline := time.Now().Add(screenTimeout)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if ts := w.targets(t); fmt.Sprint(ts) != before {
			w.last = w.still(t)
			return w.targets(t)
		}
	}
	t.Fatalf("%s: nothing on the screen changed within %s", what, screenTimeout)
	return nil
}

// blinkTolerance is how much of the screen may differ between two shots of a settled
// screen: a focused field's caret blinks.
const blinkTolerance = 0.0005

// still waits until two shots in a row are the same but for a blinking caret.
func (w *walker) still(t *testing.T) image.Image {
	t.Helper()
	deadline := time.Now().Add(screenTimeout)
	prev := w.scr.shot(t)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		cur := w.scr.shot(t)
		if blank(cur) == "" && diffFraction(prev, cur) <= blinkTolerance {
			return cur
		}
		prev = cur
	}
	t.Fatalf("screen did not settle within %s", screenTimeout)
	return nil
}

// tapBelow is tap for a target that may lie further down a long screen: it pages down with
// the ▼ arrow, as a resident who does not know the drag gesture does, until it shows.
func (w *walker) tapBelow(t *testing.T, what string, match func(string) bool) []target {
	t.Helper()
	for range 10 {
		ts := tappable(w.targets(t))
		if _, ok := find(ts, match); ok {
			return w.tap(t, what, match)
		}
		var down target
		for _, tg := range ts {
			if tg.Kind == "*touch.arrowButton" && tg.Y > down.Y {
				down = tg
			}
		}
		if down.W == 0 {
			break
		}
		w.tapTarget(t, "▼ looking for "+what, down)
	}
	t.Fatalf("%s: not on the screen even after paging down; targets: %s", what, describe(w.targets(t)))
	return nil
}

// press taps an on-screen key; keys change the field, not the whole screen, so this waits
// for the field's text to change instead.
func (w *walker) press(t *testing.T, label string) {
	t.Helper()
	ts := w.targets(t)
	var key target
	found := false
	for _, tg := range ts {
		if tg.Kind == "*keyboard.key" && strings.EqualFold(tg.Text, label) {
			key, found = tg, true
			break
		}
	}
	if !found {
		t.Fatalf("no on-screen key %q; keys: %s", label, describe(keys(ts)))
	}
	before := entryText(ts)
	w.scr.xdotool(t, "mousemove", strconv.Itoa(key.X+key.W/2), strconv.Itoa(key.Y+key.H/2), "click", "1")
	deadline := time.Now().Add(screenTimeout)
	for time.Now().Before(deadline) {
		if entryText(w.targets(t)) != before {
			w.last = nil
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("key %q changed nothing in the field %q", label, before)
}

// shot saves the current screen under a numbered name.
func (w *walker) shot(t *testing.T, name string) image.Image {
	t.Helper()
	img := w.still(t)
	w.n++
	w.scr.save(t, img, fmt.Sprintf("walk-%02d-%s.png", w.n, name))
	w.last = img
	return img
}

func keys(ts []target) []target {
	var out []target
	for _, tg := range ts {
		if tg.Kind == "*keyboard.key" {
			out = append(out, tg)
		}
	}
	return out
}

// entryText is the text of the screen's first entry field.
func entryText(ts []target) string {
	for _, tg := range ts {
		if tg.Kind == "*widget.Entry" || strings.HasSuffix(tg.Kind, "Entry") {
			return tg.Text
		}
	}
	return ""
}

// requireInside fails when a target reaches past the window's edges: at every text size the
// screen must reflow, not push buttons off the glass.
func requireInside(t *testing.T, ts []target, where string) {
	t.Helper()
	for _, tg := range ts {
		if tg.X < 0 || tg.X+tg.W > e2eWidth+1 {
			t.Errorf("%s: %q (%s) at x %d..%d reaches past the %d px wide screen", where, tg.Text, tg.Kind, tg.X, tg.X+tg.W, e2eWidth)
		}
	}
}

// cyrillic reports whether s has a Cyrillic letter.
func cyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func describe(ts []target) string {
	var b strings.Builder
	for _, tg := range ts {
		fmt.Fprintf(&b, "\n  %q %s (%d,%d %dx%d)", tg.Text, tg.Kind, tg.X, tg.Y, tg.W, tg.H)
	}
	return b.String()
}

func TestE2EResidentWalk(t *testing.T) {
	requireE2E(t)
	bin := kioskBinary(t)
	out := filepath.Join(outputDir(t), "walk")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	display := startXvfb(t)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "targets.json")
	k := startKioskEnv(t, bin, display, []string{"INFOMAT_DEBUG_TARGETS=" + file},
		"--demo", "--data", filepath.Join(tmp, "data"))
	w := &walker{scr: &screen{display: display, out: out}, k: k, file: file}
	walkResident(t, w)
}

// tappable leaves out labels, which are only read.
func tappable(ts []target) []target {
	var out []target
	for _, tg := range ts {
		if tg.Kind != "*widget.Label" && tg.Kind != "*canvas.Text" {
			out = append(out, tg)
		}
	}
	return out
}

// walkResident is the walk: start → Ukrainian → 2× text → a card → its form,
// with a typo corrected on the on-screen keyboard → confirmation.
func walkResident(t *testing.T, w *walker) {
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	loc.SetLang(l10n.UK)
	uk := loc.T
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	b = b.In(string(l10n.UK)) // the walk is in Ukrainian, and so is the content it taps
	var category string
	for _, c := range b.Categories {
		if c.ID == procCategory {
			category = c.Name
		}
	}
	form, ok := b.Procedure(procID)
	if !ok || form.Form == nil {
		t.Fatalf("embedded content has no form for %s", procID)
	}
	card := form.Title

	w.shot(t, "home")
	// Home's own language row; every other screen has the switch in its bar.
	ts := w.tap(t, "Українська", is(l10n.UK.Name()))
	w.shot(t, "home-uk")
	requireInside(t, ts, "home in Ukrainian")

	// The largest text size: twice the normal.
	w.tap(t, "accessibility", has(uk("home.access")))
	ts = w.tap(t, "text 2×", is("A+++"))
	w.shot(t, "text-2x")
	requireInside(t, ts, "accessibility at 2× text")

	ts = w.tap(t, "home", is(uk("nav.home")))
	requireInside(t, ts, "home at larger text")
	ts = w.tap(t, "procedures", has(uk("home.procedures")))
	requireInside(t, ts, "categories")
	ts = w.tap(t, category, has(category))
	requireInside(t, ts, "category")
	ts = w.tap(t, card, has(card))
	w.shot(t, "card")
	requireInside(t, ts, "card")
	ts = w.tap(t, "apply", has(uk("card.apply")))
	ts = w.tap(t, "start the form", has(uk("form.start")))
	w.shot(t, "form-first")
	requireInside(t, ts, "form, first question")
	if q := form.Form.Fields[0].Label; !cyrillic(q) {
		t.Fatalf("the sample form's first question has no Ukrainian translation: %q", q)
	} else if _, ok := find(ts, is(q)); !ok {
		t.Errorf("form: the first question is not shown in Ukrainian (%q): %s", q, describe(ts))
	}
	if len(keys(ts)) == 0 {
		t.Fatalf("form: no on-screen keyboard; targets: %s", describe(ts))
	}

	// The first name, with a typo the resident corrects on the on-screen keyboard.
	w.scr.xdotool(t, "type", "--delay", "50", "Olen")
	w.press(t, "x")
	w.shot(t, "form-typo")
	w.press(t, "⌫")
	w.press(t, "a")
	if got := entryText(w.targets(t)); got != "Olena" {
		t.Fatalf("after correcting the typo the field holds %q, want %q", got, "Olena")
	}
	w.shot(t, "form-corrected")
	next := is(uk("form.next"))
	answer := func(what, text string) {
		t.Helper()
		w.tap(t, "next after "+what, next)
		w.scr.xdotool(t, "type", "--delay", "30", text)
	}
	answer("first name", "Kovalenko")
	answer("surname", "44051401359")
	answer("PESEL", "ul. Polna 5")
	answer("address", "00-950")
	answer("postal code", "01.11.2026")
	ts = w.tap(t, "next after the date", next)
	w.shot(t, "form-choice")
	var owner string
	for _, f := range form.Form.Fields {
		if f.ID == "tytul" {
			owner = f.Options[0].Label
		}
	}
	w.tap(t, "owner", has(owner))
	w.tap(t, "next after the choice", next)
	ts = w.tap(t, "skip the phone", next) // optional
	w.shot(t, "review")
	requireInside(t, ts, "review")
	// A public lobby: the review shows the PESEL masked.
	if _, ok := find(ts, has("*******1359")); !ok {
		t.Errorf("review: PESEL not shown masked as *******1359: %s", describe(ts))
	}
	if _, ok := find(ts, has("44051401359")); ok {
		t.Errorf("review shows the whole PESEL before anyone asked for it")
	}
	w.tapBelow(t, "review ok", has(uk("form.review.next")))
	ts = w.tapBelow(t, "consent", has(uk("rodo.agree")))
	w.shot(t, "consent")
	ts = w.tapBelow(t, "submit", has(uk("form.submit")))
	w.shot(t, "confirmation")
	requireInside(t, ts, "confirmation")
	if _, ok := find(ts, is(uk("confirm.done"))); !ok {
		t.Fatalf("no confirmation after submitting; screen: %s", describe(ts))
	}
	var texts []string
	for _, tg := range ts {
		texts = append(texts, tg.Text)
	}
	if !cyrillic(strings.Join(texts, " ")) {
		t.Errorf("confirmation is not in Ukrainian: %s", describe(ts))
	}
	// The reference number is on screen: the submission is in the outbox.
	if _, ok := find(ts, has(b.Municipality.RefPrefix+"-")); !ok {
		t.Errorf("confirmation shows no %s-… reference: %s", b.Municipality.RefPrefix, describe(ts))
	}
	// "Finish and clear the screen": the next resident finds home in Polish.
	ts = w.tapBelow(t, "finish", is(uk("confirm.finish")))
	w.shot(t, "after-finish")
	if _, ok := find(ts, is("Sprawy urzędowe")); !ok {
		t.Errorf("after finishing: not the Polish home screen: %s", describe(ts))
	}
}
