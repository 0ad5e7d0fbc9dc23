package app

import (
	"image"
	"image/color"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/l10n"
)

// Speech mode, after EZ Access: a keypad (up, down, select, back, help) moves a visible focus
// through everything on the screen in reading order and the kiosk says each thing aloud; in
// the same mode a touch says what is under the finger and a double tap activates it. Any
// keypad key, or headphones plugged in, starts it, so a blind resident needs no sight to
// begin; the idle reset ends it.
type speechState struct {
	on     bool
	rate   int // index into speechRates
	volume int // index into speechVolumes

	// focus is the first object of the focused element; at its place in the list, for a
	// screen drawn again (its objects are new, its place the same).
	focus fyne.CanvasObject
	at    int
	spot  fyne.Position // the centre of the focused element on screen
	under underPopup    // the screen's focus while a popup is open
	said  string        // what the focused element said when it was focused
	heard place         // the screen whose title was said: a redraw of it is no arrival
	// start is where reading begins on arrival (the screen's heading), so Down goes into the
	// screen rather than through the bar first.
	start fyne.CanvasObject

	spoken  map[fyne.CanvasObject]spoken // words of their own, for this screen's objects
	pending string                       // said after the next redraw instead of the focus
	intro   string                       // said before the title on the next arrival
	title   string                       // the screen's title, as arrival says it
	// arrive, when a screen sets it, is said on arrival instead of the title (a form's
	// question: the form's title is the same on every step).
	arrive string

	// private: keys typed here are echoed as a tone, not said (the service PIN; an
	// identifier while no headphones are in).
	private bool
	// typeInto is the screen's text field, for letters typed on a full keyboard in speech
	// mode (the field itself is not focused then: the keypad's keys must reach the kiosk).
	typeInto keyboard.Target

	layer      *speechLayer // the window's layer: focus ring and touch-to-hear
	headphones bool         // what Headphones said last
	prompted   time.Duration
	promptLang int
}

// DefaultSpeechPrompt is how often the kiosk says how to start speech mode, unless set.
const DefaultSpeechPrompt = 60 * time.Second

func (u *UI) initSpeech() {
	u.sp = speechState{rate: defaultRate, volume: defaultVolume, at: -1, spoken: map[fyne.CanvasObject]spoken{}}
	if u.d.Keypad.Up == nil && u.d.Keypad.Down == nil && u.d.Keypad.Select == nil {
		u.d.Keypad = DefaultKeypad
	}
	c := u.win.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) { u.keypad(u.d.Keypad.action(ev.Name, 0)) })
	c.SetOnTypedRune(func(r rune) {
		a := u.d.Keypad.action("", r)
		if a == keyNone && u.sp.on && u.sp.typeInto != nil && unicode.IsPrint(r) {
			// A full keyboard used as the keypad: its letters go into the field on screen.
			u.activity()
			u.sp.typeInto.TypedRune(r)
			if u.sp.private {
				u.cue(CueKey)
			} else {
				u.say(u.keyName(keyboard.Item{ID: string(r), Label: string(r)}))
			}
			return
		}
		u.keypad(a)
	})
}

// say says text in the language on screen.
// sayEl says an element, in its own voice if it has one.
func (u *UI) sayEl(e element) {
	if e.lang != "" && u.d.Speaker != nil {
		u.d.Speaker.Say(e.lang, e.say())
		return
	}
	u.say(e.say())
}

func (u *UI) say(text string) {
	if u.d.Speaker != nil && text != "" {
		u.d.Speaker.Say(string(u.d.Loc.Lang()), text)
	}
}

func (u *UI) cue(name string) {
	if u.d.Speaker != nil {
		u.d.Speaker.Cue(name)
	}
}

// hush stops speech: the resident acted.
func (u *UI) hush() {
	if u.d.Speaker != nil && u.sp.on {
		u.d.Speaker.Stop()
	}
}

// startSpeech turns speech mode on with a short spoken introduction.
func (u *UI) startSpeech(intro string) {
	if u.sp.on {
		return
	}
	u.sp.on = true
	u.sp.intro = intro
	u.sp.heard = place{step: -2} // the screen on show is an arrival
	if u.d.Speaker != nil {
		u.d.Speaker.SetRate(speechRates[u.sp.rate])
		u.d.Speaker.SetVolume(speechVolumes[u.sp.volume])
	}
	if u.showingAttract() {
		u.attract = nil
	}
	u.render()
}

