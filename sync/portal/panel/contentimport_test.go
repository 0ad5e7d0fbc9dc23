package panel_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"infomat/content"
	"infomat/content/importer"
	"infomat/sync/portal"
	"infomat/sync/portal/panel"
)

// bipSite is a municipality's old BIP on loopback: an RSS feed whose one entry can change.
type bipSite struct {
	mu   sync.Mutex
	text string
	srv  *httptest.Server
}

func newBIPSite(t *testing.T) *bipSite {
	s := &bipSite{text: "Zebranie odbędzie się w świetlicy o 18:00."}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>BIP Gminy Jaworzno Małe</title><link>%[1]s/</link>
<item><title>Zebranie wiejskie w Olszynce</title><link>%[1]s/ogloszenia/zebranie</link><guid>jm-7</guid>
<pubDate>Tue, 03 Mar 2026 10:00:00 +0100</pubDate><dc:creator>Irena Bukowa</dc:creator>
<description>&lt;p&gt;%[2]s&lt;/p&gt;</description></item></channel></rss>`, s.srv.URL, s.text)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *bipSite) set(text string) { s.mu.Lock(); s.text = text; s.mu.Unlock() }

// A moderator imports a feed of the old BIP; the scheduled re-import updates what nobody
// edited and leaves an edited page alone as a conflict the moderator settles; cards come
// from a spreadsheet.
func TestImportFeedReimportAndCards(t *testing.T) {
	e := newEnvWith(t, panel.Options{Importer: importer.New(importer.Options{AllowLoopback: true})})
	ctx := t.Context()
	site := newBIPSite(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	b.get("/panel/content/import")
	csrf := b.csrf()
	feed := site.srv.URL + "/rss.xml"
	if st, _ := b.post("/panel/content/import/bip", url.Values{"csrf": {csrf}, "kind": {"feed"}, "url": {feed}, "menu": {"ogloszenia"}}, nil); st != http.StatusOK || !strings.Contains(b.body, "dodano") {
		t.Fatalf("import: %d\n%s", st, b.body)
	}
	d, _ := e.st.Draft(ctx, "przykladowa")
	var path string
	for p := range d.Files {
		if strings.HasPrefix(p, "bip/ogloszenia/zebranie-wiejskie") {
			path = p
		}
	}
	pg, ok := content.ParsePage(d.Files[path])
	if !ok || pg.Source != site.srv.URL+"/ogloszenia/zebranie" || pg.Record.ProducedBy != "Irena Bukowa" || !strings.Contains(pg.Body, "o 18:00") {
		t.Fatalf("imported page %s: %+v", path, pg)
	}
	if b, err := content.Load(content.Folder(d.Files).FS()); err != nil || len(b.FormProblems) > 0 {
		t.Fatalf("the draft after the import does not check: %v", err)
	}

	// Changed at the source, untouched here: the scheduled re-import updates it.
	site.set("Zebranie przeniesiono na 19:00.")
	if _, err := portal.Reimport(ctx, e.st, importer.New(importer.Options{AllowLoopback: true}), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if pg, _ := content.ParsePage(d.Files[path]); !strings.Contains(pg.Body, "19:00") {
		t.Fatalf("the re-import did not update an unedited page:\n%s", pg.Body)
	}

	// Edited here, then changed at the source: kept, and offered as a conflict.
	local := bytes.Replace(d.Files[path], []byte("19:00"), []byte("19:00 (sala na piętrze)"), 1)
	if _, err := e.st.UpdateDraft(ctx, "przykladowa", d.Revision, map[string][]byte{path: local}, "Ewa", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	site.set("Zebranie odwołano.")
	if _, err := portal.Reimport(ctx, e.st, importer.New(importer.Options{AllowLoopback: true}), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if !bytes.Equal(d.Files[path], local) {
		t.Fatal("the re-import overwrote a page edited in the panel")
	}
	b.get("/panel/content/import")
	if !strings.Contains(b.body, `id="conflict-0"`) || !strings.Contains(b.body, path) {
		t.Fatalf("no conflict shown:\n%s", b.body)
	}
	if st, _ := b.post("/panel/content/import/resolve", url.Values{"csrf": {csrf}, "path": {path}, "action": {"accept"}}, nil); st != http.StatusOK {
		t.Fatalf("accept: %d\n%s", st, b.body)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if pg, _ := content.ParsePage(d.Files[path]); !strings.Contains(pg.Body, "odwołano") {
		t.Fatalf("accepting did not take the source's version:\n%s", pg.Body)
	}
	if imp, _ := portal.LoadImports(ctx, e.st, "przykladowa"); len(imp.Conflicts) != 0 || len(imp.Sources) != 1 {
		t.Fatalf("import record after accepting: %+v", imp)
	}

	// Cards from a spreadsheet, semicolons as Polish Excel writes them.
	csv := "id;nazwa;kategoria;w_skrocie;kogo_dotyczy;kroki;termin;urzad;forma_zlozenia;tryb_odwolawczy;podstawa_prawna\n" +
		"wpis-do-ewidencji-dzialalnosci;Wpis do ewidencji działalności;" + firstCategoryID(t, d.Files) + ";Zgłoś działalność przez CEIDG.;Przedsiębiorcy;Wypełnij wniosek;Od ręki;" + firstOfficeID(t, d.Files) + ";osobiście;Brak.;Ustawa Prawo przedsiębiorców\n"
	if st := b.postFile("/panel/content/import/cards", url.Values{"csrf": {csrf}}, "file", "karty.csv", []byte(csv)); st != http.StatusOK || !strings.Contains(b.body, "dodano") {
		t.Fatalf("CSV import: %d\n%s", st, b.body)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if _, ok := d.Files["procedury/wpis-do-ewidencji-dzialalnosci.yaml"]; !ok {
		t.Fatalf("the CSV card is not in the draft")
	}
	entries, _ := e.st.Audit(ctx, "przykladowa", 20)
	if !hasAudit(entries, "content.import", feed) || !hasAudit(entries, "content.import.resolve", path) {
		t.Fatalf("audit: %+v", entries)
	}
}

// The portal fetches nothing inside its own network for a moderator.
func TestImportRefusesInternalAddresses(t *testing.T) {
	e := newEnv(t) // the default importer
	site := newBIPSite(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	b.get("/panel/content/import")
	st, _ := b.post("/panel/content/import/bip", url.Values{"csrf": {b.csrf()}, "kind": {"feed"}, "url": {site.srv.URL + "/rss.xml"}, "menu": {"ogloszenia"}}, nil)
	if st != http.StatusUnprocessableEntity || !strings.Contains(b.body, `id="import-error"`) {
		t.Fatalf("import from loopback: %d\n%s", st, b.body)
	}
	if imp, _ := portal.LoadImports(t.Context(), e.st, "przykladowa"); len(imp.Sources) != 0 {
		t.Fatal("a refused source was kept for re-import")
	}
}

func firstCategoryID(t *testing.T, files map[string][]byte) string {
	b, err := content.Load(content.Folder(files).FS())
	if err != nil {
		t.Fatal(err)
	}
	return b.Categories[0].ID
}

func firstOfficeID(t *testing.T, files map[string][]byte) string {
	b, err := content.Load(content.Folder(files).FS())
	if err != nil {
		t.Fatal(err)
	}
	return b.Offices[0].ID
}
