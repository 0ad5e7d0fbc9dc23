package touch

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

var _ fyne.Draggable = (*dragSurface)(nil)

// dragSurface wraps scroll content so that finger drags anywhere on it
// scroll the view. It sits between the container.Scroll and the content, so
// it is the deepest fyne.Draggable under labels, rich text, images and
// buttons (which are not draggable) and receives the drag instead of the
// Scroll, which ignores drags on desktop. Draggable content such as an Entry
// or Slider still gets its own drags because it is deeper.
type dragSurface struct {
	widget.BaseWidget

	content   fyne.CanvasObject
	onDragged func(dy float32)
	onResized func()
	onDrawn   func() // before Fyne walks the content, for a paint or anything else
	activity  activity
}

func newDragSurface(content fyne.CanvasObject, dragged func(dy float32), resized func(), act activity) *dragSurface {
	d := &dragSurface{content: content, onDragged: dragged, onResized: resized, activity: act}
	d.ExtendBaseWidget(d)
	return d
}

// Dragged scrolls by the finger's vertical movement.
func (d *dragSurface) Dragged(e *fyne.DragEvent) {
	d.activity.report()
	if d.onDragged != nil {
		d.onDragged(e.Dragged.DY)
	}
}

// DragEnd is a no-op: no kinetic scrolling, which keeps the page still the
// moment the finger lifts (easier for elderly users).
func (d *dragSurface) DragEnd() {}

// Resize notifies the owner, because the Scroll resizes its content whenever
// the content's minimum size changes; that is our cue to update the arrows.
func (d *dragSurface) Resize(size fyne.Size) {
	if size == d.Size() {
		return
	}
	d.BaseWidget.Resize(size)
	if d.onResized != nil {
		d.onResized()
	}
}

func (d *dragSurface) CreateRenderer() fyne.WidgetRenderer {
	d.ExtendBaseWidget(d)
	return &surfaceRenderer{d: d, objects: []fyne.CanvasObject{d.content}}
}

type surfaceRenderer struct {
	d       *dragSurface
	objects []fyne.CanvasObject
}

func (r *surfaceRenderer) Layout(size fyne.Size) {
	r.d.content.Move(fyne.NewPos(0, 0))
	r.d.content.Resize(size)
}

func (r *surfaceRenderer) MinSize() fyne.Size {
	return r.d.content.MinSize()
}

func (r *surfaceRenderer) Refresh() {
	if r.objects[0] != r.d.content { // content replaced by SetContent
		r.objects[0] = r.d.content
		r.Layout(r.d.Size())
	}
	r.d.content.Refresh()
}

func (r *surfaceRenderer) Objects() []fyne.CanvasObject {
	if r.d.onDrawn != nil {
		r.d.onDrawn()
	}
	return r.objects
}

func (r *surfaceRenderer) Destroy() {}

// Scroll is a vertical scroll view for long pages that scrolls when dragged
// with a finger and has large ▲/▼ page buttons at its right edge.
type Scroll struct {
	widget.BaseWidget

	scroll  *container.Scroll
	surface *dragSurface
	pager   *pager
	bottom  bool // short content sits at the bottom
}

// place puts content at the bottom of the view when it is shorter and s.bottom is set (the
// scroller stretches its content to the view).
func (s *Scroll) place(content fyne.CanvasObject) fyne.CanvasObject {
	if !s.bottom {
		return content
	}
	return container.New(bottomLayout{}, content)
}

// bottomLayout puts its objects at the bottom of the space, as tall as they need. It asks
// their height again once their width is set: wrapped text is only as tall as its width
// makes it, so a height asked earlier would push the last lines out of sight.
type bottomLayout struct{}

func (bottomLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, max(size.Height-h, 0)))
	}
}

