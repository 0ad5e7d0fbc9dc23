package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"infomat/content"
)

// Source is where BIP pages come from.
type Source struct {
	// Kind is "feed" (an RSS 2.0 or Atom feed: one page per entry) or "page" (one HTML page).
	Kind string
	URL  string
	// Menu is the id of the bip/menu.yaml item new pages go under (and the folder below
	// bip/ their files go to). Pages already imported stay where the clerk put them.
	Menu string
}

const (
	KindFeed = "feed"
	KindPage = "page"
)

var (
	feedTypes = []string{"application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml"}
	pageTypes = []string{"text/html", "application/xhtml+xml"}
)

// Import fetches src and works out what it changes in draft, given the state of earlier
// imports: new source items become new pages, items changed at the source update their
// pages unless the clerk edited them (a Conflict), pages the clerk deleted are not made
// again. now dates the change-register entries. The draft is not modified.
func (im *Importer) Import(ctx context.Context, src Source, draft Files, st State, now time.Time) (Result, error) {
	if err := checkMenu(draft, src.Menu); err != nil {
		return Result{}, err
	}
	var items []extracted
	var err error
	switch src.Kind {
	case KindFeed:
		items, err = im.feed(ctx, src.URL)
	case KindPage:
		var e extracted
		e, err = im.page(ctx, src.URL)
		items = []extracted{e}
	default:
		return Result{}, fmt.Errorf("importer: unknown source kind %q", src.Kind)
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Changes: Files{}, State: st.clone()}
	if res.State.Items == nil {
		res.State.Items = map[string]ItemState{}
	}
	for _, e := range items {
		im.item(&res, src, draft, e, now)
	}
	validate(draft, st, &res, func(p string) string { return "Strona " + p })
	checkProposed(draft, res.Report)
	return res, nil
}

// item works out what one source item changes.
func (im *Importer) item(res *Result, src Source, draft Files, e extracted, now time.Time) {
	key := first(e.Key, e.Link)
	sh := sourceHash(e)
	is, known := res.State.Items[key]
	if !known {
		p := uniquePath(draft, res, src.Menu, slugify(e.Title))
		file := im.render(e, src.Menu, nil, now)
		res.Changes[p] = file
		res.State.Items[key] = ItemState{Source: e.Link, Path: p, SourceHash: sh, FileHash: hash(file)}
		res.Report = append(res.Report, Item{Kind: Added, Path: p, Source: e.Link, key: key, sourceHash: sh,
			Message: fmt.Sprintf("Dodano stronę „%s” (%s) ze źródła %s.", e.Title, p, e.Link)})
		return
	}
	cur, exists := draft[is.Path]
	if !exists {
		res.Report = append(res.Report, Item{Kind: Skipped, Path: is.Path, Source: e.Link, key: key, sourceHash: sh,
			Message: fmt.Sprintf("Strona %s została usunięta w wersji roboczej — nie tworzę jej ponownie ze źródła %s.", is.Path, e.Link)})
		return
	}
	if is.SourceHash == sh {
		return
	}
	var prev content.Page
	if front, _, ok := content.SplitFrontMatter(cur); ok {
		_ = yaml.Unmarshal(front, &prev) // best effort: what it lacks, the source gives
	}
	file := im.render(e, src.Menu, &prev, now)
	if hash(cur) != is.FileHash {
		res.Report = append(res.Report, Item{Kind: Conflict, Path: is.Path, Source: e.Link, Proposed: file, key: key, sourceHash: sh,
			Message: fmt.Sprintf("Strona %s zmieniła się w źródle %s, ale ktoś ją zmienił w wersji roboczej — nie nadpisuję jej. Porównaj obie wersje i wybierz jedną.", is.Path, e.Link)})
		return
	}
	res.Changes[is.Path] = file
	res.State.Items[key] = ItemState{Source: e.Link, Path: is.Path, SourceHash: sh, FileHash: hash(file)}
	res.Report = append(res.Report, Item{Kind: Updated, Path: is.Path, Source: e.Link, key: key, sourceHash: sh,
		Message: fmt.Sprintf("Zaktualizowano stronę %s według źródła %s.", is.Path, e.Link)})
}

func sourceHash(e extracted) string {
	data, _ := json.Marshal(e) // plain strings: cannot fail
	return hash(data)
}

