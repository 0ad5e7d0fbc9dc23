package content

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/l10n"
)

// The sample municipality ("Gmina Przykładowa", embedded in infomat/assets) is what a new
// kiosk shows and what a new municipality starts from. Its submission key's private half is
// published, and its address, phone numbers and people are made up: a real municipality's
// bundle that still holds any of it sends residents astray or files their forms readably.
// This file is the one place that knows the sample: the kiosk asks it about the key
// (kiosk.IsSampleKey), Load warns about every trace of it left in a real bundle.

// sample is what is known of the embedded sample, read from it once per process.
type sample struct {
	identity
	traces []trace
	// files are the SHA-256 sums of the sample's files that are not text (crest, PDFs):
	// a real bundle should not carry them. sizes are their sizes, so only a file of the same
	// size is read and hashed again.
	files map[[32]byte]string
	sizes map[int64]bool
}

// trace is one distinctive string of the sample: its folded form (lower case, Polish letters
// without their marks, no spaces when compact) is searched in a bundle's texts.
type trace struct {
	shown   string // as the warning quotes it
	folded  string
	compact bool // numbers: matched with spaces removed, "25 1240 …" as "251240…"
}

var sampleOnce struct {
	sync.Once
	s *sample
}

// identity is the sample municipality's name, reference prefix and submission key: what the
// kiosk asks about at every start (IsSampleKey, IsSample), read from the municipality file
// alone. Parsing the whole sample for them took 23–45 ms of every kiosk's start-up.
type identity struct {
	name, prefix, key string
}

var identityOnce struct {
	sync.Once
	id *identity
}

// sampleIdentity reads the embedded sample's municipality file once; nil when it does not
// load (then every key counts as the sample's: the safe side).
func sampleIdentity() *identity {
	identityOnce.Do(func() { identityOnce.id = identityOf(assets.DefaultContent()) })
	return identityOnce.id
}

// identityOf reads a bundle's name, prefix and key from its municipality file alone; nil
// when that file does not load.
func identityOf(fsys fs.FS) *identity {
	l := &loader{fsys: fsys}
	var m Municipality
	if !l.decode(MunicipalityFile, &m, true) || len(l.problems) > 0 {
		return nil
	}
	id := identityOfMunicipality(m)
	return &id
}

func identityOfMunicipality(m Municipality) identity {
	return identity{name: strings.TrimSpace(m.Name), prefix: m.RefPrefix, key: m.SubmissionKey}
}

// loadSample reads the embedded sample once; nil when it does not load.
func loadSample() *sample {
	sampleOnce.Do(func() {
		if b, err := Load(assets.DefaultContent()); err == nil {
			sampleOnce.s = sampleOf(b)
		}
	})
	return sampleOnce.s
}

// SampleKey is the embedded sample municipality's submission key, "" if it cannot be read.
func SampleKey() string {
	if id := sampleIdentity(); id != nil {
		return id.key
	}
	return ""
}

// IsSampleKey reports whether key is the embedded sample's submission key. A key that
// cannot be told apart (the embedded bundle failed to load) counts as the sample: refusing
// is the safe side.
func IsSampleKey(key string) bool {
	s := SampleKey()
	return s == "" || strings.EqualFold(strings.TrimSpace(key), s)
}

// IsSample reports whether b is the sample municipality itself (its name and reference
// prefix), which may of course hold its own data.
func IsSample(b *Bundle) bool {
	id := sampleIdentity()
	return id != nil && strings.TrimSpace(b.Municipality.Name) == id.name && b.Municipality.RefPrefix == id.prefix
}

// SampleKeyProblem is the warning for a bundle whose submission key is the sample's: its
// private half is published, so kiosks refuse its forms outside --demo.
func SampleKeyProblem() Problem {
	return Problem{File: MunicipalityFile, Field: "klucz_wnioskow", Reason: "to publiczny klucz przykładowej gminy (jego klucz prywatny jest w repozytorium) — kiosk nie przyjmie wniosków poza trybem --demo; wpisz klucz publiczny age swojej gminy"}
}

