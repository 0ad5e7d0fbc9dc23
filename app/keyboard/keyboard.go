// Package keyboard provides a touch-friendly on-screen keyboard widget for
// the kiosk: a Polish QWERTY text layout with an always-visible row of
// Polish letters, an e-mail layout, a large numeric pad and a Ukrainian
// (Cyrillic) layout.
//
// The keyboard never takes focus: it types into a Target (a *widget.Entry
// works) and gives focus back to that target after every key, so a physical
// keyboard keeps working alongside it.
package keyboard

import (
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Mode selects the key layout.
type Mode int

const (
	// Text is the Polish QWERTY layout with the Polish-letter row.
	Text Mode = iota
	// Digits is a large numeric pad (PESEL, NIP, phone, postal code).
	Digits
	// Email is the text layout with @ . - _ .pl .com keys.
	Email
	// DateDigits is the numeric pad with "." for dates (DD.MM.RRRR).
	DateDigits
	// Ukrainian is the Cyrillic ЙЦУКЕН layout, with a key to the Latin letters.
	Ukrainian
	// ukrainianLatin is the Text layout reached from Ukrainian, with a key back.
	ukrainianLatin
)

// String returns the mode name (used in tests and logs).
func (m Mode) String() string {
	switch m {
	case Text:
		return "text"
	case Digits:
		return "digits"
	case Email:
		return "email"
	case DateDigits:
		return "date"
	case Ukrainian:
		return "ukrainian"
	case ukrainianLatin:
		return "ukrainian-latin"
	}
	return "unknown"
}

// Target is what the keyboard types into; *widget.Entry satisfies it.
type Target interface {
	TypedRune(rune)
	TypedKey(*fyne.KeyEvent)
}

// LongPressDuration is how long a key must be held to offer alternatives.
const LongPressDuration = 500 * time.Millisecond

// Keyboard is the on-screen keyboard widget.
type Keyboard struct {
	widget.BaseWidget

	target     Target
	mode       Mode // current layout
	letterMode Mode // layout the ABC key returns to (Text or Email)
	shift      bool // one-shot upper case
	caps       bool // Caps Lock

	keys  map[Mode][][]*key // built lazily per mode
	popup *widget.PopUp     // long-press alternatives, if shown

	activity func() // told of every key press (the kiosk's idle timer); may be nil

	// Unfocused types into the target without giving it the focus: in speech mode a
	// keypad's keys (arrows, Enter, Backspace) must reach the kiosk, not the entry.
	Unfocused bool

	// now and afterFunc are the clock used for long-press; tests replace them.
	now       func() time.Time
	afterFunc func(d time.Duration, f func()) (stop func() bool)
}

// New returns a keyboard in Text mode with no target. activity, if not nil, is called on
// the Fyne UI goroutine for every key press (for the kiosk's idle timer).
func New(activity func()) *Keyboard {
	k := &Keyboard{
		activity:  activity,
		keys:      map[Mode][][]*key{},
		now:       time.Now,
		afterFunc: realAfterFunc,
	}
	k.ExtendBaseWidget(k)
	return k
}

// realAfterFunc runs f on the Fyne main goroutine after d.
func realAfterFunc(d time.Duration, f func()) func() bool {
	t := time.AfterFunc(d, func() { fyne.Do(f) })
	return t.Stop
}

// SetTarget sets what the keyboard types into; nil detaches it (keys then do nothing).
func (k *Keyboard) SetTarget(t Target) {
	k.hidePopup()
	k.target = t
}

// Hide hides the keyboard and any open alternatives popup.
func (k *Keyboard) Hide() {
	k.hidePopup()
	k.BaseWidget.Hide()
}

// SetMode switches the layout. Shift is cleared; Caps Lock is kept.
func (k *Keyboard) SetMode(m Mode) {
	if m != Text && m != Digits && m != Email && m != DateDigits && m != Ukrainian {
		m = Text
	}
	if m != Digits && m != DateDigits {
		k.letterMode = m
	}
	k.setMode(m)
}

// Mode returns the current layout.
func (k *Keyboard) Mode() Mode {
	return k.mode
}

func (k *Keyboard) setMode(m Mode) {
	k.hidePopup()
	k.shift = false
	if k.mode == m {
		k.refreshKeys()
		return
	}
	k.mode = m
	k.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (k *Keyboard) CreateRenderer() fyne.WidgetRenderer {
	k.ExtendBaseWidget(k)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameMenuBackground))
	r := &keyboardRenderer{kb: k, bg: bg}
	r.Refresh()
	return r
}

// layoutFor returns the key widgets for mode m, creating them on first use.
func (k *Keyboard) layoutFor(m Mode) [][]*key {
	if rows, ok := k.keys[m]; ok {
		return rows
	}
	specs := textLayout
	switch m {
	case Ukrainian:
		specs = ukrainianLayout
	case ukrainianLatin:
		specs = ukrainianLatinLayout
	case Digits:
		specs = digitsLayout
	case Email:
		specs = emailLayout
	case DateDigits:
		specs = dateLayout
	}
	rows := make([][]*key, len(specs))
	for i, r := range specs {
		for _, s := range r {
			rows[i] = append(rows[i], newKey(k, s, false))
		}
	}
	k.keys[m] = rows
	return rows
}