// stopSpeech turns speech mode off (the accessibility screen, or the end of the session).
func (u *UI) stopSpeech() {
	if u.d.Speaker != nil {
		u.d.Speaker.Stop()
	}
	u.sp.on, u.sp.focus, u.sp.at, u.sp.pending, u.sp.intro = false, nil, -1, "", ""
}

// resetSpeech puts speech back as a new resident finds it: off, normal rate and volume.
func (u *UI) resetSpeech() {
	u.stopSpeech()
	u.sp.rate, u.sp.volume = defaultRate, defaultVolume
	if u.d.Speaker != nil {
		u.d.Speaker.SetRate(speechRates[u.sp.rate])
		u.d.Speaker.SetVolume(speechVolumes[u.sp.volume])
	}
}

// announce has speech say text after the coming redraw (a validation error the moment it
// appears, a print result); nothing when speech is off.
func (u *UI) announce(text string) {
	if u.sp.on {
		u.sp.pending = text
	}
}

// withLayer puts the speech layer over a screen: the focus ring, and in speech mode the
// surface that turns touches into touch-to-hear.
func (u *UI) withLayer(content fyne.CanvasObject) fyne.CanvasObject {
	u.sp.layer = newSpeechLayer(u)
	if (u.d.Trace != nil || u.d.FirstFrame != nil) && !u.drawnSeen {
		return container.NewStack(content, u.sp.layer, u.drawnProbe())
	}
	return container.NewStack(content, u.sp.layer)
}

// drawnProbe is a transparent pixel whose image the painter asks for when it draws the frame
// holding it, after the screen beneath: the moment the first screen is really on the
// display, for Deps.Trace and Deps.FirstFrame.
func (u *UI) drawnProbe() fyne.CanvasObject {
	r := canvas.NewRaster(func(w, h int) image.Image {
		if !u.drawnSeen {
			u.drawnSeen = true
			if u.d.Trace != nil {
				u.d.Trace("home drawn")
			}
			if u.d.FirstFrame != nil {
				u.d.FirstFrame()
			}
		}
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	})
	r.Resize(fyne.NewSize(1, 1))
	return container.NewWithoutLayout(r)
}

// modalLayer is withLayer for a popup's content.
func (u *UI) modalLayer(content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewStack(content, newSpeechLayer(u))
}

// root is what the keypad walks: the popup on top, if one is open, else the screen.
func (u *UI) root() fyne.CanvasObject {
	if top := u.win.Canvas().Overlays().Top(); top != nil {
		return top
	}
	return u.win.Content()
}

// spoke is called after every redraw: on a new screen speech says its title (after the
// introduction, when speech mode has just started); on the same screen drawn again it says
// what changed, or the focused thing once more.
func (u *UI) spoke() {
	if u.sp.layer != nil {
		u.sp.layer.Hidden = !u.sp.on
	}
	if !u.sp.on {
		return
	}
	now := u.scrolled
	els := u.elements(u.root())
	if now != u.sp.heard {
		u.sp.heard = now
		u.sp.focus, u.sp.at = nil, -1
		for i, e := range els {
			if e.objs[0] == u.sp.start {
				u.sp.focus, u.sp.at = e.objs[0], i
			}
		}
		u.showFocus(els)
		text := joinSentences(u.sp.intro, u.sp.title, u.sp.pending)
		u.sp.intro, u.sp.pending = "", ""
		u.say(text)
		return
	}
	// The same screen drawn again: the focus stays on what is where it was (screens keep
	// what the resident acts on in place, while a line above may come or go), else at its
	// place in the list.
	u.sp.intro = ""
	if u.sp.at >= len(els) {
		u.sp.at = len(els) - 1
	}
	if u.sp.at >= 0 {
		u.sp.focus = els[u.sp.at].objs[0]
		if i := u.refind(els); i >= 0 {
			u.sp.focus, u.sp.at = els[i].objs[0], i
		}
	}
	u.showFocus(els)
	switch {
	case u.sp.pending != "":
		u.say(u.sp.pending)
		u.sp.pending = ""
	case u.sp.at >= 0:
		u.sayEl(els[u.sp.at])
	}
}

// joinSentences says parts one after another, each ended as a sentence so the voice pauses.
func joinSentences(parts ...string) string {
	out := ""
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
		if !strings.ContainsAny(p[len(p)-1:], ".!?:…") {
			out += "."
		}
	}
	return out
}

// focused finds the focused element in els: by its object, else by its place.
func (u *UI) focused(els []element) int {
	for i, e := range els {
		if e.objs[0] == u.sp.focus {
			return i
		}
	}
	if u.sp.at >= 0 && u.sp.at < len(els) && u.sp.focus == nil {
		return u.sp.at
	}
	return -1
}

