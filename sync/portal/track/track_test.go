package track

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/outbox"
	"infomat/sync/portal"
)

const (
	hostA = "wnioski.przykladowa.example.pl" // the sample content's portal address
	hostB = "wnioski.inna.example.pl"
)

// t0 is when the test submissions were filed: 10 March 2026, 09:00 UTC (10:00 in Warsaw).
var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

type fixture struct {
	st *portal.Bolt
	h  *Handler
	// refs of a submission in each municipality
	refA, refB string
	idA        string
}

// sampleWith is the embedded sample bundle with gmina.yaml changed by replace (old, new pairs).
func sampleWith(t *testing.T, replace ...string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	src := assets.DefaultContent()
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if p == "gmina.yaml" {
			data = []byte(strings.NewReplacer(replace...).Replace(string(data)))
		}
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	sampleOnce sync.Once
	sampleA    fs.FS
	sampleB    fs.FS
)

func ref(t *testing.T, prefix string, seed byte) string {
	t.Helper()
	r, err := outbox.NewRef(prefix, bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newFixture publishes the sample content for "przykladowa" (portal hostA) and a copy for
// "inna" (hostB, prefix INN), and stores one submission in each.
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	ctx := t.Context()
	sampleOnce.Do(func() {
		sampleA = sampleWith(t)
		sampleB = sampleWith(t, hostA, hostB, "skrot: PRZ", "skrot: INN", "nazwa: Gmina Przykładowa", "nazwa: Gmina Inna")
	})
	st, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for m, fsys := range map[string]fs.FS{"przykladowa": sampleA, "inna": sampleB} {
		if _, err := portal.Publish(ctx, st, m, fsys, portal.PublishOptions{Now: t0}); err != nil {
			t.Fatalf("publish %s: %v", m, err)
		}
	}
	f := &fixture{st: st, refA: ref(t, "PRZ", 1), refB: ref(t, "PRZ", 2)}
	// The other municipality's kiosk happens to use the same prefix: only the host tells.
	recA := put(t, st, "przykladowa", f.refA, "karta-mieszkanca", 1)
	put(t, st, "inna", f.refB, "karta-mieszkanca", 2)
	f.idA = recA.ID
	if opts.Rate == 0 {
		opts.Rate = 1e6 // the limit has its own test
		opts.Burst = 1e6
	}
	f.h, err = New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func put(t *testing.T, st *portal.Bolt, muni, ref, procedure string, n byte) portal.Record {
	t.Helper()
	rec := portal.Record{ID: strings.Repeat(string("0123456789abcdef"[n%16]), 32), Ref: ref, Procedure: procedure,
		Office: "ug", Created: t0, Received: t0.Add(time.Minute), Ciphertext: []byte("age-encrypted"),
		Device: "k-000000000000000" + string("0123456789abcdef"[n%16]), Municipality: muni}
	stored, _, err := st.PutSubmission(t.Context(), rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func (f *fixture) get(t *testing.T, host, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// text is the page's text as a reader sees it: tags dropped, entities decoded, spaces folded.
func text(body string) string {
	body = regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(body)), " ")
}

func wantAll(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestPageInThreeLanguages(t *testing.T) {
	f := newFixture(t, Options{})
	err := f.st.SetStatus(t.Context(), "przykladowa", f.idA, portal.Status{Code: portal.StatusForwarded,
		To: "Starostwo Powiatowe w Przykładowie", Note: "Wniosek dotyczy powiatu.\nTam otrzymasz kartę.", By: "cli", At: t0.AddDate(0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		hdr        []string
		lang       string
		want       []string
	}{
		{"default Polish", f.refA, nil, "pl", []string{
			"Gmina Przykładowa", "Status Twojej sprawy", "Numer sprawy: " + f.refA,
			"Sprawa Karta Mieszkańca Gminy Przykładowa", "Data złożenia 10 marca 2026",
			"Status Przekazany do: Starostwo Powiatowe w Przykładowie", "Twoją sprawą zajmie się inny urząd",
			"Informacja z urzędu Wniosek dotyczy powiatu. Tam otrzymasz kartę.", "Status z dnia 12 marca 2026",
			"Nie ma na niej Twoich danych osobowych"}},
		{"English by query", f.refA + "?lang=en", []string{"Accept-Language", "uk"}, "en", []string{
			"The status of your matter", "Reference number: " + f.refA,
			"Matter Gmina Przykładowa Residents' Card (Karta Mieszkańca)", "Date submitted 10 March 2026",
			"Forwarded to: Starostwo Powiatowe w Przykładowie", "Message from the office Wniosek dotyczy powiatu."}},
		{"Ukrainian by the browser", strings.ToLower(f.refA), []string{"Accept-Language", "uk-UA,uk;q=0.9,en;q=0.5"}, "uk", []string{
			"Статус вашої справи", "Номер справи: " + f.refA, "Дата подання 10 березня 2026 р.",
			"Передано до: Starostwo Powiatowe w Przykładowie", "Вашою справою займеться інша установа"}},
		{"Polish for a language it lacks", f.refA, []string{"Accept-Language", "de-DE,de;q=0.9"}, "pl", []string{"Status Twojej sprawy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.get(t, hostA, Prefix+tc.path, tc.hdr...)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
				t.Errorf("not lang=%q: %.200s", tc.lang, body)
			}
			wantAll(t, "page", text(body), tc.want...)
			wantAll(t, "page", body, `<meta name="viewport" content="width=device-width, initial-scale=1">`, "<h1>", "<dl>", "<dt>", `aria-current="page"`)
			if strings.Contains(body, "<script") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
				t.Error("the page has a script or an external address")
			}
		})
	}
	// The procedure's translation comes from the published content; a card without one stays Polish.
	put(t, f.st, "przykladowa", ref(t, "PRZ", 3), "dodatek-energetyczny", 3)
	w := f.get(t, hostA, Prefix+ref(t, "PRZ", 3)+"?lang=en")
	wantAll(t, "untranslated card", text(w.Body.String()), "Matter Dodatek", "Status Received", "The office has received your application")
	if strings.Contains(text(w.Body.String()), "Status as of") {
		t.Error("a status never set shows a change date")
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, Options{})
	for _, path := range []string{f.refA, f.refB, "nonsense"} {
		w := f.get(t, hostA, Prefix+path)
		h := w.Header()
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
			"Content-Type": "text/html; charset=utf-8",
		} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		// The hash allows exactly the inline style the page carries.
		m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(w.Body.String())
		if m == nil {
			t.Fatal("no style")
		}
		sum := sha256.Sum256([]byte(m[1]))
		if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("CSP %q does not allow the page's style", csp)
		}
	}
	head := httptest.NewRequest(http.MethodHead, Prefix+f.refA, nil)
	head.Host = hostA
	hw := httptest.NewRecorder()
	f.h.ServeHTTP(hw, head)
	if hw.Code != http.StatusOK || hw.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD: %d %v", hw.Code, hw.Header())
	}
	r := httptest.NewRequest(http.MethodPost, Prefix+f.refA, nil)
	r.Host = hostA
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// An unknown reference, a malformed one and another municipality's get the same answer.
func TestUnknownAndOtherMunicipalityAnswerAlike(t *testing.T) {
	f := newFixture(t, Options{})
	type answer struct {
		code int
		hdr  http.Header
		body string
	}
	get := func(ref string) answer {
		w := f.get(t, hostA+":443", Prefix+ref)
		hdr := w.Header().Clone()
		hdr.Del("Content-Length") // the reference's own length
		return answer{w.Code, hdr, strings.ReplaceAll(w.Body.String(), ref, "REF")}
	}
	other := get(f.refB) // stored, but for gmina Inna
	unknown := get(ref(t, "PRZ", 77))
	malformed := get("PRZ-AAAA-A0")
	if other.code != http.StatusNotFound {
		t.Fatalf("another municipality's reference: %d", other.code)
	}
	for name, a := range map[string]answer{"unknown": unknown, "malformed": malformed} {
		if a.code != other.code || !slices.Equal(keys(a.hdr), keys(other.hdr)) || a.body != other.body {
			t.Errorf("%s reference answered differently from another municipality's:\n%d %v\n%s\n---\n%d %v\n%s", name, a.code, a.hdr, a.body, other.code, other.hdr, other.body)
		}
		for k := range a.hdr {
			if a.hdr.Get(k) != other.hdr.Get(k) {
				t.Errorf("%s: header %s %q vs %q", name, k, a.hdr.Get(k), other.hdr.Get(k))
			}
		}
	}
	wantAll(t, "not found page", text(other.body), "Gmina Przykładowa", "Nie znaleźliśmy tej sprawy", "Numer sprawy: REF",
		"gdy infomat prześle go do urzędu")
	// The other municipality's own host finds it.
	if w := f.get(t, hostB, Prefix+f.refB); w.Code != http.StatusOK || !strings.Contains(text(w.Body.String()), "Gmina Inna") {
		t.Errorf("%s on its own host: %d", f.refB, w.Code)
	}
	// A host no municipality publishes finds nothing, not even a known reference.
	if w := f.get(t, "127.0.0.1:8443", Prefix+f.refA); w.Code != http.StatusNotFound {
		t.Errorf("on an unknown host: %d", w.Code)
	}
}

func keys(h http.Header) []string {
	var k []string
	for name := range h {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// HTML and script in a note or destination are shown as text.
func TestNoteRendersInert(t *testing.T) {
	f := newFixture(t, Options{})
	note := `<script>alert(1)</script><img src=x onerror=alert(2)> & "quoted"`
	to := `"><b onmouseover=alert(3)>Urząd</b>`
	if err := f.st.SetStatus(t.Context(), "przykladowa", f.idA, portal.Status{Code: portal.StatusForwarded, To: to, Note: note, By: "cli", At: t0}); err != nil {
		t.Fatal(err)
	}
	body := f.get(t, hostA, Prefix+f.refA).Body.String()
	for _, bad := range []string{"<script>", "<img", "<b ", "onerror=alert(2)>"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page carries %q unescaped", bad)
		}
	}
	wantAll(t, "page", body, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&#34;&gt;&lt;b onmouseover=alert(3)&gt;")
	wantAll(t, "page text", text(body), note, "Przekazany do: "+to)
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestRateLimitPerClient(t *testing.T) {
	c := &clock{now: t0}
	f := newFixture(t, Options{Now: c.Now, Rate: 60, Burst: 3})
	get := func(remote, xff, lang string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, Prefix+f.refA+lang, nil)
		r.Host, r.RemoteAddr = hostA, remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if w := get("203.0.113.5:40000", "", ""); w.Code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d", i+1, w.Code)
		}
	}
	w := get("203.0.113.5:40001", "", "?lang=en")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("past the burst: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	wantAll(t, "429 page", text(w.Body.String()), "Too many requests", "try again in a moment")
	if strings.Contains(w.Body.String(), f.refA) || !strings.Contains(w.Body.String(), `lang="en"`) {
		t.Error("the 429 page names the reference, or is not in English")
	}
	if w := get("198.51.100.7:1234", "", ""); w.Code != http.StatusOK {
		t.Errorf("another client: %d", w.Code)
	}
	// Behind the loopback proxy each resident counts by X-Forwarded-For; from anywhere else
	// the header is the client's own word and is ignored.
	if w := get("127.0.0.1:5000", "203.0.113.5", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("the limited client through the proxy: %d", w.Code)
	}
	if w := get("127.0.0.1:5000", "203.0.113.5, 192.0.2.9", ""); w.Code != http.StatusOK {
		t.Errorf("another client through the proxy: %d", w.Code)
	}
	if w := get("203.0.113.5:40002", "192.0.2.10", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For from outside escaped the limit: %d", w.Code)
	}
	// IPv6: one /64 is one client.
	for i := range 3 {
		get("[2001:db8:1:2::1]:1", "", "")
		_ = i
	}
	if w := get("[2001:db8:1:2::ffff]:1", "", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: %d", w.Code)
	}
	c.now = c.now.Add(time.Second) // one token back at 60 a minute
	if w := get("203.0.113.5:40003", "", ""); w.Code != http.StatusOK {
		t.Errorf("a second later: %d", w.Code)
	}
	if w := get("203.0.113.5:40003", "", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("the token was used: %d", w.Code)
	}
}

func TestLimiterForgetsQuietClients(t *testing.T) {
	c := &clock{now: t0}
	l := &limiter{rate: 1, burst: 2, now: c.Now, buckets: map[string]*bucket{}}
	for i := range maxClients {
		l.allow(string(rune(i)))
	}
	c.now = c.now.Add(2 * time.Second)
	l.allow("new")
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets kept, want only the new client's", len(l.buckets))
	}
}

func TestHumanisedTitleForAnUnknownCard(t *testing.T) {
	f := newFixture(t, Options{})
	r := ref(t, "PRZ", 9)
	put(t, f.st, "przykladowa", r, "zezwolenie-na-wycinke", 9)
	wantAll(t, "page", text(f.get(t, hostA, Prefix+r).Body.String()), "Sprawa Zezwolenie na wycinke")
}

// Every message is in all three languages, and nothing the page uses is missing.
func TestTranslationsComplete(t *testing.T) {
	load := func(lang string) map[string]string {
		data, err := messages.ReadFile("l10n/track." + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := yaml.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	pl := load("pl")
	for _, lang := range []string{"en", "uk"} {
		other := load(lang)
		for k := range pl {
			if other[k] == "" {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
		for k := range other {
			if _, ok := pl[k]; !ok {
				t.Errorf("%s has %s, which Polish lacks", lang, k)
			}
		}
	}
	for _, c := range portal.StatusCodes {
		for _, k := range []string{"track.status." + string(c), "track.explain." + string(c)} {
			if pl[k] == "" {
				t.Errorf("no message %s", k)
			}
		}
	}
}
