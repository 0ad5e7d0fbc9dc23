package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"infomat/content"
	"infomat/l10n"
)

// posOf is where the first visible text reading label sits, for tapping the same spot again
// once the screen has changed.
func (h *harness) posOf(label string) fyne.Position {
	h.t.Helper()
	for _, f := range h.texts() {
		if f.text == label {
			return f.pos
		}
	}
	h.t.Fatalf("no %q on screen: %s", label, h.screenSummary())
	return fyne.Position{}
}

// tapAt taps a spot of the canvas at the clock's current time.
func (h *harness) tapAt(p fyne.Position) { test.TapCanvas(h.win.Canvas(), p) }

// A double tap (two taps 120 ms apart) on a home tile opened the tile and then whatever lay
// at the same spot of the next screen: two levels deep. A tap that soon after a screen
// change is held back; a deliberate tap later works.
func TestDoubleTapOnHomeTileOpensOneLevel(t *testing.T) {
	h := newHarness(t)
	spot := h.posOf("Sprawy urzędowe")
	h.clock.advance(time.Second)
	h.tapAt(spot)
	h.mustSee("Meldunek")
	if n := len(h.ui.stack); n != 2 {
		t.Fatalf("after one tap %d screens deep, want 2", n)
	}
	h.clock.advance(120 * time.Millisecond)
	h.tapAt(spot)
	if n := len(h.ui.stack); n != 2 {
		t.Fatalf("the double tap's second tap went through: %d screens deep (%s)", n, h.screenSummary())
	}
	h.clock.advance(280 * time.Millisecond) // 400 ms after the screen changed
	h.tapAt(spot)
	if n := len(h.ui.stack); n != 3 {
		t.Fatalf("a tap 400 ms after the change was held back: %d screens deep", n)
	}
}

func TestHomeShowsTodaysHours(t *testing.T) {
	h := newHarness(t) // Monday 10:00
	h.mustSee("Dziś: 8:00–17:00, otwarte do 17:00")
	h.mustSee("wtorek–czwartek: 7:30–15:30")
	h.tap("English")
	h.mustSee("Today: 8:00–17:00, open until 17:00")
	h.mustSee("Tuesday–Thursday: 7:30–15:30")
	h.tap("Українська")
	h.mustSee("Сьогодні: 8:00–17:00, відчинено до 17:00")
	h.mustSee("вівторок–четвер: 7:30–15:30")
	h.tap("Polski")
	h.clock.now = time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC) // Saturday
	h.ui.render()
	h.mustSee("Dziś zamknięte, otwieramy w poniedziałek o 8:00")
	h.mustNotSee("otwarte do")
}

// Home left on screen through closing time says so without a touch.
func TestHomeHoursFollowTheClock(t *testing.T) {
	h := newHarness(t)
	h.clock.now = time.Date(2026, 11, 23, 16, 59, 0, 0, time.UTC)
	h.ui.render()
	h.mustSee("otwarte do 17:00")
	h.clock.advance(2 * time.Minute)
	h.ui.Tick()
	h.mustSee("Dziś: 8:00–17:00, zamknięte, otwieramy jutro o 7:30")
}

