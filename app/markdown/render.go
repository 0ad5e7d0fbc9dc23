package markdown

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
)

// h3Style is used for level 3+ headings; the theme has no size between text and sub-heading,
// so bold body text keeps them distinct from level 2 while following the theme's text size.
var h3Style = widget.RichTextStyle{
	ColorName: theme.ColorNameForeground,
	SizeName:  theme.SizeNameText,
	TextStyle: fyne.TextStyle{Bold: true},
}

func (b *builder) blocks(parent ast.Node) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		out = append(out, b.block(n)...)
	}
	return out
}

func (b *builder) block(n ast.Node) []fyne.CanvasObject {
	switch n := n.(type) {
	case *ast.Heading:
		style := h3Style
		switch n.Level {
		case 1:
			style = widget.RichTextStyleHeading
		case 2:
			style = widget.RichTextStyleSubHeading
		}
		return []fyne.CanvasObject{newText(b.inlines(n, inlineStyle{}, nil), style)}
	case *ast.Paragraph, *ast.TextBlock:
		return b.paragraph(b.inlines(n, inlineStyle{}, nil))
	case *ast.List:
		return []fyne.CanvasObject{b.list(n)}
	case *ast.Blockquote:
		content := b.blocks(n)
		bar := newThemedRect(theme.ColorNamePrimary, "")
		return []fyne.CanvasObject{container.New(&quoteLayout{}, bar, container.New(&stackLayout{}, content...))}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		code := newText([]span{{text: b.codeText(n), style: inlineStyle{code: true}}}, widget.RichTextStyleCodeBlock)
		return []fyne.CanvasObject{newBox(theme.ColorNameInputBackground, "", code)}
	case *ast.ThematicBreak:
		return []fyne.CanvasObject{widget.NewSeparator()}
	case *ast.HTMLBlock:
		txt := htmlToText(b.linesText(n) + b.closureText(n))
		if txt == "" {
			return nil
		}
		return b.paragraph([]span{{text: txt}})
	case *extast.Table:
		return []fyne.CanvasObject{b.table(n)}
	default:
		if !n.HasChildren() {
			if txt := strings.TrimSpace(b.linesText(n)); txt != "" {
				return b.paragraph([]span{{text: txt}})
			}
			return nil
		}
		if n.Type() == ast.TypeBlock && n.FirstChild().Type() == ast.TypeBlock {
			return b.blocks(n)
		}
		return b.paragraph(b.inlines(n, inlineStyle{}, nil))
	}
}

// paragraph renders inline spans, splitting out image placeholders into their own boxes.
func (b *builder) paragraph(spans []span) []fyne.CanvasObject {
	style := widget.RichTextStyleParagraph
	var out []fyne.CanvasObject
	var run []span
	flush := func() {
		if strings.TrimSpace(spansText(run)) != "" {
			out = append(out, newText(trimSpans(run), style))
		}
		run = nil
	}
	for _, s := range spans {
		if !s.image {
			run = append(run, s)
			continue
		}
		flush()
		label := newText([]span{{text: s.text}}, widget.RichTextStyleParagraph)
		out = append(out, newBox("", theme.ColorNameInputBorder, label))
	}
	flush()
	return out
}

// trimSpans drops the whitespace left at the edges of a run (soft breaks next to images etc.).
func trimSpans(spans []span) []span {
	out := append([]span(nil), spans...)
	for len(out) > 0 && strings.TrimSpace(out[0].text) == "" {
		out = out[1:]
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1].text) == "" {
		out = out[:len(out)-1]
	}
	if len(out) > 0 {
		out[0].text = strings.TrimLeft(out[0].text, " \t")
		out[len(out)-1].text = strings.TrimRight(out[len(out)-1].text, " \t\n")
	}
	return out
}

func (b *builder) list(l *ast.List) fyne.CanvasObject {
	var objs []fyne.CanvasObject
	i := 0
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		marker := newText([]span{{text: listMarker(l, i, b.depth)}}, widget.RichTextStyleParagraph)
		marker.setAlign(fyne.TextAlignTrailing) // right-aligned numbers keep "9." and "10." text aligned
		b.depth++
		content := b.blocks(item)
		b.depth--
		objs = append(objs, marker, container.New(&stackLayout{}, content...))
		i++
	}
	return container.New(&listLayout{}, objs...)
}