// sampleOf derives the distinctive strings from the sample bundle itself rather than from a
// list kept by hand, so a change to the sample cannot leave the check behind.
func sampleOf(b *Bundle) *sample {
	m := b.Municipality
	s := &sample{identity: identityOfMunicipality(m), files: map[[32]byte]string{}, sizes: map[int64]bool{}}
	add := func(v string, compact bool) {
		v = strings.TrimSpace(v)
		if len([]rune(v)) < 5 {
			return // too short to be distinctive
		}
		t := trace{shown: v, folded: fold(v, compact), compact: compact}
		if !slices.ContainsFunc(s.traces, func(o trace) bool { return o.folded == t.folded }) {
			s.traces = append(s.traces, t)
		}
	}
	// The name's own word and the seat's, cut to a stem so every case matches:
	// Przykładowa, Przykładowej, Przykładowo, Przykładowie → "przykładow".
	for _, w := range append(strings.Fields(m.Name), strings.Fields(m.Address.City)...) {
		if r := []rune(w); len(r) >= 6 && unicode.IsUpper(r[0]) && !slices.Contains(genericNameWords, strings.ToLower(w)) {
			add(string(r[:len(r)-1]), false)
		}
	}
	add(m.Address.Street, false)
	add(m.Address.PostalCode, false)
	for _, v := range []string{m.Phone, m.DPO.Phone, m.NIP, m.REGON, m.Account} {
		add(v, true)
	}
	for _, o := range b.Offices {
		add(o.Phone, true)
	}
	add(m.EDelivery, false)
	add(m.EPUAP, false)
	add(m.DPO.Name, false)
	add(m.SubmissionKey, false)
	// Every address of the sample is in the documentation domain (przykladowa.example.pl):
	// its base domain marks them all.
	if _, host, ok := strings.Cut(m.Email, "@"); ok {
		if labels := strings.Split(host, "."); len(labels) >= 2 {
			add(strings.Join(labels[len(labels)-2:], "."), false)
		}
	}
	// The made-up people of the metryczki: the name before a comma ("Marta Kowalczyk,
	// Sekretarz Gminy"), when it looks like a first name and a surname.
	person := func(v string) {
		v, _, _ = strings.Cut(v, ",")
		if w := strings.Fields(v); len(w) == 2 && isCapitalised(w[0]) && isCapitalised(w[1]) {
			add(v, false)
		}
	}
	record := func(r Record) {
		person(r.ProducedBy)
		person(r.PublishedBy)
		for _, c := range r.Changes {
			person(c.Author)
		}
	}
	for _, p := range b.Procedures {
		record(p.Record)
	}
	for _, p := range b.BIPPages {
		record(p.Record)
	}
	_ = fs.WalkDir(b.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isText(p) {
			return err
		}
		if data, err := fs.ReadFile(b.Files, p); err == nil {
			s.files[sha256.Sum256(data)] = p
			s.sizes[int64(len(data))] = true
		}
		return nil
	})
	return s
}

// genericNameWords are words of municipalities' names that say nothing of which one.
var genericNameWords = []string{"gmina", "miasto", "urząd", "powiat", "gminy", "miasta"}

func isCapitalised(w string) bool {
	r := []rune(w)
	if len(r) < 2 || !unicode.IsUpper(r[0]) {
		return false
	}
	for _, c := range r[1:] {
		if !unicode.IsLetter(c) && c != '-' {
			return false
		}
	}
	return true
}

var polishFold = strings.NewReplacer("ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z")

// fold is v as traces are compared: lower case, Polish letters without their marks (the
// sample's addresses spell Przykładowa as przykladowa), without spaces when compact.
func fold(v string, compact bool) string {
	v = polishFold.Replace(strings.ToLower(v))
	if compact {
		v = strings.Join(strings.Fields(v), "")
	}
	return v
}

func isText(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".md":
		return true
	}
	return false
}

