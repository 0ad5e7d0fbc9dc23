package soak

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"infomat/app"
	"infomat/app/keyboard"
	"infomat/content"
	"infomat/l10n"
)

// action is one thing the simulated resident does.
type action int

const (
	actOpen   action = iota // tap something on screen that is not navigation: a category, a card, a BIP page, an attachment, a dialog's button
	actBack                 // "Wstecz"
	actHome                 // "Start"
	actSearch               // home → search → type a query (sometimes with a typo), sometimes on the on-screen keyboard
	actForm                 // a card's online form: start it, answer a few questions, leave it to the walk
	actLang                 // switch among Polish, English and Ukrainian
	actText                 // the accessibility screen: a text size
	actLook                 // the accessibility screen: high contrast or the lower layout
	actSpeech               // the accessibility screen: speech mode on or off
	actScroll               // drag the screen's body up or down
	actIdle                 // walk away: the idle warning, the reset, sometimes the attract loop
	numActions
)

var actionNames = [numActions]string{"open", "back", "home", "search", "form", "lang", "text", "look", "speech", "scroll", "idle"}

// weights is how often the resident does each action: mostly reading (open, back, scroll),
// with the rarer things a week of residents still does hundreds of times.
var weights = [numActions]int{
	actOpen: 40, actBack: 14, actHome: 6, actSearch: 8, actForm: 4, actLang: 5,
	actText: 4, actLook: 2, actSpeech: 1, actScroll: 6, actIdle: 4,
}

// queries are what residents type into search: whole words, prefixes, no Polish letters,
// typos, English and Ukrainian, and nonsense that finds nothing.
var queries = []string{
	"dowód", "dowod osobisty", "zameldowanie", "zameldowanei", "zaswiadczenie o zamel",
	"podatek", "podatek od nieruchomosci", "odpady", "smieci", "śmieci", "ślub", "slub",
	"akt urodzenia", "akt urodzneia", "meldunek", "wymeldowanie", "godziny pracy", "rada gminy",
	"uchwała", "ogłoszenie", "przetarg", "ID card", "residence", "паспорт", "реєстрація",
	"qqqxxzz", "a", "pies", "psa", "dotacja", "wycinka drzew", "wycinka drzwe",
}

// answers are typed into a form's questions; wrong ones keep the wizard on its question with
// an error, which is a path worth walking too.
var answers = []string{"Zażółć", "Gęślą", "44051401359", "ul. Polna 5 m. 2", "99-150", "01.11.2026", "x", "12345", ""}

// clock is the fake time the UI's idle timer, uptime and opening hours run on: it moves only
// when the resident acts or walks away, so a week passes in minutes.
type clock struct{ now time.Time }

// epoch is Monday 23 November 2026, 10:00, when the sample office is open.
var epoch = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Uptime() time.Duration   { return c.now.Sub(epoch) }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

// think is a resident's pause between two actions: 1–8 s, well inside the idle timeout.
func (c *clock) think(r *rand.Rand) {
	c.advance(time.Second + time.Duration(r.Int64N(int64(7*time.Second))))
}

// tapGap is at least the time between two taps: past the tap guard, which holds back the
// second tap of a double tap.
const tapGap = 500 * time.Millisecond

// resident drives one UI through its window, with taps where a finger would land.
type resident struct {
	ui    *app.UI
	win   fyne.Window
	loc   *l10n.Localizer
	clk   *clock
	rng   *rand.Rand
	forms []string // cards with an online form
	done  [numActions]int
}

// target is something a finger can hit on screen.
type target struct {
	text string
	pos  fyne.Position // its centre, absolute
	key  bool          // a key of the on-screen keyboard
}

// targets lists the tappable objects on screen: on the topmost popup when one is open (it
// covers the screen), else on the window's content; only what lies inside the window.
func (r *resident) targets() []target {
	c := r.win.Canvas()
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	size := c.Size()
	var out []target
	var walk func(o fyne.CanvasObject, at fyne.Position, key bool)
	walk = func(o fyne.CanvasObject, at fyne.Position, key bool) {
		if o == nil || !o.Visible() {
			return
		}
		at = at.Add(o.Position())
		if _, ok := o.(*keyboard.Keyboard); ok {
			key = true
		}
		if _, ok := o.(fyne.Tappable); ok {
			s := o.Size()
			centre := at.Add(fyne.NewPos(s.Width/2, s.Height/2))
			if centre.X > 0 && centre.Y > 0 && centre.X < size.Width && centre.Y < size.Height {
				out = append(out, target{text: strings.Join(strings.Fields(objectText(o)), " "), pos: centre, key: key})
			}
		}
		for _, child := range children(o) {
			walk(child, at, key)
		}
	}
	walk(root, fyne.Position{}, false)
	return out
}

