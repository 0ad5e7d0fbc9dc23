package content

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"filippo.io/age"

	"infomat/l10n"
	"infomat/validate"
)

var (
	slug      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	clock     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	colorHex  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	emailLike = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	refPrefix = regexp.MustCompile(`^[A-Z]{2,4}$`)
)

var imageExts = []string{".png", ".svg", ".jpg", ".jpeg"}

// check runs the rules that need more than one field or file.
func (l *loader) check(b *Bundle, parsed parsedFiles) {
	if parsed.municipality {
		l.checkMunicipality(&b.Municipality)
	}
	offices := map[string]bool{}
	if parsed.offices {
		l.checkOffices(b.Offices, offices)
	}
	categories := map[string]int{}
	if parsed.categories {
		if len(b.Categories) == 0 {
			l.add(CategoriesFile, "", "brak kategorii")
		}
		for i, c := range b.Categories {
			f := fmt.Sprintf("[%d]", i)
			l.checkID(CategoriesFile, f+".id", c.ID, categories)
			l.required(CategoriesFile, f+".nazwa", c.Name)
			l.title(CategoriesFile, f+".nazwa", c.Name)
		}
	}
	menu := map[string]int{}
	if parsed.menu {
		l.checkMenu(b.BIPMenu, "", menu)
	}
	for i := range b.Procedures {
		p := &b.Procedures[i]
		l.checkProcedure(p, b.Municipality.Account, parsed, offices, categories)
		if parsed.categories {
			categories[p.Category]++
		}
	}
	if parsed.categories {
		for _, c := range b.Categories {
			if categories[c.ID] == 0 {
				l.warn(CategoriesFile, c.ID, "żadna karta usługi nie należy do tej kategorii — kiosk jej nie pokaże")
			}
		}
	}
	for i := range b.BIPPages {
		l.checkPage(&b.BIPPages[i], parsed, menu)
	}
}

func (l *loader) required(file, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		l.add(file, field, "pole wymagane jest puste — uzupełnij je")
		return false
	}
	return true
}

// title refuses control characters in a title or name: an escape code or a right-to-left
// override (U+202E) pasted in would garble the kiosk's screen, receipts and logs, and the clerk
// cannot see it in the editor.
func (l *loader) title(file, field, v string) {
	for _, r := range v {
		if unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F {
			l.add(file, field, "tytuł zawiera znak sterujący U+%04X (niewidoczny, zwykle wklejony z innego programu) — usuń go, przepisując tytuł", r)
			return
		}
	}
}

func (l *loader) checkID(file, field, id string, seen map[string]int) {
	if !slug.MatchString(id) {
		l.add(file, field, "identyfikator %q: tylko małe litery bez polskich znaków, cyfry i myślniki", id)
	}
	if _, dup := seen[id]; dup {
		l.add(file, field, "identyfikator %q powtarza się", id)
	}
	seen[id] = 0
}

func (l *loader) checkFile(file, field, name string, exts []string) {
	if name == "" {
		return
	}
	if !fs.ValidPath(name) {
		l.add(file, field, "ścieżka %q musi być względna, bez ../", name)
		return
	}
	if exts != nil && !slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		l.add(file, field, "plik %q: dozwolone rozszerzenia %s", name, strings.Join(exts, ", "))
	}
	if _, err := fs.Stat(l.fsys, name); errors.Is(err, fs.ErrNotExist) {
		l.add(file, field, "brak pliku %q w paczce", name)
	}
}

func (l *loader) checkAddress(file, field string, a Address) {
	l.required(file, field+".ulica", a.Street)
	l.required(file, field+".miejscowosc", a.City)
	if validate.PostalCode(a.PostalCode) != nil {
		l.add(file, field+".kod", "kod pocztowy %q: wpisz w formacie 00-000", a.PostalCode)
	}
}

