package keyboard

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// key is one key cap. It is deliberately not fyne.Focusable so the target
// Entry keeps the focus.
//
// Typing happens only in Tapped. MouseDown/MouseUp only time the press for
// long-press (desktop drivers have no long-press gesture); when a long-press
// fired, the Tapped that the driver sends on release is swallowed, so a
// press types exactly once.
type key struct {
	widget.BaseWidget

	kb      *Keyboard
	spec    keySpec
	inPopup bool // an alternative inside the long-press popup

	minOverride fyne.Size // popup keys copy the size of the pressed key

	pressed     bool      // primary button is down on this key
	downAt      time.Time // when it went down
	stopTimer   func() bool
	gen         int  // invalidates stale timers
	longFired   bool // long-press handled for the current press
	suppressTap bool // swallow the Tapped that follows a long-press release
}

var (
	_ fyne.Widget            = (*key)(nil)
	_ fyne.Tappable          = (*key)(nil)
	_ fyne.SecondaryTappable = (*key)(nil)
	_ desktop.Mouseable      = (*key)(nil)
	_ desktop.Hoverable      = (*key)(nil)
)

func newKey(kb *Keyboard, s keySpec, inPopup bool) *key {
	k := &key{kb: kb, spec: s, inPopup: inPopup}
	k.ExtendBaseWidget(k)
	return k
}

// Tapped types the key (unless this tap ends a long-press).
func (k *key) Tapped(*fyne.PointEvent) {
	if k.suppressTap {
		k.suppressTap = false
		// The release unfocused the canvas again after the long-press.
		k.kb.restoreFocus()
		return
	}
	if k.inPopup {
		k.kb.choose(k.spec.r)
		return
	}
	k.kb.hidePopup()
	k.kb.press(k.spec)
}

// TappedSecondary (right click, or long-press on mobile drivers) offers the alternatives.
func (k *key) TappedSecondary(*fyne.PointEvent) {
	if !k.inPopup && len(k.spec.alts) > 0 {
		k.kb.showAlternatives(k)
	}
}

// MouseDown starts long-press timing.
func (k *key) MouseDown(ev *desktop.MouseEvent) {
	k.cancelTimer()
	k.longFired = false
	k.suppressTap = false
	if ev != nil && ev.Button != desktop.MouseButtonPrimary {
		return
	}
	k.pressed = true
	k.downAt = k.kb.now()
	k.Refresh()
	if k.inPopup || len(k.spec.alts) == 0 {
		return
	}
	gen := k.gen
	k.stopTimer = k.kb.afterFunc(LongPressDuration, func() {
		if gen == k.gen && k.pressed {
			k.fireLongPress()
		}
	})
}

// MouseUp ends long-press timing; a release after the threshold counts as a
// long-press even if the timer has not fired yet.
func (k *key) MouseUp(*desktop.MouseEvent) {
	if k.pressed && !k.longFired && !k.inPopup && len(k.spec.alts) > 0 &&
		k.kb.now().Sub(k.downAt) >= LongPressDuration {
		k.fireLongPress()
	}
	k.cancelTimer()
	if k.longFired {
		k.longFired = false
		k.suppressTap = true
	}
	k.release()
}

// MouseIn implements desktop.Hoverable (no hover highlight: on a touch
// screen the pointer stays where the finger lifted).
func (k *key) MouseIn(*desktop.MouseEvent) {}

// MouseMoved implements desktop.Hoverable.
func (k *key) MouseMoved(*desktop.MouseEvent) {}

// MouseOut cancels a press when the finger slides off the key.
func (k *key) MouseOut() {
	k.cancelTimer()
	k.release()
}

func (k *key) fireLongPress() {
	k.longFired = true
	k.cancelTimer()
	k.release()
	k.kb.showAlternatives(k)
}

func (k *key) release() {
	if k.pressed {
		k.pressed = false
		k.Refresh()
	}
}

func (k *key) cancelTimer() {
	k.gen++
	if k.stopTimer != nil {
		k.stopTimer()
		k.stopTimer = nil
	}
}

// label returns the text currently shown on the key.
func (k *key) label() string {
	if k.spec.act == actRune && k.kb.upper() {
		return strings.ToUpper(k.spec.label)
	}
	if k.spec.act == actLetters && k.kb.letterMode == Ukrainian {
		return "АБВ" // the pad goes back to the Cyrillic letters
	}
	return k.spec.label
}

