package importer_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/content"
	"infomat/content/importer"
)

// now is after every date in the fixtures, and before the real clock the validator uses.
var now = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// sample is the embedded bundle as a draft.
func sample(t testing.TB) importer.Files {
	t.Helper()
	files := importer.Files{}
	err := fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(assets.DefaultContent(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// load runs the real validator on files.
func load(t *testing.T, files importer.Files) *content.Bundle {
	t.Helper()
	m := fstest.MapFS{}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data}
	}
	b, err := content.Load(m)
	if err != nil {
		t.Fatalf("draft with the import does not load: %v", err)
	}
	return b
}

// site serves documents that a test can change, with their content types.
type site struct {
	mu   sync.Mutex
	docs map[string]doc
	*httptest.Server
}

type doc struct {
	contentType string
	body        string
}

func newSite(t *testing.T) *site {
	s := &site{docs: map[string]doc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		d, ok := s.docs[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", d.contentType)
		w.Write([]byte(d.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) set(path, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = doc{contentType, body}
}

func (s *site) setFile(t *testing.T, path, contentType, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s.set(path, contentType, string(data))
}

func testImporter() *importer.Importer {
	return importer.New(importer.Options{AllowLoopback: true})
}

func page(t *testing.T, data []byte) content.Page {
	t.Helper()
	s := string(data)
	rest, ok := strings.CutPrefix(s, "---\n")
	front, body, ok2 := strings.Cut(rest, "\n---\n")
	if !ok || !ok2 {
		t.Fatalf("no front matter in:\n%s", s)
	}
	var p content.Page
	if err := yaml.Unmarshal([]byte(front), &p); err != nil {
		t.Fatalf("front matter: %v\n%s", err, s)
	}
	p.Body = body
	return p
}

func kinds(r importer.Result) map[importer.Kind]int {
	m := map[importer.Kind]int{}
	for _, it := range r.Report {
		m[it.Kind]++
	}
	return m
}

func TestRSSFeed(t *testing.T) {
	s := newSite(t)
	s.setFile(t, "/rss", "application/rss+xml; charset=utf-8", "testdata/rss.xml")
	draft := sample(t)
	res, err := testImporter().Import(context.Background(), importer.Source{Kind: importer.KindFeed, URL: s.URL + "/rss", Menu: "ogloszenia-wojta"}, draft, importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(res); got[importer.Added] != 3 || len(res.Report) != 3 {
		t.Fatalf("report %v, want 3 pages added", res.Report)
	}
	b := load(t, draft.Apply(res.Changes))

	water := res.Changes["bip/ogloszenia-wojta/przerwa-w-dostawie-wody-w-jaworku-dolnym.md"]
	if water == nil {
		t.Fatalf("no page for the first item; changes: %v", keys(res.Changes))
	}
	p := page(t, water)
	if p.Title != "Przerwa w dostawie wody w Jaworku Dolnym" || p.Menu != "ogloszenia-wojta" {
		t.Errorf("title %q menu %q", p.Title, p.Menu)
	}
	if p.Record.PublishedBy != "Halina Wrzos" || p.Record.PublishedOn.Format(time.DateOnly) != "2025-10-14" {
		t.Errorf("metryczka from dc:creator and pubDate: %+v", p.Record)
	}
	if p.Source != s.URL+"/ogloszenia/przerwa-w-dostawie-wody" {
		t.Errorf("zrodlo %q: the relative link resolved against the feed", p.Source)
	}
	for _, bad := range []string{"<script", "document.cookie", "onclick", "track()"} {
		if strings.Contains(p.Body, bad) {
			t.Errorf("body keeps %q:\n%s", bad, p.Body)
		}
	}
	for _, want := range []string{"| Ulica", "| Leśna", "**16 października 2025 r.**", "[Mapa](" + s.URL + "/pliki/mapa.pdf)"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Body)
		}
	}

	// The second and third items share a title: two pages with distinct ids.
	a := page(t, res.Changes["bip/ogloszenia-wojta/zbiorka-odpadow-wielkogabarytowych-elektroodpadow.md"])
	c := page(t, res.Changes["bip/ogloszenia-wojta/zbiorka-odpadow-wielkogabarytowych-elektroodpadow-2.md"])
	if a.Record.PublishedBy != "Tomasz Grab" {
		t.Errorf("RSS author name: %q", a.Record.PublishedBy)
	}
	if strings.Contains(a.Body, "iframe") || strings.Contains(a.Body, "reklama") {
		t.Errorf("iframe survives:\n%s", a.Body)
	}
	if c.Record.PublishedBy != "Import ze strony BIP" || !strings.Contains(c.Body, "tydzień później") {
		t.Errorf("item without author: %+v\n%s", c.Record, c.Body)
	}
	found := 0
	for _, pg := range b.BIPPages {
		if pg.Menu == "ogloszenia-wojta" && pg.Source != "" {
			found++
		}
	}
	if found != 3 {
		t.Errorf("loaded bundle has %d imported pages, want 3", found)
	}
}

func TestAtomFeed(t *testing.T) {
	s := newSite(t)
	s.setFile(t, "/atom", "application/atom+xml", "testdata/atom.xml")
	draft := sample(t)
	res, err := testImporter().Import(context.Background(), importer.Source{Kind: importer.KindFeed, URL: s.URL + "/atom", Menu: "zarzadzenia"}, draft, importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	load(t, draft.Apply(res.Changes))
	p := page(t, res.Changes["bip/zarzadzenia/zarzadzenie-nr-41-2025-w-sprawie-dni-wolnych-od-pracy.md"])
	r := p.Record
	if r.PublishedBy != "Ryszard Klon" || r.PublishedOn.Format(time.DateOnly) != "2025-10-28" || r.ProducedOn.Format(time.DateOnly) != "2025-10-28" {
		t.Errorf("metryczka: %+v", r)
	}
	if len(r.Changes) != 1 || r.Changes[0].Date.Format(time.DateOnly) != "2025-11-03" {
		t.Errorf("updated after published should be a change: %+v", r.Changes)
	}
	if p.Source != "https://bip.modrzewiec.example/zarzadzenia/41-2025" || !strings.Contains(p.Body, "*10 listopada 2025 r.*") || strings.Contains(p.Body, "color") {
		t.Errorf("source %q body:\n%s", p.Source, p.Body)
	}
	q := page(t, res.Changes["bip/zarzadzenia/zarzadzenie-nr-40-2025-w-sprawie-regulaminu-swietlic.md"])
	if q.Record.PublishedOn.Format(time.DateOnly) != "2025-10-20" || !strings.Contains(q.Body, "Olszynce") {
		t.Errorf("entry with summary and updated only: %+v\n%s", q.Record, q.Body)
	}
}

func TestHTMLPage(t *testing.T) {
	s := newSite(t)
	s.setFile(t, "/uchwala", "text/html; charset=utf-8", "testdata/page.html")
	draft := sample(t)
	res, err := testImporter().Import(context.Background(), importer.Source{Kind: importer.KindPage, URL: s.URL + "/uchwala", Menu: "uchwaly"}, draft, importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	load(t, draft.Apply(res.Changes))
	const path = "bip/uchwaly/uchwala-nr-xii-88-2025-w-sprawie-stawek-oplat-za-wode.md"
	p := page(t, res.Changes[path])
	if p.Title != "Uchwała nr XII/88/2025 w sprawie stawek opłat za wodę" || p.Source != s.URL+"/uchwala" {
		t.Errorf("title %q source %q", p.Title, p.Source)
	}
	r := p.Record
	if r.ProducedBy != "Barbara Jesion, Referat Gospodarki Komunalnej" || r.ProducedOn.Format(time.DateOnly) != "2025-09-22" ||
		r.PublishedBy != "Krzysztof Buk" || r.PublishedOn.Format(time.DateOnly) != "2025-09-25" {
		t.Errorf("metryczka not mapped: %+v", r)
	}
	if len(r.Changes) != 2 || r.Changes[1].Version != 2 || r.Changes[1].Date.Format(time.DateOnly) != "2025-10-02" ||
		r.Changes[1].Reason != "Dodano plik PDF" || r.Changes[1].Author != "Krzysztof Buk" {
		t.Errorf("rejestr zmian: %+v", r.Changes)
	}
	body := p.Body
	for _, bad := range []string{"<", "alert", "ukryty skrypt", "mapy.example", "Metryczka", "Wytworzył", "Barbara Jesion", "317", "Rejestr zmian", "javascript", "data:image", "Deklaracja dostępności", "Prawo lokalne", "# Uchwała"} {
		if strings.Contains(body, bad) {
			t.Errorf("body keeps %q:\n%s", bad, body)
		}
	}
	for _, want := range []string{
		"## Stawki",
		"| Grupa odbiorców", "| Gospodarstwa domowe | 5,20 zł", "|---",
		"[uchwała (PDF)](" + s.URL + "/pliki/uchwala-xii-88-2025.pdf)",
		"![Ujęcie wody w Olszynce](" + s.URL + "/obrazki/ujecie-wody.jpg)",
		"Rada Gminy Modrzewiec ustala stawki",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

func keys(f importer.Files) []string {
	var out []string
	for k := range f {
		out = append(out, k)
	}
	return out
}

func TestUnknownMenu(t *testing.T) {
	_, err := testImporter().Import(context.Background(), importer.Source{Kind: importer.KindPage, URL: "http://127.0.0.1:1/", Menu: "nie-ma-takiej"}, sample(t), importer.State{}, now)
	if err == nil || !strings.Contains(err.Error(), `Nieznana pozycja menu "nie-ma-takiej"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestHTMLPageInISO88592(t *testing.T) {
	s := newSite(t)
	// "Zażółć gęślą jaźń" in ISO-8859-2, as older BIP systems serve it.
	body := "<html><head><title>x</title></head><body><main><h1>Og\xb3oszenie</h1><p>Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1.</p>" +
		"<p>Wytworzy\xb3: Anna Lipa</p><p>Data wytworzenia: 2025-06-02</p></main></body></html>"
	s.set("/iso", "text/html; charset=ISO-8859-2", body)
	draft := sample(t)
	res, err := testImporter().Import(context.Background(), importer.Source{Kind: importer.KindPage, URL: s.URL + "/iso", Menu: "ogloszenia-wojta"}, draft, importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	load(t, draft.Apply(res.Changes))
	p := page(t, res.Changes["bip/ogloszenia-wojta/ogloszenie.md"])
	if p.Title != "Ogłoszenie" || !strings.Contains(p.Body, "Zażółć gęślą jaźń.") || strings.Contains(p.Body, "Anna Lipa") || p.Record.ProducedBy != "Anna Lipa" {
		t.Errorf("title %q record %+v body:\n%s", p.Title, p.Record, p.Body)
	}
}
