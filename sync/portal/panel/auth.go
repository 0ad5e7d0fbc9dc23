package panel

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"infomat/sync/portal"
	"infomat/sync/portal/totp"
)

// The login is a few steps, each under a new session ID: the password, then for
// administrators and operators the TOTP code (or, the first time, enrolling an
// authenticator), then a new password where the one given was one-time. Only then is the
// session StageFull.

// nextStage is the step a user owes after passing done ("" for the password).
func nextStage(u portal.User, done string) string {
	if done == "" && u.NeedsSecondFactor() {
		if u.TOTPEnrolled {
			return portal.StageTOTP
		}
		return portal.StageEnrol
	}
	if done != portal.StagePassword && u.MustChangePassword {
		return portal.StagePassword
	}
	return portal.StageFull
}

type loginData struct {
	Pre          string // the double-submit token
	Municipality string
	Login        string
	Error        string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if c := h.loadSession(r); c != nil && c.sess.Stage == portal.StageFull {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, loginData{})
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	// Login has no session to tie a CSRF token to yet: a random cookie the form must repeat
	// (double submit) keeps another site from logging a browser in as someone else.
	d.Pre = newToken()
	h.setCookie(w, r, preCookie, d.Pre, 0)
	v := h.view(r, nil, "login.title", d)
	if d.Error != "" {
		v.Flash = v.T(d.Error)
	}
	h.render(w, status, "login", v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	pre, err := r.Cookie(preCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(pre.Value), []byte(r.PostFormValue("pre"))) != 1 {
		h.fail(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	ctx, now, ip := r.Context(), h.now(), clientIP(r)
	d := loginData{
		Municipality: strings.ToLower(strings.TrimSpace(r.PostFormValue("municipality"))),
		Login:        strings.ToLower(strings.TrimSpace(r.PostFormValue("login"))),
	}
	pw := r.PostFormValue("password")
	if blocked, _ := h.thr.blocked(ip, now); blocked {
		h.log.Warn("panel: login refused, too many failures from the address", "remote", ip)
		d.Error = "login.throttled"
		h.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	u, err := h.st.User(ctx, d.Municipality, d.Login)
	if err != nil {
		_, _ = portal.CheckPassword(h.dummyHash(), pw)
		h.thr.fail(ip, now)
		if !errors.Is(err, portal.ErrNotFound) && !errors.Is(err, portal.ErrBadMunicipal) && !errors.Is(err, portal.ErrBadLogin) {
			h.log.Error("panel: login lookup", "err", err)
		}
		d.Error = "login.bad"
		h.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if now.Before(u.LockedUntil) {
		h.thr.fail(ip, now)
		h.audit(r, u.Municipality, u.Login, "login.locked", u.Login, "")
		d.Error = "login.locked"
		h.showLogin(w, r, http.StatusTooManyRequests, d)
		return
	}
	ok, err := portal.CheckPassword(u.Password, pw)
	if err != nil {
		h.log.Error("panel: stored password hash unusable", "municipality", u.Municipality, "login", u.Login, "err", err)
	}
	if !ok {
		h.thr.fail(ip, now)
		d.Error = "login.bad"
		if h.failure(r, u, "password") {
			d.Error = "login.locked"
		}
		h.showLogin(w, r, http.StatusUnauthorized, d)
		return
	}
	if u.Disabled {
		h.audit(r, u.Municipality, u.Login, "login.disabled", u.Login, "")
		d.Error = "login.disabled"
		h.showLogin(w, r, http.StatusForbidden, d)
		return
	}
	h.setCookie(w, r, preCookie, "", -1)
	h.advance(w, r, u, "", time.Time{})
}

// failure counts a failed password or code on the account and locks it at the limit; it
// reports whether the account is now locked.
func (h *Handler) failure(r *http.Request, u portal.User, what string) bool {
	now, locked := h.now(), false
	_, err := h.st.UpdateUser(r.Context(), u.Municipality, u.Login, func(u *portal.User) error {
		u.FailedLogins++
		if u.FailedLogins >= h.opts.Throttle.AccountFailures {
			u.FailedLogins, u.LockedUntil, locked = 0, now.Add(h.opts.Throttle.AccountLock), true
		}
		return nil
	})
	if err != nil {
		h.log.Error("panel: count failed login", "err", err)
	}
	h.audit(r, u.Municipality, u.Login, "login.fail", u.Login, what)
	if locked {
		h.audit(r, u.Municipality, u.Login, "login.lockout", u.Login, h.opts.Throttle.AccountLock.String())
	}
	return locked
}

// advance starts the session for the step u owes after done and sends the browser there.
func (h *Handler) advance(w http.ResponseWriter, r *http.Request, u portal.User, done string, created time.Time) {
	next := nextStage(u, done)
	if next == portal.StageFull {
		now := h.now()
		var err error
		u, err = h.st.UpdateUser(r.Context(), u.Municipality, u.Login, func(u *portal.User) error {
			u.FailedLogins, u.LastLogin = 0, now
			return nil
		})
		if err != nil {
			h.log.Error("panel: record login", "err", err)
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		h.audit(r, u.Municipality, u.Login, "login", u.Login, "")
		// Sessions that ran out go now and then: at logins.
		if _, err := h.st.PurgeSessions(r.Context(), now.Add(-h.opts.IdleTimeout), now.Add(-h.opts.AbsoluteTimeout)); err != nil {
			h.log.Warn("panel: purge sessions", "err", err)
		}
	}
	if err := h.startSession(w, r, u, next, created); err != nil {
		h.log.Error("panel: start session", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if next == portal.StageFull {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, Prefix+next, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	c := h.loadSession(r)
	if c != nil {
		if !checkCSRF(r, c.sess) {
			h.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		h.audit(r, c.user.Municipality, c.user.Login, "logout", c.user.Login, "")
	}
	h.endSession(w, r)
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

type codeData struct {
	Error string
	// Enrolment: the QR code of the otpauth URI, and the secret to type by hand.
	QR     template.URL
	Secret string
	URI    string
}

func (h *Handler) totpPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.render(w, http.StatusOK, "totp", h.view(r, c, "totp.title", codeData{}))
}

// errReplay: another request used this step's code first.
var errReplay = errors.New("totp code already used")

// useStep records step as the last TOTP step used, refusing a step at or before the stored
// one in the same transaction, so two requests racing with one code cannot both pass.
func useStep(step int64, enrol bool) func(*portal.User) error {
	return func(u *portal.User) error {
		if step <= u.TOTPLastStep {
			return errReplay
		}
		u.TOTPLastStep = step
		if enrol {
			u.TOTPEnrolled = true
		}
		return nil
	}
}

func (h *Handler) totp(w http.ResponseWriter, r *http.Request, c *current) {
	if h.now().Before(c.user.LockedUntil) {
		h.endSession(w, r)
		h.showLogin(w, r, http.StatusTooManyRequests, loginData{Municipality: c.user.Municipality, Login: c.user.Login, Error: "login.locked"})
		return
	}
	secret, err := h.open(c.user)
	if err != nil {
		h.log.Error("panel: TOTP secret", "municipality", c.user.Municipality, "login", c.user.Login, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.secret")
		return
	}
	step, ok := totp.Verify(secret, r.PostFormValue("code"), h.now(), c.user.TOTPLastStep)
	var u portal.User
	if ok {
		u, err = h.st.UpdateUser(r.Context(), c.user.Municipality, c.user.Login, useStep(step, false))
		ok = err == nil
		if err != nil && !errors.Is(err, errReplay) {
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
	}
	if !ok {
		if h.failure(r, c.user, "totp") {
			h.endSession(w, r)
			h.showLogin(w, r, http.StatusTooManyRequests, loginData{Municipality: c.user.Municipality, Login: c.user.Login, Error: "login.locked"})
			return
		}
		h.render(w, http.StatusUnauthorized, "totp", h.view(r, c, "totp.title", codeData{Error: "totp.bad"}))
		return
	}
	h.advance(w, r, u, portal.StageTOTP, c.sess.Created)
}

// enrolData makes the user's secret (once) and the page showing it.
func (h *Handler) enrolData(r *http.Request, c *current) (codeData, error) {
	u := c.user
	if len(u.TOTPSecret) == 0 {
		secret, err := totp.NewSecret()
		if err != nil {
			return codeData{}, err
		}
		sealed, err := h.seal(u, secret)
		if err != nil {
			return codeData{}, err
		}
		u, err = h.st.UpdateUser(r.Context(), u.Municipality, u.Login, func(u *portal.User) error {
			if len(u.TOTPSecret) == 0 {
				u.TOTPSecret, u.TOTPEnrolled = sealed, false
			}
			return nil
		})
		if err != nil {
			return codeData{}, err
		}
		c.user = u
	}
	account := u.Login
	if u.Municipality != "" {
		account += "@" + u.Municipality
	}
	secret, err := h.open(u)
	if err != nil {
		return codeData{}, err
	}
	uri := totp.URI(h.opts.Issuer, account, secret)
	png, err := qrcode.Encode(uri, qrcode.Medium, 256)
	if err != nil {
		return codeData{}, err
	}
	sec := totp.Encode(secret)
	var grouped bytes.Buffer
	for i := 0; i < len(sec); i += 4 {
		if i > 0 {
			grouped.WriteByte(' ')
		}
		grouped.WriteString(sec[i:min(i+4, len(sec))])
	}
	// A data: URL built here from our own PNG; html/template would otherwise refuse it.
	return codeData{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), Secret: grouped.String(), URI: uri}, nil
}

func (h *Handler) enrolPage(w http.ResponseWriter, r *http.Request, c *current) {
	d, err := h.enrolData(r, c)
	if err != nil {
		h.log.Error("panel: totp enrolment", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.render(w, http.StatusOK, "enrol", h.view(r, c, "enrol.title", d))
}

func (h *Handler) enrol(w http.ResponseWriter, r *http.Request, c *current) {
	if len(c.user.TOTPSecret) == 0 {
		http.Redirect(w, r, Prefix+"enrol", http.StatusSeeOther)
		return
	}
	secret, err := h.open(c.user)
	if err != nil {
		h.log.Error("panel: TOTP secret", "municipality", c.user.Municipality, "login", c.user.Login, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.secret")
		return
	}
	step, ok := totp.Verify(secret, r.PostFormValue("code"), h.now(), c.user.TOTPLastStep)
	if !ok {
		d, err := h.enrolData(r, c)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		d.Error = "totp.bad"
		h.render(w, http.StatusUnauthorized, "enrol", h.view(r, c, "enrol.title", d))
		return
	}
	u, err := h.st.UpdateUser(r.Context(), c.user.Municipality, c.user.Login, useStep(step, true))
	if errors.Is(err, errReplay) {
		http.Redirect(w, r, Prefix+"enrol", http.StatusSeeOther)
		return
	}
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, u.Municipality, u.Login, "totp.enrol", u.Login, "")
	h.advance(w, r, u, portal.StageEnrol, c.sess.Created)
}

type passwordData struct {
	Error string
	Min   int
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.render(w, http.StatusOK, "password", h.view(r, c, "password.title", passwordData{Min: portal.MinPasswordLength}))
}

func (h *Handler) password(w http.ResponseWriter, r *http.Request, c *current) {
	pw, again := r.PostFormValue("password"), r.PostFormValue("again")
	bad := ""
	switch {
	case len([]rune(pw)) < portal.MinPasswordLength:
		bad = "password.short"
	case pw != again:
		bad = "password.mismatch"
	default:
		if same, _ := portal.CheckPassword(c.user.Password, pw); same {
			bad = "password.same"
		}
	}
	if bad != "" {
		h.render(w, http.StatusBadRequest, "password", h.view(r, c, "password.title", passwordData{Error: bad, Min: portal.MinPasswordLength}))
		return
	}
	hash, err := portal.HashPassword(pw, h.opts.Argon2)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	u, err := h.st.UpdateUser(r.Context(), c.user.Municipality, c.user.Login, func(u *portal.User) error {
		u.Password, u.MustChangePassword = hash, false
		return nil
	})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, u.Municipality, u.Login, "password.change", u.Login, "")
	h.advance(w, r, u, portal.StagePassword, c.sess.Created)
}

// section is one part of the panel on the home page; Href is empty for parts not built yet.
type section struct {
	Key, Desc, Href string
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, c *current) {
	u := c.user
	ss := h.wizardSection(r, u) // a municipality with no content yet starts there
	if u.Has(portal.RoleClerk) {
		ss = append(ss, section{"section.inbox", "section.inbox.desc", Prefix + "inbox"})
	}
	if u.Has(portal.RoleAdmin) {
		ss = append(ss, section{"section.users", "section.users.desc", Prefix + "users"},
			section{"section.audit", "section.audit.desc", Prefix + "audit"},
			section{"section.devices", "section.devices.desc", Prefix + "fleet"})
	}
	if u.Has(portal.RoleModerator) {
		ss = append(ss, section{"section.content", "section.content.desc", Prefix + "content"})
	}
	if u.Has(portal.RoleOperator) {
		ss = append(ss, section{"section.municipalities", "section.municipalities.desc", Prefix + "municipalities"})
	}
	h.render(w, http.StatusOK, "home", h.view(r, c, "home.title", ss))
}