// active reports whether a modifier key is switched on.
func (k *key) active() bool {
	switch k.spec.act {
	case actShift:
		return k.kb.shift
	case actCaps:
		return k.kb.caps
	}
	return false
}

func (k *key) CreateRenderer() fyne.WidgetRenderer {
	k.ExtendBaseWidget(k)
	r := &keyRenderer{
		key:   k,
		bg:    canvas.NewRectangle(color.Transparent),
		text:  canvas.NewText("", color.Black),
		light: canvas.NewCircle(color.Transparent),
	}
	r.text.Alignment = fyne.TextAlignCenter
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.Refresh()
	return r
}

type keyRenderer struct {
	key   *key
	bg    *canvas.Rectangle
	text  *canvas.Text
	light *canvas.Circle // Caps Lock indicator
}

func (r *keyRenderer) Destroy() {}

func (r *keyRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.text, r.light}
}

func (r *keyRenderer) MinSize() fyne.Size {
	if !r.key.minOverride.IsZero() {
		return r.key.minOverride
	}
	th := r.key.Theme()
	ts := keyTextSize(th)
	s := fyne.MeasureText(r.text.Text, ts, r.text.TextStyle)
	p := 2 * th.Size(theme.SizeNameInnerPadding)
	return fyne.NewSize(max(s.Width+p, 1.5*ts), max(s.Height+p, 2.25*ts))
}

func (r *keyRenderer) Layout(size fyne.Size) {
	th := r.key.Theme()
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))

	// Symbol glyphs come from a fallback font and look small; enlarge them.
	// Shrink any label that does not fit (e.g. ".com" on a narrow screen).
	ts := keyTextSize(th)
	switch r.key.spec.act {
	case actShift, actCaps, actBackspace, actEnter:
		ts *= 1.3
	}
	// A narrow key (large text on a portrait screen) gives up padding before the label shrinks.
	inner := size.Width - 2*min(th.Size(theme.SizeNameInnerPadding), size.Width/10)
	if w := fyne.MeasureText(r.text.Text, ts, r.text.TextStyle).Width; w > inner && w > 0 && inner > 0 {
		ts *= inner / w
	}
	r.text.TextSize = ts
	ms := r.text.MinSize()
	r.text.Resize(fyne.NewSize(size.Width, ms.Height))
	r.text.Move(fyne.NewPos(0, (size.Height-ms.Height)/2))

	d := th.Size(theme.SizeNameText) * 0.6
	pad := th.Size(theme.SizeNameInnerPadding)
	r.light.Resize(fyne.NewSize(d, d))
	r.light.Move(fyne.NewPos(size.Width-pad-d, pad))
}

func (r *keyRenderer) Refresh() {
	k := r.key
	th := k.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }

	bg, fg := c(theme.ColorNameButton), c(theme.ColorNameForeground)
	switch k.spec.style {
	case styleFunc:
		bg = c(theme.ColorNameInputBackground)
	case styleAccent:
		bg = c(theme.ColorNameSelection)
	case stylePrimary:
		bg, fg = c(theme.ColorNamePrimary), c(theme.ColorNameForegroundOnPrimary)
	}
	if k.active() {
		bg, fg = c(theme.ColorNamePrimary), c(theme.ColorNameForegroundOnPrimary)
	}
	if k.pressed {
		bg = c(theme.ColorNamePressed)
		if k.spec.style == stylePrimary || k.active() {
			bg = blend(c(theme.ColorNamePrimary), c(theme.ColorNamePressed))
		}
	}
	r.bg.FillColor = bg
	r.bg.StrokeColor = c(theme.ColorNameInputBorder)
	r.bg.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)

	r.text.Text = k.label()
	r.text.Color = fg

	r.light.Hidden = !(k.spec.act == actCaps && k.kb.caps)
	r.light.FillColor = c(theme.ColorNameSuccess)
	r.light.StrokeColor = fg
	r.light.StrokeWidth = 1

	r.Layout(k.Size())
	r.bg.Refresh()
	r.text.Refresh()
	r.light.Refresh()
}

// blend mixes two colours half and half (pressed state of coloured keys).
func blend(a, b color.Color) color.Color {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return color.RGBA64{R: uint16((ar + br) / 2), G: uint16((ag + bg) / 2), B: uint16((ab + bb) / 2), A: uint16((aa + ba) / 2)}
}
