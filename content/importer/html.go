package importer

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	htmltomd "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// extracted is what a source item gives before the importer fills in what it lacks. Its
// hash (State's SourceHash) changes only when the source's content does, not when a page's
// visit counter or the import date does.
type extracted struct {
	Key    string `json:"-"` // names the item in State: feed entry id, else link; page URL
	Link   string
	Title  string
	Body   string // Markdown
	Record record
}

// record is a metryczka as the source gives it; dates are YYYY-MM-DD, "" when unknown.
type record struct {
	ProducedBy, ProducedOn   string
	PublishedBy, PublishedOn string
	ModifiedBy, ModifiedOn   string
	Changes                  []change
}

func (r record) mapped() bool {
	return r.ProducedBy != "" || r.ProducedOn != "" || r.PublishedBy != "" || r.PublishedOn != ""
}

type change struct{ Date, Author, Reason string }

// The metryczka fields a label can name.
const (
	producedBy  = "producedBy"
	producedOn  = "producedOn"
	publishedBy = "publishedBy"
	publishedOn = "publishedOn"
	modifiedBy  = "modifiedBy"
	modifiedOn  = "modifiedOn"
	register    = "register" // a link to, or the title of, the change register
	noise       = "noise"    // part of the block, mapped to nothing (visit counters)
)

// labels map what Polish BIP systems write before a metryczka value to its field; the first
// match wins, so dates come before people ("data wytworzenia" before "wytworzył").
var labels = []struct {
	field string
	words []string
}{
	{producedOn, []string{"data wytworzenia", "wytworzono", "data powstania", "data sporządzenia"}},
	{publishedOn, []string{"data publikacji", "data wprowadzenia", "data udostępnienia", "data opublikowania", "opublikowano", "wprowadzono", "udostępniono"}},
	{modifiedOn, []string{"data modyfikacji", "data aktualizacji", "data zmiany", "data ostatniej", "ostatnia modyfikacja", "ostatnia zmiana", "zmodyfikowano", "zaktualizowano"}},
	{register, []string{"rejestr zmian", "historia zmian"}},
	{noise, []string{"liczba odwiedzin", "liczba wyświetleń", "odsłon", "ilość wyświetleń", "wersja do druku", "drukuj"}},
	{producedBy, []string{"wytworzy", "sporządzi", "autor", "odpowiedzialn"}},
	{publishedBy, []string{"opublikowa", "wprowadzi", "udostępni"}},
	{modifiedBy, []string{"zmodyfikowa", "zmieni", "zaktualizowa", "modyfikowa"}},
}

// headings are texts that only title a metryczka block.
var headings = []string{"metryczka", "metryczka strony", "metryczka dokumentu", "informacje o dokumencie", "informacje o publikacji", "rejestr zmian", "historia zmian"}

// labelField returns the metryczka field label names, or "".
func labelField(label string) string {
	l := strings.ToLower(strings.Join(strings.Fields(label), " "))
	l = strings.NewReplacer("(a)", "", "(-a)", "", "/a", "", "(ła)", "").Replace(l)
	l = strings.TrimSpace(strings.TrimRight(l, ": "))
	if l == "" || utf8.RuneCountInString(l) > 50 {
		return ""
	}
	for _, lb := range labels {
		for _, w := range lb.words {
			if strings.Contains(l, w) {
				return lb.field
			}
		}
	}
	return ""
}

func (r *record) set(field, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	date := func(dst *string) {
		if d, ok := parseDate(value); ok && *dst == "" {
			*dst = d
		}
	}
	text := func(dst *string) {
		if *dst == "" {
			*dst = value
		}
	}
	switch field {
	case producedBy:
		text(&r.ProducedBy)
	case producedOn:
		date(&r.ProducedOn)
	case publishedBy:
		text(&r.PublishedBy)
	case publishedOn:
		date(&r.PublishedOn)
	case modifiedBy:
		text(&r.ModifiedBy)
	case modifiedOn:
		date(&r.ModifiedOn)
	}
}

var (
	isoDate  = regexp.MustCompile(`(\d{4})-(\d{1,2})-(\d{1,2})`)
	plDate   = regexp.MustCompile(`(\d{1,2})[./-](\d{1,2})[./-](\d{4})`)
	wordDate = regexp.MustCompile(`(\d{1,2})\s+(stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia)\s+(\d{4})`)
	months   = []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"}
)

