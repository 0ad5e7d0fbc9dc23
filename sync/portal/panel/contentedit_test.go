package panel_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"infomat/assets"
	"infomat/content"
	"infomat/sync/portal"
)

// sampleFiles is the embedded sample bundle's files.
func sampleFiles(t testing.TB) content.Folder {
	t.Helper()
	f, err := content.FolderOf(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// formValues reads the editor form (id="editor") of a page as a browser would submit it.
func formValues(t testing.TB, page, formID string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if id, _ := attr(n, "id"); n.Type == html.ElementNode && n.Data == "form" && id == formID {
			form = n
		}
		for c := n.FirstChild; c != nil && form == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no form #%s on the page:\n%s", formID, page)
	}
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				val, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				if named && (typ != "checkbox" && typ != "radio" || checked) && typ != "file" {
					v.Add(name, val)
				}
			case "textarea":
				var b strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					b.WriteString(c.Data)
				}
				// A browser drops the newline right after <textarea>; the parser already did.
				v.Add(name, b.String())
			case "select":
				first, seen, chosen := "", false, false
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if o.Type != html.ElementNode || o.Data != "option" {
						continue
					}
					val, _ := attr(o, "value")
					if !seen {
						first, seen = val, true
					}
					if _, sel := attr(o, "selected"); sel {
						v.Add(name, val)
						chosen = true
					}
				}
				if !chosen {
					v.Add(name, first)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

// moderator logs a moderator of muni in and starts its draft from the published sample.
func moderatorWithDraft(t testing.TB, e *env, muni string) *browser {
	t.Helper()
	if _, err := portal.Publish(t.Context(), e.st, muni, sampleFiles(t).FS(), portal.PublishOptions{Now: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	pw := e.addUser(muni, "redaktor", "Ewa Redaktorska", portal.RoleModerator)
	b := e.browser()
	b.login(muni, "redaktor", pw)
	if st, _ := b.get("/panel/content"); st != http.StatusOK || !strings.Contains(b.body, `id="start-draft"`) {
		t.Fatalf("content page without a draft: %d\n%s", st, b.body)
	}
	if st, loc := b.post("/panel/content/start", url.Values{"csrf": {b.csrf()}}, nil); st != http.StatusSeeOther || loc != "/panel/content" {
		t.Fatalf("start draft: %d %s\n%s", st, loc, b.body)
	}
	return b
}

// Every file the editor has a form for, saved back unchanged through its form, means the
// same to the kiosk: the form loses nothing a clerk wrote, in any of the sample's files.
func TestEditorFormsRoundTripEverySampleFile(t *testing.T) {
	e := newEnv(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	want, err := content.Load(sampleFiles(t).FS())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := e.st.Draft(t.Context(), "przykladowa")
	n := 0
	for p := range d.Files {
		if !editableForTest(p) {
			continue
		}
		n++
		st, _ := b.get("/panel/content/edit?f=" + url.QueryEscape(p))
		if st != http.StatusOK {
			t.Fatalf("edit %s: %d\n%s", p, st, b.body)
		}
		form := formValues(t, b.body, "editor")
		if st, _ := b.post("/panel/content/edit?f="+url.QueryEscape(p), form, nil); st != http.StatusOK || !strings.Contains(b.body, `id="saved"`) {
			t.Fatalf("save %s unchanged: %d\n%s", p, st, b.body)
		}
	}
	if n < 30 {
		t.Fatalf("only %d files were editable", n)
	}
	d, _ = e.st.Draft(t.Context(), "przykladowa")
	got, err := content.Load(content.Folder(d.Files).FS())
	if err != nil {
		t.Fatalf("the sample saved through the forms does not load: %v", err)
	}
	if len(got.FormProblems) > 0 {
		t.Fatalf("forms saved through the editor have problems: %v", got.FormProblems)
	}
	same := func(what string, w, g any) {
		t.Helper()
		a, _ := content.Marshal(w)
		c, _ := content.Marshal(g)
		if !bytes.Equal(a, c) {
			t.Fatalf("%s changed going through its form:\n%s\n---\n%s", what, a, c)
		}
	}
	same("profile", want.Municipality, got.Municipality)
	same("offices", want.Offices, got.Offices)
	same("categories", want.Categories, got.Categories)
	same("menu", want.BIPMenu, got.BIPMenu)
	for i, p := range want.Procedures {
		same(p.File, p, got.Procedures[i])
		if p.Form != nil {
			same(p.Form.File, *p.Form, *got.Procedures[i].Form)
		}
	}
	for i, pg := range want.BIPPages {
		same(pg.File, pg, got.BIPPages[i])
		if strings.TrimSpace(pg.Body) != strings.TrimSpace(got.BIPPages[i].Body) {
			t.Fatalf("%s: the body changed going through its form", pg.File)
		}
	}
}

func editableForTest(p string) bool {
	if strings.HasPrefix(p, "pliki/") {
		return false
	}
	base := p[strings.LastIndex(p, "/")+1:]
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".md")
	return !strings.Contains(base, ".") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".md"))
}

func TestEditorChecksAsYouTypeAndPublishes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	b := moderatorWithDraft(t, e, "przykladowa")
	const card = "procedury/licencja-taxi.yaml"
	q := "?f=" + url.QueryEscape(card)
	b.get("/panel/content/edit" + q)
	form := formValues(t, b.body, "editor")
	if form.Get("nazwa") == "" || form.Get("oplaty[0].kwota") != "320,00" {
		t.Fatalf("the card's form: nazwa %q, first fee %q", form.Get("nazwa"), form.Get("oplaty[0].kwota"))
	}
	csrf := form.Get("csrf")

	// The live check: an empty title, a fee that is not an amount, an unknown category.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("nazwa", "")
	bad.Set("oplaty[0].kwota", "trzysta")
	bad.Set("kategoria", "nie-ma-takiej")
	st, _ := b.post("/panel/content/check"+q, bad, nil)
	var res struct {
		Fields  map[string][]string
		General []string
		Others  int
	}
	if err := json.Unmarshal([]byte(b.body), &res); st != http.StatusOK || err != nil {
		t.Fatalf("check: %d %v\n%s", st, err, b.body)
	}
	for id, want := range map[string]string{"f-nazwa": "pole wymagane jest puste", "f-oplaty-0-kwota": "trzysta", "f-kategoria": "nie-ma-takiej"} {
		if got := strings.Join(res.Fields[id], " "); !strings.Contains(got, want) {
			t.Errorf("live check at %s: %q, want %q (all: %+v)", id, got, want, res)
		}
	}
	if d, _ := e.st.Draft(ctx, "przykladowa"); d.Revision != 1 {
		t.Fatalf("the live check saved the draft (revision %d)", d.Revision)
	}

	// Saving the broken title keeps the problem next to the field, and publishing is refused.
	bad.Set("oplaty[0].kwota", "320,00")
	bad.Set("kategoria", form.Get("kategoria"))
	if st, _ := b.post("/panel/content/edit"+q, bad, nil); st != http.StatusOK || !strings.Contains(b.body, `id="err-f-nazwa">pole wymagane jest puste`) {
		t.Fatalf("save with an empty title: %d\n%s", st, b.body)
	}
	b.get("/panel/content")
	if !strings.Contains(b.body, `id="publish" disabled`) || !strings.Contains(b.body, "licencja-taxi.yaml") {
		t.Fatalf("the overview does not block publishing:\n%s", b.body)
	}
	d, _ := e.st.Draft(ctx, "przykladowa")
	st, _ = b.post("/panel/content/publish", url.Values{"csrf": {csrf}, "rev": {itoa(d.Revision)}, "reason": {"Próba"}}, nil)
	if p, _ := e.st.LatestManifest(ctx, "przykladowa"); st != http.StatusUnprocessableEntity || p.Version != 1 {
		t.Fatalf("publishing a draft with errors: %d, latest v%d", st, p.Version)
	}

	// Fixed, saved, published with a reason: version 2 with the register entry.
	good := url.Values{}
	for k, v := range form {
		good[k] = v
	}
	good.Set("nazwa", "Licencja na taksówkę")
	good.Set("rev", itoa(d.Revision))
	if st, _ := b.post("/panel/content/edit"+q, good, nil); st != http.StatusOK || !strings.Contains(b.body, `id="saved"`) {
		t.Fatalf("save: %d\n%s", st, b.body)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if st, _ := b.post("/panel/content/publish", url.Values{"csrf": {csrf}, "rev": {itoa(d.Revision)}, "reason": {""}}, nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("publish without a reason: %d", st)
	}
	if st, _ := b.post("/panel/content/publish", url.Values{"csrf": {csrf}, "rev": {itoa(d.Revision)}, "reason": {"Nowa nazwa karty taxi"}}, nil); st != http.StatusOK || !strings.Contains(b.body, "Opublikowano wersję 2") {
		t.Fatalf("publish: %d\n%s", st, b.body)
	}
	if !strings.Contains(b.body, `id="publish-unchanged"`) || !strings.Contains(b.body, `id="publish" disabled`) {
		t.Fatalf("right after publishing, the overview still offers to publish:\n%s", b.body)
	}
	files, v, err := portal.LatestFiles(ctx, e.st, "przykladowa")
	if err != nil || v != 2 {
		t.Fatalf("latest after publishing: v%d, %v", v, err)
	}
	pub, err := content.Load(files.FS())
	if err != nil {
		t.Fatal(err)
	}
	taxi, _ := pub.Procedure("licencja-taxi")
	last := taxi.Record.Changes[len(taxi.Record.Changes)-1]
	if taxi.Title != "Licencja na taksówkę" || last.Author != "Ewa Redaktorska" || last.Reason != "Nowa nazwa karty taxi" {
		t.Fatalf("published card: %q, last change %+v", taxi.Title, last)
	}
	entries, _ := e.st.Audit(ctx, "przykladowa", 20)
	if !hasAudit(entries, "content.publish", "v2") || !hasAudit(entries, "content.edit", card) {
		t.Fatalf("audit log lacks the edit or the publication: %+v", entries)
	}

	// History, diff, rollback.
	if st, _ := b.get("/panel/content/versions"); st != http.StatusOK || !strings.Contains(b.body, `id="version-2"`) || !strings.Contains(b.body, `id="rollback-1"`) {
		t.Fatalf("versions: %d\n%s", st, b.body)
	}
	st, _ = b.get("/panel/content/versions/2")
	if page := html.UnescapeString(b.body); st != http.StatusOK || !strings.Contains(page, "+ nazwa: Licencja na taksówkę") || !strings.Contains(page, "- nazwa: ") {
		t.Fatalf("diff of version 2: %d\n%s", st, b.body)
	}
	if st, _ := b.post("/panel/content/versions/1/rollback", url.Values{"csrf": {csrf}, "reason": {"Wracamy"}}, nil); st != http.StatusOK || !strings.Contains(b.body, "jako nową wersję 3") {
		t.Fatalf("rollback: %d\n%s", st, b.body)
	}
	files, v, _ = portal.LatestFiles(ctx, e.st, "przykladowa")
	if v != 3 || !bytes.Equal(files[card], sampleFiles(t)[card]) {
		t.Fatalf("after rollback: v%d, card %s", v, files[card])
	}
}

func hasAudit(es []portal.AuditEntry, action, target string) bool {
	for _, a := range es {
		if a.Action == action && a.Target == target {
			return true
		}
	}
	return false
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// A moderator of gmina A reaches nothing of gmina B by any URL; a clerk has no editor.
func TestEditorIsScopedByMunicipalityAndRole(t *testing.T) {
	e := newEnv(t)
	a := moderatorWithDraft(t, e, "przykladowa")
	_ = a
	if _, err := portal.Publish(t.Context(), e.st, "inna", sampleFiles(t).FS(), portal.PublishOptions{Now: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	pw := e.addUser("inna", "redaktor", "Jan Inny", portal.RoleModerator)
	b := e.browser()
	b.login("inna", "redaktor", pw)
	b.get("/panel/content")
	csrf := b.csrf()
	const card = "procedury/licencja-taxi.yaml"
	if st, loc := b.get("/panel/content/edit?f=" + url.QueryEscape(card)); st != http.StatusSeeOther || loc != "/panel/content" {
		t.Fatalf("B's moderator opening a file with no draft of B's: %d %s", st, loc)
	}
	if st, _ := b.post("/panel/content/check?f="+url.QueryEscape(card), url.Values{"csrf": {csrf}, "nazwa": {"x"}}, nil); st != http.StatusNotFound {
		t.Fatalf("B's live check of A's file: %d", st)
	}
	if st, _ := b.post("/panel/content/publish", url.Values{"csrf": {csrf}, "rev": {"1"}, "reason": {"x"}}, nil); st != http.StatusSeeOther {
		t.Fatalf("B publishing without a draft: %d", st)
	}
	if p, _ := e.st.LatestManifest(t.Context(), "przykladowa"); p.Version != 1 {
		t.Fatalf("A's content moved to v%d", p.Version)
	}
	if st, _ := b.post("/panel/content/versions/1/rollback", url.Values{"csrf": {csrf}}, nil); st != http.StatusOK {
		t.Fatalf("B's rollback of its own v1: %d", st)
	}
	if p, _ := e.st.LatestManifest(t.Context(), "przykladowa"); p.Version != 1 {
		t.Fatal("B's rollback touched A")
	}
	if _, err := e.st.Draft(t.Context(), "przykladowa"); err != nil {
		t.Fatal(err)
	}

	pw = e.addUser("przykladowa", "urzednik", "Urzędnik", portal.RoleClerk)
	c := e.browser()
	c.login("przykladowa", "urzednik", pw)
	if st, _ := c.get("/panel/content"); st != http.StatusForbidden || !strings.Contains(c.body, `id="logout"`) || !strings.Contains(c.body, `href="/panel/inbox"`) {
		t.Fatalf("a clerk opened the editor, or the refusal lost the menu: %d\n%s", st, c.body)
	}
}

func TestEditorCreatesCardsPagesAndForms(t *testing.T) {
	e := newEnv(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	b.get("/panel/content")
	csrf := b.csrf()
	if st, _ := b.post("/panel/content/new", url.Values{"csrf": {csrf}, "kind": {"card"}, "id": {"Wycinka Drzew"}, "title": {"Wycinka drzew"}}, nil); st != http.StatusUnprocessableEntity || !strings.Contains(b.body, "małe litery") {
		t.Fatalf("a bad identifier: %d\n%s", st, b.body)
	}
	st, loc := b.post("/panel/content/new", url.Values{"csrf": {csrf}, "kind": {"card"}, "id": {"wycinka-drzew"}, "title": {"Wycinka drzew"}}, nil)
	if st != http.StatusSeeOther || loc != "/panel/content/edit?f=procedury%2Fwycinka-drzew.yaml" {
		t.Fatalf("new card: %d %s\n%s", st, loc, b.body)
	}
	b.get(loc)
	// A new card lacks what a card needs: the editor says so at the fields.
	for _, id := range []string{"err-f-w_skrocie", "err-f-kogo_dotyczy"} {
		if !strings.Contains(b.body, `id="`+id+`">pole wymagane`) {
			t.Errorf("new card: no problem shown at %s", id)
		}
	}
	if st, _ := b.post("/panel/content/new", url.Values{"csrf": {csrf}, "kind": {"card"}, "id": {"wycinka-drzew"}, "title": {"x"}}, nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("the same identifier again: %d", st)
	}
	if st, loc := b.post("/panel/content/new", url.Values{"csrf": {csrf}, "kind": {"form"}, "id": {"wycinka-drzew"}}, nil); st != http.StatusSeeOther || !strings.Contains(loc, "formularze%2Fwycinka-drzew.yaml") {
		t.Fatalf("new form: %d %s", st, loc)
	}
	if st, loc := b.post("/panel/content/new", url.Values{"csrf": {csrf}, "kind": {"page"}, "menu": {"ogloszenia"}, "id": {"zebranie-wiejskie"}, "title": {"Zebranie wiejskie"}}, nil); st != http.StatusSeeOther || !strings.Contains(loc, "bip%2Fogloszenia%2Fzebranie-wiejskie.md") {
		t.Fatalf("new page: %d %s\n%s", st, loc, b.body)
	}
	d, _ := e.st.Draft(t.Context(), "przykladowa")
	pg, ok := content.ParsePage(d.Files["bip/ogloszenia/zebranie-wiejskie.md"])
	if !ok || pg.Title != "Zebranie wiejskie" || pg.Menu != "ogloszenia" || pg.Record.PublishedBy != "Ewa Redaktorska" {
		t.Fatalf("the new page: %+v", pg)
	}
	// Deleting needs the confirmation; a card goes with its form.
	b.get("/panel/content/edit?f=procedury%2Fwycinka-drzew.yaml")
	if st, _ := b.post("/panel/content/delete", url.Values{"csrf": {csrf}, "f": {"procedury/wycinka-drzew.yaml"}}, nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("delete without confirmation: %d", st)
	}
	if st, _ := b.post("/panel/content/delete", url.Values{"csrf": {csrf}, "f": {"procedury/wycinka-drzew.yaml"}, "confirm": {"yes"}}, nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	d, _ = e.st.Draft(t.Context(), "przykladowa")
	if _, ok := d.Files["procedury/wycinka-drzew.yaml"]; ok {
		t.Fatal("the card is still there")
	}
	if _, ok := d.Files["formularze/wycinka-drzew.yaml"]; ok {
		t.Fatal("the card's form stayed behind")
	}
}

func (b *browser) upload(csrf, name string, data []byte) int {
	b.e.t.Helper()
	return b.postFile("/panel/content/upload", url.Values{"csrf": {csrf}}, "file", name, data)
}

func TestUploadSniffsTypeAndMakesNamesSafe(t *testing.T) {
	e := newEnv(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	b.get("/panel/content")
	csrf := b.csrf()
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	if st := b.upload(csrf, `..\Uchwała Nr 1 (2026).PDF`, pdf); st != http.StatusOK || !strings.Contains(b.body, "pliki/uchwala-nr-1-2026.pdf") {
		t.Fatalf("PDF upload: %d\n%s", st, b.body)
	}
	if st := b.upload(csrf, "uchwała nr 1 (2026).pdf", pdf); st != http.StatusOK || !strings.Contains(b.body, "pliki/uchwala-nr-1-2026-2.pdf") {
		t.Fatalf("the same name again: %d\n%s", st, b.body)
	}
	for name, data := range map[string][]byte{
		"strona.pdf":  []byte("<html><script>alert(1)</script></html>"),
		"herb.svg":    []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"herb2.svg":   []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>`),
		"program.pdf": append([]byte("MZ\x90\x00"), make([]byte, 600)...),
	} {
		if st := b.upload(csrf, name, data); st != http.StatusUnsupportedMediaType {
			t.Errorf("%s: %d, want 415", name, st)
		}
	}
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#c00"/></svg>`)
	if st := b.upload(csrf, "Herb gminy.svg", svg); st != http.StatusOK || !strings.Contains(b.body, "pliki/herb-gminy.svg") {
		t.Fatalf("SVG upload: %d\n%s", st, b.body)
	}
	d, _ := e.st.Draft(t.Context(), "przykladowa")
	if !bytes.Equal(d.Files["pliki/uchwala-nr-1-2026.pdf"], pdf) {
		t.Fatal("the PDF was not stored as sent")
	}
	// Handed back as a download in a sandbox, never as a panel page.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/panel/content/file?f=pliki%2Fherb-gminy.svg", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download headers: %v", resp.Header)
	}
}

// The preview is the kiosk's own screen drawn from the draft: 1080×1920 in each language, and
// a saved change shows in the next picture.
func TestEditorPreviewDrawsTheDraft(t *testing.T) {
	e := newEnv(t)
	b := moderatorWithDraft(t, e, "przykladowa")
	const card = "procedury/licencja-taxi.yaml"
	if st, _ := b.get("/panel/content/preview?f=" + url.QueryEscape(card)); st != http.StatusOK {
		t.Fatalf("preview page: %d\n%s", st, b.body)
	}
	srcRE := regexp.MustCompile(`<img src="([^"]+)"`)
	var srcs []string
	for _, m := range srcRE.FindAllStringSubmatch(b.body, -1) {
		srcs = append(srcs, html.UnescapeString(m[1]))
	}
	// The card, its printed sheet and (the taxi licence has a form) its form, each in pl, en, uk.
	if len(srcs) != 9 || !strings.Contains(srcs[0], "kind=card") || !strings.Contains(srcs[2], "lang=uk") || !strings.Contains(srcs[3], "kind=sheet") || !strings.Contains(srcs[6], "kind=form") {
		t.Fatalf("preview pictures: %q", srcs)
	}
	get := func(src string) image.Image {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+src, nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		img, err := png.Decode(resp.Body)
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %v", src, resp.StatusCode, err)
		}
		return img
	}
	before := get(srcs[0])
	if sz := before.Bounds().Size(); sz.X != 1080 || sz.Y != 1920 {
		t.Fatalf("kiosk picture %v, want 1080×1920", sz)
	}
	b.get("/panel/content/edit?f=" + url.QueryEscape(card))
	form := formValues(t, b.body, "editor")
	form.Set("nazwa", "Licencja na przewóz osób taksówką w Gminie")
	if st, _ := b.post("/panel/content/edit?f="+url.QueryEscape(card), form, nil); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	b.get("/panel/content/preview?f=" + url.QueryEscape(card))
	after := get(html.UnescapeString(srcRE.FindStringSubmatch(b.body)[1]))
	if samePixels(before, after) {
		t.Fatal("the preview did not change with the card's title")
	}
	if st, _ := b.get("/panel/content/preview.png?kind=card&id=nie-ma&lang=pl"); st != http.StatusNotFound {
		t.Fatalf("preview of an unknown card: %d", st)
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// A file the form could not show without losing something (a misspelt key, broken YAML)
// opens as text, and so do translations; the text is saved as typed and checked as typed.
func TestEditorTextModeKeepsWhatTheFormCannot(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	b := moderatorWithDraft(t, e, "przykladowa")
	d, _ := e.st.Draft(ctx, "przykladowa")
	const card = "procedury/licencja-taxi.yaml"
	typo := bytes.Replace(d.Files[card], []byte("\nw_skrocie:"), []byte("\nw_skrocei:"), 1)
	if bytes.Equal(typo, d.Files[card]) {
		t.Fatal("no w_skrocie to misspell")
	}
	if _, err := e.st.UpdateDraft(ctx, "przykladowa", d.Revision, map[string][]byte{card: typo}, "x", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b.get("/panel/content/edit?f=" + url.QueryEscape(card))
	if !strings.Contains(b.body, `id="raw-why"`) || !strings.Contains(b.body, "w_skrocei") || strings.Contains(b.body, `name="nazwa"`) {
		t.Fatalf("a misspelt key did not open as text:\n%s", b.body)
	}
	form := formValues(t, b.body, "editor")
	fixed := strings.Replace(form.Get("_raw"), "w_skrocei:", "w_skrocie:", 1)
	form.Set("_raw", "")
	st, _ := b.post("/panel/content/check?f="+url.QueryEscape(card), form, nil)
	if st != http.StatusOK || !strings.Contains(b.body, "general") {
		t.Fatalf("check of text: %d %s", st, b.body)
	}
	form.Set("_raw", fixed)
	if st, _ := b.post("/panel/content/edit?f="+url.QueryEscape(card), form, nil); st != http.StatusOK || !strings.Contains(b.body, `id="saved"`) {
		t.Fatalf("save as text: %d\n%s", st, b.body)
	}
	d, _ = e.st.Draft(ctx, "przykladowa")
	if string(d.Files[card]) != fixed {
		t.Fatal("the text was not saved as typed")
	}
	b.get("/panel/content/edit?f=" + url.QueryEscape(card))
	if !strings.Contains(b.body, `name="nazwa"`) {
		t.Fatal("the fixed file does not open as a form again")
	}
	// A translation has no form: text.
	const tr = "procedury/karta-mieszkanca.en.yaml"
	if st, _ := b.get("/panel/content/edit?f=" + url.QueryEscape(tr)); st != http.StatusOK || !strings.Contains(b.body, `name="_raw"`) {
		t.Fatalf("translation: %d", st)
	}
	// A long BIP page (past the panel's usual 64 KiB a POST) saves.
	const page = "bip/ogloszenia/sesja-rady-gminy-xxviii.md"
	b.get("/panel/content/edit?f=" + url.QueryEscape(page))
	form = formValues(t, b.body, "editor")
	form.Set("tresc", form.Get("tresc")+"\n\n"+strings.Repeat("Długi protokół sesji. ", 6000))
	if st, _ := b.post("/panel/content/edit?f="+url.QueryEscape(page), form, nil); st != http.StatusOK || !strings.Contains(b.body, `id="saved"`) {
		t.Fatalf("a 130 KB page: %d\n%.500s", st, b.body)
	}
}
