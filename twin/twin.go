// Package twin builds the static-site twin of a content bundle: plain HTML and CSS pages
// with the kiosk's screens (home, categories, a category's cards, procedure cards, the BIP
// menu and pages) for a browser in kiosk mode at the infomat's 1080×1920. It exists for the
// side-by-side benchmark (cmd/infomat-bench): the browser shows the same content through the
// same taps, so start-up, tap latency and memory compare like for like.
//
// Every list row has a fixed height at a fixed place and the back and start buttons sit at
// fixed places, so a benchmark can tap the twin by coordinates (RowCenter, BackCenter,
// HomeCenter) without a script in the page.
package twin

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"infomat/content"
)

// The layout in CSS pixels; the browser runs at a device scale of 1, so these are screen
// pixels too.
const (
	Width       = 1080
	Height      = 1920
	headerH     = 150 // the bar with Wstecz and Start
	ListTop     = 300 // the first list row's top edge, below the bar and the title
	rowH        = 134
	RowPitch    = rowH + 16
	VisibleRows = (Height - ListTop) / RowPitch
)

// RowCenter is the centre of the i-th list row (from 0) on any page with a list.
func RowCenter(i int) image.Point {
	return image.Pt(Width/2, ListTop+i*RowPitch+rowH/2)
}

// BackCenter and HomeCenter are the centres of the bar's Wstecz and Start buttons.
var (
	BackCenter = image.Pt(16+160, headerH/2)
	HomeCenter = image.Pt(Width-16-160, headerH/2)
)

// Page is one screen of the twin.
type Page struct {
	Name  string // file name, e.g. "karta-dowod-osobisty.html"
	Title string
	Back  string        // file name the Wstecz button opens; "" on home
	Links []Link        // the list rows, in order
	Intro string        // home's text in the bar
	Info  []string      // lines of text after the list
	Body  template.HTML // a card's or BIP page's content below the title
}

// Link is one list row.
type Link struct {
	Label, Sub, Href string
}

// Site is the twin of one bundle.
type Site struct {
	Pages map[string]*Page
	files []string // attachments and forms to copy from the bundle
	b     *content.Bundle
}

// The pages every twin has.
const (
	HomePage       = "index.html"
	CategoriesPage = "kategorie.html"
	BIPPage        = "bip.html"
)

// CategoryPage, CardPage, MenuPage and BIPPagePage name the page of a category, a
// procedure card, a BIP menu item and a BIP page.
func CategoryPage(id string) string { return "kategoria-" + flat(id) + ".html" }
func CardPage(id string) string     { return "karta-" + flat(id) + ".html" }
func MenuPage(id string) string     { return "bip-" + flat(id) + ".html" }
func BIPPagePage(id string) string  { return "strona-" + flat(id) + ".html" }

// LatestPage names a BIP page opened from the BIP home's "Najnowsze".
func LatestPage(id string) string { return "najnowsze-" + flat(id) + ".html" }

// flat keeps every page in one folder, so each link is a plain file name: BIP page IDs
// hold slashes.
func flat(id string) string { return strings.ReplaceAll(id, "/", "--") }

// latest is how many pages the BIP home lists under "Najnowsze", as on the kiosk.
const latest = 5

