package keyboard

import (
	"fmt"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fakeClock drives long-press without sleeping.
type fakeClock struct {
	t      time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) afterFunc(d time.Duration, f func()) func() bool {
	ft := &fakeTimer{at: c.t.Add(d), f: f}
	c.timers = append(c.timers, ft)
	return func() bool {
		was := !ft.stopped
		ft.stopped = true
		return was
	}
}

// advance moves the clock and fires due timers (on the test goroutine,
// like fyne.Do would on the main goroutine).
func (c *fakeClock) advance(d time.Duration) {
	c.t = c.t.Add(d)
	for _, ft := range c.timers {
		if !ft.stopped && !ft.at.After(c.t) {
			ft.stopped = true
			ft.f()
		}
	}
}

type fixture struct {
	kb    *Keyboard
	entry *widget.Entry
	win   fyne.Window
	clock *fakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	test.NewTempApp(t)
	f := &fixture{entry: widget.NewEntry(), kb: New(nil), clock: &fakeClock{t: time.Unix(1_700_000_000, 0)}}
	f.kb.now = f.clock.now
	f.kb.afterFunc = f.clock.afterFunc
	f.kb.SetTarget(f.entry)
	f.win = test.NewTempWindow(t, container.NewBorder(f.entry, f.kb, nil, nil))
	f.win.Resize(fyne.NewSize(1080, f.entry.MinSize().Height+f.kb.MinSize().Height+40))
	f.win.Canvas().Focus(f.entry)
	return f
}

func (f *fixture) key(t *testing.T, id string) *key {
	t.Helper()
	k := f.kb.keyFor(id)
	if k == nil {
		t.Fatalf("no key %q in mode %v", id, f.kb.Mode())
	}
	return k
}

func (f *fixture) tap(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		test.Tap(f.key(t, id))
	}
}

// typeText types s using only on-screen keys: Shift for capitals, the
// Polish row for diacritics, the space bar for spaces.
func (f *fixture) typeText(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		switch {
		case r == ' ':
			f.tap(t, idSpace)
		case unicode.IsUpper(r):
			f.tap(t, idShift, string(unicode.ToLower(r)))
		default:
			f.tap(t, string(r))
		}
	}
}

func (f *fixture) longPress(t *testing.T, id string, held time.Duration) {
	t.Helper()
	k := f.key(t, id)
	k.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	f.clock.advance(held)
	k.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	test.Tap(k) // the driver sends Tapped after MouseUp on the same object
}

func TestTypePolishPhrase(t *testing.T) {
	f := newFixture(t)
	f.typeText(t, "Zażółć gęślą jaźń")
	if got, want := f.entry.Text, "Zażółć gęślą jaźń"; got != want {
		t.Fatalf("typed %q, want %q", got, want)
	}
	if f.kb.shift {
		t.Error("shift should be released after one letter")
	}
	if l := f.key(t, "a").label(); l != "a" {
		t.Errorf("label after shift = %q, want lower case", l)
	}
	if f.win.Canvas().Focused() != f.entry {
		t.Error("entry lost focus to the keyboard")
	}
}

func TestShiftShowsUpperCaseLabels(t *testing.T) {
	f := newFixture(t)
	f.tap(t, idShift)
	if !f.key(t, idShift).active() {
		t.Error("shift key not highlighted")
	}
	if l := f.key(t, "ż").label(); l != "Ż" {
		t.Errorf("Polish key label with shift = %q", l)
	}
	if l := f.key(t, "1").label(); l != "1" {
		t.Errorf("digit label with shift = %q", l)
	}
	f.tap(t, idShift) // second tap cancels
	f.typeText(t, "a")
	if f.entry.Text != "a" {
		t.Fatalf("got %q", f.entry.Text)
	}
}

func TestCapsLock(t *testing.T) {
	f := newFixture(t)
	f.tap(t, idCaps)
	f.typeText(t, "abc")
	f.tap(t, "ł")
	if f.entry.Text != "ABCŁ" {
		t.Fatalf("caps typed %q", f.entry.Text)
	}
	caps := f.key(t, idCaps)
	if !caps.active() || !f.kb.caps {
		t.Fatal("caps lock should stay on and be highlighted")
	}
	r := test.WidgetRenderer(caps).(*keyRenderer)
	if r.light.Hidden {
		t.Error("caps lock indicator not shown")
	}
	// Shift with Caps Lock on gives one lower-case letter.
	f.tap(t, idShift, "d", "e")
	f.tap(t, idCaps, "f")
	if f.entry.Text != "ABCŁdEf" {
		t.Fatalf("got %q", f.entry.Text)
	}
	if !r.light.Hidden {
		t.Error("caps lock indicator still shown")
	}
}

