package panel

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"infomat/sync/enrolcode"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// The administrator's fleet pages: the municipality's devices as portal.Fleet reports them,
// one device with its revocation, and new enrolment tokens shown with the one-line
// `infomat provision` command (and its QR code) that pins the portal's certificate key.
// Every device is looked up by the session's municipality: another municipality's device ID
// in a URL gets the same 404 as an unknown one.

func (h *Handler) fleetRoutes() {
	m := h.mux
	m.HandleFunc("GET "+Prefix+"fleet", h.page(portal.RoleAdmin, h.fleetPage))
	m.HandleFunc("POST "+Prefix+"fleet/token", h.page(portal.RoleAdmin, h.createEnrolToken))
	m.HandleFunc("GET "+Prefix+"fleet/{device}", h.page(portal.RoleAdmin, h.devicePage))
	m.HandleFunc("POST "+Prefix+"fleet/{device}/revoke", h.page(portal.RoleAdmin, h.revokeDevice))
}

// fleetRow is a portal.FleetRow with its times ready for the page.
type fleetRow struct {
	portal.FleetRow
	Last      string // the last heartbeat in Europe/Warsaw, "" when none
	Ago       ago
	Silent    bool   // no heartbeat for longer than portal.SilentAfter
	RevokedAt string // in Europe/Warsaw, "" when not revoked
}

// ago is a duration as a message ID and its number ("fleet.ago.min", 12).
type ago struct {
	Key string
	N   int
}

// agoOf rounds like portal.Ago, whose Polish the CLI's table prints.
func agoOf(d time.Duration) ago {
	switch {
	case d < time.Minute:
		return ago{"fleet.ago.s", max(0, int(d.Seconds()))}
	case d < 2*time.Hour:
		return ago{"fleet.ago.min", int(d.Minutes())}
	case d < 48*time.Hour:
		return ago{"fleet.ago.h", int(d.Hours())}
	default:
		return ago{"fleet.ago.days", int(d.Hours() / 24)}
	}
}

const timeLayout = "2006-01-02 15:04"

func (h *Handler) fleetRow(r portal.FleetRow, d portal.Device) fleetRow {
	now, loc := h.now(), portal.DefaultLocation()
	row := fleetRow{FleetRow: r}
	if !r.LastHeartbeat.IsZero() {
		row.Last = r.LastHeartbeat.In(loc).Format(timeLayout)
		row.Ago = agoOf(now.Sub(r.LastHeartbeat))
		row.Silent = now.Sub(r.LastHeartbeat) > portal.SilentAfter
	}
	if d.IsRevoked() {
		row.RevokedAt = d.Revoked.In(loc).Format(timeLayout)
	}
	return row
}

// ttlChoice is a lifetime an administrator may give a token.
type ttlChoice struct {
	Value, Key string
	TTL        time.Duration
}

// ttlChoices are the lifetimes offered; 72 h, the CLI's default, is preselected.
var ttlChoices = []ttlChoice{
	{"24h", "fleet.token.ttl.day", 24 * time.Hour},
	{"72h", "fleet.token.ttl.3days", 72 * time.Hour},
	{"168h", "fleet.token.ttl.week", 7 * 24 * time.Hour},
}

type fleetData struct {
	Rows     []fleetRow
	Problems int // rows with problems
	TTLs     []ttlChoice
	Pinned   bool // the enrolment command will carry --pin
}