// keypad does what a keypad key does. Outside speech mode any keypad key starts it.
func (u *UI) keypad(a keyAction) {
	if a == keyNone {
		return
	}
	u.activity()
	if !u.sp.on {
		u.startSpeech(u.t("speech.intro"))
		return
	}
	els := u.elements(u.root())
	i := u.focused(els)
	switch a {
	case keyDown, keyUp:
		next := i + 1
		if a == keyUp {
			next = i - 1
			if i < 0 {
				next = len(els) - 1
			}
		}
		if next < 0 || next >= len(els) {
			u.say(u.t(map[bool]string{true: "speech.top", false: "speech.end"}[next < 0]))
			return
		}
		u.sp.focus, u.sp.at = els[next].objs[0], next
		u.showFocus(els)
		u.sayEl(els[next])
	case keySelect:
		if i < 0 {
			u.say(u.t("speech.nofocus"))
			return
		}
		u.activate(els[i])
	case keyBack:
		if len(u.stack) == 1 && u.win.Canvas().Overlays().Top() == nil {
			u.say(joinSentences(u.t("speech.athome"), u.sp.title))
			return
		}
		if u.form != nil && u.form.leave != nil {
			// "Przerwać wniosek?" is open: Back means stay.
			u.form.leave.Hide()
			u.form.leave = nil
			u.spokePopup()
			return
		}
		if u.warning != nil {
			u.activity()
			u.hideWarning()
			u.spokePopup()
			return
		}
		overlay := u.win.Canvas().Overlays().Top()
		u.back()
		if u.win.Canvas().Overlays().Top() != overlay {
			u.spokePopup() // "Przerwać wniosek?"
		}
	case keyHelp:
		if u.win.Canvas().Overlays().Top() != nil {
			// A question is open: it is what the resident must answer.
			u.spokePopup()
			return
		}
		u.say(joinSentences(u.t("speech.help."+u.current().kind.name()), u.t("speech.keys")))
	case keyVolumeUp, keyVolumeDown:
		step := 1
		if a == keyVolumeDown {
			step = -1
		}
		u.sp.volume = min(max(u.sp.volume+step, 0), len(speechVolumes)-1)
		if u.d.Speaker != nil {
			u.d.Speaker.SetVolume(speechVolumes[u.sp.volume])
		}
		u.say(u.t("speech.volume", "Percent", speechVolumes[u.sp.volume]))
	}
}

// activate does what a tap on e would, the tap guard aside (a keypad's Select or a double
// tap is meant), and says the result when the screen stays.
func (u *UI) activate(e element) {
	if e.act == nil {
		u.sayEl(e) // only to be read: Select reads it again
		return
	}
	u.guard.Forget()
	before := u.win.Content()
	overlay := u.win.Canvas().Overlays().Top()
	renders := u.renders
	e.act()
	switch {
	case e.key != nil:
		u.sayTyped(*e.key)
	case u.win.Content() == before && u.win.Canvas().Overlays().Top() != overlay:
		// A popup opened or closed: its question, or the screen under it.
		u.spokePopup()
	case u.sp.on && u.renders == renders && u.win.Content() == before:
		// Nothing changed (the language already chosen): say so by saying it again.
		u.sayEl(e)
	}
}

// sayTyped echoes an on-screen key: the letter typed, or what the key did.
func (u *UI) sayTyped(it keyboard.Item) {
	if u.sp.private {
		u.cue(CueKey)
		return
	}
	u.say(u.keyName(it))
}

// spokePopup says a popup that just opened (its question; the focus goes to its first
// button), or, once it closed, the focused thing of the screen under it.
func (u *UI) spokePopup() {
	els := u.elements(u.root())
	if u.win.Canvas().Overlays().Top() == nil {
		// Back where the resident was before the popup.
		b := u.sp.under
		u.sp.focus, u.sp.at, u.sp.said, u.sp.spot = b.focus, b.at, b.said, b.spot
		if i := u.focused(els); i < 0 {
			if i = u.refind(els); i >= 0 {
				u.sp.focus, u.sp.at = els[i].objs[0], i
			}
		}
		u.showFocus(els)
		if i := u.focused(els); i >= 0 {
			u.sayEl(els[i])
		}
		return
	}
	var texts []string
	u.sp.under = underPopup{focus: u.sp.focus, at: u.sp.at, said: u.sp.said, spot: u.sp.spot}
	u.sp.focus, u.sp.at = nil, -1
	for i, e := range els {
		switch {
		case e.act == nil:
			texts = append(texts, e.say())
		case u.sp.focus == nil:
			u.sp.focus, u.sp.at = e.objs[0], i
			texts = append(texts, e.say())
		}
	}
	u.showFocus(els)
	u.say(joinSentences(texts...))
}