func TestBackspaceSpaceEnter(t *testing.T) {
	f := newFixture(t)
	submitted := ""
	f.entry.OnSubmitted = func(s string) { submitted = s }
	f.typeText(t, "ab c")
	f.tap(t, idBackspace, idBackspace)
	if f.entry.Text != "ab" {
		t.Fatalf("after backspace %q", f.entry.Text)
	}
	f.tap(t, idSpace, "-", "/", "?", ",", ".", idEnter)
	if submitted != "ab -/?,." {
		t.Fatalf("submitted %q", submitted)
	}
}

func TestDigitsPESEL(t *testing.T) {
	f := newFixture(t)
	f.kb.SetMode(Digits)
	for _, id := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", idBackspace, idEnter, idLetters} {
		f.key(t, id)
	}
	if f.kb.keyFor("a") != nil {
		t.Error("letter key in digits mode")
	}
	f.typeText(t, "440514013599")
	f.tap(t, idBackspace)
	if f.entry.Text != "44051401359" {
		t.Fatalf("PESEL typed as %q", f.entry.Text)
	}
	// Postal code on the pad.
	f.entry.SetText("")
	f.typeText(t, "00-950")
	if f.entry.Text != "00-950" {
		t.Fatalf("postal code typed as %q", f.entry.Text)
	}
	// ABC goes to the letter layout and 123 comes back.
	f.tap(t, idLetters)
	if f.kb.Mode() != Text {
		t.Fatalf("ABC switched to %v", f.kb.Mode())
	}
	f.tap(t, idDigits)
	if f.kb.Mode() != Digits {
		t.Fatalf("123 switched to %v", f.kb.Mode())
	}
}

func TestEmail(t *testing.T) {
	f := newFixture(t)
	f.kb.SetMode(Email)
	if f.kb.keyFor("ą") != nil {
		t.Error("Polish row should be replaced in email mode")
	}
	f.typeText(t, "jan.kowalski@gmina")
	f.tap(t, ".pl")
	if got := f.entry.Text; got != "jan.kowalski@gmina.pl" {
		t.Fatalf("email typed as %q", got)
	}
	f.tap(t, idBackspace, idBackspace, idBackspace, ".com", "_")
	if got := f.entry.Text; got != "jan.kowalski@gmina.com_" {
		t.Fatalf("got %q", got)
	}
	// Round trip through the numeric pad returns to the email layout.
	f.tap(t, idDigits, idLetters)
	if f.kb.Mode() != Email {
		t.Fatalf("ABC returned to %v, want email", f.kb.Mode())
	}
}

func TestLongPressSingleAlternative(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, "l")
	k.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	f.clock.advance(LongPressDuration)
	if f.entry.Text != "ł" { // typed while still held, as feedback
		t.Fatalf("after hold %q", f.entry.Text)
	}
	k.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	test.Tap(k)
	if f.entry.Text != "ł" {
		t.Fatalf("release typed again: %q", f.entry.Text)
	}
	// A plain tap afterwards types the base letter once.
	test.Tap(k)
	// A short press (down, up, tap) also types exactly once.
	f.longPress(t, "l", 100*time.Millisecond)
	if f.entry.Text != "łll" {
		t.Fatalf("got %q", f.entry.Text)
	}
	if f.win.Canvas().Focused() != f.entry {
		t.Error("entry lost focus")
	}
}

func TestLongPressDetectedOnRelease(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, "e")
	k.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	f.clock.t = f.clock.t.Add(time.Second) // timer late: not fired yet
	k.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	test.Tap(k)
	if f.entry.Text != "ę" {
		t.Fatalf("got %q", f.entry.Text)
	}
	f.clock.advance(0) // the stale timer must not fire
	if f.entry.Text != "ę" {
		t.Fatalf("stale timer typed: %q", f.entry.Text)
	}
}

