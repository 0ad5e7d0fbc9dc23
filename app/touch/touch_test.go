package touch

import (
	"fmt"
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// absPos returns the canvas position of the centre of o.
func absCentre(o fyne.CanvasObject) fyne.Position {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	return p.Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
}

// tallContent returns a VBox of labels plus a button in the middle of the page.
func tallContent(lines int, tapped func()) (*fyne.Container, *widget.Label, *widget.Button) {
	box := container.NewVBox()
	first := widget.NewLabel("line 0")
	box.Add(first)
	btn := widget.NewButton("Press", tapped)
	box.Add(btn)
	for i := 1; i < lines; i++ {
		box.Add(widget.NewLabel(fmt.Sprintf("line %d", i)))
	}
	return box, first, btn
}

// countingKit is a Kit whose Activity counts calls into *n.
func countingKit() (Kit, *int) {
	n := 0
	return Kit{Activity: func() { n++ }}, &n
}

func newScrollWindow(t *testing.T, content fyne.CanvasObject) (*Scroll, fyne.Window) {
	return newKitScrollWindow(t, Kit{}, content)
}

func newKitScrollWindow(t *testing.T, k Kit, content fyne.CanvasObject) (*Scroll, fyne.Window) {
	test.NewTempApp(t)
	s := k.NewScroll(content)
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(400, 400))
	return s, w
}

func TestScrollDragOnLabelScrolls(t *testing.T) {
	box, label, _ := tallContent(60, nil)
	s, w := newScrollWindow(t, box)
	if s.maxOffset() <= 100 {
		t.Fatalf("content should overflow, max offset %v", s.maxOffset())
	}

	test.Drag(w.Canvas(), absCentre(label), 0, -50)
	if got := s.Offset(); got != 50 {
		t.Fatalf("offset after dragging up by 50 = %v, want 50", got)
	}
	test.Drag(w.Canvas(), fyne.NewPos(100, 200), 0, 20)
	if got := s.Offset(); got != 30 {
		t.Fatalf("offset after dragging down by 20 = %v, want 30", got)
	}

	test.Drag(w.Canvas(), fyne.NewPos(100, 200), 0, -100000)
	if got, want := s.Offset(), s.maxOffset(); got != want {
		t.Fatalf("offset after overlong drag = %v, want clamp to %v", got, want)
	}
	test.Drag(w.Canvas(), fyne.NewPos(100, 200), 0, 100000)
	if got := s.Offset(); got != 0 {
		t.Fatalf("offset after overlong drag back = %v, want 0", got)
	}
}

func TestScrollShortContentDoesNotScroll(t *testing.T) {
	label := widget.NewLabel("short")
	s, w := newScrollWindow(t, label)
	test.Drag(w.Canvas(), absCentre(label), 0, -50)
	if got := s.Offset(); got != 0 {
		t.Fatalf("short content scrolled to %v", got)
	}
	if !s.pager.up.Disabled() || !s.pager.down.Disabled() {
		t.Fatal("arrows should be disabled when nothing overflows")
	}
	if s.pager.fade.Visible() {
		t.Fatal("no fade expected without overflow")
	}
}

func TestScrollDragOnButtonScrollsWithoutTap(t *testing.T) {
	taps := 0
	box, _, btn := tallContent(60, func() { taps++ })
	s, w := newScrollWindow(t, box)

	// The drag must reach the surface (deepest Draggable), not the button.
	test.Drag(w.Canvas(), absCentre(btn), 0, -40)
	if got := s.Offset(); got != 40 {
		t.Fatalf("drag on button: offset %v, want 40", got)
	}
	if taps != 0 {
		t.Fatalf("drag triggered the button %d times", taps)
	}

	test.TapCanvas(w.Canvas(), absCentre(btn))
	if taps != 1 {
		t.Fatalf("tap on button: %d taps, want 1", taps)
	}
}