// showFocus draws the ring round the focused element and scrolls it into sight.
func (u *UI) showFocus(els []element) {
	i := u.focused(els)
	layer := u.layerOf(u.root())
	for _, l := range []*speechLayer{u.sp.layer, layer} {
		if l != nil {
			l.showRing(false)
		}
	}
	if i < 0 || layer == nil {
		return
	}
	e := els[i]
	u.sp.said = e.say()
	if e.scroll != nil {
		top, bottom := u.rectOf(e)
		origin := absPos(e.scroll.Content())
		e.scroll.Reveal(top.Y-origin.Y, bottom.Y-origin.Y)
	}
	pos, end := u.rectOf(e)
	u.sp.spot = fyne.NewPos((pos.X+end.X)/2, (pos.Y+end.Y)/2)
	layer.place(pos.Subtract(absPos(layer)), fyne.NewSize(end.X-pos.X, end.Y-pos.Y))
}

// rectOf is the absolute top-left and bottom-right corners of e.
func (u *UI) rectOf(e element) (fyne.Position, fyne.Position) {
	var lo, hi fyne.Position
	for i, o := range e.objs {
		p := absPos(o)
		q := p.Add(o.Size())
		if i == 0 {
			lo, hi = p, q
			continue
		}
		lo = fyne.NewPos(min(lo.X, p.X), min(lo.Y, p.Y))
		hi = fyne.NewPos(max(hi.X, q.X), max(hi.Y, q.Y))
	}
	return lo, hi
}

func absPos(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// layerOf finds the speech layer on top of root.
func (u *UI) layerOf(root fyne.CanvasObject) *speechLayer {
	var found *speechLayer
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *speechLayer:
			found = v
		case *fyne.Container:
			for _, k := range v.Objects {
				if found == nil {
					walk(k)
				}
			}
		case *widget.PopUp:
			walk(v.Content)
		}
	}
	walk(root)
	return found
}

// touchAt is touch-to-hear: a touch says the element under the finger and moves the focus
// there; a double tap (activate) does what a tap would.
func (u *UI) touchAt(pos fyne.Position, activate, drag bool) {
	u.activity()
	els := u.elements(u.root())
	best := u.elementAt(els, pos)
	if best < 0 {
		return
	}
	moved := els[best].objs[0] != u.sp.focus
	u.sp.focus, u.sp.at = els[best].objs[0], best
	u.showFocus(els)
	switch {
	case activate:
		u.activate(els[best])
	case moved || !drag:
		// A drag says what it enters; a touch says what it touches, again if asked again.
		u.sayEl(els[best])
	}
}

// elementAt finds the element under pos, the smallest if several hold it; -1 if none.
func (u *UI) elementAt(els []element, pos fyne.Position) int {
	best := -1
	var area float32
	for i, e := range els {
		lo, hi := u.rectOf(e)
		if pos.X < lo.X || pos.Y < lo.Y || pos.X > hi.X || pos.Y > hi.Y {
			continue
		}
		if e.scroll != nil {
			sp := absPos(e.scroll)
			if pos.Y < sp.Y || pos.Y > sp.Y+e.scroll.Size().Height {
				continue // scrolled out of sight
			}
		}
		if a := (hi.X - lo.X) * (hi.Y - lo.Y); best < 0 || a < area {
			best, area = i, a
		}
	}
	return best
}

// speechLayer lies over a screen (or a popup's content): it draws the focus ring and, in
// speech mode, takes the touches for touch-to-hear. Outside speech mode it is hidden and
// touches reach the screen as usual.
type speechLayer struct {
	widget.BaseWidget
	u *UI
	// The ring is two rectangles, the text colour outside and the background colour
	// inside: seen on any background and round any button, whatever the theme.
	ring, inner *canvas.Rectangle
}

var (
	_ fyne.Tappable       = (*speechLayer)(nil)
	_ fyne.DoubleTappable = (*speechLayer)(nil)
	_ fyne.Draggable      = (*speechLayer)(nil)
)

func newSpeechLayer(u *UI) *speechLayer {
	l := &speechLayer{u: u, ring: canvas.NewRectangle(color.Transparent), inner: canvas.NewRectangle(color.Transparent)}
	l.showRing(false)
	l.Hidden = !u.sp.on
	l.ExtendBaseWidget(l)
	return l
}

