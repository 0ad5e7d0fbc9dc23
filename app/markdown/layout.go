package markdown

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fitHeight gives obj the width and then the height its wrapped content needs at that width.
// Wrapped text only knows its height after being resized, so a plain VBox would lay out
// with stale heights until the next frame; doing both steps here settles in one pass.
func fitHeight(obj fyne.CanvasObject, width float32) float32 {
	if obj.Size().Width != width {
		obj.Resize(fyne.NewSize(width, obj.Size().Height))
	}
	h := obj.MinSize().Height
	obj.Resize(fyne.NewSize(width, h))
	return h
}

// themedRect is a rectangle whose colours follow the theme, so variant or theme changes
// repaint borders and backgrounds (a bare canvas.Rectangle keeps its first colour).
type themedRect struct {
	widget.BaseWidget
	fill, stroke fyne.ThemeColorName
}

func newThemedRect(fill, stroke fyne.ThemeColorName) *themedRect {
	r := &themedRect{fill: fill, stroke: stroke}
	r.ExtendBaseWidget(r)
	return r
}

func (r *themedRect) CreateRenderer() fyne.WidgetRenderer {
	rr := &themedRectRenderer{r: r, rect: canvas.NewRectangle(color.Transparent)}
	rr.Refresh()
	return rr
}

type themedRectRenderer struct {
	r    *themedRect
	rect *canvas.Rectangle
}

func (rr *themedRectRenderer) Destroy()                     {}
func (rr *themedRectRenderer) Layout(s fyne.Size)           { rr.rect.Resize(s) }
func (rr *themedRectRenderer) MinSize() fyne.Size           { return fyne.Size{} }
func (rr *themedRectRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{rr.rect} }

func (rr *themedRectRenderer) Refresh() {
	rr.rect.FillColor = color.Transparent
	if rr.r.fill != "" {
		rr.rect.FillColor = theme.ColorForWidget(rr.r.fill, rr.r)
	}
	rr.rect.StrokeWidth = 0
	if rr.r.stroke != "" {
		rr.rect.StrokeColor = theme.ColorForWidget(rr.r.stroke, rr.r)
		rr.rect.StrokeWidth = theme.SizeForWidget(theme.SizeNameInputBorder, rr.r)
	}
	rr.rect.Refresh()
}

// stackLayout is a VBox that settles wrapped-text heights in one layout pass.
type stackLayout struct{}

func (stackLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		n++
	}
	if n > 1 {
		s.Height += theme.Padding() * float32(n-1)
	}
	return s
}

func (stackLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := fitHeight(o, size.Width)
		o.Move(fyne.NewPos(0, y))
		y += h + theme.Padding()
	}
}

// quoteLayout draws a bar at the left of quoted content: objects are [bar, content].
type quoteLayout struct{}

func (quoteLayout) indent() (bar, lead float32) {
	bar = theme.Padding()
	return bar, bar + theme.Padding()*2
}

func (q quoteLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	_, lead := q.indent()
	return objs[1].MinSize().AddWidthHeight(lead, 0)
}

func (q quoteLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	bar, lead := q.indent()
	h := fitHeight(objs[1], size.Width-lead)
	objs[1].Move(fyne.NewPos(lead, 0))
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(bar, h))
}

// boxLayout puts padded content on a background or border: objects are [background, content].
type boxLayout struct{}

func (boxLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	p := theme.Padding() * 2
	return objs[1].MinSize().AddWidthHeight(p, p)
}

func (boxLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	p := theme.Padding()
	h := fitHeight(objs[1], size.Width-2*p)
	objs[1].Move(fyne.NewPos(p, p))
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, h+2*p))
}

// listLayout places list items as [marker0, content0, marker1, content1, ...] with a shared
// marker column, so wrapped item text hangs under the text rather than under the number.
type listLayout struct{}

func (listLayout) lead(objs []fyne.CanvasObject) float32 {
	w := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		w = max(w, markerWidth(objs[i]))
	}
	return w
}

// markerWidth measures the marker text itself; a Paragraph reports no useful min width.
func markerWidth(o fyne.CanvasObject) float32 {
	p, ok := o.(*Paragraph)
	if !ok {
		return o.MinSize().Width
	}
	line, _ := p.widths()
	return line + 2*theme.SizeForWidget(theme.SizeNameInnerPadding, p)
}

func (l listLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lead := l.lead(objs)
	var s fyne.Size
	for i := 0; i+1 < len(objs); i += 2 {
		m, c := objs[i].MinSize(), objs[i+1].MinSize()
		s.Width = max(s.Width, lead+c.Width)
		s.Height += max(m.Height, c.Height)
	}
	return s
}

