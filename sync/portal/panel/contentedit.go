package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"infomat/content"
	"infomat/sync/portal"
)

// The content editor ("Treści", moderators): the municipality's draft bundle edited as web
// forms, checked by the kiosk's own validator as the moderator types, and published by the
// server's signature. The draft is the files of a content folder (portal.DraftStore), so the
// YAML path stays open to power users and `infomat content check`.

func (h *Handler) contentRoutes() {
	m, mod := h.mux, portal.RoleModerator
	m.HandleFunc("GET "+Prefix+"content", h.page(mod, h.contentPage))
	m.HandleFunc("POST "+Prefix+"content/start", h.page(mod, h.startDraft))
	m.HandleFunc("GET "+Prefix+"content/edit", h.page(mod, h.editPage))
	m.HandleFunc("POST "+Prefix+"content/edit", h.page(mod, h.saveFile))
	m.HandleFunc("POST "+Prefix+"content/check", h.page(mod, h.checkFile))
	m.HandleFunc("POST "+Prefix+"content/new", h.page(mod, h.newFile))
	m.HandleFunc("POST "+Prefix+"content/delete", h.page(mod, h.deleteFile))
	m.HandleFunc("POST "+Prefix+"content/upload", h.page(mod, h.upload))
	m.HandleFunc("GET "+Prefix+"content/file", h.page(mod, h.draftFile))
	m.HandleFunc("GET "+Prefix+"content/preview", h.page(mod, h.previewPage))
	m.HandleFunc("GET "+Prefix+"content/preview.png", h.page(mod, h.previewPNG))
	m.HandleFunc("POST "+Prefix+"content/publish", h.page(mod, h.publishDraft))
	m.HandleFunc("GET "+Prefix+"content/versions", h.page(mod, h.versionsPage))
	h.importRoutes() // contentimport.go
	m.HandleFunc("GET "+Prefix+"content/versions/{v}", h.page(mod, h.versionPage))
	m.HandleFunc("POST "+Prefix+"content/versions/{v}/rollback", h.page(mod, h.rollback))
}

// The editor's POSTs, whose bodies may be as long as a page (ServeHTTP's limit).
const (
	editPath  = Prefix + "content/edit"
	checkPath = Prefix + "content/check"
)

// The kinds of file the editor has forms for.
const (
	kindProfile    = "profile"
	kindOffices    = "offices"
	kindCategories = "categories"
	kindMenu       = "menu"
	kindCard       = "card"
	kindForm       = "form"
	kindPage       = "page"
)

// fileKind says which form edits the bundle file p ("" for none: translations, attachments).
func fileKind(p string) string {
	switch p {
	case content.MunicipalityFile:
		return kindProfile
	case content.OfficesFile:
		return kindOffices
	case content.CategoriesFile:
		return kindCategories
	case content.BIPMenuFile:
		return kindMenu
	}
	dir, name := path.Split(p)
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".md")
	if strings.Contains(base, ".") || !slug.MatchString(base) {
		return ""
	}
	switch {
	case dir == content.ProceduresDir+"/" && strings.HasSuffix(name, ".yaml"):
		return kindCard
	case dir == content.FormsDir+"/" && strings.HasSuffix(name, ".yaml"):
		return kindForm
	case strings.HasPrefix(dir, content.BIPDir+"/") && strings.HasSuffix(name, ".md"):
		return kindPage
	}
	return ""
}

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// model is a pointer to a new zero value of the kind's model.
func model(kind string) any {
	switch kind {
	case kindProfile:
		return new(content.Municipality)
	case kindOffices:
		return new([]content.Office)
	case kindCategories:
		return new([]content.Category)
	case kindMenu:
		return new([]content.MenuItem)
	case kindCard:
		return new(content.Procedure)
	case kindForm:
		return new(content.Form)
	case kindPage:
		return new(content.Page)
	}
	return nil
}

// decodeFile reads a file into its kind's model, leniently: the validator, not the form,
// reports what is wrong with it.
func decodeFile(kind string, data []byte) any {
	m := model(kind)
	if kind == kindPage {
		pg, _ := content.ParsePage(data)
		*m.(*content.Page) = pg
		return m
	}
	_ = yaml.Unmarshal(data, m)
	return m
}

