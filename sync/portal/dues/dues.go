// Package dues reads a municipality's dues (local taxes and fees, "należności") from its tax
// system's CSV export, in the columns docs/dues.md documents: every row checked, every
// problem reported by line with its fix, the taxpayers' names masked as they are read and
// only the last four digits of a PESEL kept.
package dues

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"infomat/sync/protocol"
	"infomat/validate"
)

// Limits of one import.
const (
	MaxSize     = 32 << 20 // bytes of the CSV file
	MaxRows     = 500_000
	MaxProblems = 100 // problems reported; past them the report says there are more
	maxField    = 200
)

// Taxpayer is one taxpayer's dues as imported: what the kiosk may show and what identifies
// them, nothing more.
type Taxpayer struct {
	ID     string   // the tax system's taxpayer identifier, as in the file
	Name   string   // masked (Mask): the full name is never kept
	PESEL4 string   // the PESEL's last four digits
	Codes  []string // access codes, normalised (NormalCode), sorted
	Items  []protocol.DueItem
}

// File is a parsed export: taxpayers in the order they first appear.
type File struct {
	Taxpayers []Taxpayer
	Items     int
	SumDue    int64 // grosze
	SumPaid   int64
}

// Problem is one thing wrong with the file: its line (1 is the header), the column, and
// what to do about it, in Polish for the administrator.
type Problem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Column != "" {
		return fmt.Sprintf("wiersz %d, kolumna %s: %s", p.Line, p.Column, p.Message)
	}
	return fmt.Sprintf("wiersz %d: %s", p.Line, p.Message)
}

// Problems is Parse's error when rows are bad: the whole file is refused. More reports
// that problems past MaxProblems were left out.
type Problems struct {
	List []Problem
	More bool
}

func (p *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plik należności ma błędy (%d%s); nic nie zaimportowano:", len(p.List), map[bool]string{true: "+"}[p.More])
	for _, q := range p.List {
		b.WriteString("\n  " + q.String())
	}
	return b.String()
}

