package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The files of a bundle. Names are Polish, like the keys inside them.
const (
	MunicipalityFile = "gmina.yaml"
	OfficesFile      = "urzedy.yaml"
	CategoriesFile   = "kategorie.yaml"
	ProceduresDir    = "procedury"
	BIPDir           = "bip"
	BIPMenuFile      = "bip/menu.yaml"
)

// Problem is one thing wrong in a bundle, reported as file, field and reason so a clerk can
// find and fix it. Reasons are in Polish: the people who edit bundles are.
type Problem struct {
	File   string
	Field  string
	Reason string
}

func (p Problem) String() string {
	if p.File == "" { // about the whole bundle
		return p.Reason
	}
	if p.Field == "" {
		return p.File + ": " + p.Reason
	}
	return p.File + ": " + p.Field + ": " + p.Reason
}

// Problems is every problem found in a bundle; a bundle with any is not used.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s) in content bundle:\n%s", len(ps), strings.Join(lines, "\n"))
}

// Load reads and validates a bundle. When anything is wrong it returns a nil bundle and a
// Problems error listing all of it (not just the first), so one run of `infomat content check`
// shows a clerk everything to fix.
func Load(fsys fs.FS) (*Bundle, error) {
	l := &loader{fsys: fsys}
	b := &Bundle{Files: fsys}
	parsed := parsedFiles{
		municipality: l.decode(MunicipalityFile, &b.Municipality, true),
		offices:      l.decode(OfficesFile, &b.Offices, true),
		categories:   l.decode(CategoriesFile, &b.Categories, true),
		menu:         l.decode(BIPMenuFile, &b.BIPMenu, true),
	}
	b.Procedures = l.procedures()
	b.BIPPages = l.pages()
	l.check(b, parsed)
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	v, err := Version(fsys)
	if err != nil {
		return nil, fmt.Errorf("hash content bundle: %w", err)
	}
	b.Version = v
	b.FormProblems = l.forms(b)
	l.checkPrintable(b)
	l.translations(b)
	b.Warnings = l.warnings
	return b, nil
}