// parseDate finds a date in s — 2026-10-14, 14.10.2026 or "14 października 2026", also
// followed by a time — and returns it as YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	var y, m, d string
	if g := isoDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else if g := plDate.FindStringSubmatch(s); g != nil {
		y, m, d = g[3], g[2], g[1]
	} else if g := wordDate.FindStringSubmatch(strings.ToLower(s)); g != nil {
		for i, name := range months {
			if name == g[2] {
				m = strconv.Itoa(i + 1)
			}
		}
		y, d = g[3], g[1]
	} else {
		return "", false
	}
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return "", false // 31.02 and the like
	}
	return t.Format(time.DateOnly), true
}

// text is n's text with runs of white space collapsed; block elements and <br> become
// line breaks.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if n.DataAtom == atom.Br {
				b.WriteByte('\n')
				return
			}
		}
		block := n.Type == html.ElementNode && blockElements[n.DataAtom]
		if block {
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte('\n')
		}
	}
	walk(n)
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func oneLine(n *html.Node) string { return strings.ReplaceAll(text(n), "\n", " ") }

var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true, atom.Td: true, atom.Th: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Blockquote: true, atom.Pre: true, atom.Caption: true, atom.Main: true, atom.Nav: true,
	atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func children(n *html.Node, a ...atom.Atom) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			for _, want := range a {
				if c.DataAtom == want {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func find(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, a); f != nil {
			return f
		}
	}
	return nil
}

// metryczka finds the metryczka in the tree under root: label–value pairs in table rows,
// dt/dd pairs and "Label: value" lines, and a change-register table. It returns what it
// mapped and the nodes that hold it.
func metryczka(root *html.Node) (record, []*html.Node) {
	var rec record
	var nodes []*html.Node
	marked := map[*html.Node]bool{}
	mark := func(n *html.Node) { marked[n] = true; nodes = append(nodes, n) }
	hasMarked := func(n *html.Node) bool {
		for p := n; p != nil; p = p.Parent {
			if marked[p] {
				return true
			}
		}
		return false
	}
	var descendantMarked func(n *html.Node) bool
	descendantMarked = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if marked[c] || descendantMarked(c) {
				return true
			}
		}
		return false
	}
	// Post-order, so the innermost element holding a line wins over its containers.
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type != html.ElementNode || hasMarked(n) || descendantMarked(n) {
			return
		}
		switch n.DataAtom {
		case atom.Table:
			if changes, ok := changeTable(n); ok {
				rec.Changes = changes
				mark(n)
			}
		case atom.Tr:
			cells := children(n, atom.Td, atom.Th)
			if len(cells) >= 2 {
				if f := labelField(oneLine(cells[0])); f != "" {
					rec.set(f, oneLine(cells[1]))
					mark(n)
				}
			}
		case atom.Dt:
			if dd := nextElement(n); dd != nil && dd.DataAtom == atom.Dd {
				if f := labelField(oneLine(n)); f != "" {
					rec.set(f, oneLine(dd))
					mark(n)
					mark(dd)
				}
			}
		case atom.P, atom.Li, atom.Div, atom.Span, atom.Td, atom.Small:
			if pairs, ok := labelLines(text(n)); ok {
				for _, p := range pairs {
					rec.set(p[0], p[1])
				}
				mark(n)
			}
		}
	}
	walk(root)
	if !rec.mapped() {
		return record{}, nil
	}
	// Headings of the block go with it.
	var heads func(*html.Node)
	heads = func(n *html.Node) {
		if n.Type == html.ElementNode && !hasMarked(n) && isHeading(oneLine(n)) {
			mark(n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			heads(c)
		}
	}
	heads(root)
	return rec, nodes
}

func isHeading(s string) bool {
	s = strings.ToLower(strings.TrimRight(s, ": "))
	for _, h := range headings {
		if s == h {
			return true
		}
	}
	return false
}

// labelLines parses "Label: value" lines; ok when every line is one (or a heading of the
// block) and at least one maps to a field, so a paragraph of prose is never taken.
func labelLines(s string) (pairs [][2]string, ok bool) {
	for _, line := range strings.Split(s, "\n") {
		if isHeading(line) {
			continue
		}
		label, value, found := strings.Cut(line, ":")
		if !found {
			return nil, false
		}
		f := labelField(label)
		if f == "" || strings.TrimSpace(value) == "" {
			return nil, false
		}
		pairs = append(pairs, [2]string{f, value})
	}
	return pairs, len(pairs) > 0
}

func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

