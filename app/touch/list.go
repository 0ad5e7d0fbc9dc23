package touch

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var (
	_ fyne.Draggable  = (*listRow)(nil)
	_ fyne.Tappable   = (*listRow)(nil)
	_ fyne.Scrollable = (*listRow)(nil)
)

// listRow wraps each row object of a List. It is deeper than widget.List's
// own row and scroller, so it receives drags (which the list's internal
// Scroll would ignore on desktop) and taps (which it reports as selection).
// Tappable widgets inside the row are deeper still and keep their own taps.
type listRow struct {
	widget.BaseWidget

	owner   *List
	id      widget.ListItemID
	content fyne.CanvasObject
}

func newListRow(owner *List, content fyne.CanvasObject) *listRow {
	r := &listRow{owner: owner, id: -1, content: content}
	r.ExtendBaseWidget(r)
	return r
}

// Dragged scrolls the list. The list may recycle this row while the finger
// moves, which is harmless: only the delta is used.
func (r *listRow) Dragged(e *fyne.DragEvent) {
	r.owner.activity.report()
	r.owner.scrollTo(r.owner.list.GetScrollOffset() - e.Dragged.DY)
}

// DragEnd is a no-op: no kinetic scrolling, see dragSurface.DragEnd.
func (r *listRow) DragEnd() {}

// Tapped reports the row as selected.
func (r *listRow) Tapped(*fyne.PointEvent) {
	if r.id < 0 {
		return
	}
	r.owner.rowTapped(r.id)
}

// Scrolled handles the mouse wheel here, rather than in the list's internal
// scroller, so the arrows stay in step (widget.List has no scroll callback).
func (r *listRow) Scrolled(e *fyne.ScrollEvent) {
	r.owner.activity.report()
	r.owner.scrollTo(r.owner.list.GetScrollOffset() - e.Scrolled.DY)
}

func (r *listRow) CreateRenderer() fyne.WidgetRenderer {
	r.ExtendBaseWidget(r)
	return widget.NewSimpleRenderer(r.content)
}

// List is a finger-draggable list for long data sets, built on widget.List so
// only visible rows are rendered, with large ▲/▼ page buttons at its right edge.
type List struct {
	widget.BaseWidget

	// OnSelected is called when a row is tapped. The row is not left selected,
	// so tapping the same row again calls OnSelected again.
	OnSelected func(id widget.ListItemID)

	list        *widget.List
	pager       *pager
	length      func() int
	create      func() fyne.CanvasObject
	itemMin     fyne.Size
	itemHeights map[widget.ListItemID]float32
	activity    activity
	guard       *TapGuard
}

// NewList returns a List; the callbacks have the same meaning as for
// widget.NewList and update receives the object returned by create.
func (k Kit) NewList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *List {
	l := &List{length: length, create: create, activity: k.Activity, guard: k.Guard}
	l.list = widget.NewList(length,
		func() fyne.CanvasObject { return newListRow(l, create()) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*listRow)
			row.id = id
			if update != nil {
				update(id, row.content)
			}
		})
	// Taps are handled by listRow; this covers keyboard selection.
	l.list.OnSelected = func(id widget.ListItemID) {
		l.notifySelected(id)
		l.list.Unselect(id)
	}
	l.pager = newPager(
		func() { l.scrollTo(l.list.GetScrollOffset() - l.pageStep()) },
		func() { l.scrollTo(l.list.GetScrollOffset() + l.pageStep()) },
		l.activity,
	)
	l.ExtendBaseWidget(l)
	return l
}

// ScrollToTop shows the first rows.
func (l *List) ScrollToTop() {
	// Not widget.List.ScrollToTop: it dereferences the scroller, which is nil
	// until the list is rendered.
	l.list.ScrollToOffset(0)
	l.updateArrows()
}

// Offset is the current vertical scroll offset in Fyne units.
func (l *List) Offset() float32 {
	return l.list.GetScrollOffset()
}

// SetItemHeight sets the height of one row, like widget.List.SetItemHeight;
// use this rather than the inner list so the arrows know the content height.
func (l *List) SetItemHeight(id widget.ListItemID, height float32) {
	if l.itemHeights == nil {
		l.itemHeights = make(map[widget.ListItemID]float32)
	}
	l.itemHeights[id] = height
	l.list.SetItemHeight(id, height)
	l.updateArrows()
}

// rowTapped bypasses widget.List.Select, which would first scroll a partly
// visible row into view, moving the page under the user's finger.
func (l *List) rowTapped(id widget.ListItemID) {
	if !l.guard.Allow() {
		l.activity.report()
		return
	}
	l.notifySelected(id)
	l.list.UnselectAll()
}

func (l *List) notifySelected(id widget.ListItemID) {
	l.activity.report()
	if f := l.OnSelected; f != nil {
		f(id)
	}
}

// contentHeight mirrors widget.List's private contentMinSize, which decides
// how far the list can scroll; widget.List does not expose it.
func (l *List) contentHeight() float32 {
	n := 0
	if l.length != nil {
		n = l.length()
	}
	if n <= 0 {
		return 0
	}
	if l.itemMin.IsZero() && l.create != nil {
		l.itemMin = l.create().MinSize()
	}
	h := float32(0)
	custom := 0
	for id, ih := range l.itemHeights {
		if id < n {
			custom++
			h += ih
		}
	}
	h += float32(n-custom) * l.itemMin.Height
	return h + l.list.Theme().Size(theme.SizeNamePadding)*float32(n-1)
}

func (l *List) maxOffset() float32 {
	return fyne.Max(0, l.contentHeight()-l.list.Size().Height)
}

func (l *List) pageStep() float32 {
	return l.list.Size().Height * pageFraction
}

// scrollTo moves to offset, clamped to the scrollable range.
func (l *List) scrollTo(offset float32) {
	offset = clampOffset(offset, l.maxOffset())
	if offset != l.list.GetScrollOffset() {
		l.list.ScrollToOffset(offset)
	}
	l.updateArrows()
}

func (l *List) updateArrows() {
	l.pager.update(l.list.GetScrollOffset(), l.maxOffset())
}

func (l *List) CreateRenderer() fyne.WidgetRenderer {
	l.ExtendBaseWidget(l)
	l.pager.refreshTheme(l.Theme())
	return &listRenderer{l: l, objects: append([]fyne.CanvasObject{l.list}, l.pager.objects()...)}
}

type listRenderer struct {
	l       *List
	objects []fyne.CanvasObject
}

func (r *listRenderer) Layout(size fyne.Size) {
	r.l.pager.layout(r.l.list, size, r.l.Theme())
	r.l.updateArrows()
}

func (r *listRenderer) MinSize() fyne.Size {
	return r.l.pager.minSize(r.l.list.MinSize(), r.l.Theme())
}

// Refresh re-measures the row template (as widget.List does) because data or
// theme changes can change row height, then refreshes rows and arrows.
func (r *listRenderer) Refresh() {
	if r.l.create != nil {
		r.l.itemMin = r.l.create().MinSize()
	}
	r.l.pager.refreshTheme(r.l.Theme())
	r.l.pager.up.Refresh()
	r.l.pager.down.Refresh()
	r.l.list.Refresh()
	r.l.updateArrows()
}

func (r *listRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *listRenderer) Destroy() {}
