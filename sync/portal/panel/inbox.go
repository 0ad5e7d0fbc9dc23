package panel

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"infomat/sync/portal"
)

// The clerk's inbox: the municipality's submissions newest first with filters, one
// submission with its status history and the form that changes it, and its ciphertext for
// the browser. The content is never decrypted here: static/inbox.js opens it in the clerk's
// tab with the municipality's age identity (static/age.wasm.gz), and prints and exports it
// there. Every lookup is by the session's municipality, so another municipality's
// submission is "not found" by any URL.

func (h *Handler) inboxRoutes() {
	m := h.mux
	m.HandleFunc("GET "+Prefix+"inbox", h.page(portal.RoleClerk, h.inboxPage))
	m.HandleFunc("GET "+Prefix+"inbox/{id}", h.page(portal.RoleClerk, h.submissionPage))
	m.HandleFunc("GET "+Prefix+"inbox/{id}/ciphertext", h.page(portal.RoleClerk, h.ciphertext))
	m.HandleFunc("POST "+Prefix+"inbox/{id}/status", h.page(portal.RoleClerk, h.setStatus))
}

// inboxFilter is the list's query as the form shows it: dates as the clerk typed them.
type inboxFilter struct {
	Procedure, Status, Device, From, To string
	Page                                int
}

// query turns the form into a store query; dates are whole days in the portal's zone, To
// included. A malformed value is dropped, not an error: it came from a hand-edited URL.
func (f inboxFilter) query() portal.InboxQuery {
	q := portal.InboxQuery{Procedure: f.Procedure, Device: f.Device, Limit: portal.DefaultInboxLimit}
	if c := portal.StatusCode(f.Status); c.Valid() {
		q.Status = c
	}
	loc := portal.DefaultLocation()
	if d, err := time.ParseInLocation(time.DateOnly, f.From, loc); err == nil {
		q.From = d
	}
	if d, err := time.ParseInLocation(time.DateOnly, f.To, loc); err == nil {
		q.To = d.AddDate(0, 0, 1)
	}
	q.Offset = (max(f.Page, 1) - 1) * q.Limit
	return q
}

// link is the list's URL for this filter at page n.
func (f inboxFilter) link(n int) string {
	v := url.Values{}
	for k, s := range map[string]string{"procedure": f.Procedure, "status": f.Status, "device": f.Device, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return Prefix + "inbox"
	}
	return Prefix + "inbox?" + v.Encode()
}

type inboxRow struct {
	portal.InboxEntry
	When string
}

type inboxData struct {
	Filter      inboxFilter
	Rows        []inboxRow
	Total       int
	Page, Pages int
	Prev, Next  string
	Statuses    []portal.StatusCode
	First, Last int // the page's rows, numbered from 1
	AnyFilter   bool
	ResetLink   string
}