func (l listLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lead := l.lead(objs)
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		mh := fitHeight(objs[i], lead)
		ch := fitHeight(objs[i+1], size.Width-lead)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i+1].Move(fyne.NewPos(lead, y))
		y += max(mh, ch)
	}
}

// tableLayout lays out a grid of wrapped cells with separator lines. Columns always share
// the available width (by content), so even many-column tables never overflow the screen.
// Where not every column can keep its longest word whole (many columns, large text) the
// table is stacked instead: each row a list of "header  value" pairs, one under another,
// since a word broken over three rows of a narrow column is harder to read than a longer
// page.
type tableLayout struct {
	cols      int
	cells     [][]*Paragraph // rows of cells, the first row is the header when hasHeader
	hasHeader bool
	labels    [][]*Paragraph   // the header's cells again for each data row (nil for others)
	aligns    []fyne.TextAlign // each column's, in the grid (stacked, values start at the left)
	header    *themedRect
	hLines    []*themedRect // len(cells)+1
	vLines    []*themedRect // cols+1

	stacked bool    // the last layout stacked the rows
	height  float32 // and was this tall
}

func lineWidth() float32 {
	return max(theme.SeparatorThicknessSize(), 1)
}

func (t *tableLayout) cellPad() float32 {
	return 2 * theme.InnerPadding()
}

// columnWidths shares avail between columns: natural widths when they fit (stretched to fill),
// otherwise every column keeps its longest word where possible and the rest wraps. fits says
// whether every column keeps its longest word.
func (t *tableLayout) columnWidths(avail float32) (widths []float32, fits bool) {
	n := t.cols
	natural, minimum := make([]float32, n), make([]float32, n)
	pad := t.cellPad()
	floor := pad + fyne.MeasureText("M", theme.TextSize(), fyne.TextStyle{}).Width
	for _, row := range t.cells {
		for c, cell := range row {
			line, word := cell.widths()
			natural[c] = max(natural[c], line+pad, floor)
			minimum[c] = max(minimum[c], word+pad, floor)
		}
	}
	var sumNat, sumMin float32
	for c := range n {
		minimum[c] = min(minimum[c], natural[c])
		sumNat += natural[c]
		sumMin += minimum[c]
	}
	widths = make([]float32, n)
	switch {
	case sumNat <= avail:
		for c := range n {
			widths[c] = natural[c] * avail / sumNat
		}
	case sumMin <= avail:
		shareFair(widths, natural, minimum, avail)
	default:
		shareFair(widths, minimum, make([]float32, n), avail)
		return widths, false
	}
	return widths, true
}

// shareFair gives each column at least floor and at most want: columns whose want fits a
// fair share of what is left get it whole, as long as the others keep their floor; the rest
// share what remains above their floors in proportion to how much more they want.
//
// With want the whole text and floor the longest word (every longest word fits), short
// columns keep their cells on one row (a metryczka's labels, "Data wytworzenia"). With want
// the longest word and no floor (not every longest word fits), columns whose longest word
// fits a fair share keep it whole (short headers like "Cena") and only the wide ones break
// words.
func shareFair(widths, want, floor []float32, avail float32) {
	fixed := make([]bool, len(widths))
	left := len(widths)
	var restFloor float32
	for _, f := range floor {
		restFloor += f
	}
	for changed := true; changed && left > 1; {
		changed = false
		for c := range widths {
			if fixed[c] || want[c] > avail/float32(left) || avail-want[c] < restFloor-floor[c] {
				continue
			}
			fixed[c], widths[c] = true, want[c]
			avail -= want[c]
			restFloor -= floor[c]
			left--
			changed = true
		}
	}
	var restWant float32
	for c := range widths {
		if !fixed[c] {
			restWant += want[c]
		}
	}
	for c := range widths {
		if fixed[c] {
			continue
		}
		widths[c] = floor[c]
		if restWant > restFloor {
			widths[c] += (want[c] - floor[c]) * (avail - restFloor) / (restWant - restFloor)
		}
	}
}

func (t *tableLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	line := lineWidth()
	floor := t.cellPad() + fyne.MeasureText("M", theme.TextSize(), fyne.TextStyle{}).Width
	w := float32(t.cols)*(floor+line) + line
	if t.stacked {
		return fyne.NewSize(w, t.height)
	}
	h := line
	for _, row := range t.cells {
		rh := float32(0)
		for _, cell := range row {
			rh = max(rh, cell.MinSize().Height)
		}
		h += rh + line
	}
	return fyne.NewSize(w, h)
}