// keyFor returns the visible key with the given id (the lower-case glyph for
// character keys, or one of "shift", "caps", "backspace", "enter", "space",
// "123", "ABC"; ".pl" and ".com" for the e-mail helpers). Keys in an open
// alternatives popup are searched first. It returns nil if there is none.
func (k *Keyboard) keyFor(id string) *key {
	if k.popup != nil && k.popup.Visible() {
		for _, o := range k.popup.Content.(*fyne.Container).Objects {
			if kk, ok := o.(*key); ok && kk.spec.id == id {
				return kk
			}
		}
	}
	for _, r := range k.layoutFor(k.mode) {
		for _, kk := range r {
			if kk.spec.id == id {
				return kk
			}
		}
	}
	return nil
}

func (k *Keyboard) upper() bool {
	return k.caps != k.shift
}

// refreshKeys updates labels and modifier highlights of the visible keys.
func (k *Keyboard) refreshKeys() {
	for _, r := range k.layoutFor(k.mode) {
		for _, kk := range r {
			kk.Refresh()
		}
	}
}

func (k *Keyboard) pressed() {
	if k.activity != nil {
		k.activity()
	}
}

// press performs the action of a tapped key.
func (k *Keyboard) press(s keySpec) {
	k.pressed()
	switch s.act {
	case actRune:
		k.typeRune(s.r)
	case actString:
		if k.target != nil {
			for _, r := range s.text {
				k.target.TypedRune(r)
			}
		}
		k.consumeShift()
	case actBackspace:
		k.typeKey(fyne.KeyBackspace)
	case actEnter:
		k.typeKey(fyne.KeyReturn)
	case actShift:
		k.shift = !k.shift
		k.refreshKeys()
	case actCaps:
		k.caps = !k.caps
		k.shift = false
		k.refreshKeys()
	case actDigits:
		k.setMode(Digits)
	case actLetters:
		k.setMode(k.letterMode)
	case actLayout:
		k.letterMode = s.mode
		k.setMode(s.mode)
	}
	k.restoreFocus()
}

// typeRune types r, upper-cased when Shift xor Caps Lock is on, and ends a one-shot Shift.
func (k *Keyboard) typeRune(r rune) {
	if k.upper() {
		r = unicode.ToUpper(r)
	}
	if k.target != nil {
		k.target.TypedRune(r)
	}
	k.consumeShift()
}

func (k *Keyboard) consumeShift() {
	if k.shift {
		k.shift = false
		k.refreshKeys()
	}
}

func (k *Keyboard) typeKey(name fyne.KeyName) {
	if k.target != nil {
		k.target.TypedKey(&fyne.KeyEvent{Name: name})
	}
}

// restoreFocus gives focus back to the target. Drivers unfocus the canvas
// when a non-focusable object (a key) is clicked; without this the Entry
// would lose its cursor and a physical keyboard would stop working.
func (k *Keyboard) restoreFocus() {
	f, ok := k.target.(fyne.Focusable)
	if !ok || k.Unfocused || fyne.CurrentApp() == nil {
		return
	}
	d := fyne.CurrentApp().Driver()
	c := d.CanvasForObject(k)
	if c == nil || c.Focused() != nil {
		return
	}
	if o, ok := f.(fyne.CanvasObject); ok && d.CanvasForObject(o) == c {
		c.Focus(f)
	}
}

// showAlternatives handles a long-press on kk: a single alternative is typed
// straight away, several are offered in a popup above the key.
func (k *Keyboard) showAlternatives(kk *key) {
	alts := kk.spec.alts
	if len(alts) == 0 {
		return
	}
	if len(alts) == 1 {
		k.press(keySpec{act: actRune, r: alts[0]})
		return
	}
	k.pressed()
	k.hidePopup()
	c := fyne.CurrentApp().Driver().CanvasForObject(k)
	if c == nil {
		return
	}
	box := container.NewHBox()
	for _, r := range alts {
		alt := newKey(k, keySpec{id: string(r), label: string(r), act: actRune, r: r, width: 1, style: styleAccent}, true)
		box.Add(alt)
	}
	k.restoreFocus() // now, while focus calls still go to the window content
	k.popup = widget.NewPopUp(box, c)

	// Size the popup keys like the pressed key and place them above it.
	ks := kk.Size()
	pad := k.Theme().Size(theme.SizeNamePadding)
	for _, o := range box.Objects {
		o.(*key).minOverride = ks
	}
	ps := k.popup.MinSize()
	kp := fyne.CurrentApp().Driver().AbsolutePositionForObject(kk)
	pos := fyne.NewPos(kp.X+(ks.Width-ps.Width)/2, kp.Y-ps.Height-pad)
	cs := c.Size()
	pos.X = min(max(pos.X, 0), max(cs.Width-ps.Width, 0))
	if pos.Y < 0 { // no room above: cover the key row instead
		pos.Y = max(kp.Y, 0)
	}
	k.popup.ShowAtPosition(pos)
}