// formable reports why file data cannot be edited as kind's form without losing anything
// (nil when it can): a YAML syntax error, or a key the model does not know (a typo the form
// would drop on saving). Such a file opens as YAML text.
func formable(kind string, data []byte) error {
	if kind == "" {
		return errors.New("no form")
	}
	front := data
	if kind == kindPage {
		var ok bool
		if front, _, ok = content.SplitFrontMatter(data); !ok {
			return errors.New("brak nagłówka między liniami ---")
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(front))
	dec.KnownFields(true)
	if err := dec.Decode(model(kind)); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) && !strings.Contains(err.Error(), "not found in type") {
			return nil // a bad value: the form shows the field and the check says why
		}
		return err
	}
	return nil
}

// textFile reports whether the raw editor may open p: a bundle's YAML or Markdown.
func textFile(p string) bool {
	return !strings.HasPrefix(p, "pliki/") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".md"))
}

// encodeFile writes a model back as the file's bytes.
func encodeFile(kind string, m any) ([]byte, error) {
	if kind == kindPage {
		return content.PageFile(*m.(*content.Page))
	}
	return content.Marshal(reflect.ValueOf(m).Elem().Interface())
}

// checked is a draft's files run through the kiosk's validator.
type checked struct {
	bundle   *content.Bundle // nil when there are errors outside forms
	errors   content.Problems
	warnings content.Problems
}

// checkFiles validates files as `infomat content check` and publish do: sizes, then the
// whole bundle with its forms; traces adds the warnings about the sample municipality's
// traces (content.SampleTraces: a second pass over every file, which the live check, with
// no warnings to show, and the preview do without).
func checkFiles(files map[string][]byte, traces bool) checked {
	sizes := make(map[string]int64, len(files))
	for p, data := range files {
		sizes[p] = int64(len(data))
	}
	if ps := content.CheckSizes(sizes, content.Limits{}); len(ps) > 0 {
		return checked{errors: ps}
	}
	b, err := content.Load(content.Folder(files).FS())
	var ps content.Problems
	switch {
	case errors.As(err, &ps):
		return checked{errors: ps}
	case err != nil:
		return checked{errors: content.Problems{{File: "", Reason: err.Error()}}}
	}
	ch := checked{bundle: b, errors: b.FormProblems, warnings: b.Warnings}
	if traces {
		ch.warnings = append(content.SampleTraces(b), ch.warnings...)
	}
	return ch
}

// loadDraft is the session's municipality's draft; ok is false when the response is written
// (no draft: the overview offers to start one).
func (h *Handler) loadDraft(w http.ResponseWriter, r *http.Request, c *current) (portal.Draft, bool) {
	d, err := h.st.Draft(r.Context(), c.user.Municipality)
	if errors.Is(err, portal.ErrNotFound) {
		http.Redirect(w, r, Prefix+"content", http.StatusSeeOther)
		return d, false
	}
	if err != nil {
		h.log.Error("panel: read draft", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return d, false
	}
	return d, true
}

// contentEntry is one file in the overview.
type contentEntry struct {
	Path, Title string
	FormPath    string // a card's form
	Editable    bool
	HasForm     bool
	Errors      int
	Size        string
}

type contentData struct {
	HasDraft  bool
	Draft     portal.Draft
	Updated   string
	Published uint64
	Expires   string
	Errors    []problemRow
	Warnings  []problemRow
	Settings  []contentEntry
	Cards     []contentEntry
	Pages     []contentEntry
	Files     []contentEntry
	Others    []contentEntry
	Menu      []fieldOption
	NoForm    []fieldOption // cards without a form
	Reason    string
	// Unchanged: the draft is exactly the published version (nothing to publish).
	Unchanged bool
	// Fields are the new-item forms' problems by input name.
	Fields map[string]string
}

type problemRow struct {
	File, Field, Reason string
	Href                string
}

func (h *Handler) warsaw() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		return time.UTC
	}
	return loc
}

func (h *Handler) contentPage(w http.ResponseWriter, r *http.Request, c *current) {
	h.showContent(w, r, c, http.StatusOK, contentData{}, "")
}

