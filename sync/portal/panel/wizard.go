package panel

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"filippo.io/age"

	"infomat/content"
	"infomat/sync/portal"
	"infomat/validate"
)

// The new-municipality wizard: one long form in sections that collects a municipality's
// profile, offices, RODO data, public addresses and submission key, checks each field with
// the content format's own rules, and stores content.NewBundle's skeleton as the
// municipality's draft for the content editor. It is offered while the municipality has
// neither a draft nor published content: to its administrator (/panel/wizard) and to an
// operator setting it up (/panel/municipalities/{id}/wizard).
//
// The submission key pair is made in the browser (static/keygen.js, age in WebAssembly):
// the private key is offered once as a file and never sent; the form carries only the
// public key, as it would one pasted from age-keygen.

const (
	// wizardMaxBody bounds the wizard's POST (ServeHTTP): the crest plus the form.
	wizardMaxBody = 1 << 20
	// crestMax is the largest crest taken; a coat of arms for a kiosk screen needs far less.
	crestMax   = 512 << 10
	hourRows   = 5
	officeRows = 4
)

func (h *Handler) wizardRoutes() {
	m := h.mux
	m.HandleFunc("GET "+Prefix+"wizard", h.page(portal.RoleAdmin, h.wizardPage))
	m.HandleFunc("POST "+Prefix+"wizard", h.page(portal.RoleAdmin, h.wizardSubmit))
	m.HandleFunc("GET "+Prefix+"municipalities/{id}/wizard", h.page(portal.RoleOperator, h.wizardPage))
	m.HandleFunc("POST "+Prefix+"municipalities/{id}/wizard", h.page(portal.RoleOperator, h.wizardSubmit))
}

// isWizardPath is whether a POST goes to the wizard, which may carry a crest.
func isWizardPath(p string) bool {
	return p == Prefix+"wizard" || (strings.HasPrefix(p, Prefix+"municipalities/") && strings.HasSuffix(p, "/wizard"))
}