func (p *Problems) add(line int, col, format string, args ...any) {
	if len(p.List) >= MaxProblems {
		p.More = true
		return
	}
	p.List = append(p.List, Problem{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// The columns, by their documented names. A header is matched without regard to case,
// Polish letters, spaces or dashes ("Kwota należna" is kwota_nalezna); other columns are
// ignored.
const (
	ColTaxpayer   = "identyfikator_podatnika"
	ColName       = "nazwa"
	ColPESEL      = "pesel"
	ColCode       = "kod_dostepu"
	ColItem       = "naleznosc"
	ColYear       = "rok"
	ColInstalment = "rata"
	ColDue        = "kwota_nalezna"
	ColPaid       = "kwota_wplacona"
	ColDueDate    = "termin_platnosci"
	ColAccount    = "rachunek"
	ColDecision   = "numer_decyzji"
)

// Columns lists the documented columns in their usual order; required says which must be
// in the header.
var Columns = []struct {
	Name     string
	Required bool
}{
	{ColTaxpayer, true}, {ColName, true}, {ColPESEL, true}, {ColCode, true}, {ColItem, true},
	{ColYear, true}, {ColInstalment, false}, {ColDue, true}, {ColPaid, false}, {ColDueDate, true},
	{ColAccount, true}, {ColDecision, false},
}

var aliases = map[string]string{
	"identyfikator": ColTaxpayer, "id_podatnika": ColTaxpayer, "nr_podatnika": ColTaxpayer,
	"nazwa_podatnika": ColName, "podatnik": ColName, "imie_i_nazwisko": ColName,
	"kod": ColCode, "pozycja": ColItem, "tytul": ColItem,
	"wplacono": ColPaid, "termin": ColDueDate, "nrb": ColAccount, "numer_rachunku": ColAccount,
	"decyzja": ColDecision, "nr_decyzji": ColDecision,
}

// Parse reads an export (UTF-8, with or without a BOM, or Windows-1250; separator ';' or
// ','). Bad rows give a *Problems listing them all (bounded), and no File: an import is
// whole or nothing.
func Parse(r io.Reader) (File, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return File{}, fmt.Errorf("read dues file: %w", err)
	}
	probs := &Problems{}
	if len(raw) > MaxSize {
		probs.add(0, "", "plik jest większy niż %d MiB; podziel eksport lub usuń zbędne kolumny", MaxSize>>20)
		return File{}, probs
	}
	text := decode(raw)
	first, _, _ := strings.Cut(text, "\n")
	sep := ';'
	if !strings.Contains(first, ";") && strings.Contains(first, ",") {
		sep = ','
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		probs.add(1, "", "plik jest pusty; wyeksportuj należności z systemu podatkowego z nagłówkiem kolumn")
		return File{}, probs
	}
	if err != nil {
		probs.add(1, "", "nagłówka nie da się odczytać (%v); zapisz plik jako CSV z separatorem ';'", csvReason(err))
		return File{}, probs
	}
	idx := map[string]int{}
	for i, h := range header {
		name := normalHeader(h)
		if a, ok := aliases[name]; ok {
			name = a
		}
		if _, dup := idx[name]; dup {
			probs.add(1, h, "kolumna występuje dwa razy; zostaw jedną")
			continue
		}
		idx[name] = i
	}
	for _, c := range Columns {
		if _, ok := idx[c.Name]; c.Required && !ok {
			probs.add(1, c.Name, "brak tej kolumny w nagłówku; dodaj ją (lista kolumn: docs/dues.md)")
		}
	}
	if len(probs.List) > 0 {
		return File{}, probs
	}
	p := parser{probs: probs, idx: idx, width: len(header), byID: map[string]int{}, seen: map[string]bool{}, codeOwner: map[string]string{}}
	for rows := 0; ; rows++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			probs.add(line, "", "wiersza nie da się odczytać (%v); sprawdź cudzysłowy w tym wierszu", csvReason(err))
			if errors.As(err, &pe) && pe.Err == csv.ErrQuote {
				break // the rest of the file is inside the unclosed quote
			}
			continue
		}
		if rows >= MaxRows {
			probs.add(line, "", "plik ma więcej niż %d wierszy; podziel eksport", MaxRows)
			break
		}
		p.row(line, rec)
	}
	if len(probs.List) > 0 || probs.More {
		return File{}, probs
	}
	if len(p.file.Taxpayers) == 0 {
		probs.add(2, "", "plik nie ma żadnego wiersza z należnością; sprawdź, czy eksport nie jest pusty")
		return File{}, probs
	}
	for i := range p.file.Taxpayers {
		tp := &p.file.Taxpayers[i]
		slices.Sort(tp.Codes)
		tp.Codes = slices.Compact(tp.Codes)
		SortItems(tp.Items)
	}
	return p.file, nil
}

// SortItems orders items as the kiosk shows them: by due date, then item, year, instalment.
func SortItems(items []protocol.DueItem) {
	slices.SortStableFunc(items, func(a, b protocol.DueItem) int {
		if c := strings.Compare(a.DueDate, b.DueDate); c != 0 {
			return c
		}
		if c := strings.Compare(a.Item, b.Item); c != 0 {
			return c
		}
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		return a.Instalment - b.Instalment
	})
}

type parser struct {
	probs     *Problems
	idx       map[string]int
	width     int
	file      File
	byID      map[string]int    // taxpayer ID → index in file.Taxpayers
	seen      map[string]bool   // taxpayer 0 item 0 year 0 instalment
	codeOwner map[string]string // code 0 PESEL4 → taxpayer ID
}