// changeTable reads a change-register table: a header row naming a date column and a
// description column, optionally an author column; the rows become changes.
func changeTable(t *html.Node) ([]change, bool) {
	var rows []*html.Node
	var collect func(*html.Node)
	collect = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.Tr {
				rows = append(rows, c)
			} else if c.DataAtom == atom.Thead || c.DataAtom == atom.Tbody || c.DataAtom == atom.Tfoot {
				collect(c)
			}
		}
	}
	collect(t)
	if len(rows) < 2 {
		return nil, false
	}
	dateCol, reasonCol, authorCol := -1, -1, -1
	for i, c := range children(rows[0], atom.Td, atom.Th) {
		h := strings.ToLower(oneLine(c))
		switch {
		case strings.Contains(h, "data") && dateCol < 0:
			dateCol = i
		case (strings.Contains(h, "opis") || strings.Contains(h, "zmian") || strings.Contains(h, "czynno") || strings.Contains(h, "rodzaj")) && reasonCol < 0:
			reasonCol = i
		case (strings.Contains(h, "autor") || strings.Contains(h, "kto") || strings.Contains(h, "osoba") || strings.Contains(h, "użytkownik") || strings.Contains(h, "zmieni") || strings.Contains(h, "wprowadzi")) && authorCol < 0:
			authorCol = i
		}
	}
	if dateCol < 0 || reasonCol < 0 {
		return nil, false
	}
	context := strings.ToLower(oneLine(t))
	if prev := previousElement(t); prev != nil {
		context += " " + strings.ToLower(oneLine(prev))
	}
	if !strings.Contains(context, "rejestr zmian") && !strings.Contains(context, "historia zmian") {
		return nil, false
	}
	var out []change
	for _, r := range rows[1:] {
		cells := children(r, atom.Td, atom.Th)
		cell := func(i int) string {
			if i < 0 || i >= len(cells) {
				return ""
			}
			return oneLine(cells[i])
		}
		d, ok := parseDate(cell(dateCol))
		if !ok {
			continue
		}
		out = append(out, change{Date: d, Author: cell(authorCol), Reason: cell(reasonCol)})
	}
	return out, true
}

func previousElement(n *html.Node) *html.Node {
	for s := n.PrevSibling; s != nil; s = s.PrevSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

// removeBlock takes the metryczka nodes out of the tree: the smallest container holding
// them all when it holds little else (a footer table or box), else each node by itself.
// It never removes keep or anything above it.
func removeBlock(nodes []*html.Node, keep *html.Node) {
	if len(nodes) == 0 {
		return
	}
	in := map[*html.Node]bool{}
	for _, n := range nodes {
		in[n] = true
	}
	lca := nodes[0]
	for _, n := range nodes[1:] {
		lca = common(lca, n)
	}
	leftover := func(c *html.Node) int {
		var count func(*html.Node) int
		count = func(n *html.Node) int {
			if in[n] {
				return 0
			}
			if n.Type == html.TextNode {
				return utf8.RuneCountInString(strings.TrimSpace(n.Data))
			}
			sum := 0
			for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
				sum += count(ch)
			}
			return sum
		}
		return count(c)
	}
	// Climb while the container holds little besides the metryczka, short of keep.
	const little = 40
	var top *html.Node
	for c := lca; c != nil && c != keep && isBelow(c, keep) && c.DataAtom != atom.Body; c = c.Parent {
		if leftover(c) > little {
			break
		}
		top = c
	}
	if top != nil {
		top.Parent.RemoveChild(top)
		return
	}
	for _, n := range nodes {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

func isBelow(n, root *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == root {
			return true
		}
	}
	return false
}

// common is the lowest common ancestor of a and b (or a itself when it holds b).
func common(a, b *html.Node) *html.Node {
	seen := map[*html.Node]bool{}
	for p := a; p != nil; p = p.Parent {
		seen[p] = true
	}
	for p := b; p != nil; p = p.Parent {
		if seen[p] {
			return p
		}
	}
	return a
}

// dropped are elements whose content never reaches a page: active content, embedded
// objects and form controls.
var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true,
	atom.Object: true, atom.Embed: true, atom.Applet: true, atom.Noscript: true, atom.Form: true,
	atom.Input: true, atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Svg: true,
	atom.Math: true, atom.Canvas: true, atom.Template: true, atom.Link: true, atom.Meta: true,
	atom.Base: true, atom.Audio: true, atom.Video: true, atom.Dialog: true, atom.Nav: true,
	atom.Head: true, atom.Title: true,
}

// chrome is the site around a page, dropped when no main or article element marks the
// page's own content.
var chrome = map[atom.Atom]bool{atom.Header: true, atom.Footer: true, atom.Aside: true}

