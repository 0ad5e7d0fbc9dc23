// Package browsertest drives Debian's chromium, headless through chromedp, for the portal's
// browser tests (the panel's and the tracking page's): one browser per test, steps that fail
// the test with where the browser was and what it showed, and a photograph of each page
// after axe-core has checked it (infomat/sync/portal/axecheck).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"infomat/sync/portal/axecheck"
)

// StepTimeout bounds one Do: a page that never shows what a step waits for fails the test
// instead of hanging it.
const StepTimeout = 20 * time.Second

// Chromium finds Debian's chromium. A test needing it runs whenever it is there; with
// INFOMAT_E2E=1 (scripts/test.sh) a missing chromium fails the test instead of skipping it.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("INFOMAT_E2E") == "1" {
		t.Fatal("INFOMAT_E2E=1 but chromium is not in PATH; install it (Debian: apt-get install chromium, or scripts/deps.sh test)")
	}
	t.Skip("browser test: needs chromium (apt-get install chromium); INFOMAT_E2E=1 makes its absence a failure")
	return ""
}

// Output is test-output/<name> at the repository's root (where go.mod is), made if missing.
func Output(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
	out := filepath.Join(dir, "test-output", name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// Tab is one headless chromium's tab, photographing into Dir.
type Tab struct {
	// Ctx runs chromedp actions in the tab.
	Ctx context.Context
	Dir string
	t   testing.TB
}

// Start starts chromium for t at 1280×800 with a profile of its own and no background
// traffic; extra adds flags (ignore-certificate-errors, accept-lang…). It ends with t.
func Start(t testing.TB, dir string, extra ...chromedp.ExecAllocatorOption) *Tab {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(Chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800)}, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	// The first action starts the browser, which lives as long as that action's context:
	// start it on ctx itself, so the per-step timeouts do not end it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &Tab{Ctx: ctx, Dir: dir, t: t}
}

// Do runs a step's actions within StepTimeout; a failure ends the test with the page's
// address and text, and a picture of it (failed-<step>.png).
func (b *Tab) Do(step string, as ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.DoWithin(step, StepTimeout, as...)
}

// DoWithin is Do for a step with work of its own behind it on the server (the preview's
// pictures, drawn one at a time, slowly under the race detector), bounded by limit.
func (b *Tab) DoWithin(step string, limit time.Duration, as ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	if err := chromedp.Do(sctx, as...); err != nil {
		at, _ := chromedp.Run(b.Ctx, chromedp.Location())
		body, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot()); err == nil {
			name := "failed-" + strings.NewReplacer(" ", "-", "/", "-", "'", "").Replace(step) + ".png"
			_ = os.WriteFile(filepath.Join(b.Dir, name), png, 0o644)
		}
		b.t.Fatalf("%s: %v (at %s)\n%s", step, err, at, body)
	}
}

// Text is the visible text of the first element sel matches.
func (b *Tab) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Shot checks the page with axe-core (a serious or critical WCAG 2.1 AA violation fails the
// test) and saves what the viewport shows as Dir/<name>.png.
func (b *Tab) Shot(name string) {
	b.t.Helper()
	axecheck.Check(b.Ctx, b.t)
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// SendKeys is chromedp.SendKeys for the panel's text fields and selects: it focuses the
// first visible match and types v. chromedp's own (v0.23.1) reads the node's attributes
// before taking the node's lock, to look for a file input, which races with a page script
// changing an attribute meanwhile (aria-invalid set by a live check): the race detector
// failed a CI run on it. No test types into a file input.
func SendKeys[S chromedp.Selectable](sel S, v string, opts ...chromedp.QueryOption) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(sel, append(opts, chromedp.NodeVisible)...), chromedp.KeyEvent(v))
}
