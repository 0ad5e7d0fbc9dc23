// Package track is the public tracking page, GET /sprawdz/<ref>: what the QR code on every
// submission receipt opens (app.TrackURL: gmina.yaml's portal address + "/sprawdz/" + the
// kiosk's reference). It shows the procedure, the date the resident filed it and the current
// status with the office's note — nothing personal: the portal holds submissions encrypted
// to the municipality and cannot read them, and the page reads only their routing metadata
// and status (portal.StatusStore).
//
// Which municipality a request is about comes from its Host: the municipality whose latest
// published gmina.yaml has a portal address with that host name (the port aside) is the one
// whose receipts point here, so no separate configuration can drift from what the kiosks
// print. The reference is then looked up only among that municipality's submissions; a
// reference that is unknown, malformed or another municipality's gets the same 404 page, the
// same headers and the same body but for the reference itself. Municipalities that share one
// portal address share its page; their references differ by prefix (gmina.yaml's skrot), and
// in the rare case two submissions carry the same reference (kiosks draw them independently)
// the page lists both, each with its procedure and date. A reverse proxy in front of the
// portal must pass the Host header on (nginx: proxy_set_header Host $host).
//
// Each client (by IP address; X-Forwarded-For only from a loopback peer, the proxy) gets a
// token bucket of requests; past it, a 429 page with Retry-After. The page is in Polish,
// English or Ukrainian (?lang=, else Accept-Language, else Polish), from the message files in
// l10n/ loaded with infomat/l10n; it is server-rendered with html/template, one column with
// large type, its only style inline and allowed by its hash in the Content-Security-Policy,
// no script, no external assets.
package track

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"infomat/l10n"
	"infomat/outbox"
	"infomat/sync/portal"
)

// Prefix is the path the page is served under: Prefix + ref.
const Prefix = "/sprawdz/"

// Store is what the page reads of the portal's Storage.
type Store interface {
	Municipalities(ctx context.Context) ([]string, error)
	LatestManifest(ctx context.Context, municipality string) (portal.Published, error)
	Blob(ctx context.Context, municipality, sha string) ([]byte, error)
	SubmissionsByRef(ctx context.Context, municipality, ref string) ([]portal.Record, error)
	StatusOf(ctx context.Context, municipality, id string) (portal.Status, error)
}

// Default rate limit of one client: a resident checks a few times; a script guessing
// references gets a page a few seconds.
const (
	DefaultRate  = 20 // pages a minute in the long run
	DefaultBurst = 10 // pages at once
)

// Options configure New. Zero values are fine.
type Options struct {
	Log *slog.Logger
	// Now is the rate limiter's clock (tests pass a fake one).
	Now func() time.Time
	// Rate (pages a minute) and Burst bound one client; defaults DefaultRate, DefaultBurst.
	Rate  float64
	Burst int
	// Location is where dates are shown; default portal.DefaultLocation (Europe/Warsaw).
	Location *time.Location
}

//go:embed page.html style.css
var files embed.FS

//go:embed l10n/*.yaml
var messages embed.FS

// Handler serves the page. Create it with New.
type Handler struct {
	sites *sites
	st    Store
	log   *slog.Logger
	loc   *time.Location
	lim   *limiter
	tr    *l10n.Localizer
	tmpl  *template.Template
	css   template.CSS
	csp   string
}

// New builds the page's handler over st.
func New(st Store, opts Options) (*Handler, error) {
	msgs, err := fs.Sub(messages, "l10n")
	if err != nil {
		return nil, err
	}
	tr, err := l10n.New(msgs)
	if err != nil {
		return nil, fmt.Errorf("tracking page: %w", err)
	}
	tmpl, err := template.ParseFS(files, "page.html")
	if err != nil {
		return nil, fmt.Errorf("tracking page: %w", err)
	}
	css, err := files.ReadFile("style.css")
	if err != nil {
		return nil, fmt.Errorf("tracking page: %w", err)
	}
	sum := sha256.Sum256(css)
	h := &Handler{
		sites: &sites{st: st, cache: map[string]*site{}},
		st:    st, log: opts.Log, loc: opts.Location, tr: tr, tmpl: tmpl,
		css: template.CSS(css),
		// Nothing but this one inline style may load or run: a note that got past the
		// escaping still could not fetch or execute anything.
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
			"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.loc == nil {
		h.loc = portal.DefaultLocation()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	h.lim = &limiter{rate: opts.Rate / 60, burst: float64(opts.Burst), now: opts.Now, buckets: map[string]*bucket{}}
	return h, nil
}

// page is the template's data.
type page struct {
	Lang       string
	Title      string
	Site       string // the municipality's name, or the page's own
	Heading    string
	Ref        string
	Cases      []caseView
	Paragraphs []string
	Langs      []langLink
	CSS        template.CSS
	T          func(id string, args ...any) string
}

type caseView struct {
	Procedure, Received, Code, Status, To, Explain, Note, Changed string
}

type langLink struct {
	Code, Label, Name, Href string
	Current                 bool
}

var langLabels = map[l10n.Lang]string{l10n.PL: "PL", l10n.EN: "EN", l10n.UK: "УКР"}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Accept-Language")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	lang := chooseLang(r)
	p := h.newPage(lang)
	if ok, wait := h.lim.allow(clientKey(r)); !ok {
		hd.Set("Retry-After", strconv.FormatInt(max(int64(math.Ceil(wait.Seconds())), 1), 10))
		p.Title, p.Heading = p.T("track.title.limited"), p.T("track.heading.limited")
		p.Paragraphs = []string{p.T("track.limited.body")}
		h.render(w, http.StatusTooManyRequests, p)
		return
	}
	raw := strings.TrimPrefix(r.URL.Path, Prefix)
	ref, valid := outbox.NormalizeRef(raw)
	if !valid {
		ref = clip(raw, 64)
	}
	p.Ref = ref
	status, err := h.lookup(r.Context(), r.Host, ref, valid, lang, &p)
	if err != nil {
		h.log.Error("tracking page failed", "err", err) // no reference: it ties a resident to a matter
		p.Ref, p.Cases = "", nil
		p.Title, p.Heading = p.T("track.title.error"), p.T("track.heading.error")
		p.Paragraphs = []string{p.T("track.error.body")}
		h.render(w, http.StatusInternalServerError, p)
		return
	}
	h.render(w, status, p)
}

