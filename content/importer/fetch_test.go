package importer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"infomat/content/importer"
)

func importErr(t *testing.T, im *importer.Importer, kind, url string) error {
	t.Helper()
	_, err := im.Import(context.Background(), importer.Source{Kind: kind, URL: url, Menu: "ogloszenia-wojta"}, sample(t), importer.State{}, now)
	if err == nil {
		t.Fatalf("import of %s succeeded", url)
	}
	return err
}

func TestRefusesInternalAddresses(t *testing.T) {
	s := newSite(t)
	s.set("/rss", "application/rss+xml", feedV1)
	u := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	im := importer.New(importer.Options{})
	for _, addr := range []string{
		s.URL + "/rss",                       // loopback without the test option
		u + "/rss",                           // a name resolving to loopback
		"http://10.1.2.3/rss",                // private
		"http://192.168.0.10/rss",            // private
		"http://169.254.169.254/latest/meta", // link-local: cloud metadata
		"http://0.0.0.0/rss",                 // unspecified
		"http://[::1]/rss",
		"http://[fd00::1]/rss",
		"http://100.64.0.1/rss",
	} {
		err := importErr(t, im, importer.KindFeed, addr)
		if !strings.Contains(err.Error(), "sieci wewnętrznej") || !strings.HasPrefix(err.Error(), "Nie udało się pobrać kanału") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	// The test option lets loopback through, and only loopback.
	loop := importer.New(importer.Options{AllowLoopback: true})
	if _, err := loop.Import(context.Background(), importer.Source{Kind: importer.KindFeed, URL: s.URL + "/rss", Menu: "ogloszenia-wojta"}, sample(t), importer.State{}, now); err != nil {
		t.Errorf("loopback allowed: %v", err)
	}
	if err := importErr(t, loop, importer.KindFeed, "http://10.0.0.1/rss"); !strings.Contains(err.Error(), "sieci wewnętrznej") {
		t.Errorf("10.0.0.1 with loopback allowed: %v", err)
	}
}

func TestRedirectToInternalRefused(t *testing.T) {
	s := httptest.NewServer(http.RedirectHandler("http://10.9.8.7/rss", http.StatusFound))
	defer s.Close()
	err := importErr(t, testImporter(), importer.KindFeed, s.URL)
	if !strings.Contains(err.Error(), "sieci wewnętrznej") {
		t.Errorf("redirect: %v", err)
	}
}

func TestFetchErrors(t *testing.T) {
	s := newSite(t)
	s.set("/strona", "text/html; charset=utf-8", "<html><body><p>To nie kanał.</p></body></html>")
	s.set("/duzy", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel>`+strings.Repeat("<item><title>x</title></item>", 2000)+`</channel></rss>`)
	s.set("/atom-jako-html", "text/html", "<feed/>")
	small := importer.New(importer.Options{AllowLoopback: true, MaxBytes: 32 << 10})
	for _, tc := range []struct {
		im         *importer.Importer
		kind, path string
		want       string
	}{
		{testImporter(), importer.KindFeed, "/brak", "Nie udało się pobrać kanału " + s.URL + "/brak: serwer odpowiedział 404"},
		{testImporter(), importer.KindFeed, "/strona", `to nie jest kanał RSS ani Atom (serwer podaje typ "text/html; charset=utf-8")`},
		{testImporter(), importer.KindPage, "/duzy", "to nie jest strona HTML"},
		{small, importer.KindFeed, "/duzy", "dokument jest większy niż 32 KiB"},
		{testImporter(), importer.KindFeed, "ftp://example.org/x", "podaj pełny adres http:// albo https://"},
	} {
		u := s.URL + tc.path
		if strings.Contains(tc.path, "://") {
			u = tc.path
		}
		if err := importErr(t, tc.im, tc.kind, u); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestMaxItems(t *testing.T) {
	s := newSite(t)
	s.setFile(t, "/rss", "application/rss+xml", "testdata/rss.xml")
	im := importer.New(importer.Options{AllowLoopback: true, MaxItems: 2})
	res, err := im.Import(context.Background(), importer.Source{Kind: importer.KindFeed, URL: s.URL + "/rss", Menu: "ogloszenia-wojta"}, sample(t), importer.State{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 {
		t.Errorf("%d pages from a feed capped at 2", len(res.Changes))
	}
}

func TestFetchErrorIsPolishAndKeepsCause(t *testing.T) {
	s := newSite(t)
	err := importErr(t, testImporter(), importer.KindPage, s.URL+"/brak")
	if want := "Nie udało się pobrać strony " + s.URL + "/brak: serwer odpowiedział 404"; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
	var ie *importer.Error
	if !errors.As(err, &ie) || errors.Unwrap(err) == nil {
		t.Errorf("no cause kept: %#v", err)
	}
}