// choose is called when an alternative in the popup is tapped.
func (k *Keyboard) choose(r rune) {
	k.hidePopup()
	k.press(keySpec{act: actRune, r: r})
}

func (k *Keyboard) hidePopup() {
	if k.popup != nil {
		k.popup.Hide()
		k.popup = nil
	}
}

type keyboardRenderer struct {
	kb      *Keyboard
	bg      *canvas.Rectangle
	objects []fyne.CanvasObject
	rows    [][]*key
}

func (r *keyboardRenderer) Destroy() {}

func (r *keyboardRenderer) Objects() []fyne.CanvasObject {
	return r.objects
}

func (r *keyboardRenderer) Refresh() {
	th := r.kb.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.bg.FillColor = th.Color(theme.ColorNameMenuBackground, v)
	r.rows = r.kb.layoutFor(r.kb.mode)
	r.objects = []fyne.CanvasObject{r.bg}
	for _, row := range r.rows {
		for _, kk := range row {
			r.objects = append(r.objects, kk)
			kk.Refresh()
		}
	}
	r.Layout(r.kb.Size())
	r.bg.Refresh()
}

// metrics returns the gap between keys and the minimum key size. The height follows the
// theme's text size, so larger text gives taller keys with larger labels; the width does
// not: keys share the keyboard's width equally, and a row of minKeyWidth keys fits a
// portrait screen at any text size (the label shrinks to fit its key instead).
func (r *keyboardRenderer) metrics() (gap float32, minKey fyne.Size) {
	th := r.kb.Theme()
	gap = th.Size(theme.SizeNamePadding)
	ts := keyTextSize(th)
	h := fyne.MeasureText("Ąg", ts, fyne.TextStyle{}).Height + 2*th.Size(theme.SizeNameInnerPadding) + 2*gap
	return gap, fyne.NewSize(minKeyWidth, max(h, ts*2.25))
}

// minKeyWidth is the narrowest a one-unit key gets, in Fyne units: still a fingertip wide
// (about 1.6 cm on a kiosk's portrait screen), and 14 of them fit across 1,080 units.
const minKeyWidth float32 = 64

func (r *keyboardRenderer) MinSize() fyne.Size {
	gap, mk := r.metrics()
	units := layoutUnits(textLayout)
	n := float32(maxRows())
	return fyne.NewSize(units*(mk.Width+gap)+gap, n*(mk.Height+gap)+gap)
}

func (r *keyboardRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	if len(r.rows) == 0 {
		return
	}
	gap, mk := r.metrics()
	specs := make([][]keySpec, len(r.rows))
	for i, row := range r.rows {
		for _, kk := range row {
			specs[i] = append(specs[i], kk.spec)
		}
	}
	units := layoutUnits(specs)
	// A unit includes one gap; cap it so the numeric pad stays compact
	// instead of stretching across a wide screen.
	unit := (size.Width - gap) / units
	unit = min(unit, 2.5*(mk.Height+gap))
	rowH := (size.Height - gap) / float32(len(r.rows))
	for i, row := range r.rows {
		x := (size.Width-rowUnits(specs[i])*unit-gap)/2 + gap
		y := gap + float32(i)*rowH
		for _, kk := range row {
			w := kk.spec.width * unit
			kk.Move(fyne.NewPos(x, y))
			kk.Resize(fyne.NewSize(w-gap, rowH-gap))
			x += w
		}
	}
}

// keyTextSize is the label size: twice the theme's text size, up to maxKeyText.
func keyTextSize(th fyne.Theme) float32 {
	return min(2*th.Size(theme.SizeNameText), maxKeyText)
}

// maxKeyText caps the key labels: at twice the kiosk's normal text size an uncapped
// keyboard would fill two thirds of a portrait screen, leaving no room for the field it types
// into, while a 50-unit label is still larger than any body text.
const maxKeyText float32 = 50

// Item is one key as a keypad walks the keyboard: what it is and how to press it.
type Item struct {
	Key   fyne.CanvasObject // the key cap on screen
	ID    string            // the key's id: its letter or digit, or "backspace", "shift", "space", "enter", "123", "ABC", a layout's name
	Label string            // what the cap shows now (upper case under Shift)
	Press func()            // types the key, as a tap would
}

// Items lists the keys of the layout on screen, row by row, in reading order.
func (k *Keyboard) Items() []Item {
	var out []Item
	for _, r := range k.layoutFor(k.mode) {
		for _, kk := range r {
			kk := kk
			out = append(out, Item{Key: kk, ID: kk.spec.id, Label: kk.label(), Press: func() {
				k.hidePopup()
				k.press(kk.spec)
			}})
		}
	}
	return out
}
