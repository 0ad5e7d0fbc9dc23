package markdown

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Paragraph is a block of text with inline styles (bold, code) that breaks its own rows.
//
// Fyne 2.7.1's word wrap of inline runs (widget/richtext.go lineBounds) lays a run that
// starts where not even its first letter fits out one letter per row, splits a run inside
// its first word, and moves a run that ends a row exactly at a space to the next row whole,
// leaving a gap (the first is fixed upstream after 2.7.1, fyne-io/fyne#6200; only 2.7.1 is
// served here). It also breaks at every space, so "14 800 000,00 zł" or "+48 44 123 45 00"
// can end up over two rows. A Paragraph is a RichText with wrapping off whose segments get
// a line break where a row must end, worked out again whenever its width or text size
// changes (Resize, Refresh): the breaks go at spaces, but never after a number (inside an
// amount or a phone number, before a unit or a month), before a dash, or after a one-letter
// word (Polish typesetting: "w", "z", "i" do not end a row); see breakable. A word wider
// than the row is broken at a space inside it, else between letters.
type Paragraph struct {
	widget.RichText

	source   []widget.TextSegment // the text as written, without breaks
	maxRows  int                  // rows shown at most, the last ending in "…"; 0: all
	width    float32              // the width and text size the rows were broken for
	textSize float32

	// The source split into units and measured, for unitSize: it does not depend on the
	// width, and tables ask for it on every layout pass (widths).
	split    []unit
	unitSize float32

	offScreen bool // out of its scroll view: its rows are not drawn (touch.OffScreen)
}

func newParagraph(segs []widget.TextSegment) *Paragraph {
	p := &Paragraph{source: segs}
	p.Scroll = container.ScrollNone
	p.Wrapping = fyne.TextWrapOff
	p.Segments = p.broken(nil, -1)
	p.ExtendBaseWidget(p)
	return p
}

// NewLine is styled text on one row that ends in "…" where the row is too short, for list
// rows of a fixed height (search results: Fyne's truncation of a RichText with several
// styles lets a run past the edge and cuts it through a letter). Blank until SetSegments.
func NewLine(style widget.RichTextStyle) *Paragraph {
	p := newParagraph([]widget.TextSegment{{Text: " ", Style: style}})
	p.maxRows = 1
	return p
}

// NewWrapped is plain text in one style, wrapped by the same rules as a Markdown paragraph
// (for list rows: a caption does not end a row on "w"). Blank until SetText.
func NewWrapped(style widget.RichTextStyle) *Paragraph {
	return newParagraph([]widget.TextSegment{{Text: "", Style: style}})
}

// SetText replaces the text, kept in the style of its start.
func (p *Paragraph) SetText(text string) {
	style := widget.RichTextStyleParagraph
	if len(p.source) > 0 {
		style = p.source[0].Style
	}
	p.SetSegments([]widget.TextSegment{{Text: text, Style: style}})
}

// SetSegments replaces the text.
func (p *Paragraph) SetSegments(segs []widget.TextSegment) {
	p.source = segs
	p.split = nil
	p.width = -1 // break again
	p.Refresh()
}

