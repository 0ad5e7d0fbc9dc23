package panel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
	"infomat/sync/portal/panel"
	"infomat/sync/portal/totp"
)

// TestBrowserWizard walks a new municipality's administrator through the wizard in headless
// chromium: the key pair made in the page by age.wasm, the private key taken as a real
// download (age-keygen's format, its public key the one put into the form), a form with a
// mistake shown beside its field, then the draft stored with that public key. Every request
// the browser made is recorded at the server: none carries the private key.
func TestBrowserWizard(t *testing.T) {
	st, err := portal.OpenBolt(t.Context(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := panel.New(st, panel.Options{Argon2: cheap, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies []string // every request's method, path and body, as the server got them
	mux := http.NewServeMux()
	mux.Handle(panel.Prefix, h)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.String()+"\n"+string(raw))
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	pw, err := portal.AddUser(t.Context(), st, portal.User{Municipality: "nowawola", Login: "admin", Name: "Ewa Sekretarz", Roles: []portal.Role{portal.RoleAdmin}}, "", time.Now(), portal.AccountOptions{Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	out := browsertest.Output(t, "panel")
	downloads := t.TempDir()
	tab := browsertest.Start(t, out)
	ctx := tab.Ctx
	do, text, shot := tab.Do, tab.Text, tab.Shot

	do("log in", chromedp.Navigate(srv.URL+"/panel/login"), chromedp.WaitVisible(chromedp.ID("login-form")),
		browsertest.SendKeys(chromedp.ID("municipality"), "nowawola"), browsertest.SendKeys(chromedp.ID("login"), "admin"),
		browsertest.SendKeys(chromedp.ID("password"), pw), chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-secret")))
	key, err := totp.Decode(text("#totp-secret"))
	if err != nil {
		t.Fatal(err)
	}
	newPW := "Bardzo-tajne-hasło-2026"
	do("enrol and set a password", browsertest.SendKeys(chromedp.ID("code"), totp.Code(key, time.Now())), chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("password-form")),
		browsertest.SendKeys(chromedp.ID("new-password"), newPW), browsertest.SendKeys(chromedp.ID("again"), newPW),
		chromedp.Click(chromedp.ID("password-submit")), chromedp.WaitVisible(chromedp.ID("sections")))
	do("the wizard from home", chromedp.Click(chromedp.CSS(`a[href="/panel/wizard"]`)), chromedp.WaitVisible(chromedp.ID("key-generate")))
	shot("wizard-01-form")
	do("downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}))

	// The fields are set directly (typing 30 of them is slow and tests nothing here); the
	// key is made by the page's own button.
	form := wizardForm("")
	values := map[string]string{}
	for k, v := range form {
		if k != "klucz" && k != "zapisany" {
			values[k] = v[0]
		}
	}
	values["nip"] = "1234567890" // a mistake, shown after the first send
	js, _ := json.Marshal(values)
	do("fill in", chromedp.Evaluate[chromedp.Void](`for (const [k, v] of Object.entries(`+string(js)+`)) document.getElementById("w-" + k).value = v`))
	do("make the key pair", chromedp.Click(chromedp.ID("key-generate")), chromedp.WaitVisible(chromedp.ID("key-download")))
	shot("wizard-02-key")
	recipient, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("w-klucz").value`))
	if err != nil || !strings.HasPrefix(recipient, "age1") {
		t.Fatalf("the form's key %q (%v)", recipient, err)
	}
	do("take the private key", chromedp.Click(chromedp.ID("key-download")), chromedp.WaitNotVisible(chromedp.ID("key-download")))
	var keyFile []byte
	for deadline := time.Now().Add(10 * time.Second); ; {
		if raw, err := os.ReadFile(filepath.Join(downloads, "klucz-wnioskow-nowawola.txt")); err == nil && len(raw) > 0 {
			keyFile = raw
			break
		}
		if time.Now().After(deadline) {
			files, _ := filepath.Glob(filepath.Join(downloads, "*"))
			t.Fatalf("no key file downloaded: %v; status %q", files, text("#key-status"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(keyFile))
	if err != nil || len(ids) != 1 || !bytes.HasPrefix(keyFile, []byte("# created: ")) ||
		!bytes.Contains(keyFile, []byte("\n# public key: "+recipient+"\nAGE-SECRET-KEY-1")) {
		t.Fatalf("key file (%v):\n%s", err, keyFile)
	}
	if got := ids[0].(*age.X25519Identity).Recipient().String(); got != recipient {
		t.Fatalf("the file's key is for %s, the form has %s", got, recipient)
	}

	do("send with a mistake", chromedp.Click(chromedp.ID("w-zapisany")), chromedp.Click(chromedp.ID("wizard-submit")),
		chromedp.WaitVisible(chromedp.ID("w-nip-error")))
	shot("wizard-03-error")
	if s := text("#w-nip-error") + text("#flash"); !strings.Contains(s, "NIP") || !strings.Contains(s, "błędów: 1") {
		t.Errorf("the NIP's error says %q", s)
	}
	do("correct and send", chromedp.Evaluate[chromedp.Void](`document.getElementById("w-nip").value = "8567346215"`),
		chromedp.Click(chromedp.ID("wizard-submit")), chromedp.WaitVisible(chromedp.ID("wizard-done")))
	shot("wizard-04-done")

	b := loadDraft(t, st, "nowawola")
	if b.Municipality.SubmissionKey != recipient {
		t.Fatalf("the draft's klucz_wnioskow %q, the downloaded key's %q", b.Municipality.SubmissionKey, recipient)
	}
	mu.Lock()
	defer mu.Unlock()
	posted := 0
	for _, body := range bodies {
		if strings.Contains(strings.ToUpper(body), "AGE-SECRET-KEY") {
			t.Errorf("a request carried the private key:\n%.300s", body)
		}
		if strings.HasPrefix(body, "POST /panel/wizard") && strings.Contains(body, recipient) {
			posted++
		}
	}
	if posted != 2 {
		t.Errorf("%d wizard POSTs carried the public key, want 2", posted)
	}
}