func (p *parser) row(line int, rec []string) {
	if len(rec) != p.width {
		p.probs.add(line, "", "wiersz ma %d pól, a nagłówek %d kolumn; sprawdź separatory (;) i cudzysłowy", len(rec), p.width)
		return
	}
	before := len(p.probs.List)
	get := func(col string) string {
		i, ok := p.idx[col]
		if !ok {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	text := func(col string, required bool) string {
		v := get(col)
		switch {
		case v == "" && required:
			p.probs.add(line, col, "pole jest puste; uzupełnij je w systemie podatkowym i wyeksportuj ponownie")
		case utf8.RuneCountInString(v) > maxField:
			p.probs.add(line, col, "pole jest dłuższe niż %d znaków; skróć je", maxField)
		case strings.IndexFunc(v, unicode.IsControl) >= 0:
			p.probs.add(line, col, "pole zawiera znaki sterujące; usuń je")
		}
		return v
	}
	id := text(ColTaxpayer, true)
	name := text(ColName, true)
	item := text(ColItem, true)
	decision := text(ColDecision, false)

	var pesel4 string
	switch d := validate.NormalDigits(get(ColPESEL)); {
	case len(d) == 11 && isDigits(d):
		if _, err := validate.PESEL(d); err != nil {
			p.probs.add(line, ColPESEL, "PESEL jest niepoprawny (suma kontrolna lub data); popraw go albo podaj tylko 4 ostatnie cyfry")
		}
		pesel4 = d[7:]
	case len(d) == 4 && isDigits(d):
		pesel4 = d
	default:
		p.probs.add(line, ColPESEL, "podaj cały PESEL (11 cyfr) albo jego 4 ostatnie cyfry")
	}

	rawCode := get(ColCode)
	code := NormalCode(rawCode)
	if rawCode != "" && !ValidCode(code) {
		p.probs.add(line, ColCode, "kod dostępu ma mieć od %d do %d liter A–Z lub cyfr; popraw go", MinCode, MaxCode)
	}

	year, err := strconv.Atoi(get(ColYear))
	if err != nil || year < 2000 || year > 2100 {
		p.probs.add(line, ColYear, "rok ma być liczbą, np. 2026")
	}
	inst := 0
	if v := get(ColInstalment); v != "" {
		inst, err = strconv.Atoi(v)
		if err != nil || inst < 0 || inst > 99 {
			p.probs.add(line, ColInstalment, "rata ma być numerem 1–99 (0 lub puste pole: płatność jednorazowa)")
		}
	}
	due, err := ParseAmount(get(ColDue))
	if err != nil {
		p.probs.add(line, ColDue, "%v", err)
	}
	var paid int64
	if v := get(ColPaid); v != "" {
		if paid, err = ParseAmount(v); err != nil {
			p.probs.add(line, ColPaid, "%v", err)
		}
	}
	dueDate, err := ParseDate(get(ColDueDate))
	if err != nil {
		p.probs.add(line, ColDueDate, "%v", err)
	}
	account := validate.NormalDigits(strings.TrimPrefix(strings.ToUpper(get(ColAccount)), "PL"))
	if validate.NRB(account) != nil {
		p.probs.add(line, ColAccount, "numer rachunku (NRB, 26 cyfr) jest niepoprawny — nie zgadza się suma kontrolna; przepisz go z decyzji")
	}
	if len(p.probs.List) > before || p.probs.More {
		return
	}

	key := id + "\x00" + item + "\x00" + strconv.Itoa(year) + "\x00" + strconv.Itoa(inst)
	if p.seen[key] {
		p.probs.add(line, "", "ta sama należność, rok i rata tego podatnika występuje drugi raz; usuń powtórzony wiersz")
		return
	}
	p.seen[key] = true
	i, ok := p.byID[id]
	if !ok {
		i = len(p.file.Taxpayers)
		p.byID[id] = i
		p.file.Taxpayers = append(p.file.Taxpayers, Taxpayer{ID: id, Name: Mask(name), PESEL4: pesel4})
	}
	tp := &p.file.Taxpayers[i]
	if tp.PESEL4 != pesel4 {
		p.probs.add(line, ColPESEL, "ten podatnik ma w innym wierszu inny PESEL; popraw identyfikator albo PESEL")
		return
	}
	if code != "" {
		k := code + "\x00" + pesel4
		if owner, taken := p.codeOwner[k]; taken && owner != id {
			p.probs.add(line, ColCode, "ten sam kod dostępu i PESEL ma inny podatnik; kody muszą wskazywać jednego podatnika")
			return
		}
		p.codeOwner[k] = id
		tp.Codes = append(tp.Codes, code)
	}
	tp.Items = append(tp.Items, protocol.DueItem{Item: item, Year: year, Instalment: inst, Due: due, Paid: paid,
		DueDate: dueDate, Account: account, Decision: decision})
	p.file.Items++
	p.file.SumDue += due
	p.file.SumPaid += paid
}

// decode gives the file as UTF-8: as it is when it is valid UTF-8 (without a BOM), else read
// as Windows-1250, what Polish Windows programs write.
func decode(raw []byte) string {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if utf8.Valid(raw) {
		return string(raw)
	}
	out, err := charmap.Windows1250.NewDecoder().Bytes(raw)
	if err != nil { // Windows-1250 decodes every byte; kept for safety
		return string(bytes.ToValidUTF8(raw, []byte("\uFFFD")))
	}
	return string(out)
}

var polish = strings.NewReplacer("ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z")

func normalHeader(h string) string {
	h = polish.Replace(strings.ToLower(strings.TrimSpace(h)))
	h = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '.':
			return '_'
		case r == '"' || r == '\'':
			return -1
		}
		return r
	}, h)
	for strings.Contains(h, "__") {
		h = strings.ReplaceAll(h, "__", "_")
	}
	return strings.Trim(h, "_")
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch pe.Err {
		case csv.ErrQuote, csv.ErrBareQuote:
			return "niezamknięty lub zbędny cudzysłów"
		}
	}
	return "błąd formatu CSV"
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Access codes: letters and digits, typed at the kiosk without regard to case, spaces or
// dashes.
const (
	MinCode = 8
	MaxCode = 12
)