func TestScrollArrows(t *testing.T) {
	box, _, _ := tallContent(60, nil)
	s, _ := newScrollWindow(t, box)
	up, down := s.pager.up, s.pager.down

	if !up.Disabled() {
		t.Fatal("▲ should be disabled at the top")
	}
	if down.Disabled() || !down.highlight || !s.pager.fade.Visible() {
		t.Fatal("▼ should be enabled and highlighted with a fade when content overflows")
	}
	if down.Size().Height < TargetSize || down.Size().Width < TargetSize {
		t.Fatalf("▼ too small: %v", down.Size())
	}

	page := s.scroll.Size().Height * pageFraction
	test.Tap(down)
	if got := s.Offset(); got != page {
		t.Fatalf("offset after ▼ = %v, want %v", got, page)
	}
	if up.Disabled() {
		t.Fatal("▲ should be enabled after scrolling down")
	}

	for i := 0; i < 100 && !down.Disabled(); i++ {
		test.Tap(down)
	}
	if got, want := s.Offset(), s.maxOffset(); got != want {
		t.Fatalf("offset at bottom = %v, want %v", got, want)
	}
	if !down.Disabled() || down.highlight || s.pager.fade.Visible() {
		t.Fatal("▼ should be disabled and unhighlighted at the bottom, fade hidden")
	}
	test.Tap(down) // disabled: no effect
	if got, want := s.Offset(), s.maxOffset(); got != want {
		t.Fatalf("disabled ▼ moved offset to %v", got)
	}

	test.Tap(up)
	if got, want := s.Offset(), s.maxOffset()-page; got != want {
		t.Fatalf("offset after ▲ = %v, want %v", got, want)
	}

	s.ScrollToTop()
	if s.Offset() != 0 || !up.Disabled() {
		t.Fatal("ScrollToTop should reach the top and disable ▲")
	}
}

func TestScrollArrowsFollowResizeAndContent(t *testing.T) {
	box, _, _ := tallContent(5, nil)
	s, w := newScrollWindow(t, box)
	if !s.pager.down.Disabled() {
		t.Fatal("5 lines fit in 400 units; ▼ should be disabled")
	}

	w.Resize(fyne.NewSize(400, 150))
	if s.pager.down.Disabled() {
		t.Fatal("after shrinking the window ▼ should be enabled")
	}

	test.Drag(w.Canvas(), fyne.NewPos(100, 60), 0, -30)
	if s.Offset() == 0 {
		t.Fatal("expected to scroll")
	}
	s.SetContent(widget.NewLabel("short"))
	if s.Offset() != 0 || !s.pager.down.Disabled() || !s.pager.up.Disabled() {
		t.Fatalf("after SetContent(short): offset %v, arrows should be disabled", s.Offset())
	}

	long, _, _ := tallContent(60, nil)
	s.SetContent(long)
	if s.pager.down.Disabled() {
		t.Fatal("after SetContent(long) ▼ should be enabled")
	}
	test.Drag(w.Canvas(), fyne.NewPos(100, 60), 0, -30)
	if s.Offset() != 30 {
		t.Fatalf("drag on new content: offset %v, want 30", s.Offset())
	}
}

func newTestList(t *testing.T, n int) (*List, fyne.Window, *[]widget.ListItemID) {
	return newKitTestList(t, Kit{}, n)
}

func newKitTestList(t *testing.T, k Kit, n int) (*List, fyne.Window, *[]widget.ListItemID) {
	test.NewTempApp(t)
	var selected []widget.ListItemID
	l := k.NewList(
		func() int { return n },
		func() fyne.CanvasObject { return widget.NewLabel("template") },
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(fmt.Sprintf("row %d", id)) },
	)
	l.OnSelected = func(id widget.ListItemID) { selected = append(selected, id) }
	w := test.NewTempWindow(t, l)
	w.Resize(fyne.NewSize(400, 400))
	return l, w, &selected
}

// rowAt finds the rendered row for id.
func rowAt(t *testing.T, w fyne.Window, id widget.ListItemID) *listRow {
	t.Helper()
	var found *listRow
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if r, ok := o.(*listRow); ok && r.id == id && r.Visible() {
			found = r
		}
		switch c := o.(type) {
		case *fyne.Container:
			for _, ch := range c.Objects {
				walk(ch)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(c).Objects() {
				walk(ch)
			}
		}
	}
	walk(w.Content())
	if found == nil {
		t.Fatalf("row %d not rendered", id)
	}
	return found
}