func (bottomLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// NewScroll returns a vertical, finger-draggable scroll view of content.
// With k.Bottom saying so, content shorter than the view sits at its bottom.
func (k Kit) NewScroll(content fyne.CanvasObject) *Scroll {
	s := &Scroll{bottom: k.Bottom != nil && k.Bottom()}
	content = s.place(content)
	s.surface = newDragSurface(content, func(dy float32) { s.scrollTo(s.Offset() - dy) }, s.updateArrows, k.Activity)
	s.surface.onDrawn = s.cull
	s.scroll = container.NewVScroll(s.surface)
	// Mouse wheel and scroll-bar drags move the offset without us; keep the arrows in step.
	s.scroll.OnScrolled = func(fyne.Position) { s.updateArrows() }
	s.pager = newPager(
		func() { s.scrollTo(s.Offset() - s.pageStep()) },
		func() { s.scrollTo(s.Offset() + s.pageStep()) },
		k.Activity,
	)
	s.ExtendBaseWidget(s)
	return s
}

// Offset is the current vertical scroll offset in Fyne units.
func (s *Scroll) Offset() float32 {
	return s.scroll.Offset.Y
}

// ScrollTo moves to offset, as far as the content reaches.
func (s *Scroll) ScrollTo(offset float32) {
	s.scrollTo(offset)
}

// ScrollToTop shows the beginning of the content.
func (s *Scroll) ScrollToTop() {
	s.scrollTo(0)
}

// SetContent replaces the content and scrolls to the top, as a new page
// should be read from its beginning.
func (s *Scroll) SetContent(content fyne.CanvasObject) {
	s.surface.content = s.place(content)
	s.surface.Refresh()
	s.scroll.Offset = fyne.Position{}
	s.scroll.Refresh() // re-lays out the new content at offset 0
	s.updateArrows()
}

// maxOffset is how far the content can scroll; it mirrors the clamping in
// Fyne's Scroll, which uses the content's minimum height.
func (s *Scroll) maxOffset() float32 {
	return fyne.Max(0, s.surface.MinSize().Height-s.scroll.Size().Height)
}

func (s *Scroll) pageStep() float32 {
	return s.scroll.Size().Height * pageFraction
}

// scrollTo moves to offset, clamped to the scrollable range.
func (s *Scroll) scrollTo(offset float32) {
	offset = clampOffset(offset, s.maxOffset())
	if offset != s.scroll.Offset.Y {
		s.scroll.ScrollToOffset(fyne.NewPos(0, offset))
	}
	s.updateArrows()
}

func (s *Scroll) updateArrows() {
	s.pager.update(s.Offset(), s.maxOffset())
}

// OffScreen is content a Scroll tells whether it is out of the view (markdown.Paragraph),
// so that it need not be drawn there. Fyne's painter draws every object of the tree,
// clipped or not, and rasterises each text it meets on the UI thread: opening a page three
// screens long rasterised all of it, though the resident sees one screen. What is culled
// stays in the tree and Visible, so speech, the keypad and layouts still find it.
type OffScreen interface {
	SetOffScreen(bool)
}

// cull tells the OffScreen objects in the content (inside containers, as Markdown is built)
// whether they are out of the view. It runs each time Fyne walks the content (every frame
// it paints), so what it says follows every scroll and every layout. Before the view has
// a size nothing is culled.
func (s *Scroll) cull() {
	view := s.scroll.Size().Height
	if view <= 0 {
		return
	}
	top, bottom := s.Offset(), s.Offset()+view
	var walk func(o fyne.CanvasObject, y float32)
	walk = func(o fyne.CanvasObject, y float32) {
		switch v := o.(type) {
		case OffScreen:
			v.SetOffScreen(y+o.Size().Height <= top || y >= bottom)
		case *fyne.Container:
			for _, k := range v.Objects {
				walk(k, y+k.Position().Y)
			}
		}
	}
	walk(s.surface.content, 0)
}

func (s *Scroll) CreateRenderer() fyne.WidgetRenderer {
	s.ExtendBaseWidget(s)
	r := &scrollRenderer{s: s, objects: append([]fyne.CanvasObject{s.scroll}, s.pager.objects()...)}
	s.pager.refreshTheme(s.Theme())
	return r
}

type scrollRenderer struct {
	s       *Scroll
	objects []fyne.CanvasObject
}

func (r *scrollRenderer) Layout(size fyne.Size) {
	r.s.pager.layout(r.s.scroll, size, r.s.Theme())
	r.s.updateArrows()
}

func (r *scrollRenderer) MinSize() fyne.Size {
	return r.s.pager.minSize(r.s.scroll.MinSize(), r.s.Theme())
}

func (r *scrollRenderer) Refresh() {
	r.s.pager.refreshTheme(r.s.Theme())
	r.s.pager.up.Refresh()
	r.s.pager.down.Refresh()
	r.s.scroll.Refresh() // re-clamps the offset if the content shrank
	r.s.updateArrows()
}

func (r *scrollRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *scrollRenderer) Destroy() {}

// Content is what the view scrolls (inside the placement for short content, if any).
func (s *Scroll) Content() fyne.CanvasObject {
	return s.surface.content
}

// Reveal scrolls as little as needed to show the part of the content from top to bottom
// (content coordinates): a keypad's focus moved to something out of sight.
func (s *Scroll) Reveal(top, bottom float32) {
	view := s.scroll.Size().Height
	off := s.Offset()
	switch {
	case top < off || bottom-top > view:
		s.scrollTo(top)
	case bottom > off+view:
		s.scrollTo(bottom - view)
	}
}