// Text is the paragraph's text as written (without the breaks its rows put in).
func (p *Paragraph) Text() string {
	var b strings.Builder
	for _, s := range p.source {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Resize breaks the rows for the new width, then lays them out.
func (p *Paragraph) Resize(size fyne.Size) {
	changed := p.rebreak(size.Width)
	p.RichText.Resize(size)
	if changed {
		p.RichText.Refresh()
	}
}

// Refresh breaks the rows again if the text size changed (a theme change), then redraws.
func (p *Paragraph) Refresh() {
	p.rebreak(p.Size().Width)
	p.RichText.Refresh()
}

// MinSize is as wide as the padding only, as a wrapping RichText's is: the paragraph takes
// the width its container gives it. Its height is that of its rows at the current width.
func (p *Paragraph) MinSize() fyne.Size {
	s := p.RichText.MinSize()
	s.Width = 2 * theme.SizeForWidget(theme.SizeNameInnerPadding, p)
	return s
}

// SetOffScreen is told by the scroll view the paragraph is in whether it is out of sight;
// then it draws nothing, and Fyne rasterises none of its rows.
func (p *Paragraph) SetOffScreen(off bool) {
	p.offScreen = off
}

// CreateRenderer is RichText's, drawing nothing while the paragraph is off screen.
func (p *Paragraph) CreateRenderer() fyne.WidgetRenderer {
	return &paragraphRenderer{WidgetRenderer: p.RichText.CreateRenderer(), p: p}
}

type paragraphRenderer struct {
	fyne.WidgetRenderer
	p *Paragraph
}

func (r *paragraphRenderer) Objects() []fyne.CanvasObject {
	if r.p.offScreen {
		return nil
	}
	return r.WidgetRenderer.Objects()
}

// setAlign aligns every row of the paragraph.
func (p *Paragraph) setAlign(align fyne.TextAlign) {
	for i := range p.source {
		p.source[i].Style.Alignment = align
	}
	for _, s := range p.Segments {
		if ts, ok := s.(*widget.TextSegment); ok {
			ts.Style.Alignment = align
		}
	}
}

// rebreak works the breaks out for width if it or the text size changed, and says whether
// the segments changed.
func (p *Paragraph) rebreak(width float32) bool {
	size := theme.SizeForWidget(theme.SizeNameText, p)
	if width == p.width && size == p.textSize {
		return false
	}
	p.width, p.textSize = width, size
	room := width - 2*theme.SizeForWidget(theme.SizeNameInnerPadding, p)
	breaks := p.breaks(room)
	p.Segments = p.broken(breaks, p.cut(breaks, room))
	return true
}

// broken is the source with a line break put in at each of breaks: a space there is
// replaced by the break, anything else gets the break before it. With cut at 0 or more,
// the text from that rune on is left out and "…" ends what is kept.
func (p *Paragraph) broken(breaks map[int]bool, cut int) []widget.RichTextSegment {
	if cut == 0 && len(p.source) > 0 { // not even a letter fits before "…"
		return []widget.RichTextSegment{&widget.TextSegment{Text: "…", Style: p.source[0].Style}}
	}
	out := make([]widget.RichTextSegment, 0, len(p.source))
	at := 0
	for _, s := range p.source {
		seg := s
		var b strings.Builder
		for _, r := range s.Text {
			switch {
			case cut >= 0 && at >= cut:
			case breaks[at] && r == ' ':
				b.WriteByte('\n')
			case breaks[at]:
				b.WriteByte('\n')
				b.WriteRune(r)
			default:
				b.WriteRune(r)
			}
			at++
		}
		seg.Text = b.String()
		if cut >= 0 && at > cut && seg.Text == "" {
			break // wholly left out
		}
		out = append(out, &seg)
		if cut >= 0 && at >= cut {
			seg.Text += "…"
			break
		}
	}
	return out
}

// cut is where the text must stop for it to fit in maxRows rows of room width with "…" after
// it, or -1 when it fits whole.
func (p *Paragraph) cut(breaks map[int]bool, room float32) int {
	if p.maxRows <= 0 || room <= 0 {
		return -1
	}
	rs := p.runes()
	rows, start := 0, 0
	for i, r := range rs {
		if !breaks[i] && r.r != '\n' {
			continue
		}
		if rows++; rows < p.maxRows {
			start = i
			if r.r == ' ' || r.r == '\n' {
				start = i + 1
			}
			continue
		}
		// The last row shown is [start, i): take letters off until "…" fits after it.
		cut := i
		for cut > start && (rs[cut-1].r == ' ' || p.measure(rs, start, cut)+p.measureText("…", rs[cut-1].seg) > room) {
			cut--
		}
		return cut
	}
	return -1
}

// unit is a stretch of the paragraph no row may break inside: a word, or words joined by
// spaces that must not end a row. Its runes are [start, end) over the whole paragraph.
type unit struct {
	start, end int
	width      float32
	gap        float32 // the width of the space before it; 0 at the start or after a break
	hard       bool    // a written line break ends it
}

// run is one rune of the paragraph with the face it is set in.
type run struct {
	r     rune
	seg   int
	space bool // a space that may end a row
}

// runes lists the paragraph's runes and marks the spaces a row may end at.
func (p *Paragraph) runes() []run {
	var rs []run
	for i, s := range p.source {
		for _, r := range s.Text {
			rs = append(rs, run{r: r, seg: i})
		}
	}
	for i := range rs {
		rs[i].space = rs[i].r == ' ' && (i+1 == len(rs) || rs[i+1].r != ' ') && breakable(rs, i)
	}
	return rs
}

// breakable says whether a row may end at the space at i: not after a number (between the
// groups of an amount, a phone or account number, before a unit, a month or what it counts),
// not before a dash, not after a one-letter word, an abbreviation before a number or a Roman
// numeral before a word.
func breakable(rs []run, i int) bool {
	before, after := word(rs, i, -1), word(rs, i, +1)
	if before == "" || after == "" {
		return true
	}
	b, a := []rune(before), []rune(after)
	last, first := b[len(b)-1], a[0]
	switch {
	case unicode.IsDigit(last):
		// A number stays with what follows: its next group, its unit, the month of a date
		// ("11 grudnia"), what it counts ("72 miesiące").
		return false
	case first == '—' || first == '–':
		return false
	case len(b) == 1 && unicode.IsLetter(last):
		return false
	case unicode.IsDigit(first) && (strings.HasSuffix(before, ".") && len(b) <= 5 || numberSigns[before]):
		// An abbreviation stays with the number it introduces: "art. 20", "ust. 1", "nr 12".
		return false
	case roman(before) && unicode.IsLower(first):
		return false // "II piętro", "XXVIII sesja"
	case opening(b):
		return false // an opening quote or bracket stays with what it opens: "„… czasowego”"
	}
	return true
}

// opening says whether w is an opening quote or bracket with no word of its own ("„…", "(").
func opening(w []rune) bool {
	if !strings.ContainsRune("„“‚«([", w[0]) {
		return false
	}
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// numberSigns are the words without a full stop that introduce a number.
var numberSigns = map[string]bool{"nr": true, "Nr": true, "pkt": true, "§": true, "No.": true, "№": true}

// roman says whether w is a Roman numeral (a floor, a session, a part).
func roman(w string) bool {
	return w != "" && len(w) <= 8 && strings.Trim(w, "IVXLC") == ""
}

// word is the text next to the space at i, up to the next space, in direction dir.
func word(rs []run, i, dir int) string {
	var w []rune
	for j := i + dir; j >= 0 && j < len(rs) && rs[j].r != ' ' && rs[j].r != '\n'; j += dir {
		w = append(w, rs[j].r)
	}
	if dir < 0 {
		for a, b := 0, len(w)-1; a < b; a, b = a+1, b-1 {
			w[a], w[b] = w[b], w[a]
		}
	}
	return string(w)
}

// units splits the paragraph at the spaces a row may end at and at written line breaks,
// measured at the current text size; kept until the text or the text size changes.
func (p *Paragraph) units() []unit {
	size := theme.SizeForWidget(theme.SizeNameText, p)
	if p.split != nil && size == p.unitSize {
		return p.split
	}
	rs := p.runes()
	out := []unit{}
	start, gap := 0, float32(0)
	for i, r := range rs {
		if r.space || r.r == '\n' {
			out = append(out, unit{start: start, end: i, width: p.measure(rs, start, i), gap: gap, hard: r.r == '\n'})
			start, gap = i+1, 0
			if r.space {
				gap = p.measure(rs, i, i+1)
			}
		}
	}
	p.split = append(out, unit{start: start, end: len(rs), width: p.measure(rs, start, len(rs)), gap: gap})
	p.unitSize = size
	return p.split
}

// measure is the width of runes [from, to) as drawn: each segment's part in its own face.
func (p *Paragraph) measure(rs []run, from, to int) float32 {
	var w float32
	for from < to {
		seg := rs[from].seg
		end := from
		var b strings.Builder
		for end < to && rs[end].seg == seg {
			b.WriteRune(rs[end].r)
			end++
		}
		w += p.measureText(b.String(), seg)
		from = end
	}
	return w
}

func (p *Paragraph) measureText(s string, seg int) float32 {
	st := p.source[seg].Style
	size := theme.SizeForWidget(theme.SizeNameText, p)
	if st.SizeName != "" {
		size = theme.SizeForWidget(st.SizeName, p)
	}
	return fyne.MeasureText(s, size, st.TextStyle).Width
}

// breaks fills rows of room width a unit at a time and gives the rune positions a row
// ends at. A unit wider than the row starts a row of its own and breaks between letters.
func (p *Paragraph) breaks(room float32) map[int]bool {
	if room <= 0 {
		return nil
	}
	var rs []run // the runes, only for a unit wider than the row
	breaks := map[int]bool{}
	x := float32(0)
	rowStart := true
	for _, u := range p.units() {
		if !rowStart {
			if x+u.gap+u.width <= room+0.01 {
				x += u.gap + u.width
			} else {
				breaks[u.start-1] = true // the space before u
				rowStart = true
			}
		}
		if rowStart {
			x = u.width
			if u.width > room {
				if rs == nil {
					rs = p.runes()
				}
				x = p.breakInside(rs, u, room, breaks)
			}
			rowStart = false
		}
		if u.hard {
			rowStart = true
			x = 0
		}
	}
	return breaks
}

// breakInside breaks a unit wider than the row at a space inside it, else between letters,
// as much as fits on each row, and gives the width of its last row.
func (p *Paragraph) breakInside(rs []run, u unit, room float32, breaks map[int]bool) float32 {
	from := u.start
	for from < u.end {
		to := from + 1 // at least one letter a row
		for to < u.end && p.measure(rs, from, to+1) <= room {
			to++
		}
		if to == u.end {
			return p.measure(rs, from, to)
		}
		// Between the groups of a number rather than inside one, where they allow.
		next := to
		for k := to; k > from; k-- {
			if rs[k].r == ' ' {
				to, next = k, k+1
				break
			}
		}
		breaks[to] = true
		from = next
	}
	return 0
}

// widths are the widest row the paragraph would have with no width limit (written line
// breaks only) and its widest unit, the narrowest it can be without breaking inside one.
func (p *Paragraph) widths() (line, word float32) {
	cur := float32(0)
	for _, u := range p.units() {
		word = max(word, u.width)
		cur += u.gap + u.width
		line = max(line, cur)
		if u.hard {
			cur = 0
		}
	}
	return line, word
}
