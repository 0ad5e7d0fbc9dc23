package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/charmap"

	"infomat/content"
)

// CardOptions configure ImportCards.
type CardOptions struct {
	// Update lets a row replace the existing card with its id (adding a change-register
	// entry); without it such a row is reported and left alone.
	Update bool
	// Author fills wytworzyl and opublikowal when the sheet leaves them empty, and signs the
	// change entry of an update.
	Author string
}

// Columns of the card sheet, in the order docs/content-format.md lists them.
var cardColumns = []string{
	"id", "nazwa", "symbol", "kategoria", "slowa_kluczowe", "w_skrocie", "kogo_dotyczy", "kroki",
	"wymagane_dokumenty", "oplaty", "termin", "urzad", "pokoj", "miejsce_uwagi", "forma_zlozenia",
	"tryb_odwolawczy", "podstawa_prawna", "uwagi", "wytworzyl", "data_wytworzenia", "opublikowal",
	"data_publikacji",
}

// requiredColumns must be in the header; a sheet without them cannot give a valid card.
var requiredColumns = []string{"nazwa", "kategoria", "w_skrocie", "kogo_dotyczy", "termin", "urzad", "forma_zlozenia", "tryb_odwolawczy", "podstawa_prawna"}

// ImportCards reads procedure cards from a CSV export of a spreadsheet, one row a card
// under a header row naming the columns (docs/content-format.md), and returns the
// procedury/<id>.yaml files to write. The file may be UTF-8 (with or without a BOM) or
// Windows-1250, separated by commas or semicolons (Polish Excel). A row with problems
// gives no file and a Problem item naming its row (the header is row 1). The error is
// for a file that cannot be read as a sheet of cards at all.
func ImportCards(data []byte, draft Files, opts CardOptions, now time.Time) (Result, error) {
	text := decodeSheet(data)
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = separator(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return Result{}, errors.New("Plik CSV jest pusty")
	}
	if err != nil {
		return Result{}, fmt.Errorf("Nie można odczytać pliku CSV: %w", err)
	}
	cols := map[string]int{}
	var res Result
	res.Changes = Files{}
	for i, h := range header {
		name := strings.ReplaceAll(slugify(h), "-", "_")
		if !slices.Contains(cardColumns, name) {
			res.Report = append(res.Report, Item{Kind: Problem, Source: "wiersz 1",
				Message: fmt.Sprintf("Wiersz 1: nieznana kolumna „%s” — pomijam ją (znane kolumny: %s).", strings.TrimSpace(h), strings.Join(cardColumns, ", "))})
			continue
		}
		cols[name] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return Result{}, fmt.Errorf("W pierwszym wierszu pliku CSV brak kolumn: %s", strings.Join(missing, ", "))
	}
	refs := loadRefs(draft)
	rows := map[string]int{} // card file → sheet row
	// Sheet rows are file lines less the line breaks inside cells of earlier rows.
	extra := countBreaks(header)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, fmt.Errorf("Nie można odczytać pliku CSV: %w", err)
		}
		line, _ := r.FieldPos(0)
		row := line - extra
		extra += countBreaks(rec)
		if blank(rec) {
			continue
		}
		cell := func(name string) string {
			i, ok := cols[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		c, file, problems := buildCard(cell, draft, refs, opts, now)
		src := fmt.Sprintf("wiersz %d", row)
		if prev, dup := rows[file]; dup && file != "" {
			problems = append(problems, fmt.Sprintf("identyfikator powtarza się (jak w wierszu %d)", prev))
		}
		if len(problems) > 0 {
			res.Report = append(res.Report, Item{Kind: Problem, Path: file, Source: src,
				Message: fmt.Sprintf("Wiersz %d: %s — karta nie została zapisana.", row, strings.Join(problems, "; "))})
			continue
		}
		rows[file] = row
		_, exists := draft[file]
		if exists && !opts.Update {
			res.Report = append(res.Report, Item{Kind: Skipped, Path: file, Source: src,
				Message: fmt.Sprintf("Wiersz %d: karta %s już jest — pomijam ją (zaznacz aktualizację istniejących kart, aby ją zastąpić).", row, file)})
			continue
		}
		out, err := marshalCard(c)
		if err != nil {
			return Result{}, fmt.Errorf("importer: %s: %w", file, err)
		}
		res.Changes[file] = out
		it := Item{Kind: Added, Path: file, Source: src, Message: fmt.Sprintf("Wiersz %d: dodano kartę %s „%s”.", row, file, c.Title)}
		if exists {
			it.Kind, it.Message = Updated, fmt.Sprintf("Wiersz %d: zaktualizowano kartę %s „%s”.", row, file, c.Title)
		}
		res.Report = append(res.Report, it)
	}
	validate(draft, State{}, &res, func(p string) string {
		return fmt.Sprintf("Wiersz %d: karta %s", rows[p], p)
	})
	return res, nil
}