func (h *Handler) fleetPage(w http.ResponseWriter, r *http.Request, c *current) {
	ctx := r.Context()
	rows, err := portal.Fleet(ctx, h.st, c.user.Municipality, h.now())
	if err != nil {
		h.log.Error("panel: fleet", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	devs, err := h.st.Devices(ctx)
	if err != nil {
		h.log.Error("panel: fleet", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	byID := map[string]portal.Device{}
	for _, d := range devs {
		byID[d.ID] = d
	}
	d := fleetData{TTLs: ttlChoices, Pinned: h.opts.CertPin != ""}
	for _, fr := range rows {
		if fr.Municipality != c.user.Municipality { // Fleet scopes already; this says so here too
			continue
		}
		d.Rows = append(d.Rows, h.fleetRow(fr, byID[fr.Device]))
		if len(fr.Problems) > 0 && !fr.Revoked {
			d.Problems++
		}
	}
	h.render(w, http.StatusOK, "fleet", h.view(r, c, "fleet.title", d))
}

// device is the device named in the URL, in the session's municipality only.
func (h *Handler) device(w http.ResponseWriter, r *http.Request, c *current) (portal.Device, bool) {
	d, err := h.st.Device(r.Context(), r.PathValue("device"))
	if err != nil || d.Municipality != c.user.Municipality {
		if err != nil && !errors.Is(err, portal.ErrNotFound) {
			h.log.Error("panel: device lookup", "err", err)
		}
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return portal.Device{}, false
	}
	return d, true
}

// oneDevice is a FleetSource that knows one device, so portal.Fleet reports on it alone.
type oneDevice struct {
	portal.FleetSource
	d portal.Device
}

func (o oneDevice) Devices(context.Context) ([]portal.Device, error) {
	return []portal.Device{o.d}, nil
}

type deviceData struct {
	Row      fleetRow
	Enrolled string
	// From the last heartbeat, "" when it has none: the oldest queued submission's time
	// and the free disk space.
	Oldest, DiskFree string
}

func (h *Handler) devicePage(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.device(w, r, c)
	if !ok {
		return
	}
	h.showDevice(w, r, c, d, http.StatusOK, "")
}

func (h *Handler) showDevice(w http.ResponseWriter, r *http.Request, c *current, d portal.Device, status int, errKey string) {
	ctx := r.Context()
	rows, err := portal.Fleet(ctx, oneDevice{h.st, d}, d.Municipality, h.now())
	var beats []portal.Beat
	if err == nil {
		beats, err = h.st.Heartbeats(ctx, d.ID)
	}
	if err != nil || len(rows) != 1 {
		h.log.Error("panel: device", "device", d.ID, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	loc := portal.DefaultLocation()
	dd := deviceData{Row: h.fleetRow(rows[0], d), Enrolled: d.Enrolled.In(loc).Format(timeLayout)}
	if n := len(beats); n > 0 {
		hb := beats[n-1].Heartbeat
		if !hb.Oldest.IsZero() && hb.Queued > 0 {
			dd.Oldest = hb.Oldest.In(loc).Format(timeLayout)
		}
		if hb.DiskFree > 0 {
			dd.DiskFree = fmt.Sprintf("%.1f GB", float64(hb.DiskFree)/1e9)
		}
	}
	v := h.view(r, c, "device.title", dd)
	if errKey != "" {
		v.Flash = v.T(errKey)
	}
	h.render(w, status, "device", v)
}

// revokeDevice needs the confirmation box ticked: revoking cannot be undone, and the
// submissions the device has not sent yet will never reach the portal.
func (h *Handler) revokeDevice(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.device(w, r, c)
	if !ok {
		return
	}
	if d.IsRevoked() {
		http.Redirect(w, r, Prefix+"fleet/"+d.ID, http.StatusSeeOther)
		return
	}
	if r.PostFormValue("confirm") != "1" {
		h.showDevice(w, r, c, d, http.StatusBadRequest, "device.revoke.unconfirmed")
		return
	}
	if err := h.st.Revoke(r.Context(), d.ID, h.now()); err != nil {
		h.log.Error("panel: revoke", "device", d.ID, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.log.Info("panel: device revoked", "device", d.ID, "municipality", d.Municipality, "by", c.user.Login)
	h.audit(r, c.user.Municipality, c.user.Login, "device.revoke", d.ID, "hostname="+d.Hostname)
	http.Redirect(w, r, Prefix+"fleet/"+d.ID, http.StatusSeeOther)
}

type tokenShown struct {
	Token   string
	Expires string
	Command string
	QR      template.URL
	Pin     string // "" when the portal has none to give
	// Code is the enrolment code (enrolcode) for `infomat setup`, CodeQR the same as a QR
	// code a scanner at the kiosk reads; "" when the portal does not know its certificate.
	Code, CodeGroups string
	CodeQR           template.URL
}

// createEnrolToken makes a one-time enrolment token and shows it once, as the command a
// technician types on the kiosk and as a QR code of the same text (a phone reads it out or
// passes it on; nothing on the kiosk has to scan it).
func (h *Handler) createEnrolToken(w http.ResponseWriter, r *http.Request, c *current) {
	ttl := time.Duration(0)
	for _, t := range ttlChoices {
		if r.PostFormValue("ttl") == t.Value {
			ttl = t.TTL
		}
	}
	if ttl == 0 {
		h.fail(w, r, http.StatusBadRequest, "fleet.token.error.ttl")
		return
	}
	base, err := h.portalURL(r)
	if err != nil {
		h.log.Warn("panel: enrolment command", "err", err)
		h.fail(w, r, http.StatusBadRequest, "fleet.token.error.host")
		return
	}
	now := h.now()
	tok, err := portal.CreateToken(r.Context(), h.st, c.user.Municipality, ttl, now)
	if err != nil {
		h.log.Error("panel: create token", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	expires := now.Add(ttl)
	h.audit(r, c.user.Municipality, c.user.Login, "device.token", "", "expires="+expires.UTC().Format(time.RFC3339))
	d := tokenShown{Token: tok, Expires: expires.In(portal.DefaultLocation()).Format(timeLayout),
		Command: ProvisionCommand(base, tok, h.opts.CertPin), Pin: h.opts.CertPin}
	png, err := qrcode.Encode(d.Command, qrcode.Medium, 320)
	if err != nil {
		h.log.Error("panel: token QR", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	// A data: URL built here from our own PNG; html/template would otherwise refuse it.
	d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	if fp := h.opts.CertFingerprint; len(fp) == 32 || strings.HasPrefix(base, "http://") {
		c := enrolcode.Code{Portal: base, Token: tok}
		copy(c.Fingerprint[:], fp)
		code, err := enrolcode.Encode(c)
		if err == nil {
			// Upper case and base32: the QR code's compact alphanumeric mode.
			png, err = qrcode.Encode(code, qrcode.Medium, 320)
		}
		if err != nil {
			h.log.Error("panel: enrolment code", "err", err)
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		d.Code, d.CodeGroups = code, enrolcode.Groups(code)
		d.CodeQR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	h.render(w, http.StatusOK, "enroltoken", h.view(r, c, "fleet.token.title", d))
}

// checkFleetOptions checks and normalises Options.PortalURL and Options.CertPin.
func checkFleetOptions(o *Options) error {
	if o.PortalURL != "" {
		u, err := checkPortalURL(o.PortalURL)
		if err != nil {
			return fmt.Errorf("panel: %w", err)
		}
		o.PortalURL = u
	}
	if len(o.CertFingerprint) != 0 && len(o.CertFingerprint) != 32 {
		return fmt.Errorf("panel: certificate fingerprint of %d bytes, want 32 (SHA-256)", len(o.CertFingerprint))
	}
	if o.CertPin != "" {
		p, err := protocol.ParsePin(o.CertPin)
		if err != nil {
			return fmt.Errorf("panel: %w", err)
		}
		o.CertPin = p
	}
	return nil
}

// ProvisionCommand is the technician's one line: every part is from a checked alphabet
// (the URL by checkPortalURL, the token hex, the pin "sha256:" and hex), so it pastes into
// a shell as it is.
func ProvisionCommand(portalURL, token, pin string) string {
	s := "infomat provision --portal " + portalURL + " --token " + token
	if pin != "" {
		s += " --pin " + pin
	}
	return s
}

// portalURL is where kiosks enrol: Options.PortalURL, else the scheme and host this page
// was reached at (the panel shares the kiosks' listener).
func (h *Handler) portalURL(r *http.Request) (string, error) {
	if h.opts.PortalURL != "" {
		return h.opts.PortalURL, nil
	}
	scheme := "http"
	if h.secure(r) {
		scheme = "https"
	}
	return checkPortalURL(scheme + "://" + r.Host)
}

// checkPortalURL accepts scheme://host[:port][/path] in letters, digits and . - _ : [ ] /
// only: the URL goes into a command line, and a Host header is the client's to choose.
func checkPortalURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("portal URL %q: %w", raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("portal URL %q: want https://host[:port][/path]", raw)
	}
	rest := strings.TrimPrefix(raw, u.Scheme+"://")
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:[]/", r)) {
			return "", fmt.Errorf("portal URL %q: character %q", raw, r)
		}
	}
	return strings.TrimSuffix(raw, "/"), nil
}