// Build lays out the twin of b.
func Build(b *content.Bundle) *Site {
	s := &Site{Pages: map[string]*Page{}, b: b}
	m := b.Municipality
	s.add(&Page{
		Name:  HomePage,
		Title: m.Name,
		Intro: fmt.Sprintf("%s, %s %s\n%s", m.Address.Street, m.Address.PostalCode, m.Address.City,
			"Dotknij przycisku, aby sprawdzić, jak załatwić sprawę w urzędzie, albo przeczytać ogłoszenia."),
		Links: []Link{
			{Label: "Sprawy urzędowe", Href: CategoriesPage},
			{Label: "Biuletyn (BIP)", Href: BIPPage},
		},
		Info: hoursLines("Godziny pracy urzędu:", m.Hours),
	})

	cats := &Page{Name: CategoriesPage, Title: "Sprawy urzędowe", Back: HomePage}
	for _, c := range b.Categories {
		cats.Links = append(cats.Links, Link{Label: c.Name, Sub: c.Description, Href: CategoryPage(c.ID)})
		cat := &Page{Name: CategoryPage(c.ID), Title: c.Name, Back: CategoriesPage}
		for _, p := range b.ProceduresIn(c.ID) {
			cat.Links = append(cat.Links, Link{Label: p.Title, Sub: p.Summary, Href: CardPage(p.ID)})
			s.add(&Page{Name: CardPage(p.ID), Title: p.Title, Back: cat.Name, Body: s.card(p)})
		}
		s.add(cat)
	}
	s.add(cats)

	bip := &Page{Name: BIPPage, Title: "Biuletyn Informacji Publicznej", Back: HomePage}
	for i := range b.BIPMenu {
		mi := &b.BIPMenu[i]
		bip.Links = append(bip.Links, Link{Label: mi.Title, Sub: section(b, mi), Href: MenuPage(mi.ID)})
		s.menu(mi, BIPPage)
	}
	for _, p := range b.LatestPages(latest) {
		// A page of its own whose Wstecz leads back here, as the kiosk's back does: the
		// page's own Wstecz leads to its BIP section.
		bip.Links = append(bip.Links, Link{Label: p.Title, Sub: "Najnowsze · zmiana " + p.Record.LastChange().String(), Href: LatestPage(p.ID)})
		s.add(&Page{Name: LatestPage(p.ID), Title: p.Title, Back: BIPPage, Body: s.bipPage(p)})
	}
	s.add(bip)
	return s
}

func (s *Site) add(p *Page) { s.Pages[p.Name] = p }

// menu adds a BIP menu item's page, its sub-items' and its BIP pages'.
func (s *Site) menu(mi *content.MenuItem, back string) {
	pg := &Page{Name: MenuPage(mi.ID), Title: mi.Title, Back: back}
	for i := range mi.Children {
		c := &mi.Children[i]
		pg.Links = append(pg.Links, Link{Label: c.Title, Sub: section(s.b, c), Href: MenuPage(c.ID)})
		s.menu(c, pg.Name)
	}
	for _, p := range s.b.ListedPages(mi.ID) {
		pg.Links = append(pg.Links, Link{Label: p.Title, Sub: "Opublikowano " + p.Record.PublishedOn.String(), Href: BIPPagePage(p.ID)})
		s.add(&Page{Name: BIPPagePage(p.ID), Title: p.Title, Back: pg.Name, Body: s.bipPage(p)})
	}
	if len(pg.Links) == 0 {
		pg.Info = []string{"W tym dziale nie ma jeszcze żadnych stron."}
	}
	s.add(pg)
}

func section(b *content.Bundle, mi *content.MenuItem) string {
	n := len(b.PagesIn(mi.ID))
	for i := range mi.Children {
		n += len(b.PagesIn(mi.Children[i].ID))
	}
	return fmt.Sprintf("Dział · stron: %d", n)
}

func hoursLines(head string, hs []content.Hours) []string {
	out := []string{head}
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%s: %s–%s", h.Days, h.Open, h.Close))
	}
	return out
}