// Version hashes every file of the bundle (paths and bytes, in path order).
func Version(fsys fs.FS) (string, error) {
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

type loader struct {
	fsys     fs.FS
	problems Problems
	warnings Problems
	// pageTranslations are the bip/<path>.<lang>.md files, loaded by translations.
	pageTranslations []string
}

// warn records something worth fixing that does not stop the bundle from being used.
func (l *loader) warn(file, field, format string, args ...any) {
	l.warnings = append(l.warnings, Problem{File: file, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// parsedFiles says which shared files parsed, so references into a broken file are not
// reported a second time as unknown.
type parsedFiles struct {
	municipality, offices, categories, menu bool
}

func (l *loader) add(file, field, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// decode parses one YAML file strictly: unknown keys are typos a clerk wants to hear about.
func (l *loader) decode(file string, v any, required bool) bool {
	data, err := fs.ReadFile(l.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		if required {
			l.add(file, "", "brak pliku")
		}
		return false
	}
	if err != nil {
		l.add(file, "", "nie można odczytać: %v", err)
		return false
	}
	data, ok := l.text(file, data)
	if !ok {
		return false
	}
	return l.decodeBytes(file, data, v, 0)
}

var bom = []byte("\ufeff")

// text checks that a file is UTF-8 and returns it without a byte order mark. Other encodings
// are refused with the fix a clerk can apply; a BOM (Notepad's "UTF-8 with BOM") is skipped
// with a warning. The YAML library's own messages for either name no fix.
func (l *loader) text(file string, data []byte) ([]byte, bool) {
	if bytes.HasPrefix(data, bom) {
		l.warn(file, "", "plik zaczyna się znacznikiem BOM (niewidoczny znak na początku) — działa, ale zapisz plik jako UTF-8 bez BOM")
		data = data[len(bom):]
	}
	if utf8.Valid(data) {
		if r, line, ok := firstEmoji(data); ok {
			l.warn(file, "", "wiersz %d: emoji „%c” (U+%04X) — kiosk nie ma własnej czcionki z emoji: pokaże je czarno-białe, jeśli ma je czcionka systemu, a jeśli nie, pusty znak; usuń je albo zastąp słowem", line, r, r)
		}
		return data, true
	}
	bad := 0
	for bad < len(data) {
		r, n := utf8.DecodeRune(data[bad:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		bad += n
	}
	line := 1 + bytes.Count(data[:bad], []byte("\n"))
	guess := ""
	if cp1250Polish(data) {
		guess = " — wygląda na Windows-1250 (np. z Notatnika albo Worda)"
	}
	l.add(file, "", "plik nie jest zapisany w UTF-8 (pierwszy zły znak w wierszu %d)%s; zapisz plik jako UTF-8 (w Notatniku: Plik → Zapisz jako → Kodowanie: UTF-8)", line, guess)
	return nil, false
}

// firstEmoji finds the first character drawn as an emoji by default (Unicode's
// Emoji_Presentation: the pictographs from U+1F000 on and the few in the BMP), or the
// selector asking for one (U+FE0F), and its line. The kiosk is built without Fyne's emoji
// font (buildinfo.KioskTags): Noto Sans has none of these, and what the system has varies
// (Debian's DejaVu Sans draws ☕ ⚡ ♿ 😀 in black and white, not ✅ ❌ ⭐ 📞).
func firstEmoji(data []byte) (r rune, line int, ok bool) {
	line = 1
	for i := 0; i < len(data); {
		c := data[i]
		if c < 0xE2 { // ASCII, Polish, Cyrillic: below U+2000, no emoji; one byte at a time
			if c == '\n' {
				line++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r >= 0x1F000 && r <= 0x1FAFF || r == 0xFE0F || emojiBMP[r] {
			return r, line, true
		}
		i += n
	}
	return 0, 0, false
}

// emojiBMP are the characters below U+10000 that Unicode shows as emoji by default
// (Emoji_Presentation=Yes): ⌚ ⏰ ☕ ♿ ⚡ ⛔ ✅ ❌ ❓ ❗ ➕ ⭐ ⭕ and the like.
var emojiBMP = func() map[rune]bool {
	m := map[rune]bool{}
	for _, span := range [][2]rune{
		{0x231A, 0x231B}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE},
		{0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
		{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE}, {0x26D4, 0x26D4},
		{0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA}, {0x26FD, 0x26FD},
		{0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E},
		{0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
		{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	} {
		for r := span[0]; r <= span[1]; r++ {
			m[r] = true
		}
	}
	return m
}()

// cp1250Polish reports whether data has bytes that are Polish letters in Windows-1250 and
// cannot start a UTF-8 character: ą ę ś ź ż ó ł ć ń and their capitals.
func cp1250Polish(data []byte) bool {
	for _, c := range data {
		switch c {
		case 0xB9, 0xEA, 0x9C, 0x9F, 0xBF, 0xF3, 0xB3, 0xE6, 0xF1, 0xA5, 0xCA, 0x8C, 0x8F, 0xAF, 0xD3, 0xA3, 0xC6, 0xD1:
			return true
		}
	}
	return false
}

var (
	yamlField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)
	yamlType  = regexp.MustCompile("^line (\\d+): cannot unmarshal !!\\w+(?: `([^`]*)`)? into (.+)$")
	yamlLine  = regexp.MustCompile(`^line (\d+): (.*)$`)
)

func quoted(v string) string {
	if v == "" {
		return ""
	}
	return fmt.Sprintf("%q ", v)
}

// kinds names Go types the way a clerk thinks of YAML values.
func kinds(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "listy (pozycji zaczynających się od „- ”)"
	case strings.HasPrefix(goType, "int"):
		return "liczby całkowitej"
	case goType == "string":
		return "tekstu"
	}
	return "zagnieżdżonych pól (klucz: wartość)"
}

// decodeBytes decodes strictly. Value errors do not stop the decoder (yaml v3 carries on after
// a TypeError), so it reports them and returns true: the rest of the file is still checked.
// offset is the number of file lines before data (1 for a page's front matter after its
// "---"), so line numbers count from the file's first line.
func (l *loader) decodeBytes(file string, data []byte, v any, offset int) bool {
	at := func(n string) int { i, _ := strconv.Atoi(n); return i + offset }
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		if errors.Is(err, io.EOF) {
			l.add(file, "", "plik jest pusty")
			return false
		}
		return true
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		l.add(file, "", "%s", yamlSyntax(err.Error(), offset, data))
		return false
	}
	for _, msg := range te.Errors {
		if m := yamlField.FindStringSubmatch(msg); m != nil {
			l.add(file, m[2], "nieznane pole (wiersz %d) — literówka w nazwie?", at(m[1]))
		} else if m := yamlType.FindStringSubmatch(msg); m != nil {
			l.add(file, "", "wiersz %d: zły rodzaj wartości %s— oczekiwano %s", at(m[1]), quoted(m[2]), kinds(m[3]))
		} else if m := yamlLine.FindStringSubmatch(msg); m != nil {
			l.add(file, "", "wiersz %d: %s", at(m[1]), m[2])
		} else {
			l.add(file, "", "%s", msg)
		}
	}
	return true
}

// yamlParserProblems are yaml v3's parser (not scanner) errors. For these it reports the line
// where the enclosing block or list starts, counted from 0 and left out when 0; scanner errors
// give the line of the problem, counted from 1.
var yamlParserProblems = []string{
	"did not find expected key",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected <document start>",
	"found undefined tag handle",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
}

var yamlSyntaxLine = regexp.MustCompile(`^(?:yaml: )?(?:line (\d+): )?(.*)$`)

// yamlPolish says the YAML library's syntax errors in Polish, each with the usual fix; an
// error not listed keeps the library's English words.
var yamlPolish = []struct{ en, pl string }{
	{"found a tab character", "znak tabulacji we wcięciu — YAML przyjmuje tylko spacje; zastąp tabulator spacjami"},
	{"found unexpected end of stream", "plik kończy się w środku wartości — zwykle brakuje zamykającego cudzysłowu"},
	{"did not find expected '-' indicator", "pozycja listy ma inne wcięcie niż pozostałe albo nie zaczyna się od „- ” — wyrównaj wcięcia"},
	{"did not find expected key", "oczekiwano pola „klucz: wartość” — sprawdź wcięcia; wartość z dwukropkiem ujmij w cudzysłów"},
	{"mapping values are not allowed", "dwukropek w środku wartości — ujmij całą wartość w cudzysłów, np. nazwa: \"Urząd: pokój 5\""},
	{"did not find expected ',' or ']'", "niedomknięty nawias [ — dodaj ] albo ujmij wartość w cudzysłów"},
	{"did not find expected ',' or '}'", "niedomknięty nawias { — dodaj } albo ujmij wartość w cudzysłów"},
	{"found character that cannot start any token", "wartość zaczyna się znakiem, którego YAML tak nie przyjmuje (np. @, ` albo %) — ujmij ją w cudzysłów"},
	{"did not find expected node content", "brak wartości po „- ” albo po kluczu — uzupełnij ją albo usuń wiersz"},
	{"found unknown escape character", "nieznana sekwencja z \\ w cudzysłowie — ujmij wartość w pojedyncze cudzysłowy albo podwój \\"},
	{"could not find expected ':'", "brak dwukropka po kluczu — wpisz „klucz: wartość”"},
	{"block sequence entries are not allowed", "„- ” tam, gdzie nie może zaczynać się lista — zacznij listę w nowym wierszu, z wcięciem"},
	{"did not find expected comment or line break", "po wartości w cudzysłowie jest jeszcze tekst — ujmij w cudzysłów całą wartość"},
	{"did not find expected alphabetic or numeric character", "po & albo * musi być nazwa — jeśli to zwykły tekst, ujmij wartość w cudzysłów"},
}

// tabLine is the first line from line on (counted from 1) whose indentation holds a tab.
func tabLine(data []byte, line int) int {
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		if n < line {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if strings.Contains(indent, "\t") {
			return n
		}
	}
	return line
}

func polishYAML(problem string) string {
	for _, t := range yamlPolish {
		if strings.HasPrefix(problem, t.en) {
			return t.pl
		}
	}
	return problem
}

// yamlSyntax words a YAML syntax error with the file's line numbers (offset lines before the
// YAML, as in decodeBytes), in Polish where the error is a common one.
func yamlSyntax(msg string, offset int, data []byte) string {
	m := yamlSyntaxLine.FindStringSubmatch(msg)
	if m == nil {
		return "błędny YAML: " + msg
	}
	line, _ := strconv.Atoi(m[1])
	problem := m[2]
	if slices.Contains(yamlParserProblems, problem) {
		return fmt.Sprintf("błędny YAML w bloku od wiersza %d: %s", line+1+offset, polishYAML(problem))
	}
	if m[1] == "" {
		line = 1
	}
	if strings.HasPrefix(problem, "found a tab character") {
		// The library names the line where the value before the tab began.
		line = tabLine(data, line)
	}
	return fmt.Sprintf("błędny YAML: wiersz %d: %s", line+offset, polishYAML(problem))
}

func (l *loader) procedures() []Procedure {
	files, err := fs.Glob(l.fsys, ProceduresDir+"/*.yaml")
	if err != nil {
		l.add(ProceduresDir, "", "%v", err)
		return nil
	}
	if yml, _ := fs.Glob(l.fsys, ProceduresDir+"/*.yml"); len(yml) > 0 {
		for _, f := range yml {
			l.add(f, "", "karty usług mają rozszerzenie .yaml — zmień nazwę pliku")
		}
	}
	if len(files) == 0 {
		l.add(ProceduresDir, "", "brak kart usług (plików .yaml)")
	}
	out := make([]Procedure, 0, len(files))
	for _, f := range files {
		if _, lang := splitLang(strings.TrimSuffix(path.Base(f), ".yaml")); lang != "" {
			continue // a translation (translate.go)
		}
		var p Procedure
		if !l.decode(f, &p, true) {
			continue
		}
		p.File = f
		p.ID = strings.TrimSuffix(path.Base(f), ".yaml")
		out = append(out, p)
	}
	return out
}

func (l *loader) pages() []Page {
	var out []Page
	err := fs.WalkDir(l.fsys, BIPDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".md" {
			return nil
		}
		if _, lang := splitLang(strings.TrimSuffix(path.Base(p), ".md")); lang != "" {
			l.pageTranslations = append(l.pageTranslations, p)
			return nil
		}
		data, err := fs.ReadFile(l.fsys, p)
		if err != nil {
			l.add(p, "", "nie można odczytać: %v", err)
			return nil
		}
		data, ok := l.text(p, data)
		if !ok {
			return nil
		}
		front, body, ok := SplitFrontMatter(data)
		if !ok {
			l.add(p, "", "brak nagłówka YAML między liniami --- na początku pliku")
			return nil
		}
		var pg Page
		if !l.decodeBytes(p, front, &pg, 1) { // line 1 is the opening ---
			return nil
		}
		pg.File = p
		pg.ID = strings.TrimSuffix(strings.TrimPrefix(p, BIPDir+"/"), ".md")
		pg.Body = string(body)
		out = append(out, pg)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		l.add(BIPDir, "", "%v", err)
	}
	return out
}

// SplitFrontMatter separates a BIP page file, "---\nyaml\n---\nmarkdown", into its front
// matter and body; ok is false when the file does not start with one.
func SplitFrontMatter(data []byte) (front, body []byte, ok bool) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, nil, false
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			return rest[:len(rest)-4], nil, true
		}
		return nil, nil, false
	}
	return rest[:end+1], rest[end+5:], true
}