func (l *loader) checkHours(file, field string, hs []Hours) {
	for i, h := range hs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if l.required(file, f+".dni", h.Days) {
			if _, err := ParseDays(h.Days); err != nil {
				// A warning: the line still shows as written, only "open now" cannot use it.
				l.warn(file, f+".dni", "nie rozpoznaję dni %q — wpisz np. poniedziałek, wtorek–czwartek, pon.–pt.; kiosk pokaże ten wiersz, ale nie powie, czy urząd jest teraz otwarty", h.Days)
			}
		}
		okOpen, okClose := clock.MatchString(h.Open), clock.MatchString(h.Close)
		if !okOpen {
			l.add(file, f+".od", "godzina %q: wpisz w formacie GG:MM", h.Open)
		}
		if !okClose {
			l.add(file, f+".do", "godzina %q: wpisz w formacie GG:MM", h.Close)
		}
		if okOpen && okClose && h.Open >= h.Close {
			l.add(file, f, "godzina otwarcia %s nie jest przed zamknięciem %s", h.Open, h.Close)
		}
	}
}

func (l *loader) checkEmail(file, field, v string) {
	if v != "" && !emailLike.MatchString(v) {
		l.add(file, field, "adres e-mail %q wygląda na błędny", v)
	}
}

func (l *loader) checkMunicipality(m *Municipality) {
	const f = MunicipalityFile
	l.required(f, "nazwa", m.Name)
	l.title(f, "nazwa", m.Name)
	if m.Name != "" {
		l.recipientFits(f, "nazwa", m.Name)
	}
	l.required(f, "administrator_danych", m.Controller)
	l.checkAddress(f, "adres", m.Address)
	l.required(f, "telefon", m.Phone)
	if l.required(f, "email", m.Email) {
		l.checkEmail(f, "email", m.Email)
	}
	if l.required(f, "herb", m.Crest) {
		l.checkFile(f, "herb", m.Crest, imageExts)
	}
	if m.NIP != "" && validate.NIP(m.NIP) != nil {
		l.add(f, "nip", "NIP %q ma błędną sumę kontrolną lub długość", m.NIP)
	}
	if m.REGON != "" && validate.REGON(m.REGON) != nil {
		l.add(f, "regon", "REGON %q ma błędną sumę kontrolną lub długość", m.REGON)
	}
	if m.Account != "" && validate.NRB(m.Account) != nil {
		l.add(f, "rachunek", "numer rachunku %q jest błędny (26 cyfr, suma kontrolna)", m.Account)
	}
	if len(m.Hours) == 0 {
		l.add(f, "godziny", "podaj godziny pracy urzędu")
	}
	l.checkHours(f, "godziny", m.Hours)
	if m.DPO.Name == "" && m.DPO.Email == "" {
		l.add(f, "iod", "podaj inspektora ochrony danych (imię i nazwisko lub e-mail)")
	}
	l.checkEmail(f, "iod.email", m.DPO.Email)
	if m.Color != "" && !colorHex.MatchString(m.Color) {
		l.add(f, "kolor", "kolor %q: wpisz jako #RRGGBB", m.Color)
	}
	if m.RefPrefix != "" && !refPrefix.MatchString(m.RefPrefix) {
		l.add(f, "skrot", "skrót %q: 2–4 wielkie litery bez polskich znaków, np. PRZ", m.RefPrefix)
	}
	if m.SubmissionKey != "" {
		if _, err := age.ParseX25519Recipient(m.SubmissionKey); err != nil {
			l.add(f, "klucz_wnioskow", "to nie jest klucz publiczny age (age1…): %v", err)
		}
	}
	if m.Portal != "" {
		if u, err := url.Parse(m.Portal); err != nil || u.Scheme != "https" || u.Host == "" {
			l.add(f, "portal", "adres %q: podaj pełny adres https://…", m.Portal)
		}
	}
	l.checkPublicURL(f, "adresy_www.karta", m.Public.Card, "{id}", m.Public.CardURL("przyklad"))
	l.checkPublicURL(f, "adresy_www.strona_bip", m.Public.Page, "{id}", m.Public.PageURL("dzial/przyklad"))
	l.checkPublicURL(f, "adresy_www.zalacznik", m.Public.Attachment, "{plik}", m.Public.AttachmentURL("pliki/bip/przyklad.pdf"))
}