func TestListDragScrolls(t *testing.T) {
	l, w, selected := newTestList(t, 200)
	row := rowAt(t, w, 2)

	test.Drag(w.Canvas(), absCentre(row), 0, -70)
	if got := l.list.GetScrollOffset(); got != 70 {
		t.Fatalf("list offset after drag = %v, want 70", got)
	}
	if len(*selected) != 0 {
		t.Fatalf("drag selected rows %v", *selected)
	}

	test.Drag(w.Canvas(), fyne.NewPos(100, 200), 0, -1e6)
	if got, want := l.list.GetScrollOffset(), l.maxOffset(); got != want || want <= 0 {
		t.Fatalf("list offset after overlong drag = %v, want %v", got, want)
	}
	if !l.pager.down.Disabled() {
		t.Fatal("▼ should be disabled at the end of the list")
	}
	// The last row must be fully visible at max offset, i.e. our content height matches widget.List's.
	last := rowAt(t, w, 199)
	bottom := fyne.CurrentApp().Driver().AbsolutePositionForObject(last).Y + last.Size().Height
	listBottom := fyne.CurrentApp().Driver().AbsolutePositionForObject(l.list).Y + l.list.Size().Height
	if bottom > listBottom+edgeEpsilon || bottom < listBottom-edgeEpsilon {
		t.Fatalf("last row bottom %v, list bottom %v", bottom, listBottom)
	}
}

func TestListShortDoesNotScroll(t *testing.T) {
	l, w, _ := newTestList(t, 2)
	test.Drag(w.Canvas(), absCentre(rowAt(t, w, 0)), 0, -70)
	if got := l.list.GetScrollOffset(); got != 0 {
		t.Fatalf("short list scrolled to %v", got)
	}
	if !l.pager.up.Disabled() || !l.pager.down.Disabled() {
		t.Fatal("arrows should be disabled for a short list")
	}
}

func TestListTapSelects(t *testing.T) {
	l, w, selected := newTestList(t, 200)
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 3)))
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 3)))
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 1)))
	if got := fmt.Sprint(*selected); got != "[3 3 1]" {
		t.Fatalf("selected %s, want [3 3 1]", got)
	}

	// After scrolling, ids still map to the right rows.
	test.Drag(w.Canvas(), fyne.NewPos(100, 200), 0, -1000)
	test.TapCanvas(w.Canvas(), absCentre(rowAt(t, w, 30)))
	if got := (*selected)[len(*selected)-1]; got != 30 {
		t.Fatalf("selected %d after scrolling, want 30", got)
	}
	_ = l
}

func TestListArrows(t *testing.T) {
	l, _, _ := newTestList(t, 200)
	up, down := l.pager.up, l.pager.down
	if !up.Disabled() || down.Disabled() || !down.highlight {
		t.Fatal("at top: ▲ disabled, ▼ enabled and highlighted expected")
	}
	page := l.list.Size().Height * pageFraction
	test.Tap(down)
	if got := l.list.GetScrollOffset(); got != page {
		t.Fatalf("offset after ▼ = %v, want %v", got, page)
	}
	if up.Disabled() {
		t.Fatal("▲ should be enabled after paging down")
	}
	test.Tap(up)
	if l.list.GetScrollOffset() != 0 || !up.Disabled() {
		t.Fatal("▲ should return to the top")
	}
	for i := 0; i < 1000 && !down.Disabled(); i++ {
		test.Tap(down)
	}
	if !down.Disabled() || l.list.GetScrollOffset() != l.maxOffset() {
		t.Fatalf("▼ should stop at the bottom: offset %v max %v", l.list.GetScrollOffset(), l.maxOffset())
	}
	l.ScrollToTop()
	if l.list.GetScrollOffset() != 0 || !up.Disabled() || down.Disabled() {
		t.Fatal("ScrollToTop should reset offset and arrows")
	}
}

