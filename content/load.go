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
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
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
	b.Warnings = l.warnings
	b.FormProblems = l.forms(b)
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
	return l.decodeBytes(file, data, v)
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

// decodeBytes decodes strictly. Value errors do not stop the decoder (yaml.v3 carries on after
// a TypeError), so it reports them and returns true: the rest of the file is still checked.
func (l *loader) decodeBytes(file string, data []byte, v any) bool {
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
		l.add(file, "", "błędny YAML: %v", err)
		return false
	}
	for _, msg := range te.Errors {
		if m := yamlField.FindStringSubmatch(msg); m != nil {
			l.add(file, m[2], "nieznane pole (wiersz %s) — literówka w nazwie?", m[1])
		} else if m := yamlType.FindStringSubmatch(msg); m != nil {
			l.add(file, "", "wiersz %s: zły rodzaj wartości %s— oczekiwano %s", m[1], quoted(m[2]), kinds(m[3]))
		} else if m := yamlLine.FindStringSubmatch(msg); m != nil {
			l.add(file, "", "wiersz %s: %s", m[1], m[2])
		} else {
			l.add(file, "", "%s", msg)
		}
	}
	return true
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
		data, err := fs.ReadFile(l.fsys, p)
		if err != nil {
			l.add(p, "", "nie można odczytać: %v", err)
			return nil
		}
		front, body, ok := splitFrontMatter(data)
		if !ok {
			l.add(p, "", "brak nagłówka YAML między liniami --- na początku pliku")
			return nil
		}
		var pg Page
		if !l.decodeBytes(p, front, &pg) {
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

// splitFrontMatter separates "---\nyaml\n---\nmarkdown".
func splitFrontMatter(data []byte) (front, body []byte, ok bool) {
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
