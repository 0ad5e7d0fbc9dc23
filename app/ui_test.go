package app

import (
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/assets"
	"infomat/content"
	"infomat/kiosk/idle"
	"infomat/l10n"
	"infomat/search"
)

// fakeClock is the idle timer's clock in tests: time moves only when the test says so.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// Uptime is the monotonic clock on the same fake time.
func (c *fakeClock) Uptime() time.Duration { return c.now.Sub(fakeEpoch) }

// fakeEpoch is where the harness's clock starts: Monday 23 November 2026, 10:00, when the
// sample municipality's office is open (8:00–17:00).
var fakeEpoch = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// tapGap is the time a person takes between two taps in the harness: past the tap guard
// that holds back a double tap's second tap.
const tapGap = 500 * time.Millisecond

type harness struct {
	t     testing.TB
	ui    *UI
	win   fyne.Window
	clock *fakeClock
	loc   *l10n.Localizer
}

var defaultBundle *content.Bundle

func bundle(t testing.TB) *content.Bundle {
	t.Helper()
	if defaultBundle == nil {
		b, err := content.Load(assets.DefaultContent())
		if err != nil {
			t.Fatalf("embedded content: %v", err)
		}
		defaultBundle = b
	}
	return defaultBundle
}

// newHarness starts the UI on the embedded content in a portrait 1080×1920 test window.
func newHarness(t testing.TB) *harness {
	t.Helper()
	test.NewTempApp(t)
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: fakeEpoch}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1080, 1920))
	ui := New(w, Deps{Content: bundle(t), Loc: loc, Idle: idle.New(90*time.Second, clock.Now),
		Now: clock.Now, Uptime: clock.Uptime})
	ui.inline = true // printing finishes before tap returns: no polling, no races
	return &harness{t: t, ui: ui, win: w, clock: clock, loc: loc}
}

// found is a piece of visible text and where it sits on the canvas.
type found struct {
	text string
	pos  fyne.Position // centre, absolute
}

// texts lists every visible canvas.Text on screen, popups included.
func (h *harness) texts() []found { return h.textsWithin(nil) }

// textsWithin lists the visible texts inside objects that match within (all when nil).
func (h *harness) textsWithin(within func(fyne.CanvasObject) bool) []found {
	var out []found
	var walk func(o fyne.CanvasObject, at fyne.Position, in bool)
	walk = func(o fyne.CanvasObject, at fyne.Position, in bool) {
		if o == nil || !o.Visible() {
			return
		}
		in = in || within == nil || within(o)
		at = at.Add(o.Position())
		switch x := o.(type) {
		case *canvas.Text:
			if in {
				out = append(out, found{x.Text, at.Add(fyne.NewPos(x.Size().Width/2, x.Size().Height/2))})
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c, at, in)
			}
		case *markdown.Paragraph:
			rows := test.WidgetRenderer(x).Objects()
			if len(rows) == 0 && in && x.Text() != "" {
				// Scrolled out of sight, it draws nothing (touch.OffScreen); it is still the
				// screen's text, as speech reads it.
				out = append(out, found{x.Text(), at.Add(fyne.NewPos(x.Size().Width/2, x.Size().Height/2))})
			}
			for _, c := range rows {
				walk(c, at, in)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c, at, in)
			}
		}
	}
	c := h.win.Canvas()
	walk(c.Content(), fyne.Position{}, false)
	for _, o := range c.Overlays().List() {
		walk(o, fyne.Position{}, false)
	}
	return out
}

// has reports whether text is on screen, also when wrapping or highlighting split it over
// several canvas texts.
func (h *harness) has(text string) bool {
	var all []string
	for _, f := range h.texts() {
		all = append(all, f.text)
	}
	return strings.Contains(strings.Join(strings.Fields(strings.Join(all, " ")), " "), text)
}

func (h *harness) mustSee(text string) {
	h.t.Helper()
	if !h.has(text) {
		h.t.Fatalf("%q not on screen; screen has: %s", text, h.screenSummary())
	}
}

