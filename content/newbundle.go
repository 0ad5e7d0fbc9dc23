package content

import (
	"unicode"

	"bytes"
	"errors"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"html"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Profile is what the panel's new-municipality wizard collects; NewBundle turns it into the
// municipality's first content bundle.
type Profile struct {
	Name      string // "Gmina Nowa Wola"
	Kind      string // one of Kinds
	Address   Address
	Phone     string
	Email     string
	Website   string // optional
	EPUAP     string // optional
	EDelivery string // optional
	NIP       string // optional
	REGON     string // optional
	Account   string // optional: the default account for fees
	Color     string // #RRGGBB, optional
	RefPrefix string // 2–4 capitals
	Hours     []Hours
	Offices   []NewOffice // the first is the main office; none: one named after the municipality
	// Controller (administrator danych), DPO and Retention fill the RODO clause: the kiosk
	// builds it from gmina.yaml's administrator_danych and iod and each form's own purpose,
	// recipients and retention; Retention is stored as gmina.yaml's okres_przechowywania,
	// which new forms start with.
	Controller string
	DPO        DPO
	Retention  string
	Public     PublicURLs
	Portal     string // https base URL of the tracking page, optional
	// Crest is the coat of arms, PNG or SVG; nil: a plain shield in the colour (its initial is SVG text, which Fyne's renderer leaves out)
	// until the municipality uploads its own.
	Crest         []byte
	SubmissionKey string // the municipality's age recipient, age1…
	// Author names who produced and published the first pages (the administrator running
	// the wizard); Today dates them.
	Author string
	Today  time.Time
}

// NewOffice is an office the wizard collects. Rooms is free text ("pokój 10 — sekretariat,
// pokój 12 — podatki"): offices have no rooms of their own in the format, so they are listed
// on the BIP contact page, and cards name their room in miejsce.pokoj.
type NewOffice struct {
	Name, Rooms, Phone, Email string
}

// Kinds are the kinds of municipality (rodzaj) the wizard offers.
var Kinds = []string{"gmina wiejska", "gmina miejsko-wiejska", "gmina miejska"}

// StarterCategories are the categories a new bundle starts with: the usual matters of a
// gmina's office. The kiosk hides a category until some card belongs to it (content check
// says so as a warning).
var StarterCategories = []Category{
	{ID: "urzad", Name: "Urząd i informacja publiczna", Description: "Dostęp do informacji publicznej, skargi i wnioski"},
	{ID: "meldunek", Name: "Meldunek", Description: "Zameldowanie, wymeldowanie, zaświadczenia o zameldowaniu"},
	{ID: "dowod-osobisty", Name: "Dowód osobisty", Description: "Wydanie, utrata i zawieszenie dowodu"},
	{ID: "usc", Name: "Stan cywilny (USC)", Description: "Akty urodzenia, małżeństwa i zgonu, ślub, zmiana imienia lub nazwiska"},
	{ID: "podatki", Name: "Podatki i opłaty lokalne", Description: "Podatek od nieruchomości, rolny, leśny, zaświadczenia"},
	{ID: "odpady", Name: "Odpady komunalne", Description: "Deklaracja, opłata, harmonogram, PSZOK"},
	{ID: "budownictwo", Name: "Budownictwo i nieruchomości", Description: "Warunki zabudowy, numer porządkowy, podział działki, wycinka drzew"},
	{ID: "dzialalnosc", Name: "Działalność gospodarcza", Description: "CEIDG, zezwolenia na alkohol, transport"},
	{ID: "pomoc-spoleczna", Name: "Pomoc społeczna", Description: "Zasiłki, dodatek mieszkaniowy, Karta Dużej Rodziny"},
}

// NewBundle builds a municipality's first bundle from the wizard's profile: gmina.yaml,
// urzedy.yaml, kategorie.yaml, the usual BIP menu, a BIP contact page, the crest, and one
// procedure card every public body has (access to public information), since a bundle needs
// at least one card. Nothing of the sample municipality is in it. The files are the bundle's
// paths → bytes; callers check them with Load (NewBundle does not validate the profile).
func NewBundle(p Profile) (map[string][]byte, error) {
	if p.Today.IsZero() {
		p.Today = time.Now()
	}
	if strings.TrimSpace(p.Author) == "" {
		p.Author = p.Controller // the metryczka needs someone
	}
	today := Date{time.Date(p.Today.Year(), p.Today.Month(), p.Today.Day(), 0, 0, 0, 0, time.UTC)}
	files := map[string][]byte{}
	crest, err := crestFile(p)
	if err != nil {
		return nil, err
	}
	files[crest.path] = crest.data

	offices := officesOf(p)
	m := Municipality{Name: p.Name, Kind: p.Kind, Crest: crest.path, Controller: p.Controller, Address: p.Address,
		Phone: p.Phone, Email: p.Email, Website: p.Website, EPUAP: p.EPUAP, EDelivery: p.EDelivery, NIP: p.NIP,
		REGON: p.REGON, Account: p.Account, Hours: p.Hours, DPO: p.DPO, Retention: p.Retention, Color: p.Color,
		RefPrefix: p.RefPrefix, SubmissionKey: p.SubmissionKey, Portal: p.Portal, Public: p.Public}
	add := func(path string, v any, head string, comments map[string]string) {
		if err == nil {
			files[path], err = marshalCommented(v, head, comments)
		}
	}
	add(MunicipalityFile, m, "Profil gminy: to, co kiosk pokazuje na ekranie startowym i w klauzuli RODO.\nUtworzony kreatorem nowej gminy w panelu; popraw go w edytorze treści.", map[string]string{
		"rachunek":             "Rachunek na opłaty, gdy karta usługi nie podaje innego.",
		"iod":                  "Inspektor ochrony danych: kiosk podaje go w klauzuli RODO każdego formularza.",
		"okres_przechowywania": "Okres przechowywania danych, od którego zaczyna każdy nowy formularz (klauzula RODO).\nKiosk pokazuje okres zapisany w samym formularzu.",
		"skrot":                "Skrót gminy na początku numerów wniosków (np. " + p.RefPrefix + "-7K4M-Q2).",
		"klucz_wnioskow":       "Publiczny klucz age gminy: kiosk szyfruje nim wnioski i sam nie może ich odczytać.\nKlucz prywatny ma tylko gmina (plik pobrany w kreatorze).",
		"portal":               "Portal, na którym mieszkaniec sprawdza wniosek po numerze (kod QR na potwierdzeniu).",
		"adresy_www":           "Adresy treści w internecie: kiosk pokazuje je jako kod QR „Zabierz na telefon”.\n{id} to nazwa pliku karty lub strony BIP bez rozszerzenia, {plik} to ścieżka załącznika.",
	})
	add(OfficesFile, offices, "Miejsca, w których mieszkańcy załatwiają sprawy. Karty usług wskazują je przez \"id\".\nUrząd bez adresu i godzin ma adres i godziny gminy.", nil)
	add(CategoriesFile, StarterCategories, "Kategorie spraw na ekranie \"Sprawy urzędowe\", w tej kolejności.\nKiosk pokazuje kategorię, gdy należy do niej choć jedna karta usługi.", nil)
	add(BIPMenuFile, starterMenu, "Menu Biuletynu Informacji Publicznej. Strony w bip/ wskazują pozycję przez \"menu: id\".", nil)
	add(ProceduresDir+"/dostep-do-informacji-publicznej.yaml", accessCard(p, offices[0].ID, today), "Karta usługi, którą ma każdy urząd. Kolejne karty dodasz w edytorze treści.", nil)
	if err != nil {
		return nil, fmt.Errorf("new bundle: %w", err)
	}
	page, err := contactPage(p, offices, today)
	if err != nil {
		return nil, fmt.Errorf("new bundle: %w", err)
	}
	files[BIPDir+"/dane-podmiotu/dane-kontaktowe.md"] = page
	return files, nil
}

type file struct {
	path string
	data []byte
}

// crestFile is the crest as uploaded, its type told by its bytes, or a plain shield.
func crestFile(p Profile) (file, error) {
	switch CrestType(p.Crest) {
	case "png":
		return file{"pliki/herb.png", p.Crest}, nil
	case "svg":
		return file{"pliki/herb.svg", p.Crest}, nil
	}
	if p.Crest != nil {
		return file{}, errors.New("the crest is neither PNG nor SVG")
	}
	color := p.Color
	if !colorHex.MatchString(color) {
		color = "#1d4f91"
	}
	initial := "?"
	for _, w := range strings.Fields(p.Name) {
		if !strings.EqualFold(w, "gmina") && !strings.EqualFold(w, "miasto") {
			initial = strings.ToUpper(string([]rune(w)[:1]))
			break
		}
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120" width="100" height="120">` + "\n" +
		`<title>Tarcza zastępcza — wgraj herb gminy</title>` + "\n" +
		`<path d="M5 5h90v55c0 30-20 48-45 55C25 108 5 90 5 60z" fill="` + color + `" stroke="#1a1a1a" stroke-width="3"/>` + "\n" +
		`<text x="50" y="72" font-family="DejaVu Sans, sans-serif" font-size="48" font-weight="bold" fill="#fff" text-anchor="middle">` + html.EscapeString(initial) + `</text>` + "\n</svg>\n"
	return file{"pliki/herb.svg", []byte(svg)}, nil
}

// CrestType tells a crest's type by its bytes, not its name: "png", "svg" or "".
func CrestType(b []byte) string {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return "png"
	}
	head := b[:min(len(b), 1024)]
	head = bytes.TrimPrefix(head, bom)
	head = bytes.TrimSpace(head)
	if (bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<svg")) || bytes.HasPrefix(head, []byte("<!--"))) &&
		bytes.Contains(b, []byte("<svg")) {
		return "svg"
	}
	return ""
}

func officesOf(p Profile) []Office {
	var out []Office
	ids := map[string]bool{}
	for _, o := range p.Offices {
		if strings.TrimSpace(o.Name) == "" {
			continue
		}
		id := Slug(o.Name)
		if id == "" {
			id = "urzad"
		}
		for n := 2; ids[id]; n++ {
			id = fmt.Sprintf("%s-%d", Slug(o.Name), n)
		}
		ids[id] = true
		out = append(out, Office{ID: id, Name: strings.TrimSpace(o.Name), Phone: o.Phone, Email: o.Email})
	}
	if len(out) == 0 {
		out = append(out, Office{ID: "urzad-gminy", Name: officeName(p), Phone: p.Phone, Email: p.Email})
	}
	return out
}

// officeName is "Urząd Gminy Nowa Wola" for "Gmina Nowa Wola" ("Urząd Miasta …" for a town).
func officeName(p Profile) string {
	rest, ok := strings.CutPrefix(p.Name, "Gmina ")
	switch {
	case ok:
		return "Urząd Gminy " + rest
	case strings.HasPrefix(p.Name, "Miasto "):
		return "Urząd Miasta " + strings.TrimPrefix(p.Name, "Miasto ")
	}
	return "Urząd — " + p.Name
}

// Slug is an identifier for a name, as bundle IDs and file names take it: lower-case ASCII
// letters and digits between single hyphens, Polish (and other) letters without their marks
// ("Urząd Stanu Cywilnego" → "urzad-stanu-cywilnego"), at most 60 characters, cut at a word
// where it can be. "" when the name has no letter or digit; callers pick their default.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(slugLetters.Replace(strings.ToLower(name))) {
		switch {
		case unicode.Is(unicode.Mn, r): // a mark NFD took off its letter
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:60]
		if i := strings.LastIndexByte(s, '-'); i > 30 {
			s = s[:i]
		}
		s = strings.TrimRight(s, "-")
	}
	return s
}

