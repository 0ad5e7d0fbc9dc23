// Package panel is the municipality's web panel, served by `infomat-portal serve` under
// /panel/ on the kiosks' listener: login with a second factor for administrators, the home
// page by role, the users of the municipality and its audit log. Pages are html/template,
// the CSS (and no script so far) is embedded, the texts come from YAML message files through
// infomat/l10n, Polish first.
//
// Security in one place (ServeHTTP and the wrappers below): every page sends a strict CSP
// (no inline script or style), frame-ancestors 'none', no-store and no referrer; the session
// cookie is HttpOnly, SameSite=Strict, Path=/panel/ and Secure whenever the request came over
// TLS (or Options.SecureCookies says a TLS proxy is in front); every POST must come from the
// panel's own origin (Origin, Sec-Fetch-Site) and carry the session's synchronizer token;
// every query is scoped by the session's municipality.
package panel

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"infomat/content"
	"infomat/content/importer"
	"infomat/l10n"
	"infomat/sync/portal"
	"infomat/sync/portal/dues"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed l10n/*.yaml
var messageFS embed.FS

// Prefix is where the panel is mounted.
const Prefix = "/panel/"

const (
	sessionCookie = "infomat_panel"
	preCookie     = "infomat_panel_pre" // the login form's double-submit token
	langCookie    = "infomat_panel_lang"
)

// Options configure New. Zero values are fine.
type Options struct {
	Log *slog.Logger
	Now func() time.Time
	// Argon2 are the costs of passwords set in the panel (default portal.DefaultArgon2).
	Argon2 portal.Argon2Params
	// IdleTimeout ends a session not used for this long (default 30 min); AbsoluteTimeout
	// ends any session this long after login (default 12 h).
	IdleTimeout, AbsoluteTimeout time.Duration
	// SecureCookies marks cookies Secure even on plain HTTP requests: for a panel behind a
	// TLS-terminating proxy on loopback. Requests that came over TLS get Secure anyway.
	SecureCookies bool
	// Throttle is the login throttling policy (zero: DefaultThrottle).
	Throttle ThrottlePolicy
	// Issuer names the portal in authenticator apps (default "Infomat").
	Issuer string
	// SecretKey (32 bytes, LoadKey) seals the TOTP secrets in the store; nil stores them
	// as they are.
	SecretKey []byte
	// PortalURL is where kiosks enrol, for the enrolment command on the fleet page
	// (https://portal.gmina.pl:8443); empty: the scheme and host the panel was reached at.
	PortalURL string
	// CertPin is the portal's certificate key pin (protocol.CertPin) the enrolment command
	// carries as --pin; empty: the command has none (the kiosks' CAs must trust the portal).
	CertPin string
	// CertFingerprint is the SHA-256 of the portal certificate's DER bytes (32 bytes): with
	// it the token page also shows the enrolment code for `infomat setup` (enrolcode) and
	// its QR code; nil: no code (the kiosks' CAs must trust the portal).
	CertFingerprint []byte
	// Importer fetches BIP content to import (nil: importer.New with its defaults, which
	// refuse internal addresses).
	Importer *importer.Importer
}

// Handler serves the panel. Create it with New.
type Handler struct {
	st    Store
	log   *slog.Logger
	now   func() time.Time
	opts  Options
	loc   *l10n.Localizer
	pages map[string]*template.Template
	mux   *http.ServeMux
	thr   *throttle
	// dummyHash is checked for logins that do not exist, so they take as long as real ones.
	dummyHash func() string
	// previews keeps the editor's kiosk pictures of the newest draft (contentpreview.go).
	previews previewCache
	// duesKeys seal imported dues and hash cards' PINs (dues.go); nil without SecretKey.
	duesKeys *portal.DuesKeys
}

// Store is what the panel reads and writes: accounts, submissions and their statuses,
// devices and what they report, published content (the portal's Storage).
type Store interface {
	portal.AccountStore
	portal.SubmissionStore
	portal.StatusStore
	portal.InboxStore
	portal.DeviceStore
	portal.FleetStore
	portal.ContentStore
	portal.DraftStore
	portal.DuesStore
}

// New builds the panel over the portal's store.
func New(st Store, opts Options) (*Handler, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Argon2 == (portal.Argon2Params{}) {
		opts.Argon2 = portal.DefaultArgon2
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.AbsoluteTimeout <= 0 {
		opts.AbsoluteTimeout = 12 * time.Hour
	}
	if opts.Throttle == (ThrottlePolicy{}) {
		opts.Throttle = DefaultThrottle
	}
	if opts.Importer == nil {
		opts.Importer = importer.New(importer.Options{})
	}
	if opts.Issuer == "" {
		opts.Issuer = "Infomat"
	}
	if opts.SecretKey != nil && len(opts.SecretKey) != 32 {
		return nil, fmt.Errorf("panel: secret key of %d bytes, want 32", len(opts.SecretKey))
	}
	if err := checkFleetOptions(&opts); err != nil {
		return nil, err
	}
	msgs, err := fs.Sub(messageFS, "l10n")
	if err != nil {
		return nil, err
	}
	loc, err := l10n.New(msgs)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	h := &Handler{st: st, log: opts.Log, now: opts.Now, opts: opts, loc: loc, mux: http.NewServeMux(),
		thr: newThrottle(opts.Throttle)}
	h.dummyHash = sync.OnceValue(func() string {
		s, _ := portal.HashPassword(newToken(), opts.Argon2)
		return s
	})
	if opts.SecretKey != nil {
		if h.duesKeys, err = portal.NewDuesKeys(opts.SecretKey); err != nil {
			return nil, err
		}
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

func (h *Handler) parseTemplates() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	// Files named _*.html are parts several pages include; each page gets them all.
	parts, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return err
	}
	h.pages = map[string]*template.Template{}
	for _, n := range names {
		base := n[len("templates/") : len(n)-len(".html")]
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("layout.html").ParseFS(templateFS, append([]string{"templates/layout.html", n}, parts...)...)
		if err != nil {
			return fmt.Errorf("panel template %s: %w", n, err)
		}
		h.pages[base] = t
	}
	return nil
}

func (h *Handler) routes() {
	m := h.mux
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", staticHandler(static)))
	m.HandleFunc("GET "+Prefix+"lang/{lang}", h.setLang)
	m.HandleFunc("GET "+Prefix+"login", h.loginPage)
	m.HandleFunc("POST "+Prefix+"login", h.login)
	m.HandleFunc("POST "+Prefix+"logout", h.logout)
	m.HandleFunc("GET "+Prefix+"totp", h.stage(portal.StageTOTP, h.totpPage))
	m.HandleFunc("POST "+Prefix+"totp", h.stage(portal.StageTOTP, h.totp))
	m.HandleFunc("GET "+Prefix+"enrol", h.stage(portal.StageEnrol, h.enrolPage))
	m.HandleFunc("POST "+Prefix+"enrol", h.stage(portal.StageEnrol, h.enrol))
	m.HandleFunc("GET "+Prefix+"password", h.stage(portal.StagePassword, h.passwordPage))
	m.HandleFunc("POST "+Prefix+"password", h.stage(portal.StagePassword, h.password))
	m.HandleFunc("GET "+Prefix+"{$}", h.page("", h.home))
	m.HandleFunc("GET "+Prefix+"users", h.page(portal.RoleAdmin, h.usersPage))
	m.HandleFunc("POST "+Prefix+"users", h.page(portal.RoleAdmin, h.addUser))
	m.HandleFunc("GET "+Prefix+"users/{login}", h.page(portal.RoleAdmin, h.userPage))
	m.HandleFunc("POST "+Prefix+"users/{login}/reset", h.page(portal.RoleAdmin, h.resetUser))
	m.HandleFunc("POST "+Prefix+"users/{login}/disable", h.page(portal.RoleAdmin, h.disableUser))
	m.HandleFunc("POST "+Prefix+"users/{login}/roles", h.page(portal.RoleAdmin, h.setRoles))
	m.HandleFunc("POST "+Prefix+"users/{login}/enable", h.page(portal.RoleAdmin, h.enableUser))
	m.HandleFunc("GET "+Prefix+"audit", h.page(portal.RoleAdmin, h.auditPage))
	m.HandleFunc("GET "+Prefix+"audit.csv", h.page(portal.RoleAdmin, h.auditCSV))
	m.HandleFunc("GET "+Prefix+"municipalities", h.page(portal.RoleOperator, h.municipalitiesPage))
	m.HandleFunc("POST "+Prefix+"municipalities", h.page(portal.RoleOperator, h.addMunicipality))
	h.inboxRoutes()   // inbox.go
	h.contentRoutes() // contentedit.go
	h.fleetRoutes()   // fleet.go
	h.wizardRoutes()  // wizard.go
	h.duesRoutes()    // dues.go
	m.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
	})
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on POSTs,
	// and the origin check below needs the real one.
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if h.secure(r) {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.Method == http.MethodPost {
		limit := int64(64 << 10)
		switch {
		case r.URL.Path == uploadPath: // an attachment, checked against the kiosk's limit there
			limit = uploadLimit + 1<<20
		case r.URL.Path == importCSVPath:
			limit = importCSVLimit + 1<<20
		case r.URL.Path == duesImportPath:
			limit = dues.MaxSize + 1<<20
		case r.URL.Path == editPath || r.URL.Path == checkPath: // a BIP page may be long
			limit = content.Limits{}.Effective().Page + 1<<20
		case isWizardPath(r.URL.Path):
			limit = wizardMaxBody // it carries the crest
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if !sameOrigin(r) {
			h.log.Warn("panel: cross-origin POST refused", "path", r.URL.Path, "remote", clientIP(r),
				"origin", r.Header.Get("Origin"), "fetch_site", r.Header.Get("Sec-Fetch-Site"))
			h.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// sameOrigin reports whether a POST comes from the panel's own pages: browsers send
// Sec-Fetch-Site and Origin on every POST, and a forged cross-site form carries another
// site's. A request with neither (not from a browser) is left to the synchronizer token.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (h *Handler) secure(r *http.Request) bool { return r.TLS != nil || h.opts.SecureCookies }

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode})
}

// staticHandler serves the embedded CSS and images, cacheable (they change only with the
// binary).
func staticHandler(fsys fs.FS) http.Handler {
	fsrv := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if r.URL.Path == "age.wasm" {
			serveAgeWasm(w, r, fsys)
			return
		}
		fsrv.ServeHTTP(w, r)
	})
}

// serveAgeWasm serves the decryption module, kept gzipped (a quarter of its 4 MB): as it is
// to a browser that takes gzip, which every current one does, else unpacked.
func serveAgeWasm(w http.ResponseWriter, r *http.Request, fsys fs.FS) {
	f, err := fsys.Open("age.wasm.gz")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", "application/wasm")
	hd.Add("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		hd.Set("Content-Encoding", "gzip")
		_, _ = io.Copy(w, f)
		return
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		http.Error(w, "damaged age.wasm.gz", http.StatusInternalServerError)
		return
	}
	_, _ = io.Copy(w, zr)
}

// lang is the request's language: the cookie's, else Polish.
func lang(r *http.Request) l10n.Lang {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == string(l10n.EN) {
		return l10n.EN
	}
	return l10n.PL
}

func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	if l != string(l10n.PL) && l != string(l10n.EN) {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	h.setCookie(w, r, langCookie, l, 365*24*3600)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// current is a request's logged-in state.
type current struct {
	sess portal.Session
	user portal.User
}

type ctxKey struct{}

func from(r *http.Request) *current { c, _ := r.Context().Value(ctxKey{}).(*current); return c }

// newToken is 256 random bits, base64url.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) []byte { s := sha256.Sum256([]byte(id)); return s[:] }

// loadSession finds the request's session and its user, ending it when it expired or the
// user is gone or disabled. nil means none.
func (h *Handler) loadSession(r *http.Request) *current {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return nil
	}
	ctx, idh := r.Context(), hashID(c.Value)
	s, err := h.st.Session(ctx, idh)
	if err != nil {
		return nil
	}
	now := h.now()
	if now.Sub(s.LastSeen) >= h.opts.IdleTimeout || now.Sub(s.Created) >= h.opts.AbsoluteTimeout {
		_ = h.st.DeleteSession(ctx, idh)
		return nil
	}
	u, err := h.st.User(ctx, s.Municipality, s.Login)
	if err != nil || u.Disabled {
		_ = h.st.DeleteSession(ctx, idh)
		return nil
	}
	// One write a minute at most keeps the idle clock right without a write per request.
	if now.Sub(s.LastSeen) >= time.Minute {
		if err := h.st.TouchSession(ctx, idh, now); err == nil {
			s.LastSeen = now
		}
	}
	return &current{sess: s, user: u}
}

// startSession replaces any session of the request with a new one (a new ID at login and at
// every step up, so an ID planted before login never gains rights) and sets its cookie.
// created is the login's time (zero: now).
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u portal.User, stage string, created time.Time) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = h.st.DeleteSession(r.Context(), hashID(c.Value))
	}
	id, now := newToken(), h.now()
	if created.IsZero() {
		created = now
	}
	csrf := make([]byte, 32)
	if _, err := rand.Read(csrf); err != nil {
		return err
	}
	s := portal.Session{IDHash: hashID(id), Municipality: u.Municipality, Login: u.Login, Created: created, LastSeen: now, Stage: stage, CSRF: csrf}
	if err := h.st.CreateSession(r.Context(), s); err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	// The cookie outlives no session: it goes with the browser or the absolute timeout.
	h.setCookie(w, r, sessionCookie, id, 0)
	return nil
}

// stepUp moves a session to its next stage under a new ID. The creation time stays, so the
// absolute timeout still counts from the password.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request, c *current, stage string) error {
	return h.startSession(w, r, c.user, stage, c.sess.Created)
}

func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = h.st.DeleteSession(r.Context(), hashID(c.Value))
	}
	h.setCookie(w, r, sessionCookie, "", -1)
}

// checkCSRF compares the form's token with the session's in constant time.
func checkCSRF(r *http.Request, s portal.Session) bool {
	got, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("csrf"))
	return err == nil && len(s.CSRF) > 0 && subtle.ConstantTimeCompare(got, s.CSRF) == 1
}

// page wraps a handler for a fully logged-in user holding role ("" any role); a POST also
// needs the session's CSRF token. A session still owing a step is sent to it.
func (h *Handler) page(role portal.Role, fn func(http.ResponseWriter, *http.Request, *current)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := h.loadSession(r)
		if c == nil {
			if r.Method == http.MethodPost {
				h.fail(w, r, http.StatusForbidden, "error.session")
				return
			}
			http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
			return
		}
		if c.sess.Stage != portal.StageFull {
			http.Redirect(w, r, Prefix+c.sess.Stage, http.StatusSeeOther)
			return
		}
		if role != "" && !c.user.Has(role) {
			h.log.Warn("panel: page refused for role", "path", r.URL.Path, "municipality", c.user.Municipality, "login", c.user.Login)
			// With the session: the refusal keeps the menu, the name and "Wyloguj".
			h.fail(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)), http.StatusForbidden, "error.forbidden")
			return
		}
		if r.Method == http.MethodPost && !checkCSRF(r, c.sess) {
			h.log.Warn("panel: POST without a valid CSRF token", "path", r.URL.Path, "login", c.user.Login, "remote", clientIP(r))
			h.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)), c)
	}
}

// stage wraps the handler of a login step: only a session at that stage reaches it.
func (h *Handler) stage(stage string, fn func(http.ResponseWriter, *http.Request, *current)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := h.loadSession(r)
		if c == nil || c.sess.Stage != stage {
			if r.Method == http.MethodPost {
				h.fail(w, r, http.StatusForbidden, "error.session")
				return
			}
			http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !checkCSRF(r, c.sess) {
			h.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		fn(w, r, c)
	}
}

// clientIP is the request's peer address without the port. The panel is reached directly or
// through a proxy on loopback; behind such a proxy every client shares its address, so the
// per-IP throttle then counts the proxy (documented in the README).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// audit appends to the acting user's municipality's log; a failure is logged, not shown:
// the action itself already happened.
func (h *Handler) audit(r *http.Request, municipality, actor, action, target, detail string) {
	_, err := h.st.AppendAudit(r.Context(), portal.AuditEntry{At: h.now(), Municipality: municipality, Actor: actor,
		Action: action, Target: target, Detail: detail, Remote: clientIP(r)})
	if err != nil {
		h.log.Error("panel: audit entry not written", "action", action, "municipality", municipality, "err", err)
	}
}

// view is what every template gets.
type view struct {
	h     *Handler
	lang  l10n.Lang
	Title string
	User  *portal.User
	CSRF  string
	Data  any
	// Nav are the sections the user's roles open, for the header.
	Nav []navItem
	// Flash is a message for the top of the page.
	Flash string
}

type navItem struct {
	Key  string // message ID
	Href string
}

// T translates a message into the request's language.
func (v view) T(id string, args ...any) string { return v.h.loc.In(v.lang, id, args...) }

// Lang is the page's language tag.
func (v view) Lang() string { return string(v.lang) }

// Other is the language the switch offers.
func (v view) Other() string {
	if v.lang == l10n.EN {
		return string(l10n.PL)
	}
	return string(l10n.EN)
}

// Municipality is the shown name of the user's municipality.
func (v view) Municipality() string {
	if v.User == nil {
		return ""
	}
	if v.User.Municipality == portal.OperatorMunicipality {
		return v.T("operator.portal")
	}
	return v.User.Municipality
}

func (h *Handler) view(r *http.Request, c *current, titleKey string, data any) view {
	v := view{h: h, lang: lang(r), Data: data}
	v.Title = v.T(titleKey)
	if c != nil {
		u := c.user
		v.User = &u
		v.CSRF = base64.RawURLEncoding.EncodeToString(c.sess.CSRF)
		if c.sess.Stage == portal.StageFull {
			v.Nav = sections(u)
		}
	}
	return v
}

// sections are the parts of the panel the roles open; only built ones are links.
func sections(u portal.User) []navItem {
	var out []navItem
	out = append(out, navItem{"nav.home", Prefix})
	if u.Has(portal.RoleClerk) {
		out = append(out, navItem{"nav.inbox", Prefix + "inbox"})
	}
	if u.Has(portal.RoleAdmin) {
		out = append(out, navItem{"nav.users", Prefix + "users"}, navItem{"nav.audit", Prefix + "audit"})
	}
	if u.Has(portal.RoleAdmin) {
		out = append(out, navItem{"nav.fleet", Prefix + "fleet"}, navItem{"nav.dues", Prefix + "dues"})
	}
	if u.Has(portal.RoleModerator) {
		out = append(out, navItem{"nav.content", Prefix + "content"})
	}
	if u.Has(portal.RoleOperator) {
		out = append(out, navItem{"nav.municipalities", Prefix + "municipalities"})
	}
	return out
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, v view) {
	t := h.pages[name]
	if t == nil {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := t.Execute(w, v); err != nil {
		h.log.Error("panel: render", "page", name, "err", err)
	}
}

// fail shows an error page with a message.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	c := from(r)
	v := h.view(r, c, "error.title", nil)
	v.Flash = v.T(key)
	h.render(w, status, "error", v)
}

// hasAny reports whether u holds any of rs.
func hasAny(u portal.User, rs ...portal.Role) bool {
	return slices.ContainsFunc(rs, u.Has)
}