// SampleTraces is a warning for every file and field of a real municipality's bundle that
// still holds something of the sample, after one line that counts them; none for the sample
// itself. It is not part of Load: it reads the sample and every file of b again, which the
// kiosk's start and its content updates have no use for; `content check` and the panel's
// editor ask for it.
func SampleTraces(b *Bundle) Problems {
	s := loadSample()
	if s == nil || IsSample(b) || b.Files == nil {
		return nil
	}
	var found Problems
	files := map[string]bool{}
	report := func(file, field string, hits []string) {
		if len(hits) == 0 {
			return
		}
		files[file] = true
		if file == MunicipalityFile && field == "klucz_wnioskow" && slices.Contains(hits, s.key) {
			found = append(found, SampleKeyProblem())
			return
		}
		quoted := make([]string, len(hits))
		for i, h := range hits {
			quoted[i] = "„" + h + "”"
		}
		found = append(found, Problem{File: file, Field: field, Reason: fmt.Sprintf(
			"zostało tu z przykładowej gminy: %s — wpisz dane swojej gminy albo usuń ten tekst", strings.Join(quoted, ", "))})
	}
	fsys := b.Files
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !isText(p) {
			if info, err := d.Info(); err != nil || !s.sizes[info.Size()] {
				return nil
			}
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		if !isText(p) {
			if from, ok := s.files[sha256.Sum256(data)]; ok {
				files[p] = true
				found = append(found, Problem{File: p, Reason: fmt.Sprintf("to plik przykładowej gminy (%s) — zastąp go plikiem swojej gminy albo usuń", from)})
			}
			return nil
		}
		data = bytes.TrimPrefix(data, bom)
		if strings.HasSuffix(p, ".md") {
			front, body, ok := SplitFrontMatter(data)
			if ok {
				s.scanYAML(front, report, p)
				report(p, "treść", s.hits(string(body)))
				return nil
			}
			report(p, "", s.hits(string(data)))
			return nil
		}
		s.scanYAML(data, report, p)
		return nil
	})
	if len(found) == 0 {
		return nil
	}
	summary := Problem{Reason: fmt.Sprintf("w treści %s %s z przykładowej gminy (Gmina Przykładowa) w %d %s — każde wymienia uwaga poniżej; kiosk pokazałby mieszkańcom nieistniejące adresy, telefony i osoby",
		l10n.Plural(len(found), "zostało", "zostały", "zostało"), l10n.Count(len(found), "miejsce", "miejsca", "miejsc"),
		len(files), l10n.Plural(len(files), "pliku", "plikach", "plikach"))}
	return append(Problems{summary}, found...)
}

// hits are the sample's strings found in v, as shown.
func (s *sample) hits(v string) []string {
	var out []string
	plain, compact := fold(v, false), fold(v, true)
	for _, t := range s.traces {
		in := plain
		if t.compact {
			in = compact
		}
		if strings.Contains(in, t.folded) {
			out = append(out, t.shown)
		}
	}
	return out
}

// scanYAML reports the sample's strings in each scalar of a YAML document, by the field's
// path as the other problems name it (adres.ulica, [2].telefon, metryczka.wytworzyl).
func (s *sample) scanYAML(data []byte, report func(file, field string, hits []string), file string) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		report(file, "", s.hits(string(data)))
		return
	}
	fields := map[string][]string{}
	var order []string
	var walk func(n *yaml.Node, at string)
	walk = func(n *yaml.Node, at string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, at)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if at != "" {
					key = at + "." + key
				}
				walk(n.Content[i+1], key)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", at, i))
			}
		case yaml.ScalarNode:
			for _, h := range s.hits(n.Value) {
				if _, seen := fields[at]; !seen {
					order = append(order, at)
				}
				if !slices.Contains(fields[at], h) {
					fields[at] = append(fields[at], h)
				}
			}
		}
	}
	walk(&doc, "")
	for _, f := range order {
		report(file, f, fields[f])
	}
}