func (h *harness) mustNotSee(text string) {
	h.t.Helper()
	if h.has(text) {
		h.t.Fatalf("%q still on screen", text)
	}
}

func (h *harness) screenSummary() string {
	var s []string
	for _, f := range h.texts() {
		if strings.TrimSpace(f.text) != "" {
			s = append(s, f.text)
		}
	}
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Join(s, " | ")
}

// tap taps the first visible text that reads label exactly (possibly split over several
// runs by wrapping or highlighting), the way a finger would.
func (h *harness) tap(label string) {
	h.t.Helper()
	h.tapWithin(label, nil)
}

// tapKey taps a key of the on-screen keyboard.
func (h *harness) tapKey(label string) {
	h.t.Helper()
	h.tapWithin(label, func(o fyne.CanvasObject) bool { _, ok := o.(*keyboard.Keyboard); return ok })
}

func (h *harness) tapWithin(label string, within func(fyne.CanvasObject) bool) {
	h.t.Helper()
	size := h.win.Canvas().Size()
	fs := h.textsWithin(within)
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for i, f := range fs {
		if strings.TrimSpace(f.text) == "" || f.pos.X < 0 || f.pos.Y < 0 || f.pos.X >= size.Width || f.pos.Y >= size.Height {
			continue
		}
		joined := ""
		for j := i; j < len(fs) && len(joined) < len(label); j++ {
			joined = norm(joined + " " + fs[j].text)
		}
		if joined == label {
			h.clock.advance(tapGap)
			test.TapCanvas(h.win.Canvas(), f.pos)
			return
		}
	}
	h.t.Fatalf("nothing labelled %q to tap; screen has: %s", label, h.screenSummary())
}

func (h *harness) screenshot(name string) {
	dir := os.Getenv("INFOMAT_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, h.win.Canvas().Capture()); err != nil {
		h.t.Fatal(err)
	}
}

func TestNavigateToProcedureCardAndBack(t *testing.T) {
	h := newHarness(t)
	h.mustSee("Gmina Przykładowa")
	h.screenshot("home")
	h.tap("Sprawy urzędowe")
	h.mustSee("Meldunek")
	h.tap("Meldunek")
	h.tap("Zameldowanie na pobyt stały")
	for _, heading := range []string{"Kogo dotyczy ta sprawa", "Co przygotować", "Ile zapłacisz", "Ile będziesz czekać", "Gdzie to załatwisz", "Jak złożyć wniosek", "Co, jeśli się nie zgadzasz", "Podstawa prawna", "Metryczka", "Rejestr zmian"} {
		h.mustSee(heading)
	}
	h.screenshot("procedure")
	h.tap("Wstecz")
	h.mustSee("Zameldowanie na pobyt stały")
	h.mustNotSee("Co przygotować")
	h.tap("Start")
	h.mustSee("Dostępność")
	h.mustNotSee("Wstecz")
}

func TestEveryCategoryAndCardOpens(t *testing.T) {
	h := newHarness(t)
	b := bundle(t)
	for _, c := range b.Categories {
		for _, p := range b.ProceduresIn(c.ID) {
			h.ui.push(route{kind: procedureScreen, id: p.ID})
			h.mustSee(p.Title)
			h.mustSee("Metryczka")
			if len(p.Fees) > 0 {
				h.mustSee(p.Fees[0].Amount.String())
			} else {
				h.mustSee("Nic nie płacisz")
			}
			h.ui.home()
		}
	}
}

func TestBIPMenuPageAndMetryczka(t *testing.T) {
	h := newHarness(t)
	h.tap("Biuletyn (BIP)")
	h.mustSee("Dane podmiotu")
	h.mustSee("Prawo lokalne")
	h.tap("Dane podmiotu")
	h.tap("Dane kontaktowe i godziny pracy")
	h.tap("Dane kontaktowe Urzędu Gminy Przykładowa")
	h.mustSee("Godziny pracy")
	h.mustSee("Metryczka")
	h.mustSee("Wytworzył")
	h.mustSee("Rejestr zmian")
	h.mustSee("Nowe godziny pracy w poniedziałki")
	h.screenshot("bip-page")
	h.tap("Wstecz")
	h.tap("Wstecz")
	h.tap("Wstecz")
	h.mustSee("Prawo lokalne")
}

