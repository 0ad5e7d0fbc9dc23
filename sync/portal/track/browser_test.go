package track

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"infomat/sync/portal"
	"infomat/sync/portal/browsertest"
)

// TestBrowserAccessibility opens the tracking page in headless chromium through the real
// handler on loopback, at 1280×800 and on a phone (390×844, touch, 2× pixels): one matter
// (also in English on the desktop and Ukrainian on the phone), five matters under one
// reference (every status and its colour), an unknown reference and, on the desktop, the rate
// limit's page. Each is checked with axe-core for WCAG 2.1 AA (serious or critical fails) and
// for text wider than the screen, and photographed to test-output/track/.
func TestBrowserAccessibility(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := t.Context()
	if err := f.st.SetStatus(ctx, "przykladowa", f.idA, portal.Status{Code: portal.StatusInProgress,
		Note: "Prosimy o dostarczenie zdjęcia do urzędu.\nPokój 12, parter.", By: "urzednik", At: t0.AddDate(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	// One reference the kiosks drew twice and more: the page lists every matter, here one of
	// each status, so each status's colour is measured.
	shared := ref(t, "PRZ", 9)
	for i, st := range []portal.Status{
		{Code: portal.StatusReceived},
		{Code: portal.StatusInProgress, By: "urzednik", At: t0.AddDate(0, 0, 1)},
		{Code: portal.StatusSettled, Note: "Karta do odbioru w pokoju 12.", By: "urzednik", At: t0.AddDate(0, 0, 3)},
		{Code: portal.StatusRejected, Note: "Brak podpisu.", By: "urzednik", At: t0.AddDate(0, 0, 2)},
		{Code: portal.StatusForwarded, To: "Starostwo Powiatowe w Przykładowie", Note: "Sprawa należy do powiatu.", By: "urzednik", At: t0.AddDate(0, 0, 2)},
	} {
		rec := put(t, f.st, "przykladowa", shared, "karta-mieszkanca", byte(10+i))
		if st.By == "" {
			continue // received: the default, never set
		}
		if err := f.st.SetStatus(ctx, "przykladowa", rec.ID, st); err != nil {
			t.Fatal(err)
		}
	}
	// The rate limit's page: a handler that allows one page, then refuses.
	limited, err := New(f.st, Options{Rate: 1e-3, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, f.h)
	mux.Handle("/limited"+Prefix, http.StripPrefix("/limited", limited))
	// The page knows its municipality by the Host the receipt's QR names.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Host = hostA
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	out := browsertest.Output(t, "track")
	tab := browsertest.Start(t, out, chromedp.Flag("accept-lang", "pl-PL,pl")) // a resident's phone in Poland
	bctx := tab.Ctx

	pages := map[string]struct{ path, want string }{
		"found":    {f.refA, "W realizacji"},
		"found-en": {f.refA + "?lang=en", "In progress"},
		"found-uk": {f.refA + "?lang=uk", "Статус вашої справи"},
		"several":  {shared, "Przekazany do:"},
		"missing":  {ref(t, "PRZ", 77), "Nie znaleźliśmy tej sprawy"},
		"limited":  {f.refA, "Za dużo zapytań"},
	}
	desktop := chromedp.EmulateViewport(1280, 800)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	for _, v := range []struct {
		name  string
		size  chromedp.Action[chromedp.Void]
		pages []string
	}{
		{"desktop", desktop, []string{"found", "found-en", "several", "missing", "limited"}},
		{"phone", phone, []string{"found", "found-uk", "several", "missing"}},
	} {
		if err := chromedp.Do(bctx, v.size); err != nil {
			t.Fatalf("%s viewport: %v", v.name, err)
		}
		for _, name := range v.pages {
			p := pages[name]
			url := srv.URL + Prefix + p.path
			if name == "limited" {
				url = srv.URL + "/limited" + Prefix + p.path
				resp, err := http.Get(url) // spends the one page allowed
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			tab.Do(v.name+" "+name, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1")))
			body, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil || !strings.Contains(body, p.want) {
				t.Errorf("%s %s: want %q in:\n%s (%v)", v.name, name, p.want, body, err)
			}
			// Readable on a phone: nothing wider than the screen, so no sideways scrolling.
			if over, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)); err != nil || over > 0 {
				t.Errorf("%s %s: the page is %d px wider than the screen (%v)", v.name, name, over, err)
			}
			tab.Shot(v.name + "-" + name) // axe-core checks it first
		}
	}
}