// slugLetters are the letters NFD does not take apart into a base letter and a mark.
var slugLetters = strings.NewReplacer("ł", "l", "ß", "ss", "æ", "ae", "ø", "o", "đ", "d")

var starterMenu = []MenuItem{
	{ID: "dane-podmiotu", Title: "Dane podmiotu", Children: []MenuItem{
		{ID: "dane-kontaktowe", Title: "Dane kontaktowe i godziny pracy"},
		{ID: "struktura", Title: "Struktura organizacyjna"},
	}},
	{ID: "organy", Title: "Organy gminy", Children: []MenuItem{
		{ID: "wojt", Title: "Wójt, burmistrz lub prezydent"},
		{ID: "rada-gminy", Title: "Rada Gminy"},
	}},
	{ID: "prawo-lokalne", Title: "Prawo lokalne", Children: []MenuItem{
		{ID: "uchwaly", Title: "Uchwały"},
		{ID: "zarzadzenia", Title: "Zarządzenia"},
	}},
	{ID: "budzet", Title: "Budżet i finanse"},
	{ID: "ogloszenia", Title: "Ogłoszenia i przetargi", Children: []MenuItem{
		{ID: "ogloszenia-urzedu", Title: "Ogłoszenia"},
		{ID: "przetargi", Title: "Przetargi i zamówienia publiczne"},
	}},
	{ID: "oswiadczenia", Title: "Oświadczenia majątkowe"},
}