func TestTodayHoursInEveryLanguage(t *testing.T) {
	h := newHarness(t)
	hours := bundle(t).Municipality.Hours
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC) }
	for _, c := range []struct {
		t          time.Time
		pl, en, uk string
	}{
		{at(23, 10, 0), "Dziś: 8:00–17:00, otwarte do 17:00", "Today: 8:00–17:00, open until 17:00", "Сьогодні: 8:00–17:00, відчинено до 17:00"},
		{at(24, 7, 0), "Dziś: 7:30–15:30, zamknięte, otwieramy o 7:30", "Today: 7:30–15:30, closed, opens at 7:30", "Сьогодні: 7:30–15:30, зачинено, відчиняємо о 7:30"},
		{at(23, 17, 30), "Dziś: 8:00–17:00, zamknięte, otwieramy jutro o 7:30", "Today: 8:00–17:00, closed, opens tomorrow at 7:30", "Сьогодні: 8:00–17:00, зачинено, відчиняємо завтра о 7:30"},
		{at(27, 15, 0), "Dziś: 7:30–14:00, zamknięte, otwieramy w poniedziałek o 8:00", "Today: 7:30–14:00, closed, opens on Monday at 8:00", "Сьогодні: 7:30–14:00, зачинено, відчиняємо у понеділок о 8:00"},
		{at(29, 12, 0), "Dziś zamknięte, otwieramy jutro o 8:00", "Closed today, opens tomorrow at 8:00", "Сьогодні зачинено, відчиняємо завтра о 8:00"},
	} {
		for lang, want := range map[l10n.Lang]string{l10n.PL: c.pl, l10n.EN: c.en, l10n.UK: c.uk} {
			tr := func(id string, args ...any) string { return h.loc.In(lang, id, args...) }
			if got := todayHours(tr, hours, c.t); got != want {
				t.Errorf("%s %s: %q, want %q", lang, c.t.Format("Mon 15:04"), got, want)
			}
		}
	}
	tr := func(id string, args ...any) string { return h.loc.In(l10n.PL, id, args...) }
	if got := todayHours(tr, []content.Hours{{Days: "w dni robocze", Open: "08:00", Close: "16:00"}}, at(23, 10, 0)); got != "" {
		t.Errorf("unreadable days claimed %q", got)
	}
	if got := weekHours(tr, []content.Hours{{Days: "w dni robocze", Open: "08:00", Close: "16:00"}}); got != "w dni robocze: 8:00–16:00" {
		t.Errorf("unreadable days not shown as written: %q", got)
	}
	// Every day has its names in every language (the messages are built from weekday names).
	for _, lang := range l10n.Languages {
		for d := time.Sunday; d <= time.Saturday; d++ {
			for _, id := range []string{"lobby.day." + weekdayKey(d), "lobby.on." + weekdayKey(d)} {
				if got := h.loc.In(lang, id); got == id {
					t.Errorf("%s: no message %q", lang, id)
				}
			}
		}
	}
}

// attractHarness is a harness whose kiosk shows the attract loop after 60 s of quiet.
func attractHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.ui.d.AttractAfter = 60 * time.Second
	return h
}

func (h *harness) attracting() bool { return h.ui.attract != nil && h.has("Touch the screen to start") }

// After the idle reset and a further quiet minute the kiosk shows the attract loop: "touch to
// start" in every language, today's hours and the newest announcements, going round slowly.
func TestAttractAfterIdleResetAndQuiet(t *testing.T) {
	h := attractHarness(t)
	h.tap("Sprawy urzędowe")
	h.tap("Meldunek")
	h.clock.advance(91 * time.Second)
	h.ui.Tick() // the idle reset
	h.mustSee("Sprawy urzędowe")
	h.clock.advance(59 * time.Second)
	h.ui.Tick()
	if h.attracting() {
		t.Fatal("attract loop 59 s after the reset, want 60")
	}
	h.clock.advance(time.Second)
	h.ui.Tick()
	if !h.attracting() {
		t.Fatalf("no attract loop 60 s after the reset: %s", h.screenSummary())
	}
	h.screenshot("attract")
	for _, s := range []string{"Dotknij ekranu, aby zacząć", "Touch the screen to start", "Торкніться екрана, щоб почати",
		"Godziny pracy urzędu", "Dziś: 8:00–17:00, otwarte do 17:00", "Najnowsze ogłoszenia", "19.11.2026",
		"Zawiadomienie o XXVIII sesji Rady Gminy Przykładowa"} {
		h.mustSee(s)
	}
	h.mustNotSee("Sprawy urzędowe")

	// Frames change every few seconds: the next announcement, the hours in the next language,
	// the block a little higher or lower (no still picture all night).
	y0 := h.posOf("Touch the screen to start").Y
	for range attractFrame - 1 {
		h.clock.advance(time.Second)
		h.ui.Tick()
	}
	h.mustSee("Zawiadomienie o XXVIII sesji")
	h.clock.advance(time.Second)
	h.ui.Tick()
	h.mustSee("Today: 8:00–17:00, open until 17:00")
	h.mustSee("Zamknięcie drogi gminnej w Żółkiewce Dolnej")
	h.mustNotSee("Zawiadomienie o XXVIII sesji")
	if y1 := h.posOf("Touch the screen to start").Y; y1 == y0 {
		t.Errorf("the loop's block stayed at y=%v from one frame to the next", y0)
	}
	for range 2 * attractFrame {
		h.ui.Tick()
	}
	h.mustSee("Dziś: 8:00–17:00")
	if !h.attracting() {
		t.Fatal("the loop stopped by itself")
	}
}

