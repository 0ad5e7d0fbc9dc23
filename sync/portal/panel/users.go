package panel

import (
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"infomat/sync/portal"
)

// The administrator's pages: the municipality's users and its audit log. Every lookup is by
// the session's municipality and a login from the URL, so an ID of another municipality's
// user finds nothing.

// assignable are the roles an administrator may give: a municipality's, not the operator's.
var assignable = []portal.Role{portal.RoleAdmin, portal.RoleClerk, portal.RoleModerator}

type userRow struct {
	portal.User
	Locked bool
}

type usersData struct {
	Users []userRow
	Roles []portal.Role
	Error string
	// Form values to show again after an error.
	Login, Name string
}

func (h *Handler) userRows(r *http.Request, municipality string) ([]userRow, error) {
	us, err := h.st.Users(r.Context(), municipality)
	if err != nil {
		return nil, err
	}
	now := h.now()
	rows := make([]userRow, len(us))
	for i, u := range us {
		rows[i] = userRow{User: u.Public(), Locked: now.Before(u.LockedUntil)}
	}
	return rows, nil
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showUsers(w, r, c, http.StatusOK, usersData{})
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, c *current, status int, d usersData) {
	rows, err := h.userRows(r, c.user.Municipality)
	if err != nil {
		h.log.Error("panel: list users", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	d.Users, d.Roles = rows, assignable
	v := h.view(r, c, "users.title", d)
	if d.Error != "" {
		v.Flash = v.T(d.Error)
	}
	h.render(w, status, "users", v)
}

type passwordShown struct {
	User     portal.User
	Password string
	Reason   string // message ID: why it is shown
}

func (h *Handler) accountOptions(r *http.Request, c *current) portal.AccountOptions {
	return portal.AccountOptions{Argon2: h.opts.Argon2, Actor: c.user.Login, Remote: clientIP(r)}
}

func (h *Handler) addUser(w http.ResponseWriter, r *http.Request, c *current) {
	d := usersData{Login: strings.ToLower(strings.TrimSpace(r.PostFormValue("login"))), Name: strings.TrimSpace(r.PostFormValue("name"))}
	roles, ok := formRoles(r)
	if !ok {
		d.Error = "users.error.role"
		h.showUsers(w, r, c, http.StatusBadRequest, d)
		return
	}
	switch {
	case portal.ValidLogin(d.Login) != nil:
		d.Error = "users.error.login"
	case len(roles) == 0:
		d.Error = "users.error.noroles"
	case len([]rune(d.Name)) > 100:
		d.Error = "users.error.name"
	}
	if d.Error != "" {
		h.showUsers(w, r, c, http.StatusBadRequest, d)
		return
	}
	u := portal.User{Municipality: c.user.Municipality, Login: d.Login, Name: d.Name, Roles: roles}
	pw, err := portal.AddUser(r.Context(), h.st, u, "", h.now(), h.accountOptions(r, c))
	if errors.Is(err, portal.ErrUserExists) {
		d.Error = "users.error.exists"
		h.showUsers(w, r, c, http.StatusConflict, d)
		return
	}
	if err != nil {
		h.log.Error("panel: add user", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	u, _ = h.st.User(r.Context(), u.Municipality, u.Login)
	h.render(w, http.StatusOK, "onetime", h.view(r, c, "onetime.title", passwordShown{User: u.Public(), Password: pw, Reason: "onetime.added"}))
}

// target is the user named in the URL, in the session's municipality only.
func (h *Handler) target(w http.ResponseWriter, r *http.Request, c *current) (portal.User, bool) {
	u, err := h.st.User(r.Context(), c.user.Municipality, r.PathValue("login"))
	if err != nil {
		if !errors.Is(err, portal.ErrNotFound) {
			h.log.Error("panel: user lookup", "err", err)
		}
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return portal.User{}, false
	}
	return u, true
}

type userData struct {
	Target userRow
	Self   bool
	Roles  []portal.Role // the roles the form offers
}

func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, c *current) {
	u, ok := h.target(w, r, c)
	if !ok {
		return
	}
	d := userData{Target: userRow{User: u.Public(), Locked: h.now().Before(u.LockedUntil)}, Self: u.Login == c.user.Login, Roles: assignable}
	h.render(w, http.StatusOK, "user", h.view(r, c, "user.title", d))
}

// notSelf refuses an administrator's reset or disable of their own account: it would end
// the session they act from (their own password is changed at login, and another
// administrator or `infomat-portal user reset` recovers them).
func (h *Handler) notSelf(w http.ResponseWriter, r *http.Request, c *current, u portal.User) bool {
	if u.Login == c.user.Login {
		h.fail(w, r, http.StatusBadRequest, "user.error.self")
		return false
	}
	return true
}

func (h *Handler) resetUser(w http.ResponseWriter, r *http.Request, c *current) {
	u, ok := h.target(w, r, c)
	if !ok || !h.notSelf(w, r, c, u) {
		return
	}
	pw, err := portal.ResetUser(r.Context(), h.st, u.Municipality, u.Login, "", r.PostFormValue("totp") == "1", h.now(), h.accountOptions(r, c))
	if err != nil {
		h.log.Error("panel: reset user", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.render(w, http.StatusOK, "onetime", h.view(r, c, "onetime.title", passwordShown{User: u.Public(), Password: pw, Reason: "onetime.reset"}))
}

// formRoles reads the form's role checkboxes: only roles an administrator may give.
func formRoles(r *http.Request) ([]portal.Role, bool) {
	var roles []portal.Role
	for _, s := range r.PostForm["role"] {
		rr, err := portal.ParseRoles(s)
		if err != nil || len(rr) != 1 || rr[0] == portal.RoleOperator {
			return nil, false
		}
		roles = append(roles, rr[0])
	}
	return roles, true
}

// setRoles changes another user's roles (not one's own: an administrator could drop the
// role that lets them undo it).
func (h *Handler) setRoles(w http.ResponseWriter, r *http.Request, c *current) {
	u, ok := h.target(w, r, c)
	if !ok || !h.notSelf(w, r, c, u) {
		return
	}
	_ = r.ParseForm()
	roles, ok := formRoles(r)
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "users.error.role")
		return
	}
	if len(roles) == 0 {
		h.fail(w, r, http.StatusBadRequest, "users.error.noroles")
		return
	}
	if err := portal.SetRoles(r.Context(), h.st, u.Municipality, u.Login, roles, h.now(), h.accountOptions(r, c)); err != nil {
		h.log.Error("panel: set roles", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	http.Redirect(w, r, Prefix+"users/"+u.Login, http.StatusSeeOther)
}

func (h *Handler) disableUser(w http.ResponseWriter, r *http.Request, c *current) {
	h.setDisabled(w, r, c, true)
}

func (h *Handler) enableUser(w http.ResponseWriter, r *http.Request, c *current) {
	h.setDisabled(w, r, c, false)
}

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request, c *current, disabled bool) {
	u, ok := h.target(w, r, c)
	if !ok || !h.notSelf(w, r, c, u) {
		return
	}
	if err := portal.SetDisabled(r.Context(), h.st, u.Municipality, u.Login, disabled, h.now(), h.accountOptions(r, c)); err != nil {
		h.log.Error("panel: disable user", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	http.Redirect(w, r, Prefix+"users/"+u.Login, http.StatusSeeOther)
}

// auditShown is how many entries the audit page shows; the CSV has them all.
const auditShown = 500

type auditRow struct {
	portal.AuditEntry
	When string
}

func (h *Handler) auditRows(r *http.Request, municipality string, limit int) ([]auditRow, error) {
	es, err := h.st.Audit(r.Context(), municipality, limit)
	if err != nil {
		return nil, err
	}
	loc := portal.DefaultLocation()
	rows := make([]auditRow, len(es))
	for i, e := range es {
		rows[i] = auditRow{AuditEntry: e, When: e.At.In(loc).Format("2006-01-02 15:04:05")}
	}
	return rows, nil
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, c *current) {
	rows, err := h.auditRows(r, c.user.Municipality, auditShown)
	if err != nil {
		h.log.Error("panel: audit", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.render(w, http.StatusOK, "audit", h.view(r, c, "audit.title", rows))
}

func (h *Handler) auditCSV(w http.ResponseWriter, r *http.Request, c *current) {
	rows, err := h.auditRows(r, c.user.Municipality, 0)
	if err != nil {
		h.log.Error("panel: audit export", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	v := h.view(r, c, "audit.title", nil)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="dziennik-`+c.user.Municipality+`-`+h.now().Format("20060102")+`.csv"`)
	// A BOM so spreadsheet programs read the Polish letters as UTF-8.
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{v.T("audit.seq"), v.T("audit.when"), v.T("audit.actor"), v.T("audit.action"), v.T("audit.target"), v.T("audit.detail"), v.T("audit.remote")})
	for _, e := range rows {
		_ = cw.Write([]string{cell(strconv.FormatUint(e.Seq, 10)), cell(e.At.UTC().Format(time.RFC3339)), cell(e.Actor), cell(e.Action), cell(e.Target), cell(e.Detail), cell(e.Remote)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		h.log.Warn("panel: audit export", "err", err)
	}
	h.audit(r, c.user.Municipality, c.user.Login, "audit.export", "", "")
}

// cell keeps a value from being read as a formula by a spreadsheet (CSV injection): a
// leading = + - @ gets a quote mark.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type municipalityRow struct {
	ID    string
	Users int
	// Wizard: no content yet, the new-municipality wizard is offered (wizard.go).
	Wizard bool
}

type municipalitiesData struct {
	Rows  []municipalityRow
	Error string
	ID    string
	Login string
	Name  string
	// Near are known municipalities close to ID: the form asks to confirm it is new.
	Near []string
}

func (h *Handler) municipalitiesPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showMunicipalities(w, r, c, http.StatusOK, municipalitiesData{})
}

func (h *Handler) showMunicipalities(w http.ResponseWriter, r *http.Request, c *current, status int, d municipalitiesData) {
	ms, err := h.st.AccountMunicipalities(r.Context())
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	for _, m := range ms {
		us, err := h.st.Users(r.Context(), m)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		has, err := h.hasContent(r, m)
		if err != nil {
			h.log.Error("panel: municipality content", "err", err)
		}
		d.Rows = append(d.Rows, municipalityRow{ID: m, Users: len(us), Wizard: err == nil && !has && m != portal.OperatorMunicipality})
	}
	v := h.view(r, c, "municipalities.title", d)
	if d.Error != "" {
		v.Flash = v.T(d.Error, "Near", strings.Join(d.Near, ", "))
	}
	h.render(w, status, "municipalities", v)
}

// addMunicipality is the operator creating a municipality: its first administrator, with a
// one-time password and a TOTP enrolment at first login.
func (h *Handler) addMunicipality(w http.ResponseWriter, r *http.Request, c *current) {
	d := municipalitiesData{ID: strings.ToLower(strings.TrimSpace(r.PostFormValue("municipality"))),
		Login: strings.ToLower(strings.TrimSpace(r.PostFormValue("login"))), Name: strings.TrimSpace(r.PostFormValue("name"))}
	switch {
	case portal.ValidMunicipality(d.ID) != nil:
		d.Error = "municipalities.error.id"
	case portal.ValidLogin(d.Login) != nil:
		d.Error = "users.error.login"
	case len([]rune(d.Name)) > 100:
		d.Error = "users.error.name"
	}
	if d.Error == "" {
		if us, err := h.st.Users(r.Context(), d.ID); err != nil || len(us) > 0 {
			d.Error = "municipalities.error.exists"
		}
	}
	if d.Error == "" && r.PostFormValue("confirm-new") != "1" {
		// A name one or two letters off a municipality the portal has is likelier a typo than
		// a new municipality: ask before making a second one.
		known, err := portal.KnownMunicipalities(r.Context(), h.st)
		if err != nil {
			h.log.Error("panel: municipalities", "err", err)
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		if !slices.Contains(known, d.ID) {
			if d.Near = portal.NearMunicipalities(d.ID, known); len(d.Near) > 0 {
				d.Error = "municipalities.error.near"
			}
		}
	}
	if d.Error != "" {
		h.showMunicipalities(w, r, c, http.StatusBadRequest, d)
		return
	}
	o := h.accountOptions(r, c)
	o.Actor = "operator:" + c.user.Login
	u := portal.User{Municipality: d.ID, Login: d.Login, Name: d.Name, Roles: []portal.Role{portal.RoleAdmin}}
	pw, err := portal.AddUser(r.Context(), h.st, u, "", h.now(), o)
	if err != nil {
		h.log.Error("panel: add municipality", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, portal.OperatorMunicipality, c.user.Login, "municipality.add", d.ID, "admin="+d.Login)
	u, _ = h.st.User(r.Context(), u.Municipality, u.Login)
	h.render(w, http.StatusOK, "onetime", h.view(r, c, "onetime.title", passwordShown{User: u.Public(), Password: pw, Reason: "onetime.municipality"}))
}