// checkPublicURL checks an address template of adresy_www: an https URL that names the
// item by key, since a QR code of one address for every item would send residents astray.
func (l *loader) checkPublicURL(f, field, tmpl, key, example string) {
	if tmpl == "" {
		return
	}
	if !strings.Contains(tmpl, key) {
		l.add(f, field, "adres %q: wstaw %s w miejsce, gdzie adres podaje daną pozycję", tmpl, key)
		return
	}
	if rest := strings.ReplaceAll(tmpl, key, ""); strings.ContainsAny(rest, "{}") {
		l.add(f, field, "adres %q: znana wstawka to tylko %s", tmpl, key)
		return
	}
	if u, err := url.Parse(example); err != nil || u.Scheme != "https" || u.Host == "" {
		l.add(f, field, "adres %q: podaj pełny adres https://…", tmpl)
	}
}

func (l *loader) checkOffices(os []Office, seen map[string]bool) {
	const f = OfficesFile
	ids := map[string]int{}
	if len(os) == 0 {
		l.add(f, "", "brak urzędów")
	}
	for i, o := range os {
		p := fmt.Sprintf("[%d]", i)
		l.checkID(f, p+".id", o.ID, ids)
		seen[o.ID] = true
		l.required(f, p+".nazwa", o.Name)
		l.title(f, p+".nazwa", o.Name)
		if o.Address != nil {
			l.checkAddress(f, p+".adres", *o.Address)
		}
		l.checkEmail(f, p+".email", o.Email)
		l.checkHours(f, p+".godziny", o.Hours)
	}
}

func (l *loader) checkMenu(items []MenuItem, prefix string, seen map[string]int) {
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", prefix, i)
		l.checkID(BIPMenuFile, p+".id", it.ID, seen)
		l.required(BIPMenuFile, p+".tytul", it.Title)
		l.title(BIPMenuFile, p+".tytul", it.Title)
		l.checkMenu(it.Children, p+".podmenu", seen)
	}
}

func (l *loader) checkRecord(file, field string, r Record) {
	l.required(file, field+".wytworzyl", r.ProducedBy)
	l.required(file, field+".opublikowal", r.PublishedBy)
	if r.ProducedOn.IsZero() {
		l.add(file, field+".data_wytworzenia", "pole wymagane jest puste — uzupełnij je")
	}
	if r.PublishedOn.IsZero() {
		l.add(file, field+".data_publikacji", "pole wymagane jest puste — uzupełnij je")
	}
	if !r.ProducedOn.IsZero() && !r.PublishedOn.IsZero() && r.PublishedOn.Before(r.ProducedOn.Time) {
		l.add(file, field+".data_publikacji", "publikacja (%s) przed wytworzeniem (%s)", r.PublishedOn, r.ProducedOn)
	}
	// A bulletin dated in the future is a typo in the year, not a plan.
	tomorrow := time.Now().AddDate(0, 0, 1)
	if r.ProducedOn.After(tomorrow) {
		l.add(file, field+".data_wytworzenia", "data %s jest w przyszłości", r.ProducedOn)
	}
	if r.PublishedOn.After(tomorrow) {
		l.add(file, field+".data_publikacji", "data %s jest w przyszłości", r.PublishedOn)
	}
	prev := 0
	for i, c := range r.Changes {
		f := fmt.Sprintf("%s.rejestr_zmian[%d]", field, i)
		if c.Version <= prev {
			l.add(file, f+".wersja", "wersje muszą rosnąć (po %d jest %d)", prev, c.Version)
		}
		prev = c.Version
		if c.Date.IsZero() {
			l.add(file, f+".data", "pole wymagane jest puste — uzupełnij je")
		} else if c.Date.After(tomorrow) {
			l.add(file, f+".data", "data %s jest w przyszłości", c.Date)
		} else if c.Date.Before(r.ProducedOn.Time) {
			l.add(file, f+".data", "zmiana (%s) przed wytworzeniem (%s)", c.Date, r.ProducedOn)
		}
		l.required(file, f+".autor", c.Author)
		l.required(file, f+".opis", c.Reason)
	}
}