// lookup fills p for ref and returns the status code: 200 with the cases, or 404.
func (h *Handler) lookup(ctx context.Context, host, ref string, valid bool, lang l10n.Lang, p *page) (int, error) {
	sites, err := h.sites.forHost(ctx, host)
	if err != nil {
		return 0, err
	}
	if len(sites) == 1 && sites[0].name != "" {
		p.Site = sites[0].name
	}
	if valid {
		for _, s := range sites {
			recs, err := h.st.SubmissionsByRef(ctx, s.muni, ref)
			if err != nil {
				return 0, fmt.Errorf("find reference in %s: %w", s.muni, err)
			}
			for _, rec := range recs {
				cv, err := h.caseOf(ctx, s, rec, lang, p.T)
				if err != nil {
					return 0, err
				}
				p.Cases = append(p.Cases, cv)
			}
		}
	}
	if len(p.Cases) > 0 {
		p.Title, p.Heading = p.T("track.title.found", "Ref", ref), p.T("track.heading.found")
		return http.StatusOK, nil
	}
	// Unknown, malformed or another municipality's: one answer for all.
	p.Title, p.Heading = p.T("track.title.missing", "Ref", ref), p.T("track.heading.missing")
	p.Paragraphs = []string{p.T("track.missing.check"), p.T("track.missing.wait"), p.T("track.missing.ask")}
	return http.StatusNotFound, nil
}

func (h *Handler) caseOf(ctx context.Context, s *site, rec portal.Record, lang l10n.Lang, t func(string, ...any) string) (caseView, error) {
	st, err := h.st.StatusOf(ctx, s.muni, rec.ID)
	if err != nil {
		return caseView{}, fmt.Errorf("status of %s: %w", rec.ID, err)
	}
	title, err := h.sites.title(ctx, s, rec.Procedure, lang)
	if err != nil {
		return caseView{}, err
	}
	// The date on the resident's receipt is the kiosk's; a kiosk whose clock was not
	// trusted printed a doubtful one, and the portal's arrival is then the better answer.
	filed := rec.Created
	if rec.ClockSuspect || filed.IsZero() {
		filed = rec.Received
	}
	code := st.Code
	if !code.Valid() { // written by a newer portal: say no more than "received"
		code = portal.StatusReceived
	}
	cv := caseView{
		Procedure: title,
		Received:  h.date(filed, t),
		Code:      string(code),
		Status:    t("track.status." + string(code)),
		Explain:   t("track.explain." + string(code)),
		Note:      st.Note,
	}
	if code == portal.StatusForwarded {
		cv.To = st.To
	}
	if st.By != "" { // set by someone, not the default
		cv.Changed = h.date(st.At, t)
	}
	return cv, nil
}

// date is a day in words: "5 grudnia 2026".
func (h *Handler) date(at time.Time, t func(string, ...any) string) string {
	at = at.In(h.loc)
	return t("track.date", "Day", at.Day(), "Month", t("track.month."+strconv.Itoa(int(at.Month()))), "Year", at.Year())
}

func (h *Handler) newPage(lang l10n.Lang) page {
	t := func(id string, args ...any) string { return h.tr.In(lang, id, args...) }
	p := page{Lang: string(lang), CSS: h.css, T: t, Site: t("track.portal")}
	for _, l := range l10n.Languages {
		p.Langs = append(p.Langs, langLink{Code: string(l), Label: langLabels[l], Name: l.Name(),
			Href: "?" + url.Values{"lang": {string(l)}}.Encode(), Current: l == lang})
	}
	return p
}

func (h *Handler) render(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := h.tmpl.Execute(&buf, p); err != nil {
		h.log.Error("tracking page: render", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// clip cuts s to n characters (on a character boundary) for showing it back.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