// sanitize removes active and embedded content and makes link and image addresses absolute,
// dropping those that are not http(s) (javascript:, data:, file:).
func sanitize(root *html.Node, base *url.URL, dropChrome bool) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case c.Type == html.CommentNode:
				n.RemoveChild(c)
			case c.Type != html.ElementNode:
			case dropped[c.DataAtom] || (dropChrome && chrome[c.DataAtom]) || hidden(c):
				n.RemoveChild(c)
			case c.DataAtom == atom.Img:
				src, ok := absolute(base, attr(c, "src"), false)
				if !ok {
					if alt := strings.TrimSpace(attr(c, "alt")); alt != "" {
						n.InsertBefore(&html.Node{Type: html.TextNode, Data: " " + alt + " "}, c)
					}
					n.RemoveChild(c)
					break
				}
				c.Attr = []html.Attribute{{Key: "src", Val: src}, {Key: "alt", Val: attr(c, "alt")}}
			case c.DataAtom == atom.A:
				walk(c)
				href, ok := absolute(base, attr(c, "href"), true)
				if !ok { // keep the text, lose the link
					for gc := c.FirstChild; gc != nil; {
						next := gc.NextSibling
						c.RemoveChild(gc)
						n.InsertBefore(gc, c)
						gc = next
					}
					n.RemoveChild(c)
					break
				}
				c.Attr = []html.Attribute{{Key: "href", Val: href}}
			default:
				// Attributes carry event handlers and styles; only table spans matter below.
				var keep []html.Attribute
				for _, a := range c.Attr {
					if a.Key == "colspan" || a.Key == "rowspan" {
						keep = append(keep, a)
					}
				}
				c.Attr = keep
				walk(c)
			}
			c = next
		}
	}
	walk(root)
}

func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "hidden" || (a.Key == "aria-hidden" && a.Val == "true") ||
			(a.Key == "style" && strings.Contains(strings.ReplaceAll(a.Val, " ", ""), "display:none")) {
			return true
		}
	}
	return false
}

// absolute resolves ref against base; ok only for http(s) and, for links, mailto: and tel:.
func absolute(base *url.URL, ref string, link bool) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
		return u.String(), true
	case "mailto", "tel":
		return u.String(), link
	}
	return "", false
}

// contentRoot is the element holding a page's own content: main, else article, else a
// container BIP systems name for it, else body.
func contentRoot(doc *html.Node) (root *html.Node, isBody bool) {
	if n := find(doc, atom.Main); n != nil {
		return n, false
	}
	if n := find(doc, atom.Article); n != nil {
		return n, false
	}
	var byName func(*html.Node) *html.Node
	byName = func(n *html.Node) *html.Node {
		if n.Type == html.ElementNode {
			for _, k := range []string{"id", "class"} {
				for _, v := range strings.Fields(strings.ToLower(attr(n, k))) {
					switch v {
					case "content", "tresc", "main-content", "page-content", "article", "artykul":
						return n
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f := byName(c); f != nil {
				return f
			}
		}
		return nil
	}
	if n := byName(doc); n != nil {
		return n, false
	}
	if n := find(doc, atom.Body); n != nil {
		return n, true
	}
	return doc, true
}

// convertHTML turns an HTML fragment or document into a page: title, Markdown body and the
// metryczka found in it, which is taken out of the body.
func convertHTML(ctx context.Context, doc *html.Node, base *url.URL) (title, body string, rec record, err error) {
	if t := find(doc, atom.Title); t != nil {
		title = oneLine(t)
	}
	rec, nodes := metryczka(doc)
	root, isBody := contentRoot(doc)
	removeBlock(nodes, root)
	sanitize(root, base, isBody)
	// The page's title comes from tytul; its first h1 is that title, other h1s become h2,
	// as the kiosk's pages start at ##.
	if h1 := find(root, atom.H1); h1 != nil {
		if t := oneLine(h1); t != "" {
			title = t
		}
		h1.Parent.RemoveChild(h1)
	}
	var demote func(*html.Node)
	demote = func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.H1 {
			n.DataAtom, n.Data = atom.H2, "h2"
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			demote(c)
		}
	}
	demote(root)
	md, err := markdown(ctx, root)
	return title, md, rec, err
}

// markdown converts sanitised HTML to GitHub-flavoured Markdown, tables included.
func markdown(ctx context.Context, root *html.Node) (string, error) {
	conv := htmltomd.NewConverter(htmltomd.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(),
		table.NewTablePlugin(
			table.WithNewlineBehavior(table.NewlineBehaviorPreserve),
			table.WithSpanCellBehavior(table.SpanBehaviorMirror),
			table.WithHeaderPromotion(true),
		),
		strikethrough.NewStrikethroughPlugin(),
	))
	out, err := conv.ConvertNode(root, htmltomd.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("convert HTML to Markdown: %w", err)
	}
	return strings.TrimSpace(string(bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n")))) + "\n", nil
}
