package twin

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

func TestTwinPagesAndLinks(t *testing.T) {
	b, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Build(b).Write(dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("no page for it: %v", err)
		}
		return html.UnescapeString(string(data))
	}
	for _, p := range b.Procedures {
		if page := read(CardPage(p.ID)); !strings.Contains(page, "<h1>"+p.Title+"</h1>") {
			t.Errorf("%s: the card's title %q is not its heading", CardPage(p.ID), p.Title)
		}
	}
	for _, p := range b.BIPPages {
		if page := read(BIPPagePage(p.ID)); !strings.Contains(page, "<h1>"+p.Title+"</h1>") {
			t.Errorf("%s: the page's title %q is not its heading", BIPPagePage(p.ID), p.Title)
		}
	}
	if page := read(CardPage(b.Procedures[0].ID)); !strings.Contains(page, "Gdzie to załatwisz") {
		t.Errorf("a card lacks its sections:\n%s", page)
	}

	// Every link of every page resolves to a file of the twin, and every page is reachable
	// from home by links.
	files, links := 0, 0
	reached := map[string]bool{HomePage: true}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		files++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range hrefRE.FindAllStringSubmatch(string(data), -1) {
			href := html.UnescapeString(m[1])
			if strings.Contains(href, "://") || strings.HasPrefix(href, "mailto:") || strings.HasPrefix(href, "tel:") {
				continue
			}
			links++
			target := filepath.Join(filepath.Dir(p), filepath.FromSlash(href))
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: link %q leads nowhere", filepath.Base(p), href)
			}
			reached[href] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != len(Build(b).Pages) {
		t.Errorf("%d HTML files, want one per page (%d)", files, len(Build(b).Pages))
	}
	for name := range Build(b).Pages {
		if !reached[name] {
			t.Errorf("%s: no link leads to it", name)
		}
	}
	t.Logf("%d pages, %d links", files, links)
}