var codeRE = regexp.MustCompile(`^[A-Z0-9]+$`)

// NormalCode is an access code as typed made comparable: upper case, without spaces or
// dashes.
func NormalCode(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '\u2013' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// ValidCode reports whether a normalised code has the documented form.
func ValidCode(c string) bool { return len(c) >= MinCode && len(c) <= MaxCode && codeRE.MatchString(c) }

// ParseAmount reads an amount in złoty as the tax system writes it ("1 234,56", "1234.56",
// "80") into grosze.
func ParseAmount(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "zł"))
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(s)
	// Messages name no value: a report may be shown where amounts should not be.
	bad := errors.New("kwota jest nieczytelna; zapisz ją jak 1234,56 (bez znaku minus)")
	if s == "" {
		return 0, errors.New("kwota jest pusta; wpisz kwotę, np. 125,00")
	}
	intPart, frac := s, ""
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
		intPart = strings.ReplaceAll(intPart, ".", "")
	} else if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i-1 <= 2 {
		intPart, frac = s[:i], s[i+1:]
	} else {
		intPart = strings.ReplaceAll(intPart, ".", "")
	}
	if !isDigits(intPart) || len(frac) > 2 || (frac != "" && !isDigits(frac)) || len(intPart) > 12 {
		return 0, bad
	}
	zl, _ := strconv.ParseInt(intPart, 10, 64)
	gr := int64(0)
	if frac != "" {
		gr, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			gr *= 10
		}
	}
	return zl*100 + gr, nil
}

// ParseDate reads YYYY-MM-DD or DD.MM.YYYY into YYYY-MM-DD.
func ParseDate(s string) (string, error) {
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", errors.New("data jest nieczytelna lub nie istnieje; zapisz ją jak 2026-03-15 albo 15.03.2026")
}

// maxStars caps the stars of one masked part, so a long name's length is not shown either.
const maxStars = 8

// Mask hides a name but its initials: "Jan Kowalski" → "J** K*******"; each part (between
// spaces or dashes) keeps its first letter, the rest becomes stars, at most maxStars.
func Mask(name string) string {
	var b strings.Builder
	for i, word := range strings.Fields(name) {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j, part := range strings.Split(word, "-") {
			if j > 0 {
				b.WriteByte('-')
			}
			r := []rune(part)
			if len(r) == 0 {
				continue
			}
			b.WriteString(string(unicode.ToUpper(r[0])))
			b.WriteString(strings.Repeat("*", min(len(r)-1, maxStars)))
		}
	}
	return b.String()
}

// FormatAmount writes grosze as Polish złoty: "1 234,56 zł".
func FormatAmount(gr int64) string {
	sign := ""
	if gr < 0 {
		sign, gr = "-", -gr
	}
	zl := strconv.FormatInt(gr/100, 10)
	var b strings.Builder
	for i, c := range zl {
		if i > 0 && (len(zl)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s%s,%02d zł", sign, b.String(), gr%100)
}