// The first touch only wakes the kiosk: a tap where a home tile lies beneath shows a fresh
// home and opens nothing, and a double tap does not open the tile either.
func TestAttractFirstTouchOnlyWakes(t *testing.T) {
	h := attractHarness(t)
	spot := h.posOf("Sprawy urzędowe")
	h.clock.advance(60 * time.Second)
	h.ui.Tick()
	if !h.attracting() {
		t.Fatal("no attract loop after a quiet minute on home")
	}
	h.tapAt(spot)
	if h.ui.attract != nil || len(h.ui.stack) != 1 {
		t.Fatalf("after the waking tap: attract %v, %d screens deep", h.ui.attract != nil, len(h.ui.stack))
	}
	h.mustSee("Sprawy urzędowe")
	h.mustNotSee("Touch the screen to start")
	h.clock.advance(120 * time.Millisecond)
	h.tapAt(spot)
	if len(h.ui.stack) != 1 {
		t.Fatalf("a double tap on the attract loop opened the tile beneath: %s", h.screenSummary())
	}
	h.clock.advance(400 * time.Millisecond)
	h.tapAt(spot)
	h.mustSee("Meldunek") // the spot is the tile: a deliberate tap opens it

	// Awake, the loop waits for a full quiet period again.
	h.ui.home()
	h.clock.advance(59 * time.Second)
	h.ui.Tick()
	if h.attracting() {
		t.Fatal("attract loop again before a quiet minute")
	}
}

func TestAttractWakesOnADrag(t *testing.T) {
	h := attractHarness(t)
	h.clock.advance(61 * time.Second)
	h.ui.Tick()
	if !h.attracting() {
		t.Fatal("no attract loop")
	}
	test.Drag(h.win.Canvas(), fyne.NewPos(500, 900), 0, -200)
	if h.ui.attract != nil {
		t.Fatal("a swipe did not wake the kiosk")
	}
	h.mustSee("Sprawy urzędowe")
}

// A touch on home restarts the quiet period; a resident somewhere else is never interrupted;
// AttractAfter 0 turns the loop off.
func TestAttractOnlyOnAQuietHome(t *testing.T) {
	h := attractHarness(t)
	h.clock.advance(50 * time.Second)
	h.tap("Polski")
	h.clock.advance(50 * time.Second)
	h.ui.Tick()
	if h.attracting() {
		t.Fatal("attract loop 50 s after a touch")
	}
	h.clock.advance(10 * time.Second)
	h.ui.Tick()
	if !h.attracting() {
		t.Fatal("no attract loop 60 s after the last touch")
	}

	h = attractHarness(t)
	h.tap("Szukaj")
	h.clock.advance(65 * time.Second)
	h.ui.Tick()
	if h.ui.attract != nil {
		t.Fatal("attract loop over a resident's screen")
	}

	h = newHarness(t)
	h.clock.advance(time.Hour)
	h.ui.Tick()
	h.ui.Tick()
	if h.ui.attract != nil {
		t.Fatal("attract loop with AttractAfter 0")
	}
}

// A service card presented to a kiosk in its attract loop reaches the PIN screen.
func TestServiceCardEndsAttract(t *testing.T) {
	h := attractHarness(t)
	withService(t, h)
	h.clock.advance(61 * time.Second)
	h.ui.Tick()
	if !h.attracting() {
		t.Fatal("no attract loop")
	}
	h.ui.CardPresented(serviceCard)
	if h.ui.attract != nil || h.ui.current().kind != pinScreen {
		t.Fatalf("service card during the attract loop: %s", h.screenSummary())
	}
}

func TestLatestNewsNewestFirst(t *testing.T) {
	got := latestNews(bundle(t), 3)
	var titles []string
	for _, p := range got {
		titles = append(titles, p.Record.PublishedOn.String())
	}
	want := []string{"19.11.2026", "06.11.2026", "03.11.2026"}
	if len(titles) != len(want) {
		t.Fatalf("latest news %v, want dates %v", titles, want)
	}
	for i := range want {
		if titles[i] != want[i] {
			t.Fatalf("latest news dates %v, want %v", titles, want)
		}
	}
}