func TestListRefreshUpdatesArrows(t *testing.T) {
	test.NewTempApp(t)
	n := 2
	l := Kit{}.NewList(func() int { return n },
		func() fyne.CanvasObject { return widget.NewLabel("x") },
		func(widget.ListItemID, fyne.CanvasObject) {})
	w := test.NewTempWindow(t, l)
	w.Resize(fyne.NewSize(400, 400))
	if !l.pager.down.Disabled() {
		t.Fatal("2 rows fit; ▼ should be disabled")
	}
	n = 100
	l.Refresh()
	if l.pager.down.Disabled() {
		t.Fatal("after growing the data and Refresh ▼ should be enabled")
	}
}

func TestActivity(t *testing.T) {
	k, n := countingKit()
	box, label, btn := tallContent(60, nil)
	s, w := newKitScrollWindow(t, k, box)

	test.Drag(w.Canvas(), absCentre(label), 0, -10)
	if *n != 1 {
		t.Fatalf("drag: %d activity calls, want 1", *n)
	}
	test.Tap(s.pager.down)
	if *n != 2 {
		t.Fatalf("arrow: %d activity calls, want 2", *n)
	}
	test.Tap(s.pager.up)
	if *n != 3 {
		t.Fatalf("arrow ▲: %d activity calls, want 3", *n)
	}
	_ = btn

	nb := k.NewButton("Dalej", nil, nil)
	w.SetContent(nb)
	test.Tap(nb.(fyne.Tappable))
	if *n != 4 {
		t.Fatalf("button: %d activity calls, want 4", *n)
	}

	k, n = countingKit()
	l, lw, _ := newKitTestList(t, k, 100)
	test.TapCanvas(lw.Canvas(), absCentre(rowAt(t, lw, 1)))
	test.Drag(lw.Canvas(), absCentre(rowAt(t, lw, 1)), 0, -10)
	test.Tap(l.pager.down)
	if *n != 3 {
		t.Fatalf("list tap+drag+arrow: %d activity calls, want 3", *n)
	}

	// Each UI passes its own hook: another kit's widgets do not report to this one.
	other, m := countingKit()
	o := other.NewButton("Inny", nil, nil)
	test.Tap(o.(fyne.Tappable))
	if *n != 3 || *m != 1 {
		t.Fatalf("another kit's button: this kit %d, want 3; that kit %d, want 1", *n, *m)
	}

	nl, _, _ := newTestList(t, 100) // a nil Activity must be safe
	test.Tap(nl.pager.down)
}

func TestNewButton(t *testing.T) {
	test.NewTempApp(t)
	tapped := 0
	b := Kit{}.NewButton("Sprawy", nil, func() { tapped++ })
	w := test.NewTempWindow(t, container.NewVBox(b))
	w.Resize(fyne.NewSize(400, 400))
	if b.MinSize().Height < TargetSize || b.MinSize().Width < TargetSize {
		t.Fatalf("button min size %v below target %v", b.MinSize(), TargetSize)
	}
	if b.Size().Height < TargetSize {
		t.Fatalf("button laid out at %v", b.Size())
	}
	if got := b.(*bigButton).Importance; got != widget.HighImportance {
		t.Fatalf("importance %v", got)
	}
	test.TapCanvas(w.Canvas(), absCentre(b))
	if tapped != 1 {
		t.Fatalf("tapped %d, want 1", tapped)
	}
}

func TestNewChoiceShowsItsState(t *testing.T) {
	test.NewTempApp(t)
	// A kit with a width measures its buttons as it makes them; the state must still show.
	k := Kit{Width: func() float32 { return 1000 }}
	chosen := k.NewChoice("Tak", true, nil).(*bigButton)
	other := k.NewChoice("Nie", false, nil).(*bigButton)
	if chosen.Importance != widget.HighImportance || other.Importance == widget.HighImportance {
		t.Fatalf("importance chosen=%v other=%v", chosen.Importance, other.Importance)
	}
	bg := func(b *bigButton) color.Color {
		return test.WidgetRenderer(b).Objects()[0].(*canvas.Rectangle).FillColor
	}
	if bg(chosen) == bg(other) {
		t.Fatalf("chosen and other answers look the same: %v", bg(chosen))
	}
	if other.MinSize().Height < TargetSize {
		t.Fatal("an unchosen answer is smaller than a fingertip")
	}
}

