package panel_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"infomat/content"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/preview"
	"infomat/sync/protocol"
)

// TestBrowserModeratorPublishesToAKiosk walks a moderator of a new municipality (its draft
// made by content.NewBundle, nothing of the sample in it) through the content editor in
// headless chromium, over TLS with the kiosk API beside the panel: a new card whose missing
// fields the editor shows and whose live check clears a field's error as it is typed, the
// card's form, an uploaded PDF attached to a new BIP page with a Markdown table, the preview's
// 1080×1920 kiosk pictures, publishing v1, which a kiosk under test enrols for, pulls into its
// own store and draws; then a new title as v2, its diff, a rollback to v1 as v3 that the kiosk
// pulls too; and another municipality's moderator, who reaches nothing of it and whose
// publishing leaves it alone. Every editor page is checked by axe-core and saved as
// test-output/panel/content-*.png.
func TestBrowserModeratorPublishesToAKiosk(t *testing.T) {
	ctx0 := t.Context()
	started := time.Now()
	st, err := portal.OpenBolt(ctx0, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	defer srv.Close()
	pin := protocol.CertPin(srv.Certificate())
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: log, CertPin: pin})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(panel.Prefix, h)
	mux.Handle("/", portal.NewServer(st, portal.ServerOptions{Log: log}))

	// Two municipalities, each with the wizard's skeleton as its draft and a moderator.
	const muni, other, pw = "nowawola", "sasiednia", "Bardzo-tajne-hasło-2026"
	now := time.Now()
	newDraft := func(m, name string) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		files, err := content.NewBundle(content.Profile{
			Name: name, Kind: "gmina wiejska",
			Address: content.Address{Street: "ul. Kościelna 1", PostalCode: "26-001", City: strings.TrimPrefix(name, "Gmina ")},
			Phone:   "+48 41 300 20 10", Email: "urzad@" + m + ".pl", RefPrefix: strings.ToUpper(m[:3]),
			Hours:      []content.Hours{{Days: "poniedziałek–piątek", Open: "07:30", Close: "15:30"}},
			Offices:    []content.NewOffice{{Name: strings.Replace(name, "Gmina", "Urząd Gminy", 1), Rooms: "pokój 1 — sekretariat"}},
			Controller: "Wójt " + name, DPO: content.DPO{Name: "Jan Kowal", Email: "iod@" + m + ".pl"},
			Retention: "Zgodnie z jednolitym rzeczowym wykazem akt — 5 lat.", SubmissionKey: id.Recipient().String(),
			Author: "Kreator", Today: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateDraft(ctx0, m, 0, files, "Kreator", now); err != nil {
			t.Fatal(err)
		}
	}
	newDraft(muni, "Gmina Nowa Wola")
	newDraft(other, "Gmina Sąsiednia")
	addModerator := func(m, login, name string) {
		if _, err := portal.AddUser(ctx0, st, portal.User{Municipality: m, Login: login, Name: name, Roles: []portal.Role{portal.RoleModerator}}, pw, now, portal.AccountOptions{Argon2: cheap}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateUser(ctx0, m, login, func(u *portal.User) error { u.MustChangePassword = false; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	addModerator(muni, "redaktor", "Ewa Redaktorska")
	addModerator(other, "redaktor", "Jan Sąsiedzki")

	out := browsertest.Output(t, "panel")
	tab := browsertest.Start(t, out, chromedp.Flag("ignore-certificate-errors", true))
	ctx := tab.Ctx
	do, text := tab.Do, tab.Text
	shots := 0
	// shot checks the page with axe-core and photographs it; no label on it may be a
	// message ID the messages lack ("cf.zrodlo").
	shot := func(name string) {
		t.Helper()
		shots++
		tab.Shot(fmt.Sprintf("content-%02d-%s", shots, name))
		if ids := rawID.FindAllString(text("main"), 3); len(ids) > 0 {
			t.Errorf("%s shows message IDs instead of words: %q", name, ids)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	// typeInto types text into a field key by key, as a person would. chromedp's key table
	// takes ą, ć, Ą and Ć (U+0104–U+0107) for its own special keys (Control…), so those are
	// entered as a keyboard layout's dead key would, by Input.insertText.
	typeInto := func(id, text string) chromedp.Action[chromedp.Void] {
		steps := []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.ID(id))}
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				steps = append(steps, chromedp.KeyEvent(run.String()))
				run.Reset()
			}
		}
		for _, r := range text {
			if r < 0x104 || r > 0x107 {
				run.WriteRune(r)
				continue
			}
			flush()
			steps = append(steps, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: string(r)})
				return err
			}))
		}
		flush()
		return chromedp.Steps(steps...)
	}
	// fill replaces a field's value by typing it.
	fill := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Evaluate[chromedp.Void](`document.getElementById(`+strconv.Quote(id)+`).value = ""`),
			typeInto(id, value),
		)
	}
	// errorShown reports whether the field's error is visible, with its text.
	errorShown := func(id string) (bool, string) {
		t.Helper()
		s := eval(`(function(){const p = document.getElementById("err-` + id + `"); return p ? (p.hidden ? "h" : "v") + p.textContent : "missing"})()`)
		if s == "missing" {
			t.Fatalf("no #err-%s on the page", id)
		}
		return s[0] == 'v' && strings.TrimSpace(s[1:]) != "", strings.TrimSpace(s[1:])
	}
	problems := func() string {
		return text("#live-count") + "\n" + eval(`Array.from(document.querySelectorAll(".field-error:not([hidden]), #general-problems li")).map(p => (p.id || "") + ": " + p.textContent).join("\n")`)
	}
	// clean waits for the live check to find nothing wrong with the file, and fails the test
	// with what it still finds.
	clean := func(what string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("live-count").textContent.startsWith("Brak błędów")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("%s: the live check still finds problems (%v):\n%s\n%s", what, err, problems(), eval(`document.getElementById("live-count").outerHTML + document.getElementById("general-problems").outerHTML`))
		}
	}
	login := func(m string) {
		t.Helper()
		do("log in to "+m, chromedp.Navigate(srv.URL+"/panel/login"), chromedp.WaitVisible(chromedp.ID("login-form")),
			browsertest.SendKeys(chromedp.ID("municipality"), m), browsertest.SendKeys(chromedp.ID("login"), "redaktor"),
			browsertest.SendKeys(chromedp.ID("password"), pw), chromedp.Click(chromedp.ID("login-submit")),
			chromedp.WaitVisible(chromedp.ID("sections")))
	}
	revision := func(m string) uint64 {
		t.Helper()
		d, err := st.Draft(ctx0, m)
		if err != nil {
			t.Fatal(err)
		}
		return d.Revision
	}

	// 1. The moderator logs in and opens Treści.
	login(muni)
	do("Treści", chromedp.Click(chromedp.CSS(`nav a[href="/panel/content"]`)), chromedp.WaitVisible(chromedp.ID("new-card")))
	shot("overview")

	// 2. A new card: the editor shows what it lacks next to the fields.
	const cardID, title, title2 = "wycinka-drzew", "Zezwolenie na wycinkę drzew", "Zezwolenie na usunięcie drzew lub krzewów"
	const card = content.ProceduresDir + "/" + cardID + ".yaml"
	const summary = "Zezwolenie wydaje wójt na wniosek właściciela nieruchomości; bez niego za wycięcie drzewa grozi kara."
	do("new card", fill("new-card-title", title), fill("new-card-id", cardID), chromedp.Click(chromedp.ID("new-card-submit")),
		chromedp.WaitVisible(chromedp.ID("editor")), chromedp.WaitVisible(chromedp.ID("err-f-w_skrocie")))
	if p := text("#edit-path"); p != card {
		t.Fatalf("the new card's editor is of %q", p)
	}
	do("scroll to the summary", chromedp.ScrollIntoView(chromedp.ID("f-kogo_dotyczy")))
	shot("card-errors")
	for _, id := range []string{"f-w_skrocie", "f-kogo_dotyczy"} {
		if ok, msg := errorShown(id); !ok || !strings.Contains(msg, "pole wymagane") {
			t.Fatalf("a new card: the error at %s is %q (shown %v)", id, msg, ok)
		}
	}
	if n := text("#live-count"); !strings.HasPrefix(n, "Błędy w tym pliku: ") {
		t.Fatalf("a new card's count of problems: %q", n)
	}
	if inv := eval(`document.getElementById("f-w_skrocie").getAttribute("aria-invalid") || ""`); inv != "true" {
		t.Fatalf("w_skrocie's aria-invalid %q", inv)
	}
	rev := revision(muni)
	// The live check: typing the summary clears its error, unsaved; the others stay.
	do("type the summary", typeInto("f-w_skrocie", summary),
		chromedp.WaitNotVisible(chromedp.ID("err-f-w_skrocie")))
	if ok, msg := errorShown("f-w_skrocie"); ok {
		t.Fatalf("the summary's error is still shown: %q", msg)
	}
	if ok, _ := errorShown("f-kogo_dotyczy"); !ok {
		t.Fatal("the live check cleared kogo_dotyczy's error too")
	}
	if inv := eval(`document.getElementById("f-w_skrocie").getAttribute("aria-invalid") || ""`); inv != "" {
		t.Fatalf("w_skrocie is still aria-invalid after typing")
	}
	if r := revision(muni); r != rev {
		t.Fatalf("the live check saved the draft (revision %d → %d)", rev, r)
	}
	do("fill the card",
		typeInto("f-kogo_dotyczy", "Właściciele nieruchomości\nUżytkownicy wieczyści"),
		chromedp.Click(chromedp.ID("f-forma_zlozenia-0")), chromedp.Click(chromedp.ID("f-forma_zlozenia-1")),
		typeInto("f-tryb_odwolawczy", "Odwołanie do Samorządowego Kolegium Odwoławczego za pośrednictwem wójta, w terminie 14 dni."),
		typeInto("f-podstawa_prawna", "Ustawa z dnia 16 kwietnia 2004 r. o ochronie przyrody (Dz.U. 2023 poz. 1336), art. 83"),
		typeInto("f-termin", "do 30 dni"),
		browsertest.SendKeys(chromedp.ID("f-kategoria"), "Bud"),
		browsertest.SendKeys(chromedp.ID("f-miejsce-urzad"), "Urz"))
	clean("the card")
	if ok, msg := errorShown("f-kogo_dotyczy"); ok {
		t.Fatalf("kogo_dotyczy's error is still shown: %q", msg)
	}
	do("save the card", chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
	if s := text("#live-count"); !strings.HasPrefix(s, "Brak błędów w tym pliku") {
		t.Fatalf("the saved card: %s", problems())
	}

	// 3. The card's form.
	do("new form", chromedp.Click(chromedp.CSS(`nav a[href="/panel/content"]`)), chromedp.WaitVisible(chromedp.ID("new-form")),
		browsertest.SendKeys(chromedp.ID("new-form-id"), "Zez"), chromedp.Click(chromedp.ID("new-form-submit")),
		chromedp.WaitVisible(chromedp.ID("editor")))
	if p := text("#edit-path"); p != content.FormsDir+"/"+cardID+".yaml" {
		t.Fatalf("the new form's editor is of %q", p)
	}
	do("the form's purpose", chromedp.WaitVisible(chromedp.ID("f-cel_przetwarzania")),
		typeInto("f-cel_przetwarzania", "Rozpatrzenie wniosku o zezwolenie na usunięcie drzew (art. 6 ust. 1 lit. c RODO, art. 83 ustawy o ochronie przyrody)."),
		typeInto("f-odbiorcy", "Regionalny dyrektor ochrony środowiska, gdy prawo tego wymaga."),
		typeInto("f-wstep", "Wniosek trafi do referatu ochrony środowiska."),
		typeInto("f-co_dalej", "Urząd umówi oględziny drzew w ciągu 14 dni; decyzję wyśle pocztą lub przez ePUAP."))
	clean("the form")
	shot("form-editor")
	do("save the form", chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
	if s := text("#live-count"); !strings.HasPrefix(s, "Brak błędów w tym pliku") {
		t.Fatalf("the saved form: %s", problems())
	}

	// 4. A PDF uploaded, a BIP page with a table that attaches it.
	pdfPath := filepath.Join(t.TempDir(), "Uchwała Nr XII-85-2026.pdf")
	pdf := minimalPDF("Uchwala budzetowa Gminy Nowa Wola na rok 2027")
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	do("upload the PDF", chromedp.Click(chromedp.CSS(`nav a[href="/panel/content"]`)), chromedp.WaitVisible(chromedp.ID("upload-form")),
		chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{pdfPath}), chromedp.Click(chromedp.ID("upload-submit")),
		chromedp.WaitVisible(chromedp.ID("flash")))
	const attachment = "pliki/uchwala-nr-xii-85-2026.pdf"
	if f := text("#flash"); !strings.Contains(f, attachment) {
		t.Fatalf("after the upload: %q", f)
	}
	const pageID, pageTitle = "uchwala-budzetowa-2027", "Uchwała budżetowa na rok 2027"
	const page = content.BIPDir + "/budzet/" + pageID + ".md"
	do("new page", browsertest.SendKeys(chromedp.ID("new-page-menu"), "Bud"), fill("new-page-title", pageTitle), fill("new-page-id", pageID),
		chromedp.Click(chromedp.ID("new-page-submit")), chromedp.WaitVisible(chromedp.ID("f-tresc")))
	if p := text("#edit-path"); p != page {
		t.Fatalf("the new page's editor is of %q", p)
	}
	body := "Rada Gminy uchwaliła budżet na rok 2027.\n\n| Pozycja | Kwota (zł) |\n|---|---:|\n| Dochody | 48 200 000 |\n| Wydatki | 51 900 000 |\n| Deficyt | 3 700 000 |\n\nPełna treść uchwały w załączniku."
	do("write the page", typeInto("f-tresc", body),
		typeInto("f-zalaczniki-0-nazwa", "Uchwała Nr XII/85/2026 (PDF)"),
		browsertest.SendKeys(chromedp.ID("f-zalaczniki-0-plik"), "pliki/u"))
	clean("the page")
	if v := eval(`document.getElementById("f-zalaczniki-0-plik").value`); v != attachment {
		t.Fatalf("the attachment chosen is %q", v)
	}
	shot("page-editor")
	do("save the page", chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
	if s := text("#live-count"); !strings.HasPrefix(s, "Brak błędów w tym pliku") {
		t.Fatalf("the saved page: %s", problems())
	}

	// 5. The card's preview: the kiosk's own screens, 1080×1920.
	// Nine pictures (card, sheet, form × pl/en/uk), each a 1080×1920 render on the server, one
	// at a time: under the race detector on a busy machine that took over 15 s.
	tab.DoWithin("preview", 2*time.Minute, chromedp.Navigate(srv.URL+"/panel/content/edit?f="+card), chromedp.WaitVisible(chromedp.ID("preview-link")),
		chromedp.Click(chromedp.ID("preview-link")), chromedp.WaitVisible(chromedp.CSS("section.preview img")),
		chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll("section.preview:first-of-type img")).every(i => i.complete && i.naturalWidth > 0)`, chromedp.WithPollingTimeout(90*time.Second)))
	// The card's screen in Polish, English and Ukrainian, each as the kiosk's 1080×1920.
	if sizes := eval(`Array.from(document.querySelectorAll("section.preview:first-of-type img")).map(i => i.naturalWidth + "x" + i.naturalHeight).join(" ")`); sizes != "1080x1920 1080x1920 1080x1920" {
		t.Fatalf("the preview's card pictures: %s", sizes)
	}
	shot("preview")

	// 6. Publish.
	publish := func(reason string, version uint64) {
		t.Helper()
		do("publish v"+strconv.FormatUint(version, 10), chromedp.Navigate(srv.URL+"/panel/content"), chromedp.WaitVisible(chromedp.ID("publish-form")),
			fill("publish-reason", reason), chromedp.Click(chromedp.ID("publish")), chromedp.WaitVisible(chromedp.ID("flash")))
		if f := text("#flash"); !strings.Contains(f, fmt.Sprintf("Opublikowano wersję %d.", version)) {
			t.Fatalf("publishing: %q\n%s", f, text("main"))
		}
	}
	publish("Nowa karta: wycinka drzew; uchwała budżetowa", 1)
	shot("published")

	// 7. A kiosk under test enrols, pulls version 1 into its own store and shows it.
	tok, err := portal.CreateToken(ctx0, st, muni, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := client.EnrollWith(ctx0, srv.URL, tok, client.Trust{CertPin: pin})
	if err != nil {
		t.Fatal(err)
	}
	kiosk, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer kiosk.Close()
	kioskName, _ := os.Hostname() // the name it enrolled with; the fleet's name for it
	if kioskName == "" {
		kioskName = creds.DeviceID
	}
	kst, _, err := store.Open(ctx0, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer kst.Close()
	pull := func(want uint64) (*content.Bundle, fs.FS) {
		t.Helper()
		updated, v, err := kiosk.Pull(ctx0, kst, time.Now(), nil)
		if err != nil || !updated || v != want {
			t.Fatalf("the kiosk's pull: updated %v, v%d, %v (want v%d)", updated, v, err, want)
		}
		fsys, info, err := kst.ActiveContent()
		if err != nil {
			t.Fatal(err)
		}
		b, err := content.Load(fsys)
		if err != nil {
			t.Fatalf("the kiosk's active content (%+v): %v", info, err)
		}
		// The kiosk reports what it runs, for Historia wersji.
		if err := kiosk.Heartbeat(ctx0, protocol.Heartbeat{ContentVersion: v, ContentLabel: info.Label, AppVersion: "test", PrinterOK: true, Sent: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return b, fsys
	}
	b, fsys := pull(1)
	c, ok := b.Procedure(cardID)
	if !ok || c.Title != title || c.Summary != summary || c.Form == nil || !strings.Contains(c.Form.Purpose, "Rozpatrzenie wniosku") || c.Place.Office == "" {
		t.Fatalf("the kiosk's card: %+v", c)
	}
	var pg *content.Page
	for i := range b.BIPPages {
		if b.BIPPages[i].File == page {
			pg = &b.BIPPages[i]
		}
	}
	if pg == nil || pg.Title != pageTitle || !strings.Contains(pg.Body, "| Dochody | 48 200 000 |") || !strings.Contains(pg.Body, "Pełna treść uchwały w załączniku.") || len(pg.Attachments) != 1 || pg.Attachments[0].File != attachment {
		t.Fatalf("the kiosk's BIP page: %+v", pg)
	}
	if got, err := fs.ReadFile(fsys, attachment); err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("the kiosk's copy of the PDF: %v", err)
	}
	// Shows it: the kiosk's own screens of the pulled bundle, as the kiosk draws them.
	for _, sc := range []preview.Screen{{Kind: "card", ID: cardID}, {Kind: "page", ID: "budzet/" + pageID}} {
		raw, err := preview.Render(ctx0, b, "pl", sc)
		if err != nil {
			t.Fatalf("the kiosk's %s screen: %v", sc.Kind, err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil || img.Bounds().Dx() != 1080 || img.Bounds().Dy() != 1920 {
			t.Fatalf("the kiosk's %s screen: %v %v", sc.Kind, img.Bounds(), err)
		}
		if err := os.WriteFile(filepath.Join(out, "content-kiosk-"+sc.Kind+".png"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 8. A new title as v2, its diff, a rollback to v1 as v3, which the kiosk pulls.
	do("retitle", chromedp.Navigate(srv.URL+"/panel/content/edit?f="+card), chromedp.WaitVisible(chromedp.ID("f-nazwa")),
		fill("f-nazwa", title2), chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
	publish("Pełniejsza nazwa karty", 2)
	do("history", chromedp.Click(chromedp.ID("versions-link")), chromedp.WaitVisible(chromedp.ID("version-2")))
	shot("versions")
	if k := text("#version-1 .kiosks"); !strings.Contains(k, kioskName) {
		t.Errorf("Historia wersji: the kiosks on v1 are %q, want %q", k, kioskName)
	}
	do("diff of v2", chromedp.Click(chromedp.CSS(`#version-2 a[href="/panel/content/versions/2"]`)), chromedp.WaitVisible(chromedp.ID("version-summary")))
	diff := text("main")
	del, add := strings.Index(diff, "- nazwa: "+title+"\n"), strings.Index(diff, "+ nazwa: "+title2+"\n")
	if del < 0 || add < del {
		t.Fatalf("the diff of v2 (the old title, then the new one):\n%s", diff)
	}
	if strings.Contains(diff, "\n\n+") || strings.Contains(diff, "\n\n-") {
		t.Errorf("the diff's lines are double-spaced:\n%s", diff)
	}
	// Unchanged lines left out are marked, visibly, where they were.
	if gap := eval(`(function(){const g = document.querySelector("pre.diff .gap"); if (!g) return "none"; const r = g.getBoundingClientRect(); return r.left >= 0 && r.width > 0 ? "shown" : "off-screen"})()`); gap != "shown" {
		t.Errorf("the diff's mark of left-out lines: %s", gap)
	}
	shot("diff")
	do("roll back to v1", chromedp.Navigate(srv.URL+"/panel/content/versions"), chromedp.WaitVisible(chromedp.ID("rollback-1")),
		typeInto("rollback-reason-1", "Wracamy do pierwotnej nazwy"), chromedp.Click(chromedp.ID("rollback-1")),
		chromedp.WaitVisible(chromedp.ID("flash")))
	if f := text("#flash"); !strings.Contains(f, "Przywrócono wersję 1 jako nową wersję 3") {
		t.Fatalf("rollback: %q", f)
	}
	b, _ = pull(3)
	if c, _ := b.Procedure(cardID); c.Title != title {
		t.Fatalf("after the rollback the kiosk's card is %q", c.Title)
	}
	do("import page", chromedp.Click(chromedp.ID("import-link")), chromedp.WaitVisible(chromedp.ID("import-bip")))
	shot("import")

	// 9. Another municipality's moderator reaches nothing of it.
	do("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	login(other)
	status := func(path string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(`+strconv.Quote(path)+`).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, p := range []string{"/panel/content/edit?f=" + card, "/panel/content/versions/1", "/panel/content/versions/3", "/panel/content/preview?f=" + card} {
		do("B opens "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		if main := text("main"); strings.Contains(main, title) || strings.Contains(main, cardID) || strings.Contains(main, pageTitle) {
			t.Fatalf("%s of %s showed %s's content:\n%s", p, other, muni, main)
		}
		if n := status(p); n != http.StatusNotFound {
			t.Errorf("%s for %s's moderator: %d, want 404", p, other, n)
		}
	}
	shot("other-notfound")
	publish("Pierwsza wersja gminy sąsiedniej", 1)
	if p, err := st.LatestManifest(ctx0, muni); err != nil || p.Version != 3 {
		t.Fatalf("%s's publishing moved %s's content to v%d (%v)", other, muni, p.Version, err)
	}
	do("B's own v1", chromedp.Navigate(srv.URL+"/panel/content/versions/1"), chromedp.WaitVisible(chromedp.ID("version-summary")))
	if main := text("main"); strings.Contains(main, cardID) || strings.Contains(main, "Nowa Wola") {
		t.Fatalf("%s's v1 shows %s's content:\n%.2000s", other, muni, main)
	}
	if _, v, err := kiosk.Pull(ctx0, kst, time.Now(), nil); err != nil || v != 3 {
		t.Fatalf("%s's kiosk after %s published: v%d %v", muni, other, v, err)
	}
	t.Logf("walk-through in %s", time.Since(started).Round(time.Second))
}

// rawID is a message ID of the panel's content messages shown as it is.
var rawID = regexp.MustCompile(`\b(cf|content)\.[a-z_]+(\.[a-z_.]+)?\b`)

// minimalPDF is a valid one-page PDF saying line, with a correct cross-reference table.
func minimalPDF(line string) []byte {
	stream := "BT /F1 18 Tf 72 720 Td (" + line + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
