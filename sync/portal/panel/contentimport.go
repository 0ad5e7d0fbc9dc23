package panel

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"infomat/content/importer"
	"infomat/sync/portal"
)

// Import into the draft: BIP content from the municipality's existing BIP site (a feed or a
// page; kept and re-imported on schedule by serve, never over a moderator's edit) and
// procedure cards from a spreadsheet's CSV export.

func (h *Handler) importRoutes() {
	m, mod := h.mux, portal.RoleModerator
	m.HandleFunc("GET "+Prefix+"content/import", h.page(mod, h.importPage))
	m.HandleFunc("POST "+Prefix+"content/import/bip", h.page(mod, h.importBIP))
	m.HandleFunc("POST "+Prefix+"content/import/cards", h.page(mod, h.importCards))
	m.HandleFunc("POST "+Prefix+"content/import/resolve", h.page(mod, h.resolveImport))
}

// importCSVPath is the card import: a CSV file, larger than the panel's usual 64 KiB.
const importCSVPath = Prefix + "content/import/cards"

type importData struct {
	Imports portal.Imports
	Last    string
	Menu    []fieldOption
	Report  []importer.Item
	URL     string
	Kind    string
	Error   string
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showImport(w, r, c, http.StatusOK, importData{}, "")
}

func (h *Handler) showImport(w http.ResponseWriter, r *http.Request, c *current, status int, d importData, flash string) {
	draft, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	imp, err := portal.LoadImports(r.Context(), h.st, c.user.Municipality)
	if err != nil {
		h.log.Error("panel: import state", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	d.Imports = imp
	if !imp.Last.IsZero() {
		d.Last = imp.Last.In(h.warsaw()).Format("2006-01-02 15:04")
	}
	var co contentData
	h.fillMenu(&co, draft)
	d.Menu = co.Menu
	if d.Kind == "" {
		d.Kind = importer.KindFeed
	}
	v := h.view(r, c, "content.import.title", d)
	v.Flash = flash
	h.render(w, status, "import", v)
}

func (h *Handler) importBIP(w http.ResponseWriter, r *http.Request, c *current) {
	src := importer.Source{Kind: r.PostFormValue("kind"), URL: strings.TrimSpace(r.PostFormValue("url")), Menu: r.PostFormValue("menu")}
	d := importData{URL: src.URL, Kind: src.Kind}
	if src.Kind != importer.KindFeed && src.Kind != importer.KindPage {
		h.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.Error = h.loc.In(lang(r), "content.import.badurl")
		h.showImport(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	}
	res, err := portal.ImportBIP(r.Context(), h.st, h.opts.Importer, c.user.Municipality, src, c.user.Name, h.now())
	if h.importFailed(w, r, c, d, err) {
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.import", src.URL, summary(res.Report))
	d.Report = res.Report
	h.showImport(w, r, c, http.StatusOK, d, h.loc.In(lang(r), "content.import.done", "Summary", summary(res.Report)))
}

// importFailed shows why an import did nothing; false when err is nil.
func (h *Handler) importFailed(w http.ResponseWriter, r *http.Request, c *current, d importData, err error) bool {
	var refused *portal.ImportRefused
	switch {
	case err == nil:
		return false
	case errors.Is(err, portal.ErrNoDraft):
		http.Redirect(w, r, Prefix+"content", http.StatusSeeOther)
	case errors.Is(err, portal.ErrDraftChanged):
		h.showImport(w, r, c, http.StatusConflict, d, h.loc.In(lang(r), "content.conflict"))
	case errors.As(err, &refused):
		d.Error = refused.Error() // the importer's sentence for the clerk
		h.showImport(w, r, c, http.StatusUnprocessableEntity, d, "")
	default:
		h.log.Error("panel: import", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
	}
	return true
}

func summary(items []importer.Item) string {
	n := map[importer.Kind]int{}
	for _, it := range items {
		n[it.Kind]++
	}
	var parts []string
	for _, k := range []importer.Kind{importer.Added, importer.Updated, importer.Skipped, importer.Conflict, importer.Problem} {
		if n[k] > 0 {
			parts = append(parts, string(k)+": "+strconv.Itoa(n[k]))
		}
	}
	if len(parts) == 0 {
		return "bez zmian"
	}
	return strings.Join(parts, ", ")
}

func (h *Handler) importCards(w http.ResponseWriter, r *http.Request, c *current) {
	d := importData{}
	f, _, err := r.FormFile("file")
	if err != nil {
		d.Error = h.loc.In(lang(r), "content.upload.none")
		h.showImport(w, r, c, http.StatusUnprocessableEntity, d, "")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, importCSVLimit+1))
	if err != nil || len(data) > importCSVLimit {
		d.Error = h.loc.In(lang(r), "content.import.csvsize")
		h.showImport(w, r, c, http.StatusRequestEntityTooLarge, d, "")
		return
	}
	res, err := portal.ImportCards(r.Context(), h.st, c.user.Municipality, data, r.PostFormValue("update") == "yes", c.user.Name, h.now())
	if h.importFailed(w, r, c, d, err) {
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.import", "csv", summary(res.Report))
	d.Report = res.Report
	h.showImport(w, r, c, http.StatusOK, d, h.loc.In(lang(r), "content.import.done", "Summary", summary(res.Report)))
}

// importCSVLimit bounds a card sheet: thousands of cards fit in far less.
const importCSVLimit = 4 << 20

func (h *Handler) resolveImport(w http.ResponseWriter, r *http.Request, c *current) {
	p, accept := r.PostFormValue("path"), r.PostFormValue("action") == "accept"
	err := portal.ResolveConflict(r.Context(), h.st, c.user.Municipality, p, accept, c.user.Name, h.now())
	switch {
	case errors.Is(err, portal.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	case errors.Is(err, portal.ErrDraftChanged):
		h.showImport(w, r, c, http.StatusConflict, importData{}, h.loc.In(lang(r), "content.conflict"))
		return
	case err != nil:
		h.log.Error("panel: resolve import conflict", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	action := "keep"
	if accept {
		action = "accept"
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.import.resolve", p, action)
	h.showImport(w, r, c, http.StatusOK, importData{}, h.loc.In(lang(r), "content.import.resolved", "Path", p))
}