// feed fetches a feed and converts its first MaxItems entries.
func (im *Importer) feed(ctx context.Context, u string) ([]extracted, error) {
	doc, err := im.fetch(ctx, u, "kanału", feedTypes)
	if err != nil {
		return nil, err
	}
	entries, err := parseFeed(doc.body)
	if err != nil {
		return nil, fmt.Errorf("Nie udało się odczytać kanału %s: %w", u, err)
	}
	if len(entries) > im.opts.MaxItems {
		entries = entries[:im.opts.MaxItems]
	}
	var out []extracted
	for _, it := range entries {
		link, _ := absolute(doc.url, it.Link, false)
		if link == "" {
			if id, ok := absolute(doc.url, it.ID, false); ok && strings.HasPrefix(it.ID, "http") {
				link = id
			}
		}
		if link == "" {
			// An entry with no address of its own: the feed's plus its id keeps it apart.
			link = u + "#" + it.ID
			if it.ID == "" {
				link = u + "#" + it.Title
			}
		}
		base := doc.url
		if l, err := doc.url.Parse(link); err == nil {
			base = l
		}
		title, body, rec, err := convertHTML(ctx, parseFragment(it.HTML), base)
		if err != nil {
			return nil, fmt.Errorf("Nie udało się przekształcić wpisu %s: %w", link, err)
		}
		if it.Title != "" {
			title = it.Title
		}
		if rec.PublishedBy == "" {
			rec.PublishedBy = it.Author
		}
		if rec.PublishedOn == "" {
			rec.PublishedOn = it.Published
		}
		if rec.PublishedOn == "" {
			rec.PublishedOn = it.Updated
		}
		if it.Updated > rec.PublishedOn && rec.ModifiedOn == "" {
			rec.ModifiedOn = it.Updated
		}
		key := it.ID
		if key != "" && !strings.HasPrefix(key, "http") && !strings.HasPrefix(key, "urn:") && !strings.HasPrefix(key, "tag:") {
			key = u + "#" + key // a feed's own numbering: unique only in the feed
		}
		out = append(out, extracted{Key: first(key, link), Link: link, Title: title, Body: body, Record: rec})
	}
	return out, nil
}

// page fetches one HTML page and converts it.
func (im *Importer) page(ctx context.Context, u string) (extracted, error) {
	doc, err := im.fetch(ctx, u, "strony", pageTypes)
	if err != nil {
		return extracted{}, err
	}
	r, err := utf8Reader(bytes.NewReader(doc.body), doc.contentType)
	if err != nil {
		return extracted{}, fmt.Errorf("Nie udało się odczytać strony %s: nieznane kodowanie znaków: %w", u, err)
	}
	root, err := html.Parse(r)
	if err != nil {
		return extracted{}, fmt.Errorf("Nie udało się odczytać strony %s: %w", u, err)
	}
	title, body, rec, err := convertHTML(ctx, root, doc.url)
	if err != nil {
		return extracted{}, fmt.Errorf("Nie udało się przekształcić strony %s: %w", u, err)
	}
	// The address asked for, not the one redirected to: it names the item in State.
	return extracted{Key: u, Link: u, Title: title, Body: body, Record: rec}, nil
}

func parseFragment(s string) *html.Node {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil { // html.Parse fails only on reader errors
		return &html.Node{Type: html.DocumentNode}
	}
	return doc
}

// pageHeader is a page's front matter as the importer writes it: content.Page without the
// empty optional keys.
type pageHeader struct {
	Title       string               `yaml:"tytul"`
	Menu        string               `yaml:"menu"`
	Order       int                  `yaml:"kolejnosc,omitempty"`
	Record      recordYAML           `yaml:"metryczka"`
	Attachments []content.Attachment `yaml:"zalaczniki,omitempty"`
	Source      string               `yaml:"zrodlo,omitempty"`
}

type recordYAML struct {
	ProducedBy  string           `yaml:"wytworzyl"`
	ProducedOn  content.Date     `yaml:"data_wytworzenia"`
	PublishedBy string           `yaml:"opublikowal"`
	PublishedOn content.Date     `yaml:"data_publikacji"`
	Changes     []content.Change `yaml:"rejestr_zmian,omitempty"`
}

// MarshalYAML writes the dates bare (2025-11-03), as clerks write them; content.Date
// marshals a string, which the encoder quotes because it looks like a timestamp.
func (r recordYAML) MarshalYAML() (any, error) {
	type change struct {
		Version int    `yaml:"wersja"`
		Date    day    `yaml:"data"`
		Author  string `yaml:"autor"`
		Reason  string `yaml:"opis"`
	}
	out := struct {
		ProducedBy  string   `yaml:"wytworzyl"`
		ProducedOn  day      `yaml:"data_wytworzenia"`
		PublishedBy string   `yaml:"opublikowal"`
		PublishedOn day      `yaml:"data_publikacji"`
		Changes     []change `yaml:"rejestr_zmian,omitempty"`
	}{r.ProducedBy, dayOf(r.ProducedOn), r.PublishedBy, dayOf(r.PublishedOn), nil}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, change{c.Version, dayOf(c.Date), c.Author, c.Reason})
	}
	return out, nil
}

type day string

func dayOf(d content.Date) day { return day(d.Format(time.DateOnly)) }

func (d day) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: string(d)}, nil
}

