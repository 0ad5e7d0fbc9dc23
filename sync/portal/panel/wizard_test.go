package panel_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"filippo.io/age"

	"infomat/content"
	"infomat/sync/portal"
)

// wizardForm is a complete, valid wizard form for a municipality unlike the sample.
func wizardForm(recipient string) url.Values {
	return url.Values{
		"nazwa": {"Gmina Nowa Wola"}, "rodzaj": {"gmina miejsko-wiejska"}, "skrot": {"NWW"},
		"ulica": {"ul. Kościelna 1"}, "kod": {"26-001"}, "miejscowosc": {"Nowa Wola"},
		"telefon": {"+48 41 300 20 10"}, "email": {"urzad@nowawola.pl"}, "strona": {"https://nowawola.pl"},
		"epuap": {"/nowawola/SkrytkaESP"}, "edoreczenia": {"AE:PL-54321-09876-EDCBA-21"},
		"nip": {"856-734-62-15"}, "regon": {"631253468"}, "rachunek": {"61 1090 1014 0000 0712 1981 2874"},
		"kolor": {"#2a6f2b"},
		"dni0":  {"poniedziałek–piątek"}, "od0": {"07:30"}, "do0": {"15:30"},
		"urzad0": {"Urząd Gminy Nowa Wola"}, "pokoje0": {"pokój 1 — sekretariat\npokój 4 — podatki"},
		"urzad1": {"Urząd Stanu Cywilnego"}, "pokoje1": {"pokój 7"}, "umail1": {"usc@nowawola.pl"},
		"administrator": {"Wójt Gminy Nowa Wola, ul. Kościelna 1, 26-001 Nowa Wola"},
		"iod_nazwisko":  {"Jan Kowal"}, "iod_email": {"iod@nowawola.pl"},
		"okres": {"Zgodnie z jednolitym rzeczowym wykazem akt — 5 lat."},
		"bip":   {"https://bip.nowawola.pl/{id}"}, "portal": {"https://wnioski.nowawola.pl"},
		"klucz": {recipient}, "zapisany": {"1"},
	}
}