// Write writes the twin into dir, which it creates.
func (s *Site) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "style.css"), []byte(css), 0o644); err != nil {
		return err
	}
	for _, p := range s.Pages {
		var buf bytes.Buffer
		if err := pageTmpl.Execute(&buf, p); err != nil {
			return fmt.Errorf("%s: %v", p.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.Name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	for _, f := range s.files {
		data, err := fs.ReadFile(s.b.Files, f)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// file links a file of the bundle, copied next to the pages.
func (s *Site) file(p string) string {
	p = path.Clean(p)
	for _, f := range s.files {
		if f == p {
			return p
		}
	}
	s.files = append(s.files, p)
	return p
}

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

func (s *Site) bipPage(p *content.Page) template.HTML {
	var b htmlBuilder
	r := p.Record
	b.p("meta", fmt.Sprintf("Opublikowano %s · ostatnia zmiana %s", r.PublishedOn, r.LastChange()))
	var body bytes.Buffer
	if err := md.Convert([]byte(p.Body), &body); err != nil {
		b.p("", p.Body) // as the kiosk does with a page it cannot render: the raw text
	} else {
		b.raw(body.String()) // goldmark escapes raw HTML in the source by default
	}
	if len(p.Attachments) > 0 {
		b.h2("Załączniki")
		b.raw("<ul>")
		for _, a := range p.Attachments {
			b.raw(fmt.Sprintf(`<li><a href="%s">%s</a></li>`, template.HTMLEscapeString(s.file(a.File)), template.HTMLEscapeString(a.Name)))
		}
		b.raw("</ul>")
	}
	record(&b, r)
	return template.HTML(b.String())
}

// card is a procedure card with every section the kiosk shows, under the same headings.
func (s *Site) card(p *content.Procedure) template.HTML {
	var b htmlBuilder
	if p.Symbol != "" {
		b.p("meta", "Symbol: "+p.Symbol)
	}
	b.p("summary", p.Summary)
	b.list("Kogo dotyczy ta sprawa", p.Audience, false)
	b.list("Co musisz zrobić", p.Steps, true)
	b.h2("Co przygotować")
	if len(p.Documents) == 0 {
		b.p("", "Nie musisz przynosić żadnych dokumentów.")
	}
	b.raw("<ul>")
	for _, d := range p.Documents {
		b.raw("<li>" + template.HTMLEscapeString(d.Name))
		if d.Note != "" {
			b.raw(`<br><span class="note">` + template.HTMLEscapeString(d.Note) + "</span>")
		}
		b.raw("</li>")
	}
	b.raw("</ul>")
	b.h2("Ile zapłacisz")
	if len(p.Fees) == 0 {
		b.p("", "Nic nie płacisz — ta sprawa jest bezpłatna.")
	}
	for _, f := range p.Fees {
		b.p("fee", fmt.Sprintf("%s: %v", f.Title, f.Amount))
		b.p("note", "Rachunek: "+s.b.FeeAccount(f))
		if f.Note != "" {
			b.p("note", f.Note)
		}
	}
	if p.Duration != "" {
		b.h2("Ile będziesz czekać")
		b.p("", p.Duration)
	}
	b.h2("Gdzie to załatwisz")
	if o, ok := s.b.Office(p.Place.Office); ok {
		a := s.b.OfficeAddress(o)
		b.p("", fmt.Sprintf("%s, %s, %s %s", o.Name, a.Street, a.PostalCode, a.City))
		if p.Place.Room != "" {
			b.p("", p.Place.Room)
		}
		if o.Phone != "" {
			b.p("", "Telefon: "+o.Phone)
		}
		b.list("Godziny", hoursLines("Dni", s.b.OfficeHours(o))[1:], false)
	}
	if p.Place.Note != "" {
		b.p("note", p.Place.Note)
	}
	b.list("Jak złożyć wniosek", p.Channels, false)
	if p.Appeal != "" {
		b.h2("Co, jeśli się nie zgadzasz")
		b.p("", p.Appeal)
	}
	if len(p.Forms) > 0 {
		b.h2("Formularze")
		b.raw("<ul>")
		for _, f := range p.Forms {
			name := template.HTMLEscapeString(f.Name)
			if f.File != "" {
				name = fmt.Sprintf(`<a href="%s">%s</a>`, template.HTMLEscapeString(s.file(f.File)), name)
			}
			b.raw("<li>" + name + "</li>")
		}
		b.raw("</ul>")
	}
	if p.Notes != "" {
		b.h2("Dobrze wiedzieć")
		b.p("", p.Notes)
	}
	b.list("Podstawa prawna", p.LegalBase, false)
	record(&b, p.Record)
	return template.HTML(b.String())
}

// record is the metryczka, as at the foot of every BIP page and card.
func record(b *htmlBuilder, r content.Record) {
	b.h2("Metryczka")
	b.p("note", fmt.Sprintf("Wytworzył: %s, %s", r.ProducedBy, r.ProducedOn))
	b.p("note", fmt.Sprintf("Opublikował: %s, %s", r.PublishedBy, r.PublishedOn))
	for _, c := range r.Changes {
		b.p("note", fmt.Sprintf("Wersja %d, %s, %s: %s", c.Version, c.Date, c.Author, c.Reason))
	}
}

// htmlBuilder writes escaped HTML fragments.
type htmlBuilder struct{ strings.Builder }

func (b *htmlBuilder) raw(s string) { b.WriteString(s) }
func (b *htmlBuilder) h2(s string)  { b.raw("<h2>" + template.HTMLEscapeString(s) + "</h2>") }

func (b *htmlBuilder) p(class, s string) {
	if class != "" {
		b.raw(`<p class="` + class + `">`)
	} else {
		b.raw("<p>")
	}
	b.raw(template.HTMLEscapeString(s) + "</p>")
}

func (b *htmlBuilder) list(head string, items []string, ordered bool) {
	if len(items) == 0 {
		return
	}
	tag := "ul"
	if ordered {
		tag = "ol"
	}
	b.h2(head)
	b.raw("<" + tag + ">")
	for _, it := range items {
		b.raw("<li>" + template.HTMLEscapeString(it) + "</li>")
	}
	b.raw("</" + tag + ">")
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=1080">
<title>{{.Title}}</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>{{if .Back}}<a class="btn back" href="{{.Back}}">◀ Wstecz</a><a class="btn home" href="index.html">Start</a>{{end}}</header>
<h1>{{.Title}}</h1>
{{with .Intro}}<p class="intro">{{.}}</p>{{end}}
{{- if or .Links .Info}}
<ul class="list">
{{- range .Links}}
<li><a href="{{.Href}}"><b>{{.Label}}</b>{{with .Sub}}<span>{{.}}</span>{{end}}</a></li>
{{- end}}
{{- range .Info}}
<li class="info">{{.}}</li>
{{- end}}
</ul>
{{- end}}
{{with .Body}}<main>{{.}}</main>{{end}}
</body>
</html>
`))

// css puts the bar, the title and the list rows at the places the constants above say,
// with the kiosk's sizes: touch targets of at least 130 px, 32 px body text. Emphasis is
// bold and upright, as the kiosk shows it (app/markdown).
var css = fmt.Sprintf(`* { box-sizing: border-box; }
html, body { margin: 0; width: %[1]dpx; background: #f4f6f8; color: #111;
  font: 32px/1.4 "DejaVu Sans", sans-serif; }
header { height: %[2]dpx; background: #1f4e79; position: relative; }
.btn { position: absolute; top: 15px; width: 320px; height: 120px; line-height: 120px;
  text-align: center; background: #fff; color: #1f4e79; font-weight: bold; border-radius: 12px;
  text-decoration: none; }
.back { left: 16px; }
.home { right: 16px; }
h1 { margin: 0; height: %[3]dpx; padding: 0 40px; font-size: 46px; line-height: %[3]dpx;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.intro { position: absolute; top: 0; left: 0; right: 0; height: %[2]dpx; margin: 0;
  padding: 12px 40px; background: #1f4e79; color: #fff; font-size: 26px; white-space: pre-line;
  overflow: hidden; }
.list { list-style: none; margin: 0; padding: 0 40px; position: absolute; top: %[4]dpx;
  left: 0; right: 0; }
.list li { height: %[5]dpx; margin-bottom: %[6]dpx; }
.list a { display: block; height: 100%%; padding: 18px 28px; background: #fff; color: #111;
  border: 3px solid #1f4e79; border-radius: 12px; text-decoration: none; overflow: hidden; }
.list b, .list span { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.list span { font-size: 24px; color: #444; }
.list li.info { height: auto; margin: 0; padding: 4px 8px; }
main { padding: 0 40px 80px; }
main h2 { font-size: 36px; margin: 36px 0 8px; color: #1f4e79; }
main em { font-style: normal; font-weight: bold; }
main table { border-collapse: collapse; width: 100%%; }
main td, main th { border: 1px solid #888; padding: 8px; }
.meta, .note { color: #444; font-size: 26px; }
`, Width, headerH, ListTop-headerH, ListTop, rowH, RowPitch-rowH)