func TestLongPressPopup(t *testing.T) {
	f := newFixture(t)
	f.longPress(t, "z", LongPressDuration)
	if f.entry.Text != "" {
		t.Fatalf("long-press with choices typed %q", f.entry.Text)
	}
	if f.kb.popup == nil || !f.kb.popup.Visible() {
		t.Fatal("no popup")
	}
	var offered []string
	for _, o := range f.kb.popup.Content.(*fyne.Container).Objects {
		offered = append(offered, o.(*key).label())
	}
	if len(offered) != 2 || offered[0] != "ż" || offered[1] != "ź" {
		t.Fatalf("offered %v", offered)
	}
	// The popup sits above the key, inside the window.
	pp := f.kb.popup.Content.Position()
	zp := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.key(t, "z"))
	if pp.Y >= zp.Y || pp.X < 0 {
		t.Errorf("popup at %v, key at %v", pp, zp)
	}
	f.tap(t, "ź")
	if f.entry.Text != "ź" {
		t.Fatalf("chose %q", f.entry.Text)
	}
	if f.kb.popup != nil {
		t.Error("popup not closed")
	}

	// Shift applies to the chosen alternative and is then released.
	f.tap(t, idShift)
	f.longPress(t, "z", 2*LongPressDuration)
	f.tap(t, "ż", "a")
	if f.entry.Text != "źŻa" {
		t.Fatalf("got %q", f.entry.Text)
	}
	if f.win.Canvas().Focused() != f.entry {
		t.Error("entry lost focus")
	}

	// Right click / mobile long-press (TappedSecondary) opens it too; a normal key closes it.
	test.TapSecondary(f.key(t, "z"))
	if f.kb.popup == nil {
		t.Fatal("no popup on secondary tap")
	}
	f.kb.hidePopup() // as if dismissed by tapping outside
	if f.win.Canvas().Focused() != f.entry {
		t.Error("entry lost focus after dismissing the popup")
	}
	f.tap(t, "x")
	if f.entry.Text != "źŻax" {
		t.Fatalf("got %q", f.entry.Text)
	}
}

func TestMouseOutCancelsLongPress(t *testing.T) {
	f := newFixture(t)
	k := f.key(t, "a")
	k.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	k.MouseOut()
	f.clock.advance(time.Second)
	if f.entry.Text != "" {
		t.Fatalf("got %q", f.entry.Text)
	}
}

func TestSetTargetNil(t *testing.T) {
	f := newFixture(t)
	f.kb.SetTarget(nil)
	f.typeText(t, "Ab ą")
	f.tap(t, idBackspace, idEnter, idCaps, idDigits, "5", idLetters)
	f.longPress(t, "l", time.Second)
	f.longPress(t, "z", time.Second)
	f.kb.SetMode(Email)
	f.tap(t, ".pl")
	if f.entry.Text != "" {
		t.Fatalf("detached keyboard typed %q", f.entry.Text)
	}
	f.kb.SetTarget(f.entry)
	f.tap(t, "q")
	if f.entry.Text != "Q" { // Caps Lock is still on
		t.Fatalf("got %q", f.entry.Text)
	}
}

func TestActivity(t *testing.T) {
	f := newFixture(t)
	n := 0
	f.kb.activity = func() { n++ } // what New(activity) sets
	f.tap(t, "a", idShift, idSpace, idBackspace)
	if n != 4 {
		t.Fatalf("activity called %d times, want 4", n)
	}
	f.longPress(t, "l", time.Second)
	if n != 5 {
		t.Fatalf("activity called %d times after long-press, want 5", n)
	}
}

func TestKeysAreNotFocusableAndPhysicalKeyboardWorks(t *testing.T) {
	f := newFixture(t)
	var o fyne.CanvasObject = f.key(t, "a")
	if _, ok := o.(fyne.Focusable); ok {
		t.Fatal("keys must not be focusable")
	}
	if _, ok := fyne.CanvasObject(f.kb).(fyne.Focusable); ok {
		t.Fatal("keyboard must not be focusable")
	}
	f.tap(t, "a")
	// A physical keyboard types into whatever has focus: still the entry.
	test.Type(f.win.Canvas().Focused(), "bc")
	f.tap(t, "d")
	if f.entry.Text != "abcd" {
		t.Fatalf("got %q", f.entry.Text)
	}
}