func record(p Profile, today Date, what string) Record {
	return Record{ProducedBy: p.Author, ProducedOn: today, PublishedBy: p.Author, PublishedOn: today,
		Changes: []Change{{Version: 1, Date: today, Author: p.Author, Reason: what}}}
}

// accessCard is the card for access to public information (ustawa z 6 września 2001 r.),
// which applies to every public body alike.
func accessCard(p Profile, office string, today Date) Procedure {
	channels := []string{"osobiscie", "poczta", "email"}
	if p.EPUAP != "" {
		channels = append(channels, "epuap")
	}
	if p.EDelivery != "" {
		channels = append(channels, "e-doreczenia")
	}
	return Procedure{
		Title:    "Wniosek o udostępnienie informacji publicznej",
		Category: "urzad",
		Keywords: []string{"informacja publiczna", "wniosek o informację", "dostęp do informacji", "freedom of information"},
		Summary:  "Każdy może zapytać urząd o informację publiczną, np. o wydatki gminy czy umowy, i nie musi tłumaczyć, po co jej potrzebuje. Odpowiemy w ciągu 14 dni. Wniosek jest bezpłatny.",
		Audience: []string{"Każdy — mieszkańcy, przedsiębiorcy, dziennikarze, stowarzyszenia."},
		Steps: []string{
			"Najpierw sprawdź, czy informacja nie jest już opublikowana w BIP.",
			"Napisz, jakiej informacji potrzebujesz i w jakiej formie — e-mailem, na papierze czy na płycie.",
			"Wyślij wniosek albo złóż go w urzędzie.",
			"Poczekaj na odpowiedź. Jeśli przygotowanie jej potrwa dłużej, napiszemy ci, dlaczego.",
		},
		Documents: []Document{{Name: "Wniosek o udostępnienie informacji publicznej", Note: "może być w dowolnej formie, także zwykły e-mail"}},
		Duration:  "Do 14 dni. Gdy to niemożliwe — do 2 miesięcy; poinformujemy cię o tym.",
		Place:     Place{Office: office},
		Channels:  channels,
		Appeal: "Jeśli odmówimy udostępnienia informacji, wydamy decyzję. Możesz się od niej odwołać do " +
			"samorządowego kolegium odwoławczego w ciągu 14 dni. Jeśli nie odpowiemy w terminie, możesz złożyć " +
			"skargę na bezczynność do wojewódzkiego sądu administracyjnego.",
		LegalBase: []string{"Ustawa z dnia 6 września 2001 r. o dostępie do informacji publicznej"},
		Notes:     "Udostępnienie informacji jest bezpłatne. Tylko gdy przygotowanie jej w wybranej przez ciebie formie wymaga dodatkowych kosztów, poinformujemy cię o opłacie w ciągu 14 dni.",
		Record:    record(p, today, "Pierwsza publikacja karty"),
	}
}