// children are the objects drawn inside o.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch v := o.(type) {
	case *fyne.Container:
		return v.Objects
	case *container.Scroll:
		return []fyne.CanvasObject{v.Content}
	case fyne.Widget:
		if rd := test.WidgetRenderer(v); rd != nil {
			return rd.Objects()
		}
	}
	return nil
}

// objectText joins the texts drawn inside o.
func objectText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *canvas.Text:
			b.WriteString(v.Text + " ")
			return
		case *widget.Entry:
			b.WriteString(v.Text + " ")
			return
		}
		for _, child := range children(o) {
			walk(child)
		}
	}
	walk(o)
	return b.String()
}

// tap lands a finger on t after the resident's think time.
func (r *resident) tap(t target) {
	r.clk.advance(tapGap)
	test.TapCanvas(r.win.Canvas(), t.pos)
}

// tapText taps a target whose text is exactly text (or, with prefix, starts with it);
// false when there is none.
func (r *resident) tapText(text string, prefix bool) bool {
	for _, t := range r.targets() {
		if t.text == text || prefix && strings.HasPrefix(t.text, text) {
			r.tap(t)
			return true
		}
	}
	return false
}

// tapAny taps one of the targets whose text is one of texts, at random.
func (r *resident) tapAny(texts ...string) bool {
	var hits []target
	for _, t := range r.targets() {
		for _, s := range texts {
			if t.text == s {
				hits = append(hits, t)
			}
		}
	}
	if len(hits) == 0 {
		return false
	}
	r.tap(hits[r.rng.IntN(len(hits))])
	return true
}

// navigation is the text of the bars' buttons, which actOpen leaves to actBack, actHome and
// actLang.
func (r *resident) navigation() map[string]bool {
	nav := map[string]bool{r.loc.T("nav.back"): true, r.loc.T("nav.home"): true}
	for _, l := range l10n.Languages {
		nav[l.Name()] = true
	}
	for _, s := range []string{"PL", "EN", "УКР"} {
		nav[s] = true
	}
	return nav
}

// atHome reports whether the home screen's own buttons are on screen.
func (r *resident) atHome() bool {
	for _, t := range r.targets() {
		if strings.HasPrefix(t.text, r.loc.T("home.access")) {
			return true
		}
	}
	return false
}

func (r *resident) toHome() {
	for range 4 {
		if r.atHome() {
			return
		}
		if !r.tapText(r.loc.T("nav.home"), false) {
			// A popup (a form's "leave?", the idle warning) or the attract loop: any tap.
			if !r.tapAny(r.loc.T("form.leave.drop"), r.loc.T("idle.more")) {
				if ts := r.targets(); len(ts) > 0 {
					r.tap(ts[r.rng.IntN(len(ts))])
				}
			}
			continue
		}
		r.tapText(r.loc.T("form.leave.drop"), false)
	}
}

// pick chooses the next action by weight.
func (r *resident) pick() action {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.rng.IntN(total)
	for a, w := range weights {
		if n < w {
			return action(a)
		}
		n -= w
	}
	return actOpen
}

// step does one action and lets the UI tick, as the kiosk does every second.
func (r *resident) step() {
	a := r.pick()
	r.done[a]++
	r.clk.think(r.rng)
	switch a {
	case actOpen:
		r.open()
	case actBack:
		if !r.tapText(r.loc.T("nav.back"), false) {
			r.open()
		}
	case actHome:
		if !r.tapText(r.loc.T("nav.home"), false) {
			r.open()
		}
	case actSearch:
		r.search()
	case actForm:
		r.form()
	case actLang:
		if !r.tapAny("PL", "EN", "УКР", l10n.PL.Name(), l10n.EN.Name(), l10n.UK.Name()) {
			r.open()
		}
	case actText:
		r.access(func() bool { return r.tapAny("A", "A+", "A++", "A+++") })
	case actLook:
		r.access(func() bool {
			label := r.loc.T("access.contrast")
			if r.rng.IntN(2) == 0 {
				label = r.loc.T("access.lower")
			}
			return r.tapText(label+":", true)
		})
	case actSpeech:
		r.access(func() bool {
			return r.tapAny(r.loc.T("speech.access.on"), r.loc.T("speech.access.off"))
		})
	case actScroll:
		dy := float32(-300 - r.rng.IntN(600))
		if r.rng.IntN(3) == 0 {
			dy = -dy
		}
		test.Drag(r.win.Canvas(), fyne.NewPos(540, 1100), 0, dy)
	case actIdle:
		r.walkAway()
	}
	r.ui.Tick()
}