// segments converts spans to RichText segments on top of a block style. All but the last
// segment are inline so that the block flows as one wrapped paragraph.
func segments(spans []span, base widget.RichTextStyle) []widget.TextSegment {
	var segs []widget.TextSegment
	for _, s := range spans {
		st := base
		st.Inline = true
		st.TextStyle.Bold = st.TextStyle.Bold || s.style.bold
		st.TextStyle.Monospace = st.TextStyle.Monospace || s.style.code
		if s.style.strike {
			// Fyne text cannot be struck through; grey marks amended/deleted wording instead.
			st.ColorName = theme.ColorNameDisabled
		}
		if n := len(segs); n > 0 && segs[n-1].Style == st {
			segs[n-1].Text += s.text
			continue
		}
		segs = append(segs, widget.TextSegment{Text: s.text, Style: st})
	}
	if n := len(segs); n > 0 {
		segs[n-1].Style.Inline = base.Inline
	}
	return segs
}

func newText(spans []span, base widget.RichTextStyle) *Paragraph {
	return newParagraph(segments(spans, base))
}

func newBox(fill, stroke fyne.ThemeColorName, content fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&boxLayout{}, newThemedRect(fill, stroke), content)
}

// maxTableRows caps the rows drawn of one table (each cell is a widget): content check
// refuses longer tables (content.MaxTableRows), this keeps a bundle stored before that rule
// from freezing the screen past the watchdog. The last row drawn says how many are left out.
const maxTableRows = 1000

func (b *builder) table(t *extast.Table) fyne.CanvasObject {
	rows := b.tableRows(t)
	left := 0
	if len(rows) > maxTableRows+1 { // +1: the header
		left = len(rows) - maxTableRows - 1
		rows = rows[:maxTableRows+1]
	}
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	l := &tableLayout{cols: cols, header: newThemedRect(theme.ColorNameHeaderBackground, ""), aligns: make([]fyne.TextAlign, cols)}
	objs := []fyne.CanvasObject{l.header}
	for _, r := range rows {
		isHeader := false
		if len(r) > 0 {
			_, isHeader = r[0].Parent().(*extast.TableHeader)
		}
		l.hasHeader = l.hasHeader || isHeader
		cells := make([]*Paragraph, cols)
		for c := range cols {
			var spans []span
			align := fyne.TextAlignLeading
			if c < len(r) {
				spans = trimSpans(b.cellSpans(r[c]))
				if cell, ok := r[c].(*extast.TableCell); ok {
					align = fyneAlign(cell.Alignment)
				}
			} else if c < len(t.Alignments) {
				align = fyneAlign(t.Alignments[c])
			}
			style := widget.RichTextStyleParagraph
			style.TextStyle.Bold = isHeader
			cells[c] = newText(spans, style)
			cells[c].setAlign(align)
			l.aligns[c] = align
			objs = append(objs, cells[c])
		}
		l.cells = append(l.cells, cells)
	}
	if left > 0 {
		cells := make([]*Paragraph, cols)
		for c := range cols {
			text := ""
			if c == 0 {
				text = fmt.Sprintf("… (+%d)", left)
			}
			cells[c] = newText([]span{{text: text}}, widget.RichTextStyleParagraph)
			objs = append(objs, cells[c])
		}
		l.cells = append(l.cells, cells)
		rows = append(rows, nil)
	}
	if l.hasHeader {
		// The header's words again for each row, shown when the table is stacked.
		l.labels = make([][]*Paragraph, len(l.cells))
		for r := 1; r < len(l.cells); r++ {
			if left > 0 && r == len(l.cells)-1 {
				break // the "… (+N)" row
			}
			l.labels[r] = make([]*Paragraph, cols)
			for c, h := range l.cells[0] {
				label := newParagraph(slices.Clone(h.source))
				label.setAlign(fyne.TextAlignLeading)
				label.Hidden = true
				l.labels[r][c] = label
				objs = append(objs, label)
			}
		}
	}
	for range len(rows) + 1 {
		line := newThemedRect(theme.ColorNameSeparator, "")
		l.hLines = append(l.hLines, line)
		objs = append(objs, line)
	}
	for range cols + 1 {
		line := newThemedRect(theme.ColorNameSeparator, "")
		l.vLines = append(l.vLines, line)
		objs = append(objs, line)
	}
	return container.New(l, objs...)
}

func fyneAlign(a extast.Alignment) fyne.TextAlign {
	switch a {
	case extast.AlignRight:
		return fyne.TextAlignTrailing
	case extast.AlignCenter:
		return fyne.TextAlignCenter
	default:
		return fyne.TextAlignLeading
	}
}