func (l *loader) checkProcedure(p *Procedure, defaultAccount string, parsed parsedFiles, offices map[string]bool, categories map[string]int) {
	f := p.File
	if !slug.MatchString(p.ID) {
		l.add(f, "", "nazwa pliku %q: tylko małe litery bez polskich znaków, cyfry i myślniki", p.ID)
	}
	l.required(f, "nazwa", p.Title)
	l.title(f, "nazwa", p.Title)
	l.required(f, "w_skrocie", p.Summary)
	if l.required(f, "kategoria", p.Category) && parsed.categories {
		if _, ok := categories[p.Category]; !ok {
			l.add(f, "kategoria", "nieznana kategoria %q (zob. %s)", p.Category, CategoriesFile)
		}
	}
	for i, k := range p.Keywords {
		if strings.TrimSpace(k) == "" {
			l.add(f, fmt.Sprintf("slowa_kluczowe[%d]", i), "puste słowo kluczowe — usuń je")
		}
	}
	if len(p.Audience) == 0 {
		l.add(f, "kogo_dotyczy", "pole wymagane jest puste — uzupełnij je")
	}
	for i, d := range p.Documents {
		l.required(f, fmt.Sprintf("wymagane_dokumenty[%d].nazwa", i), d.Name)
	}
	for i, fee := range p.Fees {
		ff := fmt.Sprintf("oplaty[%d]", i)
		l.required(f, ff+".tytul", fee.Title)
		if fee.Amount <= 0 {
			l.add(f, ff+".kwota", "kwota musi być większa od zera (brak opłat: pusta lista oplaty)")
		}
		l.checkFeeKind(f, ff, fee)
		if fee.Recipient != "" || fee.RecipientShort != "" {
			l.checkRecipient(f, ff, fee)
		}
		account := fee.Account
		if account == "" {
			account = defaultAccount
		}
		if account == "" {
			l.add(f, ff+".rachunek", "brak numeru rachunku (tu ani w %s)", MunicipalityFile)
		} else if validate.NRB(account) != nil {
			l.add(f, ff+".rachunek", "numer rachunku %q jest błędny (26 cyfr, suma kontrolna)", account)
		}
	}
	l.required(f, "termin", p.Duration)
	if l.required(f, "miejsce.urzad", p.Place.Office) && parsed.offices && !offices[p.Place.Office] {
		l.add(f, "miejsce.urzad", "nieznany urząd %q (zob. %s)", p.Place.Office, OfficesFile)
	}
	if len(p.Channels) == 0 {
		l.add(f, "forma_zlozenia", "pole wymagane jest puste — uzupełnij je")
	}
	for i, c := range p.Channels {
		if !slices.Contains(Channels, c) {
			l.add(f, fmt.Sprintf("forma_zlozenia[%d]", i), "nieznana forma %q (dozwolone: %s)", c, strings.Join(Channels, ", "))
		}
	}
	l.required(f, "tryb_odwolawczy", p.Appeal)
	if len(p.LegalBase) == 0 {
		l.add(f, "podstawa_prawna", "pole wymagane jest puste — uzupełnij je")
	}
	for i, fr := range p.Forms {
		ff := fmt.Sprintf("formularze[%d]", i)
		l.required(f, ff+".nazwa", fr.Name)
		l.checkFile(f, ff+".plik", fr.File, nil)
	}
	l.checkRecord(f, "metryczka", p.Record)
}