// postMultipart sends form (and a crest, when given) as the wizard's page does.
// postFile posts form as a browser's multipart form, with data as the file field's file
// (none when data is nil).
func (b *browser) postFile(path string, form url.Values, field, name string, data []byte) int {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if data != nil {
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.body = string(raw)
	return resp.StatusCode
}

func (b *browser) postMultipart(path string, form url.Values, crest []byte) int {
	b.e.t.Helper()
	return b.postFile(path, form, "herb", "herb.png", crest)
}

func loadDraft(t *testing.T, st portal.DraftStore, muni string) *content.Bundle {
	t.Helper()
	d, err := st.Draft(t.Context(), muni)
	if err != nil {
		t.Fatalf("draft of %s: %v", muni, err)
	}
	fsys := fstest.MapFS{}
	for p, data := range d.Files {
		fsys[p] = &fstest.MapFile{Data: data}
	}
	b, err := content.Load(fsys)
	if err != nil {
		t.Fatalf("the draft does not load: %v", err)
	}
	return b
}

// TestWizardValidatesAndCreatesTheDraft: an administrator's home offers the wizard; a form
// with mistakes comes back with each error next to its field (aria-invalid, described by
// the error); the right form stores a draft that loads, has nothing of the sample and
// carries the submitted public key; the wizard is then gone, and another municipality is
// untouched.
func TestWizardValidatesAndCreatesTheDraft(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.login("nowawola", "admin", e.addUser("nowawola", "admin", "Ewa Sekretarz", portal.RoleAdmin))
	e.addUser("inna", "admin", "Inny Admin", portal.RoleAdmin)

	b.get("/panel/")
	if !strings.Contains(b.body, `href="/panel/wizard"`) {
		t.Fatalf("home offers no wizard:\n%s", b.body)
	}
	if st, _ := b.get("/panel/wizard"); st != http.StatusOK || !strings.Contains(b.body, `id="keygen"`) ||
		!strings.Contains(b.body, `src="/panel/static/keygen.js"`) || !strings.Contains(b.body, `enctype="multipart/form-data"`) {
		t.Fatalf("wizard page %d:\n%s", st, b.body)
	}
	csrf := b.csrf()

	id, _ := age.GenerateX25519Identity()
	bad := wizardForm(id.Recipient().String())
	bad.Set("csrf", csrf)
	bad.Set("nip", "1234567890")
	bad.Set("regon", "123456789")
	bad.Set("rachunek", "61 1090 1014 0000 0712 1981 2875")
	bad.Set("kod", "26001x")
	bad.Set("email", "urzad@")
	bad.Set("od0", "7.30")
	bad.Set("skrot", "nw")
	bad.Set("klucz", content.SampleKey())
	bad.Del("zapisany")
	bad.Set("bip", "https://bip.nowawola.pl/strona")
	if st := b.postMultipart("/panel/wizard", bad, nil); st != http.StatusBadRequest {
		t.Fatalf("bad form: %d\n%s", st, b.body)
	}
	for field, msg := range map[string]string{
		"nip": "NIP ma błędną", "regon": "REGON ma błędną", "rachunek": "Numer rachunku ma błędną",
		"kod": "00-000", "email": "adres e-mail wygląda na błędny", "od0": "GG:MM", "skrot": "2–4 wielkie litery",
		"klucz": "klucz przykładowej gminy", "zapisany": "wymagane",
	} {
		re := regexp.MustCompile(`id="w-` + field + `"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*w-` + field + `-error`)
		if !re.MatchString(b.body) {
			t.Errorf("%s is not marked invalid and described by its error", field)
		}
		errRE := regexp.MustCompile(`<p id="w-` + field + `-error" class="error">([^<]*)</p>`)
		if m := errRE.FindStringSubmatch(b.body); m == nil || !strings.Contains(m[1], msg) {
			t.Errorf("%s: error %v, want %q", field, m, msg)
		}
	}
	// The bundle rules the wizard does not repeat come from content check, at their field.
	bad = wizardForm(id.Recipient().String())
	bad.Set("csrf", csrf)
	bad.Set("bip", "https://bip.nowawola.pl/strona")
	if st := b.postMultipart("/panel/wizard", bad, nil); st != http.StatusBadRequest ||
		!regexp.MustCompile(`<p id="w-bip-error" class="error">[^<]*\{id\}`).MatchString(b.body) {
		t.Fatalf("a BIP address without {id}: %d\n%s", st, b.body)
	}
	if _, err := e.st.Draft(t.Context(), "nowawola"); err == nil {
		t.Fatal("a draft was stored from a bad form")
	}

	// Without the CSRF token nothing happens.
	good := wizardForm(id.Recipient().String())
	if st := b.postMultipart("/panel/wizard", good, nil); st != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", st)
	}
	good.Set("csrf", csrf)
	// An administrator without the moderator role is told who edits the content next.
	if st := b.postMultipart("/panel/wizard", good, nil); st != http.StatusOK || !strings.Contains(b.body, `id="need-moderator"`) ||
		!strings.Contains(b.body, id.Recipient().String()) {
		t.Fatalf("good form: %d\n%s", st, b.body)
	}
	bundle := loadDraft(t, e.st, "nowawola")
	m := bundle.Municipality
	if m.SubmissionKey != id.Recipient().String() || m.Name != "Gmina Nowa Wola" || m.NIP != "8567346215" || m.Retention == "" ||
		m.Kind != "gmina miejsko-wiejska" || len(bundle.Offices) != 2 {
		t.Fatalf("draft's gmina.yaml: %+v", m)
	}
	for _, w := range append(content.SampleTraces(bundle), bundle.Warnings...) {
		if strings.Contains(w.Reason, "przykładowej gminy") {
			t.Errorf("sample trace in the draft: %s", w)
		}
	}
	d, _ := e.st.Draft(t.Context(), "nowawola")
	if d.Revision != 1 || d.UpdatedBy != "admin" {
		t.Errorf("draft revision %d by %q", d.Revision, d.UpdatedBy)
	}
	for p, data := range d.Files {
		if bytes.Contains(bytes.ToUpper(data), []byte("AGE-SECRET-KEY")) {
			t.Errorf("%s holds a private key", p)
		}
	}
	audit, _ := e.st.Audit(t.Context(), "nowawola", 10)
	if len(audit) == 0 || audit[0].Action != "content.wizard" || !strings.Contains(audit[0].Detail, id.Recipient().String()) {
		t.Errorf("audit: %+v", audit)
	}

	// Done once: the wizard is gone from home and refuses a second run.
	b.get("/panel/")
	if strings.Contains(b.body, `href="/panel/wizard"`) {
		t.Error("home still offers the wizard")
	}
	if st := b.postMultipart("/panel/wizard", good, nil); st != http.StatusConflict {
		t.Fatalf("second run: %d", st)
	}
	if d2, _ := e.st.Draft(t.Context(), "nowawola"); d2.Revision != 1 {
		t.Fatal("the second run changed the draft")
	}
	if _, err := e.st.Draft(t.Context(), "inna"); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("another municipality got a draft: %v", err)
	}
}