// A label too long for the kit's width breaks into lines instead of widening the button
// past the screen (large text on a portrait kiosk).
func TestButtonLabelWrapsToKitWidth(t *testing.T) {
	test.NewTempApp(t)
	k := Kit{Width: func() float32 { return 150 }}
	long := "Przeczytałam lub przeczytałem informację o ochronie danych"
	b := k.NewButton(long, nil, nil).(*bigButton)
	if w := b.MinSize().Width; w > 150 {
		t.Fatalf("button is %v wide, want at most 150", w)
	}
	if !strings.Contains(b.Text, "\n") || strings.Join(strings.Fields(b.Text), " ") != long {
		t.Fatalf("label %q, want %q in lines", b.Text, long)
	}
	one := Kit{}.NewButton("Tak", nil, nil).(*bigButton)
	if b.MinSize().Height <= one.MinSize().Height {
		t.Fatalf("wrapped button %v not taller than a one-line one %v", b.MinSize(), one.MinSize())
	}
	short := k.NewButton("Tak", nil, nil).(*bigButton)
	if short.Text != "Tak" {
		t.Fatalf("short label changed to %q", short.Text)
	}
}

// In the lower layout a short page sits at the bottom of its view, within reach; a long one
// scrolls as usual from its top.
func TestScrollBottomPlacesShortContentLow(t *testing.T) {
	test.NewTempApp(t)
	k := Kit{Bottom: func() bool { return true }}
	btn := widget.NewButton("Dalej", nil)
	s := k.NewScroll(container.NewVBox(widget.NewLabel("Pytanie"), btn))
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(400, 800))
	if c := absCentre(btn); c.Y < 600 {
		t.Fatalf("short content's button centred at y %v, want near the bottom of 800", c.Y)
	}
	box, first, _ := tallContent(80, nil)
	long := k.NewScroll(box)
	w.SetContent(long)
	w.Resize(fyne.NewSize(400, 800))
	if c := absCentre(first); c.Y > 100 {
		t.Fatalf("long content's first line at y %v, want at the top", c.Y)
	}
}

// block is content that records what its Scroll says of it.
type block struct {
	widget.BaseWidget
	height float32
	off    bool
	told   bool
}

func newBlock(height float32) *block {
	b := &block{height: height}
	b.ExtendBaseWidget(b)
	return b
}

func (b *block) SetOffScreen(off bool) { b.off, b.told = off, true }
func (b *block) MinSize() fyne.Size    { return fyne.NewSize(50, b.height) }
func (b *block) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Black))
}

func TestScrollCullsWhatIsOutOfView(t *testing.T) {
	var blocks []*block
	box := container.NewVBox()
	inner := container.NewVBox() // blocks in a nested container are told too
	for i := range 30 {
		b := newBlock(95)
		blocks = append(blocks, b)
		if i%2 == 1 {
			inner.Add(b)
		} else {
			box.Add(b)
		}
		if i == 9 {
			box.Add(inner)
			inner = container.NewVBox()
		}
	}
	box.Add(inner)
	s, w := newScrollWindow(t, box)
	check := func(when string) {
		t.Helper()
		w.Canvas().Capture() // a paint walks the tree, as every frame does
		view := s.scroll.Size().Height
		for i, b := range blocks {
			top := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).Y -
				fyne.CurrentApp().Driver().AbsolutePositionForObject(s.scroll).Y
			in := top < view && top+b.Size().Height > 0
			if !b.told {
				t.Fatalf("%s: block %d was never told whether it is in view", when, i)
			}
			if b.off == in {
				t.Errorf("%s: block %d at %v..%v of a %v view: off screen %v", when, i, top, top+b.Size().Height, view, b.off)
			}
		}
	}
	check("at the top")
	s.ScrollTo(1200)
	check("scrolled")
	// A layout that moves the blocks without a scroll (a block above grows) is followed too.
	blocks[0].height = 900
	box.Refresh()
	check("after a block grew")
	if n := countOff(blocks); n < 20 {
		t.Errorf("only %d of 30 blocks culled in a 400-px view", n)
	}
}

func countOff(bs []*block) int {
	n := 0
	for _, b := range bs {
		if b.off {
			n++
		}
	}
	return n
}