func (h *Handler) showContent(w http.ResponseWriter, r *http.Request, c *current, status int, d contentData, flash string) {
	ctx, muni := r.Context(), c.user.Municipality
	if p, err := h.st.LatestManifest(ctx, muni); err == nil {
		if m, err := p.Manifest(); err == nil {
			d.Published, d.Expires = p.Version, m.Expires.In(h.warsaw()).Format("2006-01-02 15:04")
		}
	}
	draft, err := h.st.Draft(ctx, muni)
	switch {
	case errors.Is(err, portal.ErrNotFound):
	case err != nil:
		h.log.Error("panel: read draft", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	default:
		d.HasDraft, d.Draft = true, draft
		d.Updated = draft.Updated.In(h.warsaw()).Format("2006-01-02 15:04")
		h.fillOverview(ctx, &d, draft)
	}
	v := h.view(r, c, "content.title", d)
	v.Flash = flash
	h.render(w, status, "content", v)
}

func editHref(p string) string { return Prefix + "content/edit?f=" + url.QueryEscape(p) }

func (h *Handler) fillOverview(ctx context.Context, d *contentData, draft portal.Draft) {
	ch := checkFiles(draft.Files, true)
	perFile := map[string]int{}
	rows := func(ps content.Problems) []problemRow {
		var out []problemRow
		for _, p := range ps {
			perFile[p.File]++
			row := problemRow{File: p.File, Field: p.Field, Reason: p.Reason}
			if fileKind(p.File) != "" {
				if _, ok := draft.Files[p.File]; ok {
					row.Href = editHref(p.File) + "#" + fieldID(p.Field)
				}
			}
			out = append(out, row)
		}
		return out
	}
	d.Errors = rows(ch.errors)
	errCount := perFile
	perFile = map[string]int{}
	d.Warnings = rows(ch.warnings)
	titles := map[string]string{}
	hasForm := map[string]bool{}
	if b := ch.bundle; b != nil {
		for _, p := range b.Procedures {
			titles[p.File] = p.Title
		}
		for _, pg := range b.BIPPages {
			titles[pg.File] = pg.Title
		}
	}
	paths := make([]string, 0, len(draft.Files))
	for p := range draft.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		e := contentEntry{Path: p, Title: titles[p], Editable: fileKind(p) != "" || textFile(p), Errors: errCount[p], Size: content.Size(int64(len(draft.Files[p])))}
		switch fileKind(p) {
		case kindProfile, kindOffices, kindCategories, kindMenu:
			d.Settings = append(d.Settings, e)
		case kindCard:
			if e.Title == "" {
				e.Title = decodeFile(kindCard, draft.Files[p]).(*content.Procedure).Title
			}
			id := strings.TrimSuffix(path.Base(p), ".yaml")
			form := content.FormsDir + "/" + id + ".yaml"
			_, e.HasForm = draft.Files[form]
			e.FormPath = form
			e.Errors += errCount[form]
			hasForm[id] = e.HasForm
			d.Cards = append(d.Cards, e)
			if !e.HasForm {
				d.NoForm = append(d.NoForm, fieldOption{Value: id, Label: e.Title})
			}
		case kindForm:
			// listed with its card
		case kindPage:
			if e.Title == "" {
				e.Title = decodeFile(kindPage, draft.Files[p]).(*content.Page).Title
			}
			d.Pages = append(d.Pages, e)
		default:
			if strings.HasPrefix(p, "pliki/") {
				d.Files = append(d.Files, e)
			} else {
				d.Others = append(d.Others, e)
			}
		}
	}
	h.fillMenu(d, draft)
	if p, err := h.st.LatestManifest(ctx, draft.Municipality); err == nil {
		d.Unchanged, _ = portal.SameAsPublished(ctx, h.st, draft.Municipality, p, draft.Files)
	}
}

// fillMenu lists the draft's BIP menu items, for the forms that place a page.
func (h *Handler) fillMenu(d *contentData, draft portal.Draft) {
	var menu []content.MenuItem
	_ = yaml.Unmarshal(draft.Files[content.BIPMenuFile], &menu)
	d.Menu = choicesOf(&content.Bundle{BIPMenu: menu}, nil).Menu
}