// render writes the page for e. prev, when the page exists, keeps what the clerk decides —
// its menu item, order and attachments — and its change register, to which the update is
// added. What the source lacks of the metryczka is filled in so the page is valid: dates
// from the other dates or today, people from im.opts.Author.
func (im *Importer) render(e extracted, menu string, prev *content.Page, now time.Time) []byte {
	today := now.Format(time.DateOnly)
	clamp := func(d string) string {
		if d == "" || d > today { // a source date after today is a typo there
			return today
		}
		return d
	}
	r := e.Record
	published := clamp(first(r.PublishedOn, r.ProducedOn, r.ModifiedOn))
	produced := clamp(first(r.ProducedOn, published))
	if produced > published {
		produced = published
	}
	h := pageHeader{
		Title: e.Title,
		Menu:  menu,
		Record: recordYAML{
			ProducedBy:  first(r.ProducedBy, r.PublishedBy, im.opts.Author),
			ProducedOn:  date(produced),
			PublishedBy: first(r.PublishedBy, im.opts.Author),
			PublishedOn: date(published),
		},
	}
	if strings.HasPrefix(e.Link, "http://") || strings.HasPrefix(e.Link, "https://") {
		h.Source = e.Link
	}
	if h.Title == "" {
		h.Title = "Bez tytułu"
	}
	if prev != nil {
		h.Menu = first(prev.Menu, menu)
		h.Order = prev.Order
		h.Attachments = prev.Attachments
		h.Record.Changes = slices.Clone(prev.Record.Changes)
		version := 0
		if n := len(h.Record.Changes); n > 0 {
			version = h.Record.Changes[n-1].Version
		}
		h.Record.Changes = append(h.Record.Changes, content.Change{
			Version: version + 1, Date: date(max(today, produced)), Author: im.opts.Author, Reason: "aktualizacja ze źródła",
		})
	} else {
		h.Record.Changes = sourceChanges(r, produced, today, h.Record.PublishedBy)
	}
	body := strings.TrimSpace(e.Body)
	if body == "" && h.Source != "" {
		body = fmt.Sprintf("Pełna treść tej informacji jest w BIP: <%s>", h.Source)
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(h); err != nil {
		panic(fmt.Sprintf("importer: marshal page header: %v", err)) // plain strings and dates
	}
	enc.Close()
	b.WriteString("---\n")
	b.WriteString(body)
	b.WriteString("\n")
	return b.Bytes()
}

// sourceChanges turns the source's change register (or its last-modified date) into
// rejestr_zmian entries the validator accepts: oldest first, numbered from 1, dated
// between production and today.
func sourceChanges(r record, produced, today, publisher string) []content.Change {
	cs := slices.Clone(r.Changes)
	if len(cs) == 0 && r.ModifiedOn != "" && r.ModifiedOn > first(r.PublishedOn, produced) {
		cs = []change{{Date: r.ModifiedOn, Author: r.ModifiedBy, Reason: "zmiana w źródle"}}
	}
	slices.SortStableFunc(cs, func(a, b change) int { return strings.Compare(a.Date, b.Date) })
	var out []content.Change
	for _, c := range cs {
		if c.Date < produced || c.Date > today {
			continue
		}
		out = append(out, content.Change{
			Version: len(out) + 1,
			Date:    date(c.Date),
			Author:  first(c.Author, r.ModifiedBy, publisher),
			Reason:  first(c.Reason, "zmiana"),
		})
	}
	return out
}

func first(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func date(s string) content.Date {
	t, _ := time.Parse(time.DateOnly, s)
	return content.Date{Time: t}
}

// checkMenu makes sure menu is an item of the draft's bip/menu.yaml.
func checkMenu(draft Files, menu string) error {
	data, ok := draft[content.BIPMenuFile]
	if !ok {
		return fmt.Errorf("W wersji roboczej brak pliku %s — dodaj menu BIP przed importem", content.BIPMenuFile)
	}
	var items []content.MenuItem
	if err := yaml.Unmarshal(bytes.TrimPrefix(data, []byte("\ufeff")), &items); err != nil {
		return fmt.Errorf("Nie można odczytać %s (%v) — popraw go przed importem", content.BIPMenuFile, err)
	}
	var has func([]content.MenuItem) bool
	has = func(items []content.MenuItem) bool {
		for _, it := range items {
			if it.ID == menu || has(it.Children) {
				return true
			}
		}
		return false
	}
	if menu == "" || !has(items) {
		return fmt.Errorf("Nieznana pozycja menu %q — wybierz pozycję, która jest w %s", menu, content.BIPMenuFile)
	}
	return nil
}

// uniquePath is a free page path bip/<menu>/<slug>.md: not in the draft, not being added,
// and not remembered in the state (a page the clerk deleted keeps its path, so a new one
// never takes over its history).
func uniquePath(draft Files, res *Result, menu, slug string) string {
	used := map[string]bool{}
	for p := range maps.Keys(draft) {
		used[p] = true
	}
	for p := range maps.Keys(res.Changes) {
		used[p] = true
	}
	for _, is := range res.State.Items {
		used[is.Path] = true
	}
	for n := 1; ; n++ {
		name := slug
		if n > 1 {
			name = fmt.Sprintf("%s-%d", slug, n)
		}
		p := path.Join(content.BIPDir, menu, name+".md")
		if !used[p] {
			return p
		}
	}
}

// slugify makes a page's identifier from its title (content.Slug), "strona" for a title
// without a letter or digit.
func slugify(title string) string {
	if s := content.Slug(title); s != "" {
		return s
	}
	return "strona"
}