func TestEveryBIPPageOpens(t *testing.T) {
	h := newHarness(t)
	for _, p := range bundle(t).BIPPages {
		h.ui.push(route{kind: pageScreen, id: p.ID})
		h.mustSee(p.Title)
		h.mustSee("Metryczka")
		h.ui.home()
	}
}

func (h *harness) typeInSearch(text string) {
	h.t.Helper()
	e, ok := h.win.Canvas().Focused().(*widget.Entry)
	if !ok {
		h.t.Fatalf("search entry not focused")
	}
	test.Type(e, text)
}

func TestSearchAsYouTypeWithoutPolishLetters(t *testing.T) {
	h := newHarness(t)
	h.tap("Szukaj")
	h.mustSee("Zacznij pisać")
	h.typeInSearch("zaswiadczenie o zamel")
	h.mustSee("Zaświadczenie o zameldowaniu")
	h.mustSee("Znaleziono")
	h.screenshot("search")
	h.tap("Zaświadczenie o zameldowaniu")
	h.mustSee("Co przygotować")
	// Back returns to the results with the query kept.
	h.tap("Wstecz")
	h.mustSee("Zaświadczenie o zameldowaniu")
	if h.ui.query != "zaswiadczenie o zamel" {
		t.Fatalf("query after back = %q", h.ui.query)
	}
}

func TestSearchTypoAndNothingFound(t *testing.T) {
	h := newHarness(t)
	h.tap("Szukaj")
	h.typeInSearch("zameldowanei")
	h.mustSee("Zameldowanie na pobyt stały")
	e := h.win.Canvas().Focused().(*widget.Entry)
	e.SetText("qqqxxzz")
	h.mustSee("Nic nie znaleziono")
}

func TestSearchByOnScreenKeyboard(t *testing.T) {
	h := newHarness(t)
	h.tap("Szukaj")
	for _, k := range []string{"d", "o", "w", "ó", "d"} {
		h.tapKey(k)
	}
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "dowód" {
		t.Fatalf("typed %q", e.Text)
	}
	h.mustSee("Dowód osobisty")
}

// Back from a result the query is kept and the resident corrects it on the on-screen
// keyboard: the caret is at its end (it was at the start: ⌫ did nothing, letters went first).
func TestSearchCorrectedAfterBack(t *testing.T) {
	h := newHarness(t)
	h.tap("Szukaj")
	for _, k := range []string{"d", "o", "w", "ó", "d"} {
		h.tapKey(k)
	}
	h.tap("Karta Dużej Rodziny")
	h.tap("Wstecz")
	h.tapKey("⌫")
	h.tapKey("d")
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "dowód" {
		t.Fatalf("after Back, ⌫ and d the field holds %q, want %q", e.Text, "dowód")
	}
}

func TestSearchUkrainianKeyboard(t *testing.T) {
	h := newHarness(t)
	h.tap("Українська")
	h.tap("Пошук")
	h.mustSee("й")
	h.mustSee("ї")
	for _, k := range []string{"с", "м", "і", "т", "т", "я"} {
		h.tapKey(k)
	}
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "сміття" {
		t.Fatalf("typed %q", e.Text)
	}
	h.screenshot("search-uk")
	// The waste-fee card is among the first three results, and the first one opens.
	hits := h.ui.index().Search(h.ui.query, 3)
	found := false
	for _, hit := range hits {
		found = found || hit.Doc.ID == procedureDoc+"/deklaracja-oplata-za-odpady"
	}
	if !found {
		t.Fatalf("top hits for %q: %+v", h.ui.query, hits)
	}
	h.tap("Адміністративна справа") // the first result row (its long title is cut short)
	if r := h.ui.stack[len(h.ui.stack)-1]; r.kind != procedureScreen || procedureDoc+"/"+r.id != hits[0].Doc.ID {
		t.Fatalf("first result opened %+v, want %s", r, hits[0].Doc.ID)
	}
	// Back to the search in a Polish interface: the Polish layout again.
	h.tap("Назад")
	h.loc.SetLang(l10n.PL)
	h.mustSee("Znaleziono")
	h.mustSee("q")
	h.mustNotSee("й")
}

