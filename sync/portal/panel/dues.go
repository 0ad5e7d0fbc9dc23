package panel

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"infomat/sync/portal"
	"infomat/sync/portal/dues"
)

// The dues page (issue 16) for the municipality's administrator: upload the tax system's
// export (replaces the current import whole, or nothing with the report of what is wrong),
// see the current import, and register a resident's Karta Mieszkańca with a PIN (the PIN is
// shown once). Nothing personal is shown back: counts, sums, dates, the problems by line.

func (h *Handler) duesRoutes() {
	m, admin := h.mux, portal.RoleAdmin
	m.HandleFunc("GET "+Prefix+"dues", h.page(admin, h.duesPage))
	m.HandleFunc("POST "+duesImportPath, h.page(admin, h.duesImport))
	m.HandleFunc("POST "+Prefix+"dues/card", h.page(admin, h.duesCard))
}

// duesImportPath takes the CSV export, larger than the panel's usual 64 KiB.
const duesImportPath = Prefix + "dues/import"

type duesData struct {
	Enabled   bool
	Status    *duesStatus
	Problems  []dues.Problem
	More      bool
	Error     string
	PIN       string // a PIN just set, shown once
	Retention int    // days, the form's value
	Card      string // the card form's values after a refusal
	Taxpayer  string
}

type duesStatus struct {
	Taxpayers, Items   int
	SumDue, SumPaid    string
	AsOf, Imported     string
	By, Expires        string
	Expired            bool
	RetentionRemaining int
}

func (h *Handler) duesPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showDues(w, r, c, http.StatusOK, duesData{}, "")
}

func (h *Handler) showDues(w http.ResponseWriter, r *http.Request, c *current, status int, d duesData, flash string) {
	d.Enabled = h.duesKeys != nil
	set, err := h.st.DuesStatus(r.Context(), c.user.Municipality)
	switch {
	case errors.Is(err, portal.ErrNotFound):
	case err != nil:
		h.log.Error("panel: dues status", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	default:
		loc := h.warsaw()
		d.Status = &duesStatus{Taxpayers: set.Taxpayers, Items: set.Items, SumDue: dues.FormatAmount(set.SumDue),
			SumPaid: dues.FormatAmount(set.SumPaid), AsOf: set.AsOf.In(loc).Format("2006-01-02"),
			Imported: set.Imported.In(loc).Format("2006-01-02 15:04"), By: set.By,
			Expires: set.Expires.In(loc).Format("2006-01-02"), Expired: !h.now().Before(set.Expires)}
		if d.Retention == 0 {
			d.Retention = int(set.Expires.Sub(set.Imported).Round(24*time.Hour).Hours() / 24)
		}
	}
	if d.Retention == 0 {
		d.Retention = int(portal.DefaultDuesRetention.Hours() / 24)
	}
	v := h.view(r, c, "dues.title", d)
	v.Flash = flash
	h.render(w, status, "dues", v)
}

func (h *Handler) duesImport(w http.ResponseWriter, r *http.Request, c *current) {
	d := duesData{}
	if h.duesKeys == nil {
		h.showDues(w, r, c, http.StatusServiceUnavailable, d, "")
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention")))
	if err != nil || days < 1 || days > int(portal.MaxDuesRetention.Hours()/24) {
		d.Error = h.loc.In(lang(r), "dues.retention.bad")
		h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	}
	d.Retention = days
	opts := portal.DuesImportOptions{Now: h.now(), Retention: time.Duration(days) * 24 * time.Hour, By: c.user.Login}
	if s := strings.TrimSpace(r.PostFormValue("asof")); s != "" {
		day, err := dues.ParseDate(s)
		if err != nil {
			d.Error = h.loc.In(lang(r), "dues.asof.bad")
			h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
			return
		}
		opts.AsOf, _ = time.ParseInLocation("2006-01-02", day, h.warsaw())
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		d.Error = h.loc.In(lang(r), "dues.file.none")
		h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	}
	defer f.Close()
	set, err := portal.ImportDues(r.Context(), h.st, h.duesKeys, c.user.Municipality, f, opts, c.user.Login, clientIP(r))
	var probs *dues.Problems
	switch {
	case errors.As(err, &probs):
		d.Problems, d.More = probs.List, probs.More
		h.audit(r, c.user.Municipality, c.user.Login, "dues.import.refused", "", strconv.Itoa(len(probs.List))+" błędów")
		h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	case err != nil:
		h.log.Error("panel: dues import", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	l := lang(r)
	h.showDues(w, r, c, http.StatusOK, d, h.loc.In(l, "dues.imported",
		"Taxpayers", h.loc.In(l, "dues.imported.taxpayers", "Count", set.Taxpayers),
		"Items", h.loc.In(l, "dues.imported.items", "Count", set.Items)))
}

func (h *Handler) duesCard(w http.ResponseWriter, r *http.Request, c *current) {
	d := duesData{Card: strings.TrimSpace(r.PostFormValue("card")), Taxpayer: strings.TrimSpace(r.PostFormValue("taxpayer"))}
	if h.duesKeys == nil {
		h.showDues(w, r, c, http.StatusServiceUnavailable, d, "")
		return
	}
	pin := strings.TrimSpace(r.PostFormValue("pin"))
	card, pin, err := portal.NewDuesCard(h.duesKeys, c.user.Municipality, d.Card, d.Taxpayer, pin, c.user.Login, h.now())
	if err != nil {
		d.Error = h.loc.In(lang(r), "dues.card.bad")
		h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	}
	err = portal.StoreDuesCard(r.Context(), h.st, card, c.user.Login, clientIP(r))
	switch {
	case errors.Is(err, portal.ErrDuesTaxpayer):
		d.Error = h.loc.In(lang(r), "dues.card.unknown")
		h.showDues(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	case err != nil:
		h.log.Error("panel: dues card", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.showDues(w, r, c, http.StatusOK, duesData{PIN: pin}, h.loc.In(lang(r), "dues.card.done"))
}
