// Package markdown renders BIP (Public Information Bulletin) Markdown pages as Fyne objects.
//
// Fyne's own RichText Markdown parser has no tables, which BIP pages need (budget lines,
// tender results, schedules), so the page is parsed with goldmark (GFM tables,
// strikethrough, linkify) and the Fyne object tree is built here.
package markdown

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// imagePrefix labels image placeholders; the kiosk UI is Polish and images are not shown yet.
const imagePrefix = "Obraz: "

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

func parse(src string) (ast.Node, []byte) {
	source := []byte(src)
	return md.Parser().Parse(text.NewReader(source)), source
}

// Render parses Markdown and returns a vertical stack of Fyne objects sized by the current theme
// (so a larger-text theme scales it). Unknown constructs degrade to their plain text, never panic.
func Render(src string) (obj fyne.CanvasObject) {
	defer func() {
		// A kiosk must never crash on a clerk's typo: fall back to the raw text.
		if r := recover(); r != nil {
			fyne.LogError("markdown: render failed, showing raw text", nil)
			l := widget.NewLabel(src)
			l.Wrapping = fyne.TextWrapWord
			obj = container.New(&stackLayout{}, l)
		}
	}()
	doc, source := parse(src)
	b := &builder{src: source}
	return container.New(&stackLayout{}, b.blocks(doc)...)
}

// PlainText strips Markdown to plain text for search indexing and speech: paragraphs separated by
// blank lines, list items on their own lines, table cells separated by " | ", no syntax characters.
// Ordered list items keep their number ("1. ") because it is visible content people refer to.
func PlainText(src string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = strings.TrimSpace(src)
		}
	}()
	doc, source := parse(src)
	b := &builder{src: source}
	return strings.Join(b.plainBlocks(doc), "\n\n")
}

// inlineStyle is the accumulated emphasis of an inline run.
type inlineStyle struct {
	bold, code, strike bool
}

// span is a run of inline text with one style; both Render and PlainText are built from spans
// so that the spoken/indexed text matches what is on screen.
type span struct {
	text  string
	style inlineStyle
	image bool // an image placeholder, rendered as a box when it stands in a paragraph
}

type builder struct {
	src   []byte
	depth int // list nesting, picks the bullet glyph
}

func (b *builder) inlines(n ast.Node, st inlineStyle, out []span) []span {
	add := func(s string, st inlineStyle) {
		if s != "" {
			out = append(out, span{text: s, style: st})
		}
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			add(b.textValue(c), st)
			if c.HardLineBreak() {
				add("\n", st)
			} else if c.SoftLineBreak() {
				add(" ", st)
			}
		case *ast.String:
			add(string(c.Value), st)
		case *ast.CodeSpan:
			code := st
			code.code = true
			add(b.rawText(c), code)
		case *ast.Emphasis:
			// Both levels are bold: the kiosk shows no italics (nor do block quotes). Slanted
			// letters are harder to read for people with low vision or dyslexia (GOV.UK's
			// style guide and the British Dyslexia Association advise against them), and
			// each italic style is another set of fonts Fyne parses and keeps: Noto Sans
			// Italic and DejaVu Sans Oblique, 4 MB of PSS once a resident met a page with
			// emphasis (docs/performance.md, "Fifth round").
			em := st
			em.bold = true
			out = b.inlines(c, em, out)
		case *extast.Strikethrough:
			del := st
			del.strike = true
			out = b.inlines(c, del, out)
		case *ast.Link:
			before := len(out)
			out = b.inlines(c, st, out)
			out = appendURL(out, spansText(out[before:]), string(c.Destination), st)
		case *ast.AutoLink:
			label := string(c.Label(b.src))
			add(label, st)
			out = appendURL(out, label, string(c.URL(b.src)), st)
		case *ast.Image:
			alt := strings.TrimSpace(spansText(b.inlines(c, inlineStyle{}, nil)))
			if alt == "" {
				alt = string(c.Destination)
			}
			out = append(out, span{text: imagePrefix + alt, style: st, image: true})
		case *ast.RawHTML:
			// Clerks paste <br> from office tools; other inline tags carry no text worth showing.
			if brTag.MatchString(b.segmentsText(c.Segments)) {
				add("\n", st)
			}
		default:
			out = b.inlines(c, st, out)
		}
	}
	return out
}

// appendURL shows the link target because a kiosk has no browser to follow it.
func appendURL(out []span, label, url string, st inlineStyle) []span {
	if url == "" || sameTarget(label, url) {
		return out
	}
	return append(out, span{text: " (" + url + ")", style: inlineStyle{strike: st.strike}})
}

func sameTarget(label, url string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range []string{"mailto:", "https://", "http://"} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimSuffix(s, "/")
	}
	return norm(label) == norm(url)
}

func (b *builder) textValue(t *ast.Text) string {
	v := t.Value(b.src)
	if !t.IsRaw() {
		v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
	}
	return string(v)
}

// rawText concatenates descendant text without unescaping, as code spans require.
func (b *builder) rawText(n ast.Node) string {
	var sb strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			sb.Write(t.Value(b.src))
		}
		return ast.WalkContinue, nil
	})
	return sb.String()
}

func (b *builder) segmentsText(segs *text.Segments) string {
	var buf bytes.Buffer
	for i := 0; i < segs.Len(); i++ {
		s := segs.At(i)
		buf.Write(s.Value(b.src))
	}
	return buf.String()
}

func (b *builder) linesText(n ast.Node) string {
	return b.segmentsText(n.Lines())
}

var (
	brTag      = regexp.MustCompile(`(?i)^<br\s*/?>$`)
	htmlDrop   = regexp.MustCompile(`(?is)<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>`)
	htmlBreak  = regexp.MustCompile(`(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>|</tr\s*>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	spaceRunRe = regexp.MustCompile(`[ \t]+`)
)

// htmlToText degrades raw HTML blocks to the text they contain.
func htmlToText(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(spaceRunRe.ReplaceAllString(l, " ")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func spansText(spans []span) string {
	var sb strings.Builder
	for _, s := range spans {
		sb.WriteString(s.text)
	}
	return sb.String()
}

// listMarker returns the marker shown before item i of list l.
func listMarker(l *ast.List, i, depth int) string {
	if l.IsOrdered() {
		return strconv.Itoa(l.Start+i) + "."
	}
	if depth%2 == 1 {
		return "–"
	}
	return "•"
}

func (b *builder) codeText(n ast.Node) string {
	return strings.TrimRight(b.linesText(n), "\n")
}

func (b *builder) tableRows(t *extast.Table) [][]ast.Node {
	var rows [][]ast.Node
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		var cells []ast.Node
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, c)
		}
		rows = append(rows, cells)
	}
	return rows
}

func (b *builder) cellSpans(cell ast.Node) []span {
	spans := b.inlines(cell, inlineStyle{}, nil)
	for i := range spans {
		spans[i].image = false // a table cell has no room for a box; keep the label inline
	}
	return spans
}