// wizardTarget is the municipality the wizard is for: the administrator's own, or the one
// in an operator's URL, which must exist (have accounts).
func (h *Handler) wizardTarget(w http.ResponseWriter, r *http.Request, c *current) (muni, action string, ok bool) {
	if !c.user.Has(portal.RoleOperator) {
		return c.user.Municipality, Prefix + "wizard", true
	}
	id := r.PathValue("id")
	ms, err := h.st.AccountMunicipalities(r.Context())
	if err != nil {
		h.log.Error("panel: wizard municipalities", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return "", "", false
	}
	for _, m := range ms {
		if m == id && m != portal.OperatorMunicipality {
			return id, Prefix + "municipalities/" + id + "/wizard", true
		}
	}
	h.fail(w, r, http.StatusNotFound, "error.notfound")
	return "", "", false
}

// hasContent reports whether the municipality has a draft or published content: then the
// wizard, which starts from nothing, is not for it.
func (h *Handler) hasContent(r *http.Request, muni string) (bool, error) {
	if _, err := h.st.DraftHead(r.Context(), muni); err == nil {
		return true, nil
	} else if !errors.Is(err, portal.ErrNotFound) {
		return false, fmt.Errorf("draft of %s: %w", muni, err)
	}
	if _, err := h.st.LatestManifest(r.Context(), muni); err == nil {
		return true, nil
	} else if !errors.Is(err, portal.ErrNotFound) {
		return false, fmt.Errorf("published content of %s: %w", muni, err)
	}
	return false, nil
}

// wizardSection is the home page's link to the wizard, for an administrator whose
// municipality has no content yet (nil otherwise).
func (h *Handler) wizardSection(r *http.Request, u portal.User) []section {
	if !u.Has(portal.RoleAdmin) || u.Has(portal.RoleOperator) {
		return nil
	}
	if has, err := h.hasContent(r, u.Municipality); err != nil || has {
		return nil
	}
	return []section{{"section.wizard", "section.wizard.desc", Prefix + "wizard"}}
}

// wizardField is one input as the template draws it.
type wizardField struct {
	Name, Type, Value, Label, Help, Error, Auto string
	Options                                     []string
	Required, Checked                           bool
}

// Described is the input's aria-describedby: its help and its error.
func (f wizardField) Described() string {
	var ids []string
	if f.Help != "" {
		ids = append(ids, "w-"+f.Name+"-help")
	}
	if f.Error != "" {
		ids = append(ids, "w-"+f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

type wizardGroup struct {
	Legend string
	Fields []wizardField
}

type wizardSection struct {
	ID, Legend, Intro string
	Groups            []wizardGroup
}

type wizardData struct {
	Municipality, Action string
	Sections             []wizardSection
	// Errors counts the fields with an error; Problems are content check's findings that
	// belong to no field (Polish, as content check words them).
	Errors   int
	Problems []string
	// Exists: the municipality already has content, the wizard is not offered.
	Exists bool
	// KeyFile is the name the private key is offered under.
	KeyFile string
}

// wizardForm is the submitted (or empty) form: values and errors (message IDs, or content
// check's Polish reasons marked by a leading "!") by input name.
type wizardForm struct {
	values map[string]string
	errs   map[string]string
	crest  []byte
}

func (f *wizardForm) get(name string) string { return f.values[name] }

func (f *wizardForm) fail(name, msg string) {
	if _, ok := f.errs[name]; !ok {
		f.errs[name] = msg
	}
}

// The inputs, by section. Hours and offices are rows of the inputs named with the row's
// number (dni0, od0, do0 …).
var wizardInputs = []struct {
	id     string
	fields []string
}{
	{"name", []string{"nazwa", "rodzaj", "skrot"}},
	{"contact", []string{"ulica", "kod", "miejscowosc", "telefon", "email", "strona", "epuap", "edoreczenia"}},
	{"ids", []string{"nip", "regon", "rachunek"}},
	{"look", []string{"kolor", "herb"}},
	{"hours", nil},
	{"offices", nil},
	{"rodo", []string{"administrator", "iod_nazwisko", "iod_email", "iod_telefon", "okres"}},
	{"public", []string{"bip", "karty", "portal"}},
	{"key", []string{"klucz", "zapisany"}},
}

var inputTypes = map[string]string{"email": "email", "iod_email": "email", "telefon": "tel", "iod_telefon": "tel",
	"strona": "url", "portal": "url", "bip": "url", "karty": "url", "kolor": "color", "herb": "file", "zapisany": "checkbox",
	"rodzaj": "select", "okres": "textarea", "administrator": "textarea"}

var autocomplete = map[string]string{"ulica": "street-address", "kod": "postal-code", "miejscowosc": "address-level2",
	"telefon": "tel", "email": "email", "strona": "url"}

var wizardRequired = []string{"nazwa", "rodzaj", "skrot", "ulica", "kod", "miejscowosc", "telefon", "email",
	"administrator", "okres", "klucz", "zapisany"}

// hasHelp are the inputs with a help text (wizard.help.<name>).
var hasHelp = map[string]bool{"nazwa": true, "skrot": true, "epuap": true, "edoreczenia": true, "nip": true, "regon": true,
	"rachunek": true, "herb": true, "administrator": true, "okres": true, "bip": true, "karty": true, "portal": true,
	"klucz": true, "iod_nazwisko": true}

func (h *Handler) wizardPage(w http.ResponseWriter, r *http.Request, c *current) {
	muni, action, ok := h.wizardTarget(w, r, c)
	if !ok {
		return
	}
	has, err := h.hasContent(r, muni)
	if err != nil {
		h.log.Error("panel: wizard", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	f := &wizardForm{values: map[string]string{
		"rodzaj": content.Kinds[0],
		"kolor":  "#1d4f91",
		"okres":  "Zgodnie z jednolitym rzeczowym wykazem akt — 5 lat od zakończenia sprawy.",
		"portal": h.portalBase(r),
	}, errs: map[string]string{}}
	h.showWizard(w, r, c, http.StatusOK, muni, action, f, nil, has)
}

// portalBase is where residents reach this portal's tracking page.
func (h *Handler) portalBase(r *http.Request) string {
	if h.opts.PortalURL != "" {
		return strings.TrimRight(h.opts.PortalURL, "/")
	}
	return "https://" + r.Host
}

func (h *Handler) showWizard(w http.ResponseWriter, r *http.Request, c *current, status int, muni, action string, f *wizardForm, problems []string, exists bool) {
	v := h.view(r, c, "wizard.title", nil)
	d := &wizardData{Municipality: muni, Action: action, Problems: problems, Exists: exists, Errors: len(f.errs),
		KeyFile: "klucz-wnioskow-" + muni + ".txt"}
	field := func(name, label string) wizardField {
		base := strings.TrimRight(name, "0123456789")
		fd := wizardField{Name: name, Type: inputTypes[base], Value: f.get(name), Label: label, Auto: autocomplete[name]}
		if fd.Type == "" {
			fd.Type = "text"
		}
		if hasHelp[name] {
			fd.Help = v.T("wizard.help." + name)
		}
		if e, ok := f.errs[name]; ok {
			if reason, polish := strings.CutPrefix(e, "!"); polish {
				fd.Error = reason
			} else {
				fd.Error = v.T(e)
			}
		}
		fd.Required = slices.Contains(wizardRequired, name)
		if name == "rodzaj" {
			fd.Options = content.Kinds
		}
		fd.Checked = fd.Type == "checkbox" && fd.Value != ""
		return fd
	}
	for _, s := range wizardInputs {
		sec := wizardSection{ID: s.id, Legend: v.T("wizard.section." + s.id), Intro: v.T("wizard.intro." + s.id)}
		switch s.id {
		case "hours":
			for i := range hourRows {
				n := strconv.Itoa(i)
				g := wizardGroup{Legend: v.T("wizard.row.hours", "N", i+1)}
				for _, name := range []string{"dni", "od", "do"} {
					g.Fields = append(g.Fields, field(name+n, v.T("wizard.f."+name)))
				}
				sec.Groups = append(sec.Groups, g)
			}
		case "offices":
			for i := range officeRows {
				n := strconv.Itoa(i)
				g := wizardGroup{Legend: v.T("wizard.row.office", "N", i+1)}
				for _, name := range []string{"urzad", "pokoje", "utel", "umail"} {
					fd := field(name+n, v.T("wizard.f."+name))
					switch name {
					case "pokoje":
						fd.Type = "textarea"
					case "utel":
						fd.Type = "tel"
					case "umail":
						fd.Type = "email"
					}
					g.Fields = append(g.Fields, fd)
				}
				sec.Groups = append(sec.Groups, g)
			}
		default:
			g := wizardGroup{}
			for _, name := range s.fields {
				g.Fields = append(g.Fields, field(name, v.T("wizard.f."+name)))
			}
			sec.Groups = append(sec.Groups, g)
		}
		d.Sections = append(d.Sections, sec)
	}
	v.Data = d
	if len(f.errs) > 0 || len(problems) > 0 {
		v.Flash = v.T("wizard.errors", "N", len(f.errs)+len(problems))
	}
	h.render(w, status, "wizard", v)
}

var (
	prefixRE = regexp.MustCompile(`^[A-Z]{2,4}$`)
	clockRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	colorRE  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// readWizard takes the posted form and checks every field on its own; content check then
// checks the bundle made of it as a whole.
func readWizard(r *http.Request) *wizardForm {
	f := &wizardForm{values: map[string]string{}, errs: map[string]string{}}
	names := []string{}
	for _, s := range wizardInputs {
		names = append(names, s.fields...)
	}
	for i := range hourRows {
		n := strconv.Itoa(i)
		names = append(names, "dni"+n, "od"+n, "do"+n)
	}
	for i := range officeRows {
		n := strconv.Itoa(i)
		names = append(names, "urzad"+n, "pokoje"+n, "utel"+n, "umail"+n)
	}
	for _, n := range names {
		if n == "herb" {
			continue
		}
		v := strings.TrimSpace(r.PostFormValue(n))
		if inputTypes[strings.TrimRight(n, "0123456789")] != "textarea" && !strings.HasPrefix(n, "pokoje") {
			v = strings.Join(strings.Fields(v), " ")
		}
		f.values[n] = v
	}
	for _, n := range wizardRequired {
		if f.get(n) == "" {
			f.fail(n, "wizard.error.required")
		}
	}
	for n, v := range f.values {
		if len([]rune(v)) > 500 {
			f.fail(n, "wizard.error.long")
		}
	}
	check := func(name string, err error, msg string) {
		if f.get(name) != "" && err != nil {
			f.fail(name, msg)
		}
	}
	if !slices.Contains(content.Kinds, f.get("rodzaj")) {
		f.fail("rodzaj", "wizard.error.kind")
	}
	if f.get("skrot") != "" && !prefixRE.MatchString(f.get("skrot")) {
		f.fail("skrot", "wizard.error.prefix")
	}
	check("kod", validate.PostalCode(f.get("kod")), "wizard.error.postal")
	check("email", validate.Email(f.get("email")), "wizard.error.email")
	check("iod_email", validate.Email(f.get("iod_email")), "wizard.error.email")
	check("telefon", validate.Phone(f.get("telefon")), "wizard.error.phone")
	check("iod_telefon", validate.Phone(f.get("iod_telefon")), "wizard.error.phone")
	check("nip", validate.NIP(f.get("nip")), "wizard.error.nip")
	check("regon", validate.REGON(f.get("regon")), "wizard.error.regon")
	check("rachunek", validate.NRB(f.get("rachunek")), "wizard.error.nrb")
	if v := f.get("kolor"); v != "" && !colorRE.MatchString(v) {
		f.fail("kolor", "wizard.error.color")
	}
	if f.get("iod_nazwisko") == "" && f.get("iod_email") == "" {
		f.fail("iod_nazwisko", "wizard.error.dpo")
	}
	if k := f.get("klucz"); k != "" {
		if _, err := age.ParseX25519Recipient(k); err != nil {
			f.fail("klucz", "wizard.error.key")
		} else if content.IsSampleKey(k) {
			f.fail("klucz", "wizard.error.samplekey")
		}
	}
	rows := 0
	for i := range hourRows {
		n := strconv.Itoa(i)
		days, open, close := f.get("dni"+n), f.get("od"+n), f.get("do"+n)
		if days == "" && open == "" && close == "" {
			continue
		}
		rows++
		if days == "" {
			f.fail("dni"+n, "wizard.error.required")
		} else if _, err := content.ParseDays(days); err != nil {
			f.fail("dni"+n, "wizard.error.days")
		}
		okOpen, okClose := clockRE.MatchString(open), clockRE.MatchString(close)
		if !okOpen {
			f.fail("od"+n, "wizard.error.clock")
		}
		if !okClose {
			f.fail("do"+n, "wizard.error.clock")
		}
		if okOpen && okClose && open >= close {
			f.fail("do"+n, "wizard.error.order")
		}
	}
	if rows == 0 {
		f.fail("dni0", "wizard.error.nohours")
	}
	for i := range officeRows {
		n := strconv.Itoa(i)
		if f.get("urzad"+n) == "" && (f.get("pokoje"+n) != "" || f.get("utel"+n) != "" || f.get("umail"+n) != "") {
			f.fail("urzad"+n, "wizard.error.required")
		}
		check("umail"+n, validate.Email(f.get("umail"+n)), "wizard.error.email")
		check("utel"+n, validate.Phone(f.get("utel"+n)), "wizard.error.phone")
	}
	f.crest, f.errs = readCrest(r, f.errs)
	return f
}

// readCrest takes the uploaded crest: PNG or SVG by its bytes (not its name or the browser's
// word), at most crestMax, and an SVG without scripts (the panel may show it one day).
func readCrest(r *http.Request, errs map[string]string) ([]byte, map[string]string) {
	file, _, err := r.FormFile("herb")
	if err != nil {
		return nil, errs // none sent: the bundle gets a plain shield
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, crestMax+1))
	switch {
	case err != nil:
		errs["herb"] = "wizard.error.crest"
	case len(data) == 0:
		return nil, errs
	case len(data) > crestMax:
		errs["herb"] = "wizard.error.crestsize"
	default:
		// The editor's upload check (contentfiles.go): a crest is a PNG or an SVG.
		ext, err := sniff(data)
		switch {
		case errors.Is(err, errActiveSVG):
			errs["herb"] = "wizard.error.crestscript"
		case err != nil || ext != ".png" && ext != ".svg":
			errs["herb"] = "wizard.error.crest"
		default:
			return data, errs
		}
	}
	return nil, errs
}

func (h *Handler) wizardSubmit(w http.ResponseWriter, r *http.Request, c *current) {
	muni, action, ok := h.wizardTarget(w, r, c)
	if !ok {
		return
	}
	has, err := h.hasContent(r, muni)
	if err != nil {
		h.log.Error("panel: wizard", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	if has {
		h.showWizard(w, r, c, http.StatusConflict, muni, action, &wizardForm{errs: map[string]string{}}, nil, true)
		return
	}
	f := readWizard(r)
	if len(f.errs) > 0 {
		h.showWizard(w, r, c, http.StatusBadRequest, muni, action, f, nil, false)
		return
	}
	p := content.Profile{
		Name: f.get("nazwa"), Kind: f.get("rodzaj"), RefPrefix: f.get("skrot"),
		Address: content.Address{Street: f.get("ulica"), PostalCode: validate.NormalPostalCode(f.get("kod")), City: f.get("miejscowosc")},
		Phone:   f.get("telefon"), Email: f.get("email"), Website: f.get("strona"), EPUAP: f.get("epuap"), EDelivery: f.get("edoreczenia"),
		NIP: validate.NormalNIP(f.get("nip")), REGON: validate.NormalDigits(f.get("regon")), Account: f.get("rachunek"),
		Color: f.get("kolor"), Crest: f.crest,
		Controller: f.get("administrator"), DPO: content.DPO{Name: f.get("iod_nazwisko"), Email: f.get("iod_email"), Phone: f.get("iod_telefon")},
		Retention: f.get("okres"), Public: content.PublicURLs{Page: f.get("bip"), Card: f.get("karty")}, Portal: f.get("portal"),
		SubmissionKey: f.get("klucz"), Author: c.user.Name, Today: h.now().In(portal.DefaultLocation()),
	}
	if p.Author == "" {
		p.Author = c.user.Login
	}
	var hourRow []int // the form's row of each line of hours, for content check's [i]
	for i := range hourRows {
		n := strconv.Itoa(i)
		if f.get("dni"+n) != "" {
			p.Hours = append(p.Hours, content.Hours{Days: f.get("dni" + n), Open: f.get("od" + n), Close: f.get("do" + n)})
			hourRow = append(hourRow, i)
		}
	}
	for i := range officeRows {
		n := strconv.Itoa(i)
		if f.get("urzad"+n) != "" {
			p.Offices = append(p.Offices, content.NewOffice{Name: f.get("urzad" + n), Rooms: f.get("pokoje" + n), Phone: f.get("utel" + n), Email: f.get("umail" + n)})
		}
	}
	files, err := content.NewBundle(p)
	if err != nil {
		h.log.Error("panel: wizard bundle", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	// The skeleton must pass the kiosk's own check: what the rules above miss, it names.
	if _, err := content.Load(content.Folder(files).FS()); err != nil {
		var ps content.Problems
		if !errors.As(err, &ps) {
			h.log.Error("panel: wizard check", "municipality", muni, "err", err)
			h.fail(w, r, http.StatusInternalServerError, "error.internal")
			return
		}
		var rest []string
		for _, pr := range ps {
			if name := problemField(pr, hourRow); name != "" {
				f.fail(name, "!"+pr.Reason)
			} else {
				rest = append(rest, pr.String())
			}
		}
		h.showWizard(w, r, c, http.StatusBadRequest, muni, action, f, rest, false)
		return
	}
	actor := c.user.Login
	if c.user.Has(portal.RoleOperator) {
		actor = "operator:" + c.user.Login
	}
	if _, err := h.st.UpdateDraft(r.Context(), muni, 0, files, actor, h.now()); errors.Is(err, portal.ErrDraftChanged) {
		h.showWizard(w, r, c, http.StatusConflict, muni, action, &wizardForm{errs: map[string]string{}}, nil, true)
		return
	} else if err != nil {
		h.log.Error("panel: wizard draft", "municipality", muni, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "error.internal")
		return
	}
	// The public key is no secret, and names which key the kiosks will encrypt to.
	h.audit(r, muni, actor, "content.wizard", muni, fmt.Sprintf("files=%d key=%s", len(files), p.SubmissionKey))
	if c.user.Has(portal.RoleOperator) {
		h.audit(r, portal.OperatorMunicipality, c.user.Login, "content.wizard", muni, "")
	}
	h.render(w, http.StatusOK, "wizarddone", h.view(r, c, "wizarddone.title", wizardDone{Municipality: muni,
		Operator: c.user.Has(portal.RoleOperator), Key: p.SubmissionKey, Files: len(files)}))
}

type wizardDone struct {
	Municipality, Key string
	Operator          bool
	Files             int
}

// gminaFields maps gmina.yaml's fields, as content check names them, to the wizard's inputs.
var gminaFields = map[string]string{"nazwa": "nazwa", "rodzaj": "rodzaj", "skrot": "skrot", "adres.ulica": "ulica",
	"adres.kod": "kod", "adres.miejscowosc": "miejscowosc", "telefon": "telefon", "email": "email", "strona": "strona",
	"skrytka_epuap": "epuap", "adres_e_doreczen": "edoreczenia", "nip": "nip", "regon": "regon", "rachunek": "rachunek",
	"kolor": "kolor", "herb": "herb", "administrator_danych": "administrator", "iod": "iod_nazwisko", "iod.email": "iod_email",
	"iod.telefon": "iod_telefon", "okres_przechowywania": "okres", "adresy_www.strona_bip": "bip", "adresy_www.karta": "karty",
	"portal": "portal", "klucz_wnioskow": "klucz", "godziny": "dni0"}

var hoursField = regexp.MustCompile(`^godziny\[(\d+)\](?:\.(dni|od|do))?$`)

// problemField is the input a content check problem is about, "" when none.
func problemField(p content.Problem, hourRow []int) string {
	if p.File != content.MunicipalityFile {
		return ""
	}
	if m := hoursField.FindStringSubmatch(p.Field); m != nil {
		i, _ := strconv.Atoi(m[1])
		if i >= len(hourRow) {
			return ""
		}
		name := m[2]
		if name == "" {
			name = "do"
		}
		return name + strconv.Itoa(hourRow[i])
	}
	return gminaFields[p.Field]
}