func TestSearchHighlightsMatchedWords(t *testing.T) {
	segs := highlight("Zaświadczenie o zameldowaniu", []search.Span{{Start: 0, End: 14}}, widget.RichTextStyleInline)
	if len(segs) != 2 {
		t.Fatalf("segments = %d, want 2", len(segs))
	}
	first := segs[0]
	if first.Text != "Zaświadczenie" || !first.Style.TextStyle.Bold {
		t.Fatalf("first segment = %q bold=%v", first.Text, first.Style.TextStyle.Bold)
	}
	if segs[1].Style.TextStyle.Bold {
		t.Fatal("unmatched text is bold")
	}
}

func TestLanguageSwitchFromHomeAtAnyMoment(t *testing.T) {
	h := newHarness(t)
	h.tap("English")
	h.mustSee("Office matters")
	h.mustNotSee("Sprawy urzędowe")
	h.tap("Office matters")
	h.tap("Address registration") // the sample's categories and this card are translated
	h.tap(enResidenceTitle)
	h.mustSee("What to bring")
	// Switch on the card itself, through the language screen.
	h.tap("Start")
	h.tap("Українська")
	h.mustSee("Адміністративні справи")
	h.tap("Język / Мова")
	h.tap("Polski")
	h.mustSee("Wybierz język ekranu")
	h.mustSee("✓ Polski")
}

func TestIdleWarningMoreTimeAndReset(t *testing.T) {
	h := newHarness(t)
	h.tap("English")
	h.tap("Office matters")
	h.tap("Address registration") // the sample's categories and this card are translated
	h.tap(enResidenceTitle)

	h.clock.advance(60 * time.Second)
	h.ui.Tick()
	h.mustNotSee("Are you still using the kiosk?")

	h.clock.advance(15 * time.Second) // 15 s left
	h.ui.Tick()
	h.mustSee("Are you still using the kiosk?")
	h.mustSee("In 15 seconds")
	h.screenshot("idle-warning")
	h.clock.advance(5 * time.Second)
	h.ui.Tick()
	h.mustSee("In 10 seconds")

	h.tap("More time")
	h.ui.Tick()
	h.mustNotSee("Are you still using the kiosk?")
	h.mustSee("What to bring")
	// "More time" gives the whole timeout again, far more than the 20 s required.
	h.clock.advance(69 * time.Second)
	h.ui.Tick()
	h.mustNotSee("Are you still using the kiosk?")

	h.clock.advance(25 * time.Second)
	h.ui.Tick()
	h.mustSee("Gmina Przykładowa")
	h.mustSee("Sprawy urzędowe") // back to Polish
	h.mustNotSee("What to bring")
	h.mustNotSee("Are you still using the kiosk?")
	if len(h.ui.stack) != 1 {
		t.Fatalf("stack after reset = %v", h.ui.stack)
	}
}