func (l *loader) checkPage(pg *Page, parsed parsedFiles, menu map[string]int) {
	f := pg.File
	for _, part := range strings.Split(pg.ID, "/") {
		if !slug.MatchString(part) {
			l.add(f, "", "nazwa pliku lub folderu %q: tylko małe litery bez polskich znaków, cyfry i myślniki", part)
			break
		}
	}
	l.required(f, "tytul", pg.Title)
	l.title(f, "tytul", pg.Title)
	if l.required(f, "menu", pg.Menu) && parsed.menu {
		if _, ok := menu[pg.Menu]; !ok {
			l.add(f, "menu", "nieznana pozycja menu %q (zob. %s)", pg.Menu, BIPMenuFile)
		}
	}
	if strings.TrimSpace(pg.Body) == "" {
		l.add(f, "", "strona nie ma treści pod nagłówkiem")
	}
	if rows, line := longestTable(pg.Body); rows > MaxTableRows {
		l.add(f, "", "tabela w treści (od wiersza %d pod nagłówkiem YAML) ma %s, a na kiosku może mieć najwyżej %d — podziel ją na kilka stron albo dołącz pełną wersję jako plik w pliki/", line, l10n.Count(rows, "wiersz", "wiersze", "wierszy"), MaxTableRows)
	}
	for i, a := range pg.Attachments {
		ff := fmt.Sprintf("zalaczniki[%d]", i)
		l.required(f, ff+".nazwa", a.Name)
		l.title(f, ff+".nazwa", a.Name)
		if l.required(f, ff+".plik", a.File) {
			l.checkFile(f, ff+".plik", a.File, nil)
		}
	}
	if pg.Source != "" {
		if u, err := url.Parse(pg.Source); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.add(f, "zrodlo", "adres %q: podaj pełny adres strony źródłowej, http://… albo https://…", pg.Source)
		}
	}
	l.checkRecord(f, "metryczka", pg.Record)
}

// checkFeeKind rejects an unknown rodzaj and asks for one where the fee's amount may not be
// what is due now: it has a note (when it applies) or a unit (a rate).
func (l *loader) checkFeeKind(f, ff string, fee Fee) {
	switch {
	case fee.Kind != "" && !slices.Contains(FeeKinds, fee.Kind):
		l.add(f, ff+".rodzaj", "nieznany rodzaj %q (dozwolone: stala — kwota do zapłaty teraz, stawka — np. za m² albo za godzinę, warunkowa — tylko w pewnych przypadkach albo zależna np. od dochodu)", fee.Kind)
	case fee.Kind == "" && fee.HasUnit():
		l.warn(f, ff+".rodzaj", "tytuł opłaty podaje jednostkę, więc kwota to stawka — wpisz rodzaj: stawka (kod QR nie poda wtedy kwoty) albo stala, gdy to jednak kwota do zapłaty")
	case fee.Kind == "" && strings.TrimSpace(fee.Note) != "":
		l.warn(f, ff+".rodzaj", "opłata ma uwagi, więc może nie być do zapłaty teraz w tej kwocie — wpisz rodzaj: stala, stawka albo warunkowa (do czasu wpisu kiosk traktuje ją jak warunkową: kod QR bez kwoty)")
	}
}

// checkRecipient warns when a fee's recipient, cut to the payment code's 20 characters,
// would not say who it is, and rejects a short name that does not fit.
func (l *loader) checkRecipient(f, ff string, fee Fee) {
	if fee.RecipientShort != "" {
		if n := utf8.RuneCountInString(fee.RecipientShort); n > MaxRecipientLen {
			l.add(f, ff+".odbiorca_skrot", "ma %d znaków, a kod QR przelewu mieści %d — skróć go", n, MaxRecipientLen)
		}
		return
	}
	l.recipientFits(f, ff+".odbiorca", fee.Recipient)
}

// MaxRecipientLen is how many characters of the recipient's name a ZBP payment code carries.
const MaxRecipientLen = 20

// recipientFits warns when name is longer than a payment code carries.
func (l *loader) recipientFits(f, field, name string) {
	r := []rune(strings.Join(strings.Fields(name), " "))
	if len(r) <= MaxRecipientLen {
		return
	}
	// Cut as the payment code cuts it (receipt.PaymentQR): at the last space that keeps half.
	cut := r[:MaxRecipientLen]
	if r[MaxRecipientLen] != ' ' {
		for i := len(cut) - 1; i >= MaxRecipientLen/2; i-- {
			if cut[i] == ' ' {
				cut = cut[:i]
				break
			}
		}
	}
	l.warn(f, field, "nazwa ma %d znaków, a kod QR przelewu mieści %d: aplikacja banku pokaże tylko „%s” — podaj odbiorca_skrot (do %d znaków, np. skrót z miejscowością)",
		len(r), MaxRecipientLen, strings.TrimSpace(string(cut)), MaxRecipientLen)
}