func (l *speechLayer) showRing(on bool) {
	l.ring.Hidden, l.inner.Hidden = !on, !on
	l.ring.Refresh()
	l.inner.Refresh()
}

// place puts the ring round the rectangle at pos (in the layer) of size.
func (l *speechLayer) place(pos fyne.Position, size fyne.Size) {
	w := max(6, 1.5*theme.Padding())
	l.ring.StrokeColor = theme.Color(theme.ColorNameForeground)
	l.ring.StrokeWidth = w
	l.inner.StrokeColor = theme.Color(theme.ColorNameBackground)
	l.inner.StrokeWidth = w / 2
	l.ring.Move(pos.SubtractXY(w, w))
	l.ring.Resize(size.AddWidthHeight(2*w, 2*w))
	l.inner.Move(pos.SubtractXY(w/2, w/2))
	l.inner.Resize(size.AddWidthHeight(w, w))
	l.showRing(true)
}

func (l *speechLayer) Tapped(e *fyne.PointEvent)       { l.u.touchAt(e.AbsolutePosition, false, false) }
func (l *speechLayer) DoubleTapped(e *fyne.PointEvent) { l.u.touchAt(e.AbsolutePosition, true, false) }

// Dragged says each element the finger enters, as it enters it.
func (l *speechLayer) Dragged(e *fyne.DragEvent) { l.u.touchAt(e.AbsolutePosition, false, true) }
func (l *speechLayer) DragEnd()                  {}

func (l *speechLayer) CreateRenderer() fyne.WidgetRenderer {
	return &layerRenderer{l: l}
}

// layerRenderer lays nothing out itself: place moves the ring to the focused element.
type layerRenderer struct{ l *speechLayer }

func (r *layerRenderer) Destroy()           {}
func (r *layerRenderer) Layout(fyne.Size)   {}
func (r *layerRenderer) MinSize() fyne.Size { return fyne.Size{} }
func (r *layerRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.l.ring, r.l.inner}
}
func (r *layerRenderer) Refresh() { r.l.ring.Refresh(); r.l.inner.Refresh() }

// name is a screen kind as the help messages' IDs end.
func (k kind) name() string {
	return [...]string{"home", "categories", "category", "procedure", "bip", "page", "search",
		"language", "access", "form", "confirm", "pin", "service", "preview", "attachment"}[k]
}

// tickSpeech starts speech mode when headphones are plugged in, and has an untouched home or
// attract screen say now and then how to start it.
func (u *UI) tickSpeech() {
	if u.d.Headphones != nil {
		on := u.d.Headphones()
		if on && !u.sp.headphones && !u.sp.on {
			u.sp.headphones = on
			u.startSpeech(u.t("speech.intro.headphones"))
			return
		}
		u.sp.headphones = on
	}
	if u.sp.on || u.d.Speaker == nil || u.d.SpeechPrompt <= 0 || u.d.Content == nil || (!u.atFreshHome() && u.attract == nil) {
		return
	}
	now := u.d.Uptime()
	if now-max(u.quietSince, u.sp.prompted) < u.d.SpeechPrompt {
		return
	}
	u.sp.prompted = now
	lang := l10n.Languages[u.sp.promptLang%len(l10n.Languages)]
	u.sp.promptLang++
	u.d.Speaker.Say(string(lang), u.d.Loc.In(lang, "speech.prompt"))
}

// refind finds the focused element again in a screen drawn anew: the one whose words begin
// most like what it said ("Zgadzam się, niezaznaczone" is now "…, zaznaczone"), the nearest
// to where it was among equals; a line coming or going above it moves neither. -1: none
// is like it.
func (u *UI) refind(els []element) int {
	best, bestLen := -1, 0
	var bestDist float32
	for i, e := range els {
		n := commonPrefix(e.say(), u.sp.said)
		if n < 4 {
			continue
		}
		lo, hi := u.rectOf(e)
		dx, dy := (lo.X+hi.X)/2-u.sp.spot.X, (lo.Y+hi.Y)/2-u.sp.spot.Y
		d := dx*dx + dy*dy
		if n > bestLen || n == bestLen && d < bestDist {
			best, bestLen, bestDist = i, n, d
		}
	}
	if best < 0 {
		return u.elementAt(els, u.sp.spot)
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// underPopup is the screen's focus kept while a popup covers it.
type underPopup struct {
	focus fyne.CanvasObject
	at    int
	said  string
	spot  fyne.Position
}