// startDraft makes the latest published version the draft, for a municipality whose content
// was published from the command line before the panel had an editor.
func (h *Handler) startDraft(w http.ResponseWriter, r *http.Request, c *current) {
	ctx, muni := r.Context(), c.user.Municipality
	files, version, err := portal.LatestFiles(ctx, h.st, muni)
	if err != nil {
		h.log.Error("panel: read published content", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if version == 0 {
		http.Redirect(w, r, Prefix+"content", http.StatusSeeOther)
		return
	}
	if _, err := h.st.UpdateDraft(ctx, muni, 0, files, c.user.Name, h.now()); err != nil && !errors.Is(err, portal.ErrDraftChanged) {
		h.log.Error("panel: start draft", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, muni, c.user.Login, "content.draft", fmt.Sprintf("v%d", version), "")
	http.Redirect(w, r, Prefix+"content", http.StatusSeeOther)
}

// editData is the editor of one file.
type editData struct {
	Path, Kind string
	Revision   uint64
	Fields     []formField
	// Body is a BIP page's Markdown.
	Body string
	// Problems are this file's problems no input shows; Others counts the other files'.
	Problems []string
	Others   int
	Warnings []string
	// Count is every problem of this file, placed or not.
	Count    int
	Saved    bool
	Conflict bool
	// Preview is the kiosk screen that shows this file ("" none).
	Preview string
	// Raw is the file as YAML text, when it is edited as text: a translation, a file the
	// form cannot show without losing something (RawWhy), or at the moderator's wish.
	Raw    string
	IsRaw  bool
	RawWhy string
	// CanForm: the file has a form (the "Formularz" link from the text editor).
	CanForm bool
}

// editTarget is the file of ?f=, when the editor has a form for it and the draft holds it.
func (h *Handler) editTarget(w http.ResponseWriter, r *http.Request, c *current) (portal.Draft, string, string, bool) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return d, "", "", false
	}
	p := r.URL.Query().Get("f")
	kind := fileKind(p)
	if _, exists := d.Files[p]; !exists || kind == "" && !textFile(p) {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return d, "", "", false
	}
	return d, p, kind, true
}

// rawWanted says whether file p opens as text, and why in the moderator's language.
func (h *Handler) rawWanted(r *http.Request, kind string, data []byte) (bool, string) {
	if kind == "" {
		return true, h.loc.In(lang(r), "content.raw.noform")
	}
	if err := formable(kind, data); err != nil {
		return true, h.loc.In(lang(r), "content.raw.broken", "Reason", err.Error())
	}
	return r.URL.Query().Get("raw") == "1", ""
}

func (h *Handler) editPage(w http.ResponseWriter, r *http.Request, c *current) {
	d, p, kind, ok := h.editTarget(w, r, c)
	if !ok {
		return
	}
	if raw, why := h.rawWanted(r, kind, d.Files[p]); raw {
		h.showEdit(w, r, c, http.StatusOK, d, p, kind, nil, nil, editData{IsRaw: true, Raw: string(d.Files[p]), RawWhy: why})
		return
	}
	m := decodeFile(kind, d.Files[p])
	h.showEdit(w, r, c, http.StatusOK, d, p, kind, m, nil, editData{})
}

// showEdit renders the editor of file p with model m, checked against files (the draft with
// m in place); parsed are problems of values that did not parse.
func (h *Handler) showEdit(w http.ResponseWriter, r *http.Request, c *current, status int, d portal.Draft, p, kind string, m any, parsed *formParser, ed editData) {
	ed.Path, ed.Kind, ed.Revision = p, kind, d.Revision
	fb, _ := h.build(d.Files, p, kind, m, parsed, true)
	ed.Fields = fb.fields
	ed.Problems, ed.Others, ed.Warnings = fb.unplaced, fb.others, fb.warnings
	ed.Count = len(fb.unplaced)
	for _, ps := range fb.placed {
		ed.Count += len(ps)
	}
	if kind == kindPage && m != nil {
		ed.Body = m.(*content.Page).Body
	}
	ed.CanForm = kind != ""
	if kind != "" {
		ed.Preview = Prefix + "content/preview?f=" + url.QueryEscape(p)
	}
	h.render(w, status, "contentedit", h.view(r, c, "content.edit.title", ed))
}

// built is a file's form with its problems placed.
type built struct {
	fields   []formField
	placed   map[string][]string // by input name, for the live check
	unplaced []string
	others   int
	warnings []string
}

// build makes the form of model m for file p and checks the draft with it.
// traces: with the sample municipality's traces among the warnings (the page shows them; the
// live check does not).
func (h *Handler) build(files map[string][]byte, p, kind string, m any, parsed *formParser, traces bool) (built, checked) {
	probs := map[string][]string{}
	var out built
	if parsed != nil {
		for k, v := range parsed.problems {
			probs[k] = append(probs[k], v...)
		}
	}
	ch := checkFiles(files, traces)
	for _, e := range ch.errors {
		if e.File != p {
			out.others++
			continue
		}
		probs[e.Field] = append(probs[e.Field], e.Reason)
	}
	for _, e := range ch.warnings {
		if e.File == p {
			out.warnings = append(out.warnings, strings.TrimPrefix(e.Field+": ", ": ")+e.Reason)
		}
	}
	fb := &formBuilder{problems: probs, placed: map[string]bool{}, raw: map[string]string{}}
	if parsed != nil {
		fb.raw = parsed.raw
	}
	fb.choices = choicesOf(ch.bundle, files)
	if ch.bundle == nil { // the lists still come from the files that parse
		var cats []content.Category
		var menu []content.MenuItem
		var offices []content.Office
		_ = yaml.Unmarshal(files[content.CategoriesFile], &cats)
		_ = yaml.Unmarshal(files[content.BIPMenuFile], &menu)
		_ = yaml.Unmarshal(files[content.OfficesFile], &offices)
		fb.choices = choicesOf(&content.Bundle{Categories: cats, BIPMenu: menu, Offices: offices}, files)
	}
	if m != nil { // nil: the file is edited as text, and every problem is listed above it
		v := reflect.ValueOf(m).Elem()
		if v.Kind() == reflect.Slice {
			out.fields = []formField{fb.list(v)}
		} else {
			out.fields = fb.fields(v, "", false)
		}
	}
	out.placed = map[string][]string{}
	names := make([]string, 0, len(probs))
	for name := range probs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if fb.placed[name] {
			out.placed[name] = probs[name]
			continue
		}
		for _, reason := range probs[name] {
			if name != "" {
				reason = name + ": " + reason
			}
			out.unplaced = append(out.unplaced, reason)
		}
	}
	return out, ch
}

