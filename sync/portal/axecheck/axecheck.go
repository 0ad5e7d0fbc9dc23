// Package axecheck runs axe-core, Deque's accessibility checker, in a page that a chromedp
// browser test has open, and fails the test on every violation of WCAG 2.0/2.1 level A or AA
// whose impact is serious or critical (public bodies must meet WCAG 2.1 AA). Moderate and
// minor violations, and what axe could not decide ("needs review"), go to the test's log.
//
// A browser test checks the page it has just opened and waited for with one line:
//
//	axecheck.Check(ctx, t)
//
// where ctx is the tab's chromedp context (one that has already run an action, so that a
// timeout derived from it does not end the browser). Check evaluates axe's source through
// the DevTools protocol (Runtime.evaluate is not subject to the page's Content-Security-
// Policy, so the panel's script-src 'self' and the tracking page's default-src 'none' stay
// as they are in production) and then awaits axe.run. Run returns the results instead, for
// a test that wants to judge them itself.
//
// axe-core is vendored in axe/ (version, licence MPL-2.0 and checksums in axe/README.md;
// scripts/update-axe.sh re-fetches the pinned version): tests never fetch it. Only test
// binaries import this package.
package axecheck

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

//go:embed axe/axe.min.js
var source string

// Tags are the axe rule tags Check runs: WCAG 2.0 and 2.1, levels A and AA.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Timeout bounds one Check: loading axe and running it on a panel page takes well under a
// second; a page that keeps it busy longer is a finding in itself.
const Timeout = 20 * time.Second

// Result is what axe found on one page.
type Result struct {
	URL        string `json:"url"`
	Violations []Rule `json:"violations"`
	// Incomplete are the rules axe could not decide (e.g. contrast over an image); axe
	// reports one node of each.
	Incomplete []Rule `json:"incomplete"`
	// Passed is how many rules found elements to check and passed: a page where it is 0
	// was not really checked (not loaded, or empty).
	Passed int `json:"passed"`
}

// Rule is one rule's finding.
type Rule struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"` // critical, serious, moderate, minor (or "" for some incomplete)
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// Node is one element a rule found.
type Node struct {
	Target  []string `json:"target"` // CSS selectors, outermost first (more than one: shadow DOM or frames)
	HTML    string   `json:"html"`
	Summary string   `json:"summary"` // axe's "Fix any of the following: …"
}

// Blocking reports whether the rule's impact fails a test: serious or critical.
func (r Rule) Blocking() bool { return r.Impact == "serious" || r.Impact == "critical" }

// String is the rule for a test's message: impact, id, help, then each node's selector, HTML
// and what to fix.
func (r Rule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s (%s)", r.Impact, r.ID, r.Help, r.HelpURL)
	for _, n := range r.Nodes {
		fmt.Fprintf(&b, "\n    %s  %s", strings.Join(n.Target, " >>> "), n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

// run is evaluated in the page after axe's source: it waits for the load event (fonts and
// the stylesheet decide contrast) and keeps only what Result needs, so the answer stays small.
const run = `(async (tags) => {
  if (document.readyState !== 'complete') {
    await new Promise(ok => addEventListener('load', ok, {once: true}));
  }
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const pick = v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, summary: n.failureSummary || ''}))});
  return {url: r.url, violations: r.violations.map(pick), incomplete: r.incomplete.map(pick),
    passed: r.passes.length};
})`

// Run loads axe into the tab's current page (once per document) and runs the WCAG 2.1 A/AA
// rules on it.
func Run(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe === 'object' && typeof axe.run === 'function'`))
	if err != nil {
		return Result{}, fmt.Errorf("axe: probe page: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](source)); err != nil {
			return Result{}, fmt.Errorf("axe: load axe-core: %w", err)
		}
	}
	tags, err := json.Marshal(Tags)
	if err != nil {
		return Result{}, err
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[Result](run+"("+string(tags)+")", chromedp.EvalAwaitPromise))
	if err != nil {
		return Result{}, fmt.Errorf("axe: run: %w", err)
	}
	return res, nil
}

// Check runs axe on the tab's current page and fails t (without stopping it, so one run
// reports every page) for each serious or critical violation, listing rule, impact, help and
// the nodes' selectors and HTML; the rest goes to t's log.
func Check(ctx context.Context, t testing.TB) {
	t.Helper()
	res, err := Run(ctx)
	if err != nil {
		t.Errorf("accessibility check: %v", err)
		return
	}
	page := res.URL
	if u, err := url.Parse(res.URL); err == nil && u.Path != "" {
		page = u.RequestURI()
	}
	var blocking []string
	for _, v := range res.Violations {
		if v.Blocking() {
			blocking = append(blocking, v.String())
		} else {
			t.Logf("axe %s: %s", page, v)
		}
	}
	for _, v := range res.Incomplete {
		t.Logf("axe %s: needs review: %s", page, v)
	}
	if len(blocking) > 0 {
		t.Errorf("axe %s: %d serious or critical WCAG 2.1 AA violations:\n  %s", page, len(blocking), strings.Join(blocking, "\n  "))
		return
	}
	if res.Passed == 0 {
		t.Errorf("axe %s: no rule applied; is the page empty?", page)
		return
	}
	t.Logf("axe %s: no serious or critical violations (%d rules passed, %d other violations)", page, res.Passed, len(res.Violations))
}