// contactPage is the BIP page "Dane kontaktowe" written from the profile.
func contactPage(p Profile, offices []Office, today Date) ([]byte, error) {
	front, err := marshalCommented(Page{Title: "Dane kontaktowe — " + p.Name, Menu: "dane-kontaktowe", Order: 1,
		Record: record(p, today, "Pierwsza publikacja")}, "", nil)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("---\n")
	b.Write(front)
	b.WriteString("---\n")
	fmt.Fprintf(&b, "## %s\n\n%s, %s %s\n\n", md(officeName(p)), md(p.Address.Street), md(p.Address.PostalCode), md(p.Address.City))
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "- %s: %s\n", label, md(v))
		}
	}
	line("telefon", p.Phone)
	line("e-mail", p.Email)
	line("strona internetowa", p.Website)
	line("skrytka ePUAP", p.EPUAP)
	line("adres do e-Doręczeń", p.EDelivery)
	line("NIP", p.NIP)
	line("REGON", p.REGON)
	b.WriteString("\n## Godziny pracy\n\n| Dzień | Godziny |\n|---|---|\n")
	for _, h := range p.Hours {
		fmt.Fprintf(&b, "| %s | %s–%s |\n", md(h.Days), h.Open, h.Close)
	}
	if p.Account != "" {
		fmt.Fprintf(&b, "\n## Rachunek bankowy\n\nOpłaty lokalne wpłacisz na rachunek **%s**.\n", md(p.Account))
	}
	var rooms []NewOffice
	for _, o := range p.Offices {
		if strings.TrimSpace(o.Name) != "" && (strings.TrimSpace(o.Rooms) != "" || o.Phone != "" || o.Email != "") {
			rooms = append(rooms, o)
		}
	}
	if len(rooms) > 0 {
		b.WriteString("\n## Gdzie załatwisz sprawę\n")
		for _, o := range rooms {
			fmt.Fprintf(&b, "\n### %s\n\n", md(o.Name))
			var rs []string
			for _, r := range strings.Split(o.Rooms, "\n") {
				if r = strings.TrimSpace(r); r != "" {
					rs = append(rs, r)
				}
			}
			line("pokoje", strings.Join(rs, "; "))
			line("telefon", o.Phone)
			line("e-mail", o.Email)
		}
	}
	fmt.Fprintf(&b, "\n## Ochrona danych osobowych\n\nAdministratorem danych jest %s. ", md(p.Controller))
	if p.DPO.Name != "" {
		fmt.Fprintf(&b, "Inspektor ochrony danych: %s", md(p.DPO.Name))
	} else {
		b.WriteString("Inspektor ochrony danych")
	}
	if p.DPO.Email != "" {
		fmt.Fprintf(&b, ", e-mail %s", md(p.DPO.Email))
	}
	if p.DPO.Phone != "" {
		fmt.Fprintf(&b, ", tel. %s", md(p.DPO.Phone))
	}
	b.WriteString(".\n")
	return []byte(b.String()), nil
}

// md keeps a value from the wizard from turning into Markdown (a table's | or a heading).
func md(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "#", `\#`, "[", `\[`, "]", `\]`, "<", `\<`, "`", "\\`").Replace(s)
}

// marshalCommented writes v as YAML the way the sample's files look: two-space indents,
// no empty keys, a comment at the top and above the keys named in comments.
func marshalCommented(v any, head string, comments map[string]string) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	prune(&n)
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if c, ok := comments[n.Content[i].Value]; ok {
				n.Content[i].HeadComment = c
			}
		}
	}
	if head != "" {
		if len(n.Content) > 0 && n.Kind == yaml.MappingNode {
			k := n.Content[0]
			k.HeadComment = strings.TrimSpace(head + "\n" + k.HeadComment)
		} else {
			n.HeadComment = head
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// prune drops the keys whose values are empty (an empty string, list or map, or null), so
// a file holds only what was filled in.
func prune(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		var kept []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			prune(v)
			if empty(v) {
				continue
			}
			kept = append(kept, k, v)
		}
		n.Content = kept
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			prune(c)
		}
	}
}

func empty(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Tag == "!!null" || (n.Value == "" && n.Tag == "!!str")
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	}
	return false
}
