package axecheck_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"infomat/sync/portal/axecheck"
)

// chromium finds Debian's chromium, as the panel's browser test does: with INFOMAT_E2E=1 its
// absence fails the test instead of skipping it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INFOMAT_E2E") == "1" {
		t.Fatal("INFOMAT_E2E=1 but chromium is not in PATH; install it (scripts/deps.sh test)")
	}
	t.Skip("needs chromium (apt-get install chromium)")
	return ""
}

// pages are served under the panel's own CSP, so the test shows that axe gets in anyway.
var pages = map[string]string{
	"/good": `<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>Dobra</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Dobra strona</h1><p class="pale">Tekst</p><img src="/x.png" alt="Herb gminy"></main>
<script>window.inlineRan = true</script></body></html>`,
	// No lang, an image without alt, a field without a label, pale text (the stylesheet), an
	// empty link: each a serious or critical WCAG A/AA violation.
	"/bad": `<!doctype html><html><head><meta charset="utf-8"><title>Zła</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main><h1>Zła strona</h1><p class="faint">Tekst</p><img src="/x.png">
<form><input name="q"></form><a href="/good"></a></main></body></html>`,
	"/style.css": `.pale { color: #333; } .faint { color: #ccc; }`,
}

func serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'")
	body, ok := pages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ct := "text/html; charset=utf-8"
	if strings.HasSuffix(r.URL.Path, ".css") {
		ct = "text/css"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write([]byte(body))
}

// TestRunFindsViolationsUnderCSP runs axe in headless chromium on a clean page and on one
// with known violations, both under a CSP that forbids inline and eval script.
func TestRunFindsViolationsUnderCSP(t *testing.T) {
	exe := chromium(t)
	srv := httptest.NewServer(http.HandlerFunc(serve))
	defer srv.Close()
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	open := func(path string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}

	open("/good")
	axecheck.Check(ctx, t)
	// The page's own inline script stays forbidden: axe got in by the protocol, not the page.
	if ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.inlineRan === true`)); err != nil || ran {
		t.Errorf("inline script ran: %v, %v; the CSP is not in force and the test proves nothing", ran, err)
	}

	open("/bad")
	res, err := axecheck.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range res.Violations {
		if v.Blocking() {
			got = append(got, v.ID)
		}
		if len(v.Nodes) == 0 || len(v.Nodes[0].Target) == 0 || v.Nodes[0].HTML == "" {
			t.Errorf("%s without its nodes: %+v", v.ID, v)
		}
	}
	for _, id := range []string{"html-has-lang", "image-alt", "label", "color-contrast", "link-name"} {
		if !slices.Contains(got, id) {
			t.Errorf("axe missed %s on the bad page; it found %v", id, got)
		}
	}
	if !strings.HasSuffix(res.URL, "/bad") {
		t.Errorf("result for %q", res.URL)
	}
	// Check fails the test and names each rule, its impact and the node; the same document's
	// axe is reused.
	rec := &recorder{TB: t}
	axecheck.Check(ctx, rec)
	if len(rec.errors) != 1 {
		t.Fatalf("Check on the bad page: %d errors: %q", len(rec.errors), rec.errors)
	}
	for _, want := range []string{"/bad: 5 serious or critical", "critical image-alt: Images must have alternative text", `<img src="/x.png">`, "serious color-contrast", `<p class="faint">`} {
		if !strings.Contains(rec.errors[0], want) {
			t.Errorf("Check's message lacks %q:\n%s", want, rec.errors[0])
		}
	}
	t.Logf("what a failing page reports:\n%s", rec.errors[0])
}

// recorder is a test that keeps its errors instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(format string, args ...any) {}