// parseEdit reads the submitted form into file p's model and the draft with it in place.
func (h *Handler) parseEdit(r *http.Request, d portal.Draft, p, kind string) (any, *formParser, map[string][]byte, error) {
	if err := r.ParseForm(); err != nil {
		return nil, nil, nil, err
	}
	fp := &formParser{form: r.PostForm, problems: map[string][]string{}, raw: map[string]string{}}
	var m any
	var data []byte
	if raw, ok := r.PostForm["_raw"]; ok || kind == "" {
		// The text editor: the bytes as typed, line ends as a file has them.
		if len(raw) == 0 {
			return nil, nil, nil, errors.New("no text")
		}
		data = []byte(strings.ReplaceAll(raw[0], "\r\n", "\n"))
	} else {
		m = model(kind)
		v := reflect.ValueOf(m).Elem()
		if v.Kind() == reflect.Slice {
			fp.field(v, "", "")
		} else {
			fp.fields(v, "")
		}
		if kind == kindPage {
			m.(*content.Page).Body = strings.ReplaceAll(r.PostForm.Get("tresc"), "\r\n", "\n")
		}
		var err error
		if data, err = encodeFile(kind, m); err != nil {
			return nil, nil, nil, err
		}
	}
	files := make(map[string][]byte, len(d.Files))
	for k, v := range d.Files {
		files[k] = v
	}
	files[p] = data
	return m, fp, files, nil
}