// decodeSheet returns the sheet as UTF-8: without a BOM, or converted from Windows-1250
// (what Polish Excel writes as "CSV") when it is not valid UTF-8.
func decodeSheet(data []byte) string {
	if b, ok := bytes.CutPrefix(data, bom); ok {
		return string(b)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	out, err := charmap.Windows1250.NewDecoder().Bytes(data)
	if err != nil { // every byte maps in Windows-1250; kept for safety
		return string(data)
	}
	return string(out)
}

var bom = []byte("\ufeff")

// separator guesses the sheet's separator from its header row: semicolons (Polish Excel)
// or commas, whichever there are more of outside quotes; tabs when there are neither.
func separator(text string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range text {
		if r == '"' {
			quoted = !quoted
		}
		if r == '\n' && !quoted {
			break
		}
		if !quoted {
			counts[r]++
		}
	}
	switch {
	case counts[';'] > counts[',']:
		return ';'
	case counts[','] == 0 && counts['\t'] > 0:
		return '\t'
	}
	return ','
}

func countBreaks(rec []string) int {
	n := 0
	for _, f := range rec {
		n += strings.Count(f, "\n")
	}
	return n
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// list splits a cell holding several lines: separated by newlines or ";".
func list(cell string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(cell, func(r rune) bool { return r == '\n' || r == ';' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// refs are the draft's categories and offices, so a sheet may name them by id or by name.
type refs struct {
	categories, offices map[string]string // lower-case id or name → id
}

func loadRefs(draft Files) refs {
	r := refs{categories: map[string]string{}, offices: map[string]string{}}
	var cs []content.Category
	if yaml.Unmarshal(bytes.TrimPrefix(draft[content.CategoriesFile], bom), &cs) == nil {
		for _, c := range cs {
			r.categories[strings.ToLower(c.ID)] = c.ID
			r.categories[strings.ToLower(c.Name)] = c.ID
		}
	}
	var os []content.Office
	if yaml.Unmarshal(bytes.TrimPrefix(draft[content.OfficesFile], bom), &os) == nil {
		for _, o := range os {
			r.offices[strings.ToLower(o.ID)] = o.ID
			r.offices[strings.ToLower(o.Name)] = o.ID
		}
	}
	return r
}

func (r refs) resolve(m map[string]string, v string) string {
	if id, ok := m[strings.ToLower(v)]; ok {
		return id
	}
	return v // the validator names it unknown
}

// card is a procedure card as the importer writes it: content.Procedure without empty
// optional keys, with amounts written the Polish way.
type card struct {
	Title     string            `yaml:"nazwa"`
	Symbol    string            `yaml:"symbol,omitempty"`
	Category  string            `yaml:"kategoria"`
	Keywords  []string          `yaml:"slowa_kluczowe,omitempty,flow"`
	Summary   string            `yaml:"w_skrocie"`
	Audience  []string          `yaml:"kogo_dotyczy"`
	Steps     []string          `yaml:"kroki,omitempty"`
	Documents []cardDocument    `yaml:"wymagane_dokumenty,omitempty"`
	Fees      []cardFee         `yaml:"oplaty"`
	Duration  string            `yaml:"termin"`
	Place     cardPlace         `yaml:"miejsce"`
	Channels  []string          `yaml:"forma_zlozenia,flow"`
	Appeal    string            `yaml:"tryb_odwolawczy"`
	LegalBase []string          `yaml:"podstawa_prawna"`
	Forms     []content.FormRef `yaml:"formularze,omitempty"`
	Notes     string            `yaml:"uwagi,omitempty"`
	Record    recordYAML        `yaml:"metryczka"`
}

type cardDocument struct {
	Name string `yaml:"nazwa"`
	Note string `yaml:"uwagi,omitempty"`
}

type cardFee struct {
	Title  string `yaml:"tytul"`
	Amount string `yaml:"kwota"`
}

type cardPlace struct {
	Office string `yaml:"urzad"`
	Room   string `yaml:"pokoj,omitempty"`
	Note   string `yaml:"uwagi,omitempty"`
}

// channels maps how clerks write a channel to its value in forma_zlozenia.
var channels = map[string]string{
	"osobiscie": "osobiscie", "poczta": "poczta", "listownie": "poczta", "epuap": "epuap",
	"e-doreczenia": "e-doreczenia", "edoreczenia": "e-doreczenia", "email": "email", "e-mail": "email", "mail": "email",
}

// buildCard makes the card of one row; problems are in Polish, one per bad cell.
func buildCard(cell func(string) string, draft Files, rf refs, opts CardOptions, now time.Time) (card, string, []string) {
	var problems []string
	title := cell("nazwa")
	if title == "" {
		problems = append(problems, "brak nazwy karty (kolumna nazwa)")
	}
	id := cell("id")
	if id == "" && title != "" {
		id = slugify(title)
	}
	var file string
	if id != "" {
		if slugify(id) != id {
			problems = append(problems, fmt.Sprintf("id %q: tylko małe litery bez polskich znaków, cyfry i myślniki, np. %q", id, slugify(id)))
		} else {
			file = path.Join(content.ProceduresDir, id+".yaml")
		}
	}
	c := card{
		Title:     title,
		Symbol:    cell("symbol"),
		Category:  rf.resolve(rf.categories, cell("kategoria")),
		Keywords:  list(cell("slowa_kluczowe")),
		Summary:   cell("w_skrocie"),
		Audience:  list(cell("kogo_dotyczy")),
		Steps:     list(cell("kroki")),
		Fees:      []cardFee{},
		Duration:  cell("termin"),
		Place:     cardPlace{Office: rf.resolve(rf.offices, cell("urzad")), Room: cell("pokoj"), Note: cell("miejsce_uwagi")},
		Appeal:    cell("tryb_odwolawczy"),
		LegalBase: list(cell("podstawa_prawna")),
		Notes:     cell("uwagi"),
	}
	for _, d := range list(cell("wymagane_dokumenty")) {
		name, note, _ := strings.Cut(d, ":")
		c.Documents = append(c.Documents, cardDocument{Name: strings.TrimSpace(name), Note: strings.TrimSpace(note)})
	}
	for _, f := range list(cell("oplaty")) {
		if free(f) {
			continue
		}
		i := strings.LastIndex(f, ":")
		if i < 0 {
			problems = append(problems, fmt.Sprintf("opłata %q: wpisz jako „tytuł: kwota”, np. „Opłata skarbowa: 17,00”", f))
			continue
		}
		amount, err := content.ParseAmount(f[i+1:])
		if err != nil {
			problems = append(problems, "oplaty: "+err.Error())
			continue
		}
		c.Fees = append(c.Fees, cardFee{Title: strings.TrimSpace(f[:i]), Amount: fmt.Sprintf("%d,%02d", amount/100, amount%100)})
	}
	for _, ch := range list(strings.ReplaceAll(cell("forma_zlozenia"), ",", ";")) {
		v, ok := channels[slugify(ch)]
		if !ok {
			v, ok = channels[strings.ToLower(ch)]
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("forma złożenia %q: dozwolone %s", ch, strings.Join(content.Channels, ", ")))
			continue
		}
		c.Channels = append(c.Channels, v)
	}

	// The metryczka: the sheet's, else the existing card's, else today and opts.Author.
	var prev content.Procedure
	_, exists := draft[file]
	if exists {
		_ = yaml.Unmarshal(draft[file], &prev) // best effort: the sheet gives the rest
		c.Forms = prev.Forms                   // the sheet has no column for them
	}
	day := func(col string, fallback content.Date) content.Date {
		v := cell(col)
		if v == "" {
			return fallback
		}
		d, ok := parseDate(v)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: data %q: wpisz jako RRRR-MM-DD albo DD.MM.RRRR", col, v))
			return fallback
		}
		return date(d)
	}
	today := date(now.Format(time.DateOnly))
	r := &c.Record
	r.ProducedBy = first(cell("wytworzyl"), prev.Record.ProducedBy, opts.Author)
	r.PublishedBy = first(cell("opublikowal"), prev.Record.PublishedBy, opts.Author)
	r.PublishedOn = day("data_publikacji", orDate(prev.Record.PublishedOn, today))
	r.ProducedOn = day("data_wytworzenia", orDate(prev.Record.ProducedOn, r.PublishedOn))
	if exists {
		r.Changes = slices.Clone(prev.Record.Changes)
		version := 0
		if n := len(r.Changes); n > 0 {
			version = r.Changes[n-1].Version
		}
		r.Changes = append(r.Changes, content.Change{Version: version + 1, Date: today,
			Author: first(opts.Author, r.PublishedBy), Reason: "aktualizacja z arkusza"})
	}
	return c, file, problems
}

func free(fee string) bool {
	switch strings.ToLower(strings.TrimSpace(fee)) {
	case "", "brak", "bezpłatnie", "bezplatnie", "nie ma", "0", "0,00", "-":
		return true
	}
	return false
}

func orDate(d, fallback content.Date) content.Date {
	if d.IsZero() {
		return fallback
	}
	return d
}

func marshalCard(c card) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