func TestKeySizes(t *testing.T) {
	f := newFixture(t)
	if w := f.kb.MinSize().Width; w > 1080 {
		t.Errorf("keyboard min width %v does not fit 1080", w)
	}
	for _, m := range []Mode{Text, Email, Digits} {
		f.kb.SetMode(m)
		for _, row := range f.kb.layoutFor(m) {
			for _, k := range row {
				s := k.Size()
				if s.Height < 60 || s.Width < 40 {
					t.Errorf("%v key %q is %v, too small", m, k.spec.id, s)
				}
				p := k.Position()
				if p.X < 0 || p.X+s.Width > f.kb.Size().Width {
					t.Errorf("%v key %q outside the keyboard", m, k.spec.id)
				}
			}
		}
	}
}

type bigText struct {
	fyne.Theme
	size float32
}

func (b bigText) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText {
		return b.size
	}
	return b.Theme.Size(n)
}

func TestLargeTextThemeMakesKeysBigger(t *testing.T) {
	test.NewTempApp(t)
	small := New(nil).MinSize()
	fyne.CurrentApp().Settings().SetTheme(bigText{test.Theme(), 20})
	big := New(nil).MinSize()
	if big.Height <= small.Height {
		t.Fatalf("large text %v not taller than %v", big, small)
	}
	if big.Width > 1080 {
		t.Errorf("large-text keyboard %v does not fit 1080", big)
	}
}

// At twice the kiosk's text size (44) the keyboard still fits a portrait screen: the keys
// share its width, ⌫ and ↵ stay on it, and the labels stay large. (It was 1,636 wide.)
func TestKeyboardFitsPortraitAtDoubleText(t *testing.T) {
	for _, size := range []float32{22, 30.8, 37.4, 44} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			for _, m := range []Mode{Text, Email, Digits} {
				f := newFixture(t) // a new app, with the test theme
				fyne.CurrentApp().Settings().SetTheme(bigText{test.Theme(), size})
				f.kb.SetMode(m)
				if w := f.kb.MinSize().Width; w > 1080 {
					t.Fatalf("%v keyboard at least %v wide", m, w)
				}
				f.win.Resize(fyne.NewSize(1080, f.entry.MinSize().Height+f.kb.MinSize().Height+40))
				if w := f.win.Canvas().Size().Width; w > 1080 {
					t.Fatalf("%v: window grew to %v", m, w)
				}
				for _, id := range []string{idBackspace, idEnter} {
					k := f.key(t, id)
					p := fyne.CurrentApp().Driver().AbsolutePositionForObject(k)
					if p.X < 0 || p.X+k.Size().Width > 1080 {
						t.Errorf("%v: %s spans x %v–%v, off the screen", m, id, p.X, p.X+k.Size().Width)
					}
				}
				for _, row := range f.kb.layoutFor(m) {
					for _, k := range row {
						ts := test.WidgetRenderer(k).(*keyRenderer).text.TextSize
						if k.spec.label != "" && ts < min(2*size, maxKeyText)*0.75 {
							t.Errorf("%v: key %q label %v, shrunk too far", m, k.spec.id, ts)
						}
					}
				}
				f.tap(t, "1", "2", idBackspace)
				if f.entry.Text != "1" {
					t.Errorf("%v: 1, 2, ⌫ typed %q", m, f.entry.Text)
				}
			}
		})
	}
}