func (t *tableLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if t.cols == 0 {
		return
	}
	line := lineWidth()
	widths, fits := t.columnWidths(size.Width - float32(t.cols+1)*line)
	t.stack(!fits && t.hasHeader && t.cols > 1)
	if t.stacked {
		t.layoutStacked(size)
		return
	}
	y := line
	for r, row := range t.cells {
		x := line
		rh := float32(0)
		for c, cell := range row {
			rh = max(rh, fitHeight(cell, widths[c]))
			cell.Move(fyne.NewPos(x, y))
			x += widths[c] + line
		}
		t.hLines[r].Move(fyne.NewPos(0, y-line))
		t.hLines[r].Resize(fyne.NewSize(size.Width, line))
		if r == 0 {
			t.header.Move(fyne.NewPos(0, 0))
			t.header.Resize(fyne.NewSize(size.Width, rh+2*line))
			t.header.Hidden = !t.hasHeader
		}
		y += rh + line
	}
	last := t.hLines[len(t.hLines)-1]
	last.Move(fyne.NewPos(0, y-line))
	last.Resize(fyne.NewSize(size.Width, line))
	x := float32(0)
	for c, v := range t.vLines {
		v.Move(fyne.NewPos(x, 0))
		v.Resize(fyne.NewSize(line, y))
		if c < t.cols {
			x += widths[c] + line
		}
	}
}

// stack switches between the grid and the stacked rows: the header row, the column lines
// and the header's background show in the grid, the labels of each row when stacked.
func (t *tableLayout) stack(on bool) {
	if on != t.stacked {
		for _, row := range t.cells[1:] {
			for c, cell := range row {
				align := t.aligns[c]
				if on {
					align = fyne.TextAlignLeading
				}
				cell.setAlign(align)
				cell.Refresh()
			}
		}
	}
	t.stacked = on
	for _, l := range t.hLines {
		l.Hidden = false
	}
	for _, h := range t.cells[0] {
		h.Hidden = on
	}
	for _, v := range t.vLines {
		v.Hidden = on
	}
	t.header.Hidden = on || !t.hasHeader
	for _, row := range t.labels {
		for _, l := range row {
			l.Hidden = !on
		}
	}
}

// layoutStacked lays each data row out as header labels on the left and values on the
// right, a line between rows.
func (t *tableLayout) layoutStacked(size fyne.Size) {
	line := lineWidth()
	var labelWidth float32
	for _, h := range t.cells[0] {
		w, _ := h.widths()
		labelWidth = max(labelWidth, w+t.cellPad())
	}
	labelWidth = min(labelWidth, size.Width*2/5)
	y := float32(0)
	rows := t.cells[1:]
	for i, row := range rows {
		t.hLines[i].Hidden = false
		t.hLines[i].Move(fyne.NewPos(0, y))
		t.hLines[i].Resize(fyne.NewSize(size.Width, line))
		y += line
		for c, cell := range row {
			h := fitHeight(cell, size.Width-labelWidth)
			if labels := t.labels[i+1]; labels != nil {
				h = max(h, fitHeight(labels[c], labelWidth))
				labels[c].Move(fyne.NewPos(0, y))
			}
			cell.Move(fyne.NewPos(labelWidth, y))
			y += h
		}
	}
	last := t.hLines[len(rows)]
	last.Hidden = false
	last.Move(fyne.NewPos(0, y))
	last.Resize(fyne.NewSize(size.Width, line))
	for _, l := range t.hLines[len(rows)+1:] {
		l.Hidden = true
	}
	t.height = y + line
}

// NewStack is a vertical box for screens that mix wrapped text with other objects: unlike
// container.NewVBox it gives wrapped text its real height in the same layout pass, so nothing
// overlaps after a theme or text-size change.
func NewStack(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(stackLayout{}, objs...)
}

// TableCells gives the cells of a table Render made, row by row (the header first, if it has
// one), so speech can read it a row at a time; false when c is no such table. When the
// table is stacked the header row is not shown: each row gives its header labels, each
// before its cell, instead.
func TableCells(c *fyne.Container) ([][]fyne.CanvasObject, bool) {
	t, ok := c.Layout.(*tableLayout)
	if !ok {
		return nil, false
	}
	var rows [][]fyne.CanvasObject
	for r, row := range t.cells {
		if t.stacked && r == 0 {
			continue // hidden: each row says its headers
		}
		var objs []fyne.CanvasObject
		for c, cell := range row {
			if t.stacked && t.labels[r] != nil {
				objs = append(objs, t.labels[r][c])
			}
			objs = append(objs, cell)
		}
		rows = append(rows, objs)
	}
	return rows, true
}