// TestWizardCrestAndRoles: the crest is taken by its bytes and size; a clerk cannot open the
// wizard; an operator runs it for an existing municipality only.
func TestWizardCrestAndRoles(t *testing.T) {
	e := newEnv(t)
	admin := e.browser()
	admin.login("nowawola", "admin", e.addUser("nowawola", "admin", "Ewa Sekretarz", portal.RoleAdmin))
	admin.get("/panel/wizard")
	id, _ := age.GenerateX25519Identity()
	form := wizardForm(id.Recipient().String())
	form.Set("csrf", admin.csrf())
	for crest, msg := range map[string]string{
		"GIF89a not a png":                                 "PNG albo SVG",
		`<svg xmlns="x"><script>x()</script></svg>`:        "skrypt",
		"\x89PNG\r\n\x1a\n" + strings.Repeat("x", 600<<10): "za duży",
	} {
		if st := admin.postMultipart("/panel/wizard", form, []byte(crest)); st != http.StatusBadRequest || !strings.Contains(admin.body, msg) {
			t.Errorf("crest %.20q: %d, want %q", crest, st, msg)
		}
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	if st := admin.postMultipart("/panel/wizard", form, png); st != http.StatusOK {
		t.Fatalf("png crest: %d\n%s", st, admin.body)
	}
	d, _ := e.st.Draft(t.Context(), "nowawola")
	if !bytes.Equal(d.Files["pliki/herb.png"], png) {
		t.Fatalf("crest in the draft: %q", d.Files["pliki/herb.png"])
	}

	clerk := e.browser()
	clerk.login("nowawola", "urzednik", e.addUser("nowawola", "urzednik", "Jan", portal.RoleClerk))
	if st, _ := clerk.get("/panel/wizard"); st != http.StatusForbidden {
		t.Fatalf("clerk: %d", st)
	}

	op := e.browser()
	op.login(portal.OperatorMunicipality, "op", e.addUser(portal.OperatorMunicipality, "op", "Operator", portal.RoleOperator))
	e.addUser("trzecia", "admin", "Admin", portal.RoleAdmin)
	op.get("/panel/municipalities")
	if !strings.Contains(op.body, `href="/panel/municipalities/trzecia/wizard"`) || strings.Contains(op.body, `href="/panel/municipalities/nowawola/wizard"`) {
		t.Fatalf("operator's list:\n%s", op.body)
	}
	if st, _ := op.get("/panel/municipalities/nieznana/wizard"); st != http.StatusNotFound {
		t.Fatalf("unknown municipality: %d", st)
	}
	op.get("/panel/municipalities/trzecia/wizard")
	form.Set("csrf", op.csrf())
	form.Set("skrot", "TRZ")
	if st := op.postMultipart("/panel/municipalities/trzecia/wizard", form, nil); st != http.StatusOK {
		t.Fatalf("operator's wizard: %d\n%s", st, op.body)
	}
	if b := loadDraft(t, e.st, "trzecia"); b.Municipality.RefPrefix != "TRZ" || b.Municipality.Crest != "pliki/herb.svg" {
		t.Fatalf("operator's draft: %+v", b.Municipality)
	}
}