func TestIdleResetForgetsSearchAndLook(t *testing.T) {
	h := newHarness(t)
	h.tap("Dostępność")
	h.tap("Wysoki kontrast: wyłączony")
	h.tap("A+++")
	h.mustSee("Rozmiar tekstu: 200%")
	h.tap("Niższy układ: wyłączony")
	h.mustSee("Wysoki kontrast: włączony")
	h.screenshot("high-contrast")
	bg := fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight)
	if bg != black {
		t.Fatalf("high contrast background = %v", bg)
	}
	h.tap("Start")
	h.tap("Szukaj")
	h.typeInSearch("podatek")
	h.win.Clipboard().SetContent("podatek")
	h.clock.advance(2 * time.Minute)
	h.ui.Tick()
	h.mustSee("Gmina Przykładowa")
	if got := h.win.Clipboard().Content(); got != "" {
		t.Fatalf("clipboard survived reset: %q", got)
	}
	if len(h.win.Canvas().Overlays().List()) != 0 {
		t.Fatal("a popup survived reset")
	}
	if h.ui.query != "" || h.ui.look != (Look{}) {
		t.Fatalf("session state survived reset: query=%q look=%+v", h.ui.query, h.ui.look)
	}
	bg = fyne.CurrentApp().Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight)
	if bg != white {
		t.Fatalf("background after reset = %v", bg)
	}
	h.tap("Szukaj")
	if e := h.win.Canvas().Focused().(*widget.Entry); e.Text != "" {
		t.Fatalf("next resident sees %q in search", e.Text)
	}
}

func TestUntouchedHomeNeverWarns(t *testing.T) {
	h := newHarness(t)
	h.clock.advance(10 * time.Minute)
	h.ui.Tick()
	h.mustNotSee("Czy nadal korzystasz z kiosku?")
}

func TestTextSizesUpToTwice(t *testing.T) {
	normal := newTheme(Look{}, "").Size(theme.SizeNameText)
	prev := normal
	for i := 1; i < len(textScales); i++ {
		size := newTheme(Look{Text: TextSize(i)}, "").Size(theme.SizeNameText)
		if size <= prev {
			t.Errorf("text size %d: %v, not larger than the step before (%v)", i, size, prev)
		}
		prev = size
	}
	if prev != 2*normal {
		t.Errorf("largest text %v, want twice the normal %v", prev, normal)
	}
}

func TestDragScrollsProcedureCard(t *testing.T) {
	h := newHarness(t)
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	s := findObject[*touch.Scroll](h.win.Canvas().Content())
	if s == nil {
		t.Fatal("procedure card is not in a touch scroll")
	}
	// A finger drag upwards in the middle of the card moves the text up.
	test.Drag(h.win.Canvas(), fyne.NewPos(400, 900), 0, -500)
	if got := s.Offset(); got < 400 {
		t.Fatalf("offset after drag = %v, want ≈500", got)
	}
}

// A long card draws the paragraphs in view and none of those out of it (touch.OffScreen):
// Fyne rasterises every text it draws, seen or not. Whatever is in view is drawn, at the top,
// scrolled and at the end.
func TestCardDrawsWhatIsInView(t *testing.T) {
	h := newHarness(t)
	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"})
	s := findObject[*touch.Scroll](h.win.Canvas().Content())
	drv := fyne.CurrentApp().Driver()
	for _, at := range []float32{0, 700, 1e6} {
		s.ScrollTo(at)
		h.win.Canvas().Capture() // a frame: Fyne walks the tree as it paints
		view := drv.AbsolutePositionForObject(s)
		shown, culled := 0, 0
		h.walk(func(o fyne.CanvasObject) {
			p, ok := o.(*markdown.Paragraph)
			if !ok || p.Text() == "" {
				return
			}
			pos := drv.AbsolutePositionForObject(p)
			in := pos.Y < view.Y+s.Size().Height && pos.Y+p.Size().Height > view.Y
			drawn := len(test.WidgetRenderer(p).Objects()) > 0
			switch {
			case in && !drawn:
				t.Errorf("scrolled to %v: %q is in view but not drawn", at, p.Text())
			case !in && drawn:
				t.Errorf("scrolled to %v: %q is out of view but drawn", at, p.Text())
			case in:
				shown++
			default:
				culled++
			}
		})
		if shown == 0 || culled < shown/2 {
			t.Errorf("scrolled to %v: %d paragraphs drawn, %d culled; want a long card", at, shown, culled)
		}
	}
}

