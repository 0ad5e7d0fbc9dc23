// Package touch provides finger-friendly widgets for the Infomat kiosk:
// scroll views and lists that scroll when dragged with a finger on the
// desktop (GLFW) driver, large page-up/page-down arrows for users who do not
// know the drag gesture, large-target buttons and an activity hook for the
// kiosk's idle timer.
//
// Why this package exists: Fyne's desktop driver does not scroll a
// container.Scroll when it is dragged (fyne-io/fyne#5755, Scroll.Dragged
// returns early unless the device is mobile), and drags are delivered to the
// deepest fyne.Draggable under the pointer, so a wrapper around a Scroll never
// sees them. The widgets here therefore put a draggable layer *inside* the
// scroller, below the content's own tappable widgets.
//
// Taps after drags: both the GLFW driver (window.go processMouseClicked only
// calls Tapped when !mouseDragStarted) and the mobile driver (canvas.go tapUp
// returns early while dragging) suppress the tap once a drag has started, so a
// finger that drags across a button scrolls without pressing it. A drag starts
// after the pointer moved 2 units with a fyne.Draggable under it, which our
// drag layers guarantee everywhere inside Scroll and List rows.
package touch

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TargetSize is the minimum edge of a touch target in Fyne units.
// At scale 1 on a 1080-px-wide 21–32" portrait screen 80 units is roughly a
// 2 cm fingertip target. It is expressed in units, not pixels, so Fyne's scale
// setting adapts it to other screens.
var TargetSize float32 = 80

// Kit makes this package's widgets. Each reports every user interaction it handles (drag
// events, arrow presses, list row taps and button taps) to Activity, so the kiosk can reset
// its idle timer: the widgets take the hook as a value, and two UIs in one process (tests)
// do not share one.
type Kit struct {
	// Activity is called on the Fyne UI goroutine; nil: nobody is told. Drags call it for
	// every drag event, so keep it cheap.
	Activity func()
	// Width says how wide a button may get, in Fyne units: a longer label is broken into
	// lines, so large text never pushes a button off a portrait screen. nil or 0: no limit.
	Width func() float32
	// Bottom says whether scroll views put content shorter than the view at its bottom,
	// within reach from a wheelchair (the kiosk's lower layout). nil: at the top.
	Bottom func() bool
	// Guard holds back button and list-row taps that come too soon after a screen change
	// (a double tap); nil: none. Arrows and drags are not held back: they move within a
	// screen, and a resident paging quickly means every tap.
	Guard *TapGuard
}

// activity reports a user interaction to f, if set.
type activity func()

func (f activity) report() {
	if f != nil {
		f()
	}
}

// bigButton is a widget.Button whose minimum size is at least one touch
// target, so it stays easy to hit whatever its label.
type bigButton struct {
	widget.Button
	chosen bool // a chosen answer (NewChoice)
}

// NewButton returns a high-importance button at least TargetSize units high
// and wide. Its text uses the theme's text size, so a large-text theme scales
// it. Taps are reported to Activity before tapped runs.
func (k Kit) NewButton(label string, icon fyne.Resource, tapped func()) fyne.CanvasObject {
	return k.newButton(label, icon, widget.HighImportance, tapped)
}

func (k Kit) newButton(label string, icon fyne.Resource, imp widget.Importance, tapped func()) *bigButton {
	b := &bigButton{}
	b.Text = label
	b.Icon = icon
	b.Importance = imp
	b.OnTapped = func() {
		// Even a held-back tap is a touch: it keeps the session alive.
		activity(k.Activity).report()
		if !k.Guard.Allow() {
			return
		}
		if tapped != nil {
			tapped()
		}
	}
	b.ExtendBaseWidget(b)
	k.fit(b)
	return b
}

// fit breaks the button's label into lines that keep the button within k.Width. Fyne's
// button does not wrap; its label does keep line breaks.
func (k Kit) fit(b *bigButton) {
	if k.Width == nil {
		return
	}
	limit := k.Width()
	full := b.MinSize().Width
	if limit <= 0 || full <= limit {
		return
	}
	size := b.Theme().Size(theme.SizeNameText)
	style := fyne.TextStyle{Bold: true}
	// Whatever is not the label (icon, padding) stays; the label gets the rest.
	room := limit - (full - fyne.MeasureText(b.Text, size, style).Width)
	var lines []string
	line := ""
	for _, word := range strings.Fields(b.Text) {
		if line != "" && fyne.MeasureText(line+" "+word, size, style).Width > room {
			lines = append(lines, line)
			line = word
			continue
		}
		line = strings.TrimPrefix(line+" "+word, " ")
	}
	b.Text = strings.Join(append(lines, line), "\n")
	b.Refresh()
}

// NewChoice is NewButton for one answer among several: the chosen one stands out in the
// primary colour, the others are plain, so the state is clear without reading the mark.
func (k Kit) NewChoice(label string, chosen bool, tapped func()) fyne.CanvasObject {
	imp := widget.HighImportance
	if !chosen {
		imp = widget.MediumImportance
	}
	// Set before the button is measured: fit builds its renderer.
	b := k.newButton(label, nil, imp, tapped)
	b.chosen = chosen
	return b
}

// MinSize grows the button's natural size to the touch target size.
func (b *bigButton) MinSize() fyne.Size {
	return b.Button.MinSize().Max(fyne.NewSquareSize(TargetSize))
}

// SpokenText is the button's label as speech reads it: its lines joined again.
func (b *bigButton) SpokenText() string {
	return strings.Join(strings.Fields(b.Text), " ")
}

// Chosen says whether the button is a chosen answer (NewChoice).
func (b *bigButton) Chosen() bool {
	return b.chosen
}