func TestCapture(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode Mode
		th   fyne.Theme
		prep func(f *fixture)
	}{
		{"text", Text, theme.LightTheme(), nil},
		{"text-caps", Text, theme.LightTheme(), func(f *fixture) { f.tap(t, idCaps) }},
		{"text-dark", Text, theme.DarkTheme(), nil},
		{"popup", Text, theme.LightTheme(), func(f *fixture) { test.TapSecondary(f.key(t, "z")) }},
		{"digits", Digits, theme.LightTheme(), nil},
		{"email", Email, theme.LightTheme(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fyne.CurrentApp().Settings().SetTheme(tc.th)
			f.kb.SetMode(tc.mode)
			f.entry.SetText("Zażółć gęślą jaźń")
			if tc.prep != nil {
				tc.prep(f)
			}
			img := f.win.Canvas().Capture()
			if img.At(0, 0) == (color.RGBA{}) && img.Bounds().Dx() == 0 {
				t.Fatal("empty capture")
			}
			out, err := os.Create("/tmp/keyboard-" + tc.name + ".png")
			if err != nil {
				t.Skip("cannot write capture:", err)
			}
			defer out.Close()
			if err := png.Encode(out, img); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUkrainianLayout(t *testing.T) {
	f := newFixture(t)
	f.kb.SetMode(Ukrainian)
	f.typeText(t, "Сміття ґанок м'ята їжа є")
	if got, want := f.entry.Text, "Сміття ґанок м'ята їжа є"; got != want {
		t.Fatalf("typed %q, want %q", got, want)
	}
	if f.kb.keyFor("q") != nil {
		t.Error("Latin keys on the Ukrainian layout")
	}
	// ABC leads to the Latin letters (Polish ones included), АБВ back to Cyrillic.
	f.tap(t, idSpace, idLatin)
	f.typeText(t, "Dowód")
	f.tap(t, idCyrillic)
	f.typeText(t, "паспорт")
	if got, want := f.entry.Text, "Сміття ґанок м'ята їжа є Dowódпаспорт"; got != want {
		t.Fatalf("typed %q, want %q", got, want)
	}
	// The numeric pad returns to the alphabet it was opened from.
	f.tap(t, idLatin, idDigits, "1", idLetters)
	if m := f.kb.Mode(); m != ukrainianLatin {
		t.Fatalf("after the numeric pad, mode %v, want %v", m, ukrainianLatin)
	}
	f.tap(t, idCyrillic, idDigits)
	// The pad's way back is labelled with the alphabet it leads to.
	if got := f.kb.keyFor(idLetters).label(); got != "АБВ" {
		t.Errorf("the numeric pad opened from Cyrillic offers %q, want АБВ", got)
	}
	f.tap(t, idLetters)
	if m := f.kb.Mode(); m != Ukrainian {
		t.Fatalf("after the numeric pad, mode %v, want %v", m, Ukrainian)
	}
}

func TestUkrainianLongPressG(t *testing.T) {
	f := newFixture(t)
	f.kb.SetMode(Ukrainian)
	f.longPress(t, "г", LongPressDuration+time.Millisecond)
	if f.entry.Text != "ґ" {
		t.Fatalf("long-press г typed %q, want ґ", f.entry.Text)
	}
}

// Every letter layout is as wide and as tall as the Polish one, which sizes the keyboard:
// switching alphabets must not make keys narrower or push any off-screen.
func TestUkrainianLayoutsFitThePolishOne(t *testing.T) {
	for name, l := range map[string][][]keySpec{"ukrainian": ukrainianLayout, "ukrainian-latin": ukrainianLatinLayout} {
		if u, want := layoutUnits(l), layoutUnits(textLayout); u != want {
			t.Errorf("%s layout is %v units wide, the Polish one %v", name, u, want)
		}
		if len(l) > maxRows() {
			t.Errorf("%s layout has %d rows, the keyboard reserves %d", name, len(l), maxRows())
		}
	}
	// All 33 letters of the Ukrainian alphabet and the apostrophe have a key.
	keys := map[string]bool{}
	for _, r := range ukrainianLayout {
		for _, k := range r {
			keys[k.id] = true
		}
	}
	for _, r := range "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'" {
		if !keys[string(r)] {
			t.Errorf("no key for %q", r)
		}
	}
}

// A date pad offers the "." dates are written with, not "-".
func TestDateDigits(t *testing.T) {
	f := newFixture(t)
	f.kb.SetMode(DateDigits)
	for _, id := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", ".", idBackspace, idEnter, idLetters} {
		f.key(t, id)
	}
	if f.kb.keyFor("-") != nil {
		t.Error(`"-" on the date pad`)
	}
	f.typeText(t, "14.05.19444")
	f.tap(t, idBackspace)
	if f.entry.Text != "14.05.1944" {
		t.Fatalf("date typed as %q", f.entry.Text)
	}
	f.tap(t, idLetters)
	if f.kb.Mode() != Text {
		t.Fatalf("ABC from the date pad gave %v", f.kb.Mode())
	}
}