func TestHomeTargetsAreFingerSized(t *testing.T) {
	h := newHarness(t)
	var check func(o fyne.CanvasObject)
	n := 0
	check = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case fyne.Tappable:
			n++
			if sz := o.Size(); sz.Height < touch.TargetSize || sz.Width < touch.TargetSize {
				t.Errorf("tappable %T is %v, smaller than %v", x, sz, touch.TargetSize)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				check(c)
			}
		}
	}
	check(h.win.Canvas().Content())
	if n < 8 {
		t.Fatalf("only %d tappables on home", n)
	}
}

func TestDragScrollsSearchResults(t *testing.T) {
	h := newHarness(t)
	h.tap("Szukaj")
	h.typeInSearch("a")
	l := findObject[*touch.List](h.win.Canvas().Content())
	if l == nil {
		t.Fatal("results are not a touch list")
	}
	test.Drag(h.win.Canvas(), fyne.NewPos(400, 500), 0, -300)
	if got := l.Offset(); got < 250 {
		t.Fatalf("offset after drag = %v, want ≈300", got)
	}
}

// findObject returns the first object of type T in the container tree under o.
func findObject[T fyne.CanvasObject](o fyne.CanvasObject) T {
	var zero T
	if x, ok := o.(T); ok {
		return x
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			if x := findObject[T](child); any(x) != any(zero) {
				return x
			}
		}
	}
	return zero
}

// Each UI passes its own activity hook to its widgets: with package-level hooks the last UI
// built took every other UI's touches, so a resident dragging on one kept another's session
// alive and had their own reset under their finger.
func TestActivityReachesItsOwnUI(t *testing.T) {
	h := newHarness(t)
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	otherClock := &fakeClock{now: h.clock.now}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1080, 1920))
	other := New(w, Deps{Content: bundle(t), Loc: loc, Idle: idle.New(90*time.Second, otherClock.Now)})

	h.ui.push(route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"}) // a long card
	h.clock.advance(80 * time.Second)
	otherClock.advance(80 * time.Second)
	test.Drag(h.win.Canvas(), fyne.NewPos(400, 900), 0, -100) // read on with a finger
	if s, _ := h.ui.d.Idle.Poll(); s != idle.Active {
		t.Errorf("the dragged UI's session: %v, want active (the drag keeps it alive)", s)
	}
	if s, _ := other.d.Idle.Poll(); s != idle.Warning {
		t.Errorf("the other UI's session: %v, want warning (nobody touched it)", s)
	}
}

// Home's language row marks the language on screen (all three looked chosen).
func TestHomeMarksTheChosenLanguage(t *testing.T) {
	h := newHarness(t)
	importance := func(label string) widget.Importance {
		t.Helper()
		var imp widget.Importance = -1
		h.walk(func(o fyne.CanvasObject) {
			// touch's big buttons embed a widget.Button.
			v := reflect.ValueOf(o)
			if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
				return
			}
			f := v.Elem().FieldByName("Button")
			if !f.IsValid() || f.Type() != reflect.TypeOf(widget.Button{}) {
				return
			}
			if b := f.Addr().Interface().(*widget.Button); b.Text == label {
				imp = b.Importance
			}
		})
		if imp < 0 {
			t.Fatalf("no %q button on home", label)
		}
		return imp
	}
	if importance("Polski") != widget.HighImportance || importance("English") == widget.HighImportance {
		t.Fatal("home does not mark Polski as the language on screen")
	}
	h.tap("English")
	if importance("English") != widget.HighImportance || importance("Polski") == widget.HighImportance {
		t.Fatal("home does not mark English after switching to it")
	}
}

// BenchmarkOpenCard: a procedure card opened from its category's list and closed again
// (Wstecz), in the headless UI: building the card's widgets and laying the page out, which
// the kiosk does on the UI thread between a resident's tap and the next frame.
func BenchmarkOpenCard(b *testing.B) {
	h := newHarness(b)
	h.tap("Sprawy urzędowe")
	h.tap("Meldunek")
	for b.Loop() {
		h.tap("Zameldowanie na pobyt stały")
		h.tap("Wstecz")
	}
	h.mustSee("Zameldowanie na pobyt stały")
}