func (h *Handler) inboxPage(w http.ResponseWriter, r *http.Request, c *current) {
	qv := r.URL.Query()
	f := inboxFilter{Procedure: qv.Get("procedure"), Status: qv.Get("status"), Device: qv.Get("device"),
		From: qv.Get("from"), To: qv.Get("to")}
	f.Page, _ = strconv.Atoi(qv.Get("page"))
	f.Page = max(f.Page, 1)
	q := f.query()
	p, err := h.st.Inbox(r.Context(), c.user.Municipality, q)
	if err != nil {
		h.log.Error("panel: inbox", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	loc := portal.DefaultLocation()
	d := inboxData{Filter: f, Total: p.Total, Page: f.Page, Statuses: portal.StatusCodes,
		AnyFilter: f != inboxFilter{Page: f.Page}, ResetLink: Prefix + "inbox"}
	for _, e := range p.Entries {
		d.Rows = append(d.Rows, inboxRow{InboxEntry: e, When: e.Received.In(loc).Format("2006-01-02 15:04")})
	}
	d.Pages = max((p.Total+q.Limit-1)/q.Limit, 1)
	if f.Page > 1 {
		d.Prev = f.link(f.Page - 1)
	}
	if f.Page < d.Pages {
		d.Next = f.link(f.Page + 1)
	}
	if len(d.Rows) > 0 {
		d.First, d.Last = q.Offset+1, q.Offset+len(d.Rows)
	}
	h.render(w, http.StatusOK, "inbox", h.view(r, c, "inbox.title", d))
}

type submissionData struct {
	Entry    portal.Record
	Received string
	Created  string
	Current  statusRow
	History  []statusRow
	Statuses []portal.StatusCode
	Error    string
	// The form's values to show again after an error.
	Code, To, Note string
	MaxNote        int
}

type statusRow struct {
	portal.Status
	When string
}

func (h *Handler) submissionPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showSubmission(w, r, c, http.StatusOK, submissionData{})
}

// showSubmission renders one submission's page: its metadata and statuses, never content.
func (h *Handler) showSubmission(w http.ResponseWriter, r *http.Request, c *current, status int, d submissionData) {
	ctx, muni, id := r.Context(), c.user.Municipality, r.PathValue("id")
	rec, err := h.st.Submission(ctx, muni, id)
	if err != nil {
		h.notFoundOr500(w, r, err, "submission")
		return
	}
	rec.CiphertextSize, rec.Ciphertext = len(rec.Ciphertext), nil // the page shows its size only
	cur, err := h.st.StatusOf(ctx, muni, id)
	if err != nil {
		h.notFoundOr500(w, r, err, "status")
		return
	}
	hist, err := h.st.StatusHistory(ctx, muni, id)
	if err != nil {
		h.notFoundOr500(w, r, err, "status history")
		return
	}
	loc := portal.DefaultLocation()
	when := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	d.Entry, d.Statuses, d.MaxNote = rec, portal.StatusCodes, portal.MaxStatusNote
	d.Received, d.Created = when(rec.Received), when(rec.Created)
	d.Current = statusRow{Status: cur, When: when(cur.At)}
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		d.History = append(d.History, statusRow{Status: hist[i], When: when(hist[i].At)})
	}
	if d.Code == "" {
		d.Code = string(cur.Code)
	}
	v := h.view(r, c, "submission.title", d)
	v.Title = v.T("submission.title", "Ref", rec.PortalRef)
	if d.Error != "" {
		v.Flash = v.T(d.Error)
	} else if r.URL.Query().Get("saved") == "1" {
		v.Flash = v.T("submission.saved")
	}
	h.render(w, status, "submission", v)
}

// notFoundOr500 answers a failed lookup: not found (also another municipality's) or an
// internal error, logged.
func (h *Handler) notFoundOr500(w http.ResponseWriter, r *http.Request, err error, what string) {
	if errors.Is(err, portal.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	h.log.Error("panel: "+what, "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusInternalServerError, "error.internal")
}

// ciphertext hands the submission's age ciphertext to the clerk's browser. Each one handed
// out is in the audit log: that is when personal data can be read.
func (h *Handler) ciphertext(w http.ResponseWriter, r *http.Request, c *current) {
	rec, err := h.st.Submission(r.Context(), c.user.Municipality, r.PathValue("id"))
	if err != nil {
		h.notFoundOr500(w, r, err, "ciphertext")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "submission.open", rec.PortalRef, "")
	hd := w.Header()
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(rec.Ciphertext)))
	_, _ = w.Write(rec.Ciphertext)
}

// setStatus changes a submission's status from the clerk's form and goes back to its page.
func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, c *current) {
	rec, err := h.st.Submission(r.Context(), c.user.Municipality, r.PathValue("id"))
	if err != nil {
		h.notFoundOr500(w, r, err, "set status")
		return
	}
	id := rec.ID
	s := portal.Status{Code: portal.StatusCode(r.PostFormValue("code")), To: strings.TrimSpace(r.PostFormValue("to")),
		Note: strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("note"), "\r\n", "\n")), By: c.user.Login, At: h.now()}
	if s.Code != portal.StatusForwarded {
		s.To = "" // the field stays on the form for every code; only a forwarded matter keeps it
	}
	err = h.st.SetStatus(r.Context(), c.user.Municipality, id, s)
	switch {
	case errors.Is(err, portal.ErrBadStatus):
		key := "submission.error.invalid"
		switch {
		case s.Code == portal.StatusForwarded && s.To == "":
			key = "submission.error.to"
		case len([]rune(s.Note)) > portal.MaxStatusNote:
			key = "submission.error.long"
		}
		h.showSubmission(w, r, c, http.StatusUnprocessableEntity, submissionData{Error: key,
			Code: string(s.Code), To: s.To, Note: s.Note})
		return
	case err != nil:
		h.notFoundOr500(w, r, err, "set status")
		return
	}
	detail := string(s.Code)
	if s.To != "" {
		detail += " → " + s.To
	}
	h.audit(r, c.user.Municipality, c.user.Login, "submission.status", rec.PortalRef, detail)
	http.Redirect(w, r, fmt.Sprintf("%sinbox/%s?saved=1", Prefix, url.PathEscape(id)), http.StatusSeeOther)
}