// open taps something on screen that is not navigation, at random: the resident reads on.
func (r *resident) open() {
	nav := r.navigation()
	var ts []target
	for _, t := range r.targets() {
		if !nav[t.text] && !t.key {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		r.tapText(r.loc.T("nav.back"), false)
		return
	}
	r.tap(ts[r.rng.IntN(len(ts))])
}

// search types a query on the search screen, the way residents do: mostly on the on-screen
// keyboard's letters is too slow to simulate thousands of times, so most queries arrive as
// typed runes, and a few key by key.
func (r *resident) search() {
	r.toHome()
	if !r.tapText(r.loc.T("home.search"), false) {
		r.open()
		return
	}
	q := queries[r.rng.IntN(len(queries))]
	if r.rng.IntN(5) == 0 {
		for _, k := range strings.Split(q, "") {
			r.tapKey(k)
		}
	} else if e, ok := r.win.Canvas().Focused().(*widget.Entry); ok {
		test.Type(e, q)
	}
	if r.rng.IntN(2) == 0 {
		r.open() // a result, most likely
	}
}

// tapKey taps the on-screen keyboard's key for k, when there is one.
func (r *resident) tapKey(k string) {
	for _, t := range r.targets() {
		if t.key && t.text == k {
			r.tap(t)
			return
		}
	}
}

// form starts a card's online form and answers a few questions; leaving it (Back, Start, the
// idle reset, with or without the "leave?" question) is left to the walk.
func (r *resident) form() {
	if !r.tapText(r.loc.T("card.apply"), false) {
		if len(r.forms) == 0 || !r.ui.Show("card", r.forms[r.rng.IntN(len(r.forms))], 0) {
			r.open()
			return
		}
		if !r.tapText(r.loc.T("card.apply"), false) {
			return
		}
	}
	if !r.tapText(r.loc.T("form.start"), false) {
		return
	}
	for range r.rng.IntN(6) {
		if e, ok := r.win.Canvas().Focused().(*widget.Entry); ok {
			e.SetText("")
			test.Type(e, answers[r.rng.IntN(len(answers))])
		} else {
			r.open() // a choice
		}
		r.clk.think(r.rng)
		if !r.tapText(r.loc.T("form.next"), false) {
			return
		}
	}
}

// access opens the accessibility screen from home and does choose there.
func (r *resident) access(choose func() bool) {
	r.toHome()
	if !r.tapText(r.loc.T("home.access"), true) {
		r.open()
		return
	}
	if !choose() {
		r.open()
	}
}

// walkAway leaves the kiosk: the idle warning comes, then the reset; now and then the
// screen stays untouched long enough for the attract loop, which the next tap wakes.
func (r *resident) walkAway() {
	r.clk.advance(80 * time.Second)
	r.ui.Tick() // the warning (not on an untouched home screen)
	r.clk.advance(15 * time.Second)
	r.ui.Tick() // the reset
	if r.rng.IntN(3) == 0 {
		r.clk.advance(attractAfter + time.Duration(r.rng.IntN(3600))*time.Second)
		r.ui.Tick() // the attract loop
		r.ui.Tick()
	}
}

// attractAfter is the kiosk's default wait before the attract loop.
const attractAfter = 3 * time.Minute

// submitter accepts every form and keeps nothing: the soak walks forms, it does not file
// them (the outbox has soak tests of its own).
type submitter struct{}

func (submitter) Submit(context.Context, *content.Procedure, content.Answers) (string, time.Time, error) {
	return "SOAK-0000-00", epoch, nil
}

// speaker is speech mode with no sound card.
type speaker struct{}

func (speaker) Say(lang, text string) {}
func (speaker) Stop()                 {}
func (speaker) SetRate(int)           {}
func (speaker) SetVolume(int)         {}
func (speaker) Cue(string)            {}