func (h *Handler) saveFile(w http.ResponseWriter, r *http.Request, c *current) {
	d, p, kind, ok := h.editTarget(w, r, c)
	if !ok {
		return
	}
	m, fp, files, err := h.parseEdit(r, d, p, kind)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	var base uint64
	fmt.Sscan(r.PostForm.Get("rev"), &base)
	ed := editData{}
	status := http.StatusOK
	if len(fp.problems) > 0 {
		// A value that did not parse would be saved empty: keep the form as typed instead.
		status = http.StatusUnprocessableEntity
		d.Files = files
	} else {
		rev, err := h.st.UpdateDraft(r.Context(), c.user.Municipality, base, map[string][]byte{p: files[p]}, c.user.Name, h.now())
		switch {
		case errors.Is(err, portal.ErrDraftChanged):
			ed.Conflict, status = true, http.StatusConflict
			if cur, err := h.st.Draft(r.Context(), c.user.Municipality); err == nil {
				d = cur // the moderator's input stays on the form; saving again overwrites
			}
		case err != nil:
			h.log.Error("panel: save draft", "municipality", c.user.Municipality, "file", p, "err", err)
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		default:
			ed.Saved = true
			d.Revision, d.Files = rev, files
			h.audit(r, c.user.Municipality, c.user.Login, "content.edit", p, "")
		}
	}
	if m == nil {
		ed.IsRaw, ed.Raw = true, string(files[p])
		if kind == "" {
			ed.RawWhy = h.loc.In(lang(r), "content.raw.noform")
		}
	}
	h.showEdit(w, r, c, status, d, p, kind, m, fp, ed)
}

// checkResult is the live check's answer: problems by input id, the rest as text.
type checkResult struct {
	Fields  map[string][]string `json:"fields"`
	General []string            `json:"general"`
	Others  int                 `json:"others"`
}

