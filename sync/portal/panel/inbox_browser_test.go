package panel_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"filippo.io/age"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"infomat/assets"
	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/track"
)

// sampleFor is the embedded sample content with its portal address at host, so the tracking
// page on the test server knows the municipality by the request's Host.
func sampleFor(t *testing.T, host string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	src := assets.DefaultContent()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if p == "gmina.yaml" {
			data = []byte(strings.ReplaceAll(string(data), "https://wnioski.przykladowa.example.pl", "https://"+host))
		}
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBrowserClerkReadsAndSettles is the inbox as a clerk meets it, in headless chromium:
// the list, one submission opened with the municipality's key pasted into the page and
// decrypted there (what a resident typed stays text), a status set for the resident, the
// key still loaded after the form went through, the printed A4 sheet, an export of two
// submissions decrypted in the browser, and the public tracking page showing the new status.
// The portal is asked only for ciphertext.
func TestBrowserClerkReadsAndSettles(t *testing.T) {
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := track.New(st, track.Options{Rate: 1e6, Burst: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	mux.Handle(track.Prefix, tr)
	srv := httptest.NewTLSServer(mux) // gmina.yaml's portal address must be https
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	if _, err := portal.Publish(t.Context(), st, "przykladowa", sampleFor(t, host), portal.PublishOptions{Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	now := time.Now().Add(-time.Hour)
	var recs []portal.Record
	for i := range 3 {
		recs = append(recs, fileSubmission(t, st, "przykladowa", i+1, id.Recipient(), samplePayload("zameldowanie"), now.Add(time.Duration(i)*time.Minute)))
	}
	pw, err := portal.AddUser(t.Context(), st, portal.User{Municipality: "przykladowa", Login: "urzednik", Name: "Jan Urzędnik", Roles: []portal.Role{portal.RoleClerk}}, "", time.Now(), portal.AccountOptions{Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	out := browsertest.Output(t, "panel")
	downloads := t.TempDir()

	tab := browsertest.Start(t, out, chromedp.Flag("ignore-certificate-errors", true) /* gmina.yaml's portal address must be https */)
	ctx := tab.Ctx
	do, text, shot := tab.Do, tab.Text, tab.Shot
	newPW := "Bardzo-tajne-hasło-2026"
	do("log in", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/panel/login"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		browsertest.SendKeys(chromedp.ID("municipality"), "przykladowa"), browsertest.SendKeys(chromedp.ID("login"), "urzednik"),
		browsertest.SendKeys(chromedp.ID("password"), pw), chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("password-form")),
		browsertest.SendKeys(chromedp.ID("new-password"), newPW), browsertest.SendKeys(chromedp.ID("again"), newPW),
		chromedp.Click(chromedp.ID("password-submit")), chromedp.WaitVisible(chromedp.ID("sections")))
	do("the inbox", chromedp.Click(chromedp.CSS(`nav a[href="/panel/inbox"]`)), chromedp.WaitVisible(chromedp.ID("inbox")))
	shot("inbox-01-list")
	if list := text("#inbox"); !strings.Contains(list, recs[0].PortalRef) || !strings.Contains(list, recs[2].PortalRef) {
		t.Fatalf("the list:\n%s", list)
	}
	do("open one", chromedp.Click(chromedp.CSS(`a[href="/panel/inbox/`+recs[1].ID+`"]`)), chromedp.WaitVisible(chromedp.ID("submission-meta")))
	shot("inbox-02-locked")
	do("a wrong key", browsertest.SendKeys(chromedp.ID("key-text"), "to nie jest klucz"), chromedp.Click(chromedp.ID("key-use")),
		chromedp.WaitVisible(chromedp.CSS("#key-state.error")))
	if s := text("#key-state"); !strings.Contains(s, "AGE-SECRET-KEY-1") {
		t.Errorf("a wrong key says %q", s)
	}
	// Another municipality's key is a real key that opens nothing here.
	otherKey, _ := age.GenerateX25519Identity()
	clear := chromedp.Steps(chromedp.Evaluate[chromedp.Void](`document.getElementById("key-text").value = ""`))
	do("another municipality's key", clear, browsertest.SendKeys(chromedp.ID("key-text"), otherKey.String()), chromedp.Click(chromedp.ID("key-use")),
		chromedp.WaitVisible(chromedp.CSS("#plain p.error")))
	if s := text("#plain"); !strings.Contains(s, "nie był zaszyfrowany wczytanym kluczem") {
		t.Errorf("another key's submission says %q", s)
	}
	do("forget it", chromedp.Click(chromedp.ID("key-forget")), chromedp.WaitVisible(chromedp.ID("key-text")))
	do("the right key", browsertest.SendKeys(chromedp.ID("key-text"), id.String()), chromedp.Click(chromedp.ID("key-use")),
		chromedp.WaitVisible(chromedp.ID("answers")))
	shot("inbox-03-decrypted")
	if a := text("#answers"); !strings.Contains(a, "Zofia") || !strings.Contains(a, `Żółć <img src=x onerror="window.__pwned=1">`) {
		t.Fatalf("decrypted answers:\n%s", a)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("key-text").value + (window.__pwned ? "pwned" : "")`)); v != "" {
		t.Errorf("after loading: the key stays in the form or the answer ran as HTML: %q", v)
	}

	// The status for the resident, through the form; the key is still there afterwards.
	do("set a status", chromedp.SetValue(chromedp.ID("status-code"), "in_progress"),
		browsertest.SendKeys(chromedp.ID("status-note"), "Sprawdzamy dokumenty. Zapraszamy po odbiór w czwartek."),
		chromedp.Click(chromedp.ID("status-submit")), chromedp.WaitVisible(chromedp.ID("flash")), chromedp.WaitVisible(chromedp.ID("answers")))
	shot("inbox-04-status-set")
	if s := text("#current-status"); !strings.Contains(s, "W realizacji") {
		t.Errorf("current status %q", s)
	}
	if s, err := st.StatusOf(t.Context(), "przykladowa", recs[1].ID); err != nil || s.Code != portal.StatusInProgress || s.By != "urzednik" {
		t.Errorf("stored status %+v, %v", s, err)
	}

	// The printed sheet: no navigation, no forms, the answers on A4.
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	do("print media", media("print"))
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`["header.top", "#status-form", "#keybox", "#back-to-inbox"].every(s => !document.querySelector(s).checkVisibility()) && document.getElementById("answers").checkVisibility()`))
	if err != nil || !hidden {
		t.Errorf("print view hides the screen's controls and keeps the answers: %v, %v", hidden, err)
	}
	prefer := true
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
	pdf := res.Data
	if err != nil || len(pdf) < 1000 || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("print to PDF: %d bytes, %v", len(pdf), err)
	}
	if err := os.WriteFile(filepath.Join(out, "inbox-05-print.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	do("screen media", media(""))

	// Back to the list (the key stays), two selected and exported as JSON in the list's
	// order, newest first.
	do("downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}))
	do("back to the list", chromedp.Click(chromedp.ID("back-to-inbox")), chromedp.WaitVisible(chromedp.ID("export")))
	do("select two", chromedp.Click(chromedp.ID("sel-"+recs[0].ID)), chromedp.Click(chromedp.ID("sel-"+recs[2].ID)))
	shot("inbox-06-export")
	do("export JSON", chromedp.Click(chromedp.ID("export-json")), chromedp.WaitVisible(chromedp.CSS("#export-status:not(:empty)")))
	var exported []struct {
		PortalRef string `json:"portal_ref"`
		Payload   struct {
			Answers []struct{ Value string } `json:"answers"`
		} `json:"payload"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(downloads, "wnioski-*.json"))
		if len(files) == 1 {
			raw, _ := os.ReadFile(files[0])
			if json.Unmarshal(raw, &exported) == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no export downloaded: %v; status %q", files, text("#export-status"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(exported) != 2 || exported[0].PortalRef != recs[2].PortalRef || exported[1].PortalRef != recs[0].PortalRef ||
		len(exported[0].Payload.Answers) != 2 || exported[0].Payload.Answers[0].Value != "Zofia" {
		t.Errorf("the export: %+v", exported)
	}

	// The resident's side: the receipt's QR opens /sprawdz/<ref>, which shows the status.
	do("tracking page", chromedp.Navigate(srv.URL+track.Prefix+recs[1].Ref+"?lang=pl"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot("inbox-07-tracking")
	if page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(page, "W realizacji") || !strings.Contains(page, "Zapraszamy po odbiór w czwartek") {
		t.Errorf("the tracking page does not show the clerk's status:\n%s", page)
	}
}