// checkFile validates the form as it is now, without saving: the editor's live check.
func (h *Handler) checkFile(w http.ResponseWriter, r *http.Request, c *current) {
	d, err := h.st.Draft(r.Context(), c.user.Municipality)
	p := r.URL.Query().Get("f")
	kind := fileKind(p)
	if err != nil || kind == "" && !textFile(p) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if _, ok := d.Files[p]; !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	m, fp, files, err := h.parseEdit(r, d, p, kind)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	b, _ := h.build(files, p, kind, m, fp, false)
	res := checkResult{Fields: map[string][]string{}, General: b.unplaced, Others: b.others}
	for name, ps := range b.placed {
		res.Fields[fieldID(name)] = ps
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(res)
}

// newFile adds a card, a card's form or a BIP page to the draft, filled with what the
// validator needs to point at next, and opens its editor.
func (h *Handler) newFile(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	kind, id := r.PostFormValue("kind"), strings.TrimSpace(r.PostFormValue("id"))
	title := strings.TrimSpace(r.PostFormValue("title"))
	today := portal.Today(h.now(), h.warsaw())
	record := content.Record{ProducedBy: c.user.Name, ProducedOn: today, PublishedBy: c.user.Name, PublishedOn: today}
	fail := func(field, key string) {
		h.showContent(w, r, c, http.StatusUnprocessableEntity, contentData{Fields: map[string]string{kind + "." + field: h.loc.In(lang(r), key)}}, "")
	}
	if !slug.MatchString(id) {
		fail("id", "content.new.badid")
		return
	}
	var p string
	var m any
	switch kind {
	case kindCard:
		p = content.ProceduresDir + "/" + id + ".yaml"
		var cats []content.Category
		_ = yaml.Unmarshal(d.Files[content.CategoriesFile], &cats)
		card := &content.Procedure{Title: title, Record: record}
		if len(cats) > 0 {
			card.Category = cats[0].ID
		}
		m = card
	case kindForm:
		if _, ok := d.Files[content.ProceduresDir+"/"+id+".yaml"]; !ok {
			fail("id", "content.new.nocard")
			return
		}
		p = content.FormsDir + "/" + id + ".yaml"
		var muni content.Municipality
		_ = yaml.Unmarshal(d.Files[content.MunicipalityFile], &muni)
		// The retention the wizard set for the municipality; the purpose is the clerk's to write.
		m = &content.Form{Retention: muni.Retention,
			Fields: []content.Field{{ID: "tresc", Type: content.FieldLongText, Label: "Czego dotyczy sprawa?", Required: true}}}
	case kindPage:
		menu := r.PostFormValue("menu")
		if !slug.MatchString(menu) {
			fail("menu", "content.new.nomenu")
			return
		}
		p = content.BIPDir + "/" + menu + "/" + id + ".md"
		m = &content.Page{Title: title, Menu: menu, Record: record}
	default:
		h.fail(w, r, http.StatusBadRequest, "error.badrequest")
		return
	}
	if _, exists := d.Files[p]; exists {
		fail("id", "content.new.exists")
		return
	}
	data, err := encodeFile(kind, m)
	if err == nil {
		_, err = h.st.UpdateDraft(r.Context(), c.user.Municipality, d.Revision, map[string][]byte{p: data}, c.user.Name, h.now())
	}
	if errors.Is(err, portal.ErrDraftChanged) {
		h.showContent(w, r, c, http.StatusConflict, contentData{}, h.loc.In(lang(r), "content.conflict"))
		return
	}
	if err != nil {
		h.log.Error("panel: new content file", "municipality", c.user.Municipality, "file", p, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.create", p, "")
	http.Redirect(w, r, editHref(p), http.StatusSeeOther)
}

func (h *Handler) deleteFile(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	p := r.PostFormValue("f")
	if _, exists := d.Files[p]; !exists {
		h.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.showContent(w, r, c, http.StatusUnprocessableEntity, contentData{}, h.loc.In(lang(r), "content.delete.confirm"))
		return
	}
	changes := map[string][]byte{p: nil}
	if fileKind(p) == kindCard { // its form and translations go with it
		id := strings.TrimSuffix(path.Base(p), ".yaml")
		for q := range d.Files {
			for _, dir := range []string{content.ProceduresDir, content.FormsDir} {
				if strings.HasPrefix(q, dir+"/"+id+".") {
					changes[q] = nil
				}
			}
		}
	}
	if _, err := h.st.UpdateDraft(r.Context(), c.user.Municipality, d.Revision, changes, c.user.Name, h.now()); err != nil {
		if errors.Is(err, portal.ErrDraftChanged) {
			h.showContent(w, r, c, http.StatusConflict, contentData{}, h.loc.In(lang(r), "content.conflict"))
			return
		}
		h.log.Error("panel: delete content file", "municipality", c.user.Municipality, "file", p, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.delete", p, "")
	h.showContent(w, r, c, http.StatusOK, contentData{}, h.loc.In(lang(r), "content.deleted", "Path", p))
}

// publishDraft signs the draft as the next version, with a change register entry for every
// changed card and page; refused while the validator finds errors.
func (h *Handler) publishDraft(w http.ResponseWriter, r *http.Request, c *current) {
	d, ok := h.loadDraft(w, r, c)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		h.showContent(w, r, c, http.StatusUnprocessableEntity, contentData{Fields: map[string]string{"publish.reason": h.loc.In(lang(r), "content.publish.noreason")}}, "")
		return
	}
	var base uint64
	fmt.Sscan(r.PostFormValue("rev"), &base)
	if base != d.Revision {
		h.showContent(w, r, c, http.StatusConflict, contentData{Reason: reason}, h.loc.In(lang(r), "content.publish.changed"))
		return
	}
	res, err := portal.PublishDraft(r.Context(), h.st, d, c.user.Name, reason, h.now(), h.warsaw())
	var ps content.Problems
	switch {
	case errors.As(err, &ps):
		h.showContent(w, r, c, http.StatusUnprocessableEntity, contentData{Reason: reason}, h.loc.In(lang(r), "content.publish.errors", "N", len(ps)))
		return
	case err != nil && res.Version == 0:
		h.log.Error("panel: publish draft", "municipality", c.user.Municipality, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	h.audit(r, c.user.Municipality, c.user.Login, "content.publish", fmt.Sprintf("v%d", res.Version), reason)
	h.showContent(w, r, c, http.StatusOK, contentData{}, h.loc.In(lang(r), "content.published", "Version", res.Version,
		"Expires", res.Expires.In(h.warsaw()).Format("2006-01-02")))
}
