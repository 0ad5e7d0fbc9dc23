package content_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"infomat/assets"
	"infomat/content"
)

// form is the sample form the tests break; its card is procedury/zameldowanie-pobyt-staly.yaml.
const (
	form   = "formularze/zameldowanie-pobyt-staly.yaml"
	formID = "zameldowanie-pobyt-staly"
)

func TestEmbeddedFormsLoad(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatalf("embedded content invalid: %v", err)
	}
	if len(b.FormProblems) > 0 {
		t.Fatalf("embedded forms have problems:\n%v", b.FormProblems)
	}
	var forms []*content.Form
	for i := range b.Procedures {
		p := &b.Procedures[i]
		if p.Form == nil {
			continue
		}
		if p.Form.Procedure != p.ID || p.Form.File != content.FormsDir+"/"+p.ID+".yaml" {
			t.Errorf("card %s has form %q from %q", p.ID, p.Form.Procedure, p.Form.File)
		}
		if got, ok := b.Procedure(p.Form.Procedure); !ok || got.Form != p.Form {
			t.Errorf("form %s: no card with its form", p.Form.File)
		}
		forms = append(forms, p.Form)
	}
	if len(forms) < 7 {
		t.Fatalf("%d forms, want at least 7", len(forms))
	}

	types := map[content.FieldType]bool{}
	conditional := 0
	onChoice, onCheckbox, onMulti := 0, 0, 0
	for _, f := range forms {
		for _, need := range []struct{ key, v string }{
			{"co_dalej", f.NextSteps}, {"cel_przetwarzania", f.Purpose},
			{"odbiorcy", f.Recipients}, {"okres_przechowywania", f.Retention},
		} {
			if strings.TrimSpace(need.v) == "" {
				t.Errorf("%s: %s is empty", f.File, need.key)
			}
		}
		if n := len(f.Fields); n < 4 || n > 10 {
			t.Errorf("%s has %d questions, want 4–10", f.File, n)
		}
		hasCondition := false
		byID := map[string]*content.Field{}
		for i := range f.Fields {
			fd := &f.Fields[i]
			types[fd.Type] = true
			if !shown(f, fd, content.Answers{}) && fd.ShowIf == nil {
				t.Errorf("%s: %s without a condition is hidden", f.File, fd.ID)
			}
			if c := fd.ShowIf; c != nil {
				hasCondition = true
				ref := byID[c.Field]
				if ref == nil {
					t.Fatalf("%s: %s depends on unknown %q", f.File, fd.ID, c.Field)
				}
				if !shown(f, fd, content.Answers{c.Field: c.Value}) {
					t.Errorf("%s: %s hidden when %s = %q", f.File, fd.ID, c.Field, c.Value)
				}
				if shown(f, fd, content.Answers{}) {
					t.Errorf("%s: %s shown before %s is answered", f.File, fd.ID, c.Field)
				}
				switch ref.Type {
				case content.FieldCheckbox:
					onCheckbox++
					if shown(f, fd, content.Answers{c.Field: ""}) {
						t.Errorf("%s: %s shown with %s unticked", f.File, fd.ID, c.Field)
					}
				case content.FieldChoice, content.FieldMultiChoice:
					if ref.Type == content.FieldChoice {
						onChoice++
					} else {
						onMulti++
					}
					for _, o := range ref.Options {
						if o.Value != c.Value && shown(f, fd, content.Answers{c.Field: o.Value}) {
							t.Errorf("%s: %s shown when %s = %q", f.File, fd.ID, c.Field, o.Value)
						}
						if ref.Type == content.FieldMultiChoice && o.Value != c.Value &&
							!shown(f, fd, content.Answers{c.Field: o.Value + "\n" + c.Value}) {
							t.Errorf("%s: %s hidden when %q is one of several picked", f.File, fd.ID, c.Value)
						}
					}
				default:
					t.Errorf("%s: %s depends on a %s field", f.File, fd.ID, ref.Type)
				}
			}
			byID[fd.ID] = fd
		}
		if hasCondition {
			conditional++
		}
	}
	if conditional < 4 {
		t.Errorf("%d forms use pokaz_gdy, want at least 4", conditional)
	}
	if onChoice == 0 || onCheckbox == 0 {
		t.Errorf("conditions on a choice: %d, on a checkbox: %d; want both", onChoice, onCheckbox)
	}
	for _, ft := range content.FieldTypes {
		if !types[ft] {
			t.Errorf("no embedded form uses field type %q", ft)
		}
	}
	if len(content.FieldTypes) != 14 {
		t.Errorf("%d field types, this test expects 14", len(content.FieldTypes))
	}
	t.Logf("%d forms, %d with conditions (%d on a choice, %d on a multiple choice, %d on a checkbox)",
		len(forms), conditional, onChoice, onMulti, onCheckbox)
}

// The sample form shows "tytul_opis" only for "inne", and a checkbox condition needs "tak".
func TestFieldVisible(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := b.Procedure(formID)
	if !ok || p.Form == nil {
		t.Fatalf("no form for %s", formID)
	}
	var opis *content.Field
	for i := range p.Form.Fields {
		if p.Form.Fields[i].ID == "tytul_opis" {
			opis = &p.Form.Fields[i]
		}
	}
	if opis == nil {
		t.Fatal("no field tytul_opis")
	}
	for answers, want := range map[string]bool{"inne": true, "najem": false, "": false, "Inne": false} {
		if got := shown(p.Form, opis, content.Answers{"tytul": answers}); got != want {
			t.Errorf("tytul = %q: visible %v, want %v", answers, got, want)
		}
	}
	form := &content.Form{Fields: []content.Field{
		{ID: "odpowiedz", Type: content.FieldCheckbox},
		{ID: "email", Type: content.FieldEmail, ShowIf: &content.Condition{Field: "odpowiedz", Value: content.Checked}},
		{ID: "kopia", Type: content.FieldCheckbox, ShowIf: &content.Condition{Field: "email", Value: "x"}},
	}}
	email, kopia := &form.Fields[1], &form.Fields[2]
	for answers, want := range map[string]bool{content.Checked: true, "": false, "nie": false} {
		if got := shown(form, email, content.Answers{"odpowiedz": answers}); got != want {
			t.Errorf("odpowiedz = %q: visible %v, want %v", answers, got, want)
		}
	}
	if shown(form, email, content.Answers{}) {
		t.Error("shown with no answers")
	}
	// A chain: kopia depends on email, which is hidden, so kopia is hidden whatever email held.
	if shown(form, kopia, content.Answers{"odpowiedz": "", "email": "x"}) {
		t.Error("a field behind a hidden field is shown")
	}
	if !shown(form, kopia, content.Answers{"odpowiedz": content.Checked, "email": "x"}) {
		t.Error("chain fully satisfied but hidden")
	}
}

// shown reports whether fd is among the form's visible fields for the answers.
func shown(f *content.Form, fd *content.Field, a content.Answers) bool {
	return slices.Contains(f.Visible(a), fd)
}

// formProblems loads a bundle whose forms are broken: the bundle must still load. It returns
// the bundle and the form problems as "file: field: reason" lines.
func formProblems(t *testing.T, m fstest.MapFS) (*content.Bundle, string) {
	t.Helper()
	b, err := content.Load(m)
	if err != nil {
		t.Fatalf("a form problem took the bundle down: %v", err)
	}
	lines := make([]string, len(b.FormProblems))
	for i, p := range b.FormProblems {
		lines[i] = p.String()
	}
	return b, strings.Join(lines, "\n")
}

// cut removes everything from the first "from" up to (not including) "to".
func cut(t *testing.T, m fstest.MapFS, file, from, to string) {
	t.Helper()
	s := string(m[file].Data)
	i, j := strings.Index(s, from), strings.Index(s, to)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q before %q", file, from, to)
	}
	m[file] = &fstest.MapFile{Data: []byte(s[:i] + s[j:])}
}

func appendTo(m fstest.MapFS, file, text string) {
	m[file] = &fstest.MapFile{Data: append(append([]byte{}, m[file].Data...), text...)}
}

const checkboxFields = `  - id: zgoda_kontakt
    typ: zgoda
    pytanie: Chcę dostać odpowiedź
  - id: email
    typ: email
    pytanie: Na jaki adres e-mail?
    pokaz_gdy:
      pole: zgoda_kontakt
      wartosc: "true"
`

func TestFormProblemsDisableOnlyTheForm(t *testing.T) {
	cases := []struct {
		name      string
		break_    func(fstest.MapFS)
		file      string
		field     string
		reasonHas string
	}{
		{"unknown type", func(m fstest.MapFS) { replaceIn(t, m, form, "typ: telefon", "typ: faks") },
			form, "pola[8].typ", `nieznany typ "faks"`},
		{"duplicate id", func(m fstest.MapFS) { replaceIn(t, m, form, "id: nazwisko", "id: imie") },
			form, "pola[1].id", `"imie" powtarza się`},
		{"bad id", func(m fstest.MapFS) {
			replaceIn(t, m, form, "id: data_przeprowadzki", "id: DataPrzeprowadzki")
		}, form, "pola[5].id", "małe litery"},
		{"polish letters in id", func(m fstest.MapFS) { replaceIn(t, m, form, "id: imie", "id: imię") },
			form, "pola[0].id", "bez polskich znaków"},
		{"choice with one option", func(m fstest.MapFS) {
			cut(t, m, form, "      - wartosc: najem", "  - id: tytul_opis")
		}, form, "pola[6].opcje", "co najmniej dwóch opcji"},
		{"options on a text field", func(m fstest.MapFS) {
			replaceIn(t, m, form, "    maks_dlugosc: 60\n",
				"    maks_dlugosc: 60\n    opcje:\n      - wartosc: a\n        etykieta: A\n      - wartosc: b\n        etykieta: B\n")
		}, form, "pola[0].opcje", "opcje mają tylko pola typu wybor"},
		{"duplicate option value", func(m fstest.MapFS) { replaceIn(t, m, form, "wartosc: najem", "wartosc: wlasnosc") },
			form, "pola[6].opcje[1].wartosc", `"wlasnosc" powtarza się`},
		{"option without label", func(m fstest.MapFS) { replaceIn(t, m, form, "etykieta: Wynajmuję", `etykieta: ""`) },
			form, "pola[6].opcje[1].etykieta", "pole wymagane jest puste"},
		{"field without question", func(m fstest.MapFS) {
			replaceIn(t, m, form, "pytanie: Jak masz na imię?", `pytanie: ""`)
		}, form, "pola[0].pytanie", "pole wymagane jest puste"},
		{"condition on a later field", func(m fstest.MapFS) {
			replaceIn(t, m, form, "    maks_dlugosc: 60\n",
				"    maks_dlugosc: 60\n    pokaz_gdy:\n      pole: tytul\n      wartosc: inne\n")
		}, form, "pola[0].pokaz_gdy.pole", `"tytul" musi być wcześniej`},
		{"condition on itself", func(m fstest.MapFS) {
			replaceIn(t, m, form, "      pole: tytul\n", "      pole: tytul_opis\n")
		}, form, "pola[7].pokaz_gdy.pole", "musi być wcześniej"},
		{"condition on a text field", func(m fstest.MapFS) { replaceIn(t, m, form, "      pole: tytul\n", "      pole: adres\n") },
			form, "pola[7].pokaz_gdy.pole", "tylko od pola wyboru lub zgody"},
		{"condition value not an option", func(m fstest.MapFS) {
			replaceIn(t, m, form, "      pole: tytul\n      wartosc: inne", "      pole: tytul\n      wartosc: inny")
		}, form, "pola[7].pokaz_gdy.wartosc", `nie ma opcji "inny"`},
		{"checkbox condition value not tak", func(m fstest.MapFS) { appendTo(m, form, checkboxFields) },
			form, "pola[10].pokaz_gdy.wartosc", `jedyna wartość to "tak"`},
		{"negative length", func(m fstest.MapFS) { replaceIn(t, m, form, "maks_dlugosc: 60", "maks_dlugosc: -1") },
			form, "pola[0].maks_dlugosc", "ujemna"},
		{"missing co_dalej", func(m fstest.MapFS) { cut(t, m, form, "co_dalej:", "cel_przetwarzania:") },
			form, "co_dalej", "pole wymagane jest puste"},
		{"missing cel_przetwarzania", func(m fstest.MapFS) { cut(t, m, form, "cel_przetwarzania:", "odbiorcy:") },
			form, "cel_przetwarzania", "pole wymagane jest puste"},
		{"missing okres_przechowywania", func(m fstest.MapFS) { cut(t, m, form, "okres_przechowywania:", "pola:") },
			form, "okres_przechowywania", "pole wymagane jest puste"},
		{"typo in key", func(m fstest.MapFS) {
			replaceIn(t, m, form, "pytanie: Jak masz na imię?", "pytnie: Jak masz na imię?")
		},
			form, "pytnie", "nieznane pole"},
		{"wrong kind of value", func(m fstest.MapFS) { replaceIn(t, m, form, "maks_dlugosc: 60", "maks_dlugosc: sześćdziesiąt") },
			form, "", "oczekiwano liczby całkowitej"},
		{"yaml syntax error", func(m fstest.MapFS) { replaceIn(t, m, form, "  - id: imie", "  - id: [imie") },
			form, "", "błędny YAML"},
		{"empty file", func(m fstest.MapFS) { m[form] = &fstest.MapFile{} },
			form, "", "plik jest pusty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := sample(t)
			c.break_(m)
			b, got := formProblems(t, m)
			want := c.file + ": "
			if c.field != "" {
				want += c.field + ": "
			}
			found := false
			for _, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, want) && strings.Contains(line, c.reasonHas) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem %q…%q in:\n%s", want, c.reasonHas, got)
			}
			p, ok := b.Procedure(formID)
			if !ok {
				t.Fatal("the card disappeared with its form")
			}
			if p.Form != nil {
				t.Fatal("a form with problems is still enabled")
			}
			for _, other := range b.Procedures {
				if other.ID != formID && other.Form == nil && m[content.FormsDir+"/"+other.ID+".yaml"] != nil {
					t.Errorf("the other form %s was disabled too", other.ID)
				}
			}
		})
	}
}

func TestFormWithoutFields(t *testing.T) {
	m := sample(t)
	s := string(m[form].Data)
	m[form] = &fstest.MapFile{Data: []byte(s[:strings.Index(s, "pola:")] + "pola: []\n")}
	b, got := formProblems(t, m)
	if !strings.Contains(got, form+": pola: formularz nie ma pól") {
		t.Fatalf("no problem about missing fields in:\n%s", got)
	}
	if p, ok := b.Procedure(formID); !ok || p.Form != nil {
		t.Fatal("card missing or form still enabled")
	}
}

func TestFormForUnknownCard(t *testing.T) {
	m := sample(t)
	const orphan = "formularze/nie-ma-takiej-karty.yaml"
	m[orphan] = &fstest.MapFile{Data: m[form].Data}
	b, got := formProblems(t, m)
	if !strings.HasPrefix(got, orphan+": nie ma karty usługi \"nie-ma-takiej-karty\"") || strings.Count(got, "\n") != 0 {
		t.Fatalf("want exactly one problem about the missing card, got:\n%s", got)
	}
	if p, ok := b.Procedure(formID); !ok || p.Form == nil {
		t.Fatal("the good copy of the form was disabled")
	}
}

// A form file ending in .yml or sitting in a sub-folder is not a form: it is ignored.
// A .yml form is reported (the clerk meant it to load) but not loaded; sub-folders are ignored.
func TestFormFilesOutsideTheGlobAreIgnored(t *testing.T) {
	m := sample(t)
	m["formularze/wymeldowanie.yml"] = &fstest.MapFile{Data: m[form].Data}
	m["formularze/stare/wymeldowanie.yaml"] = &fstest.MapFile{Data: []byte("pola: [")}
	b, got := formProblems(t, m)
	if want := "formularze/wymeldowanie.yml: formularze mają rozszerzenie .yaml — zmień nazwę pliku"; got != want {
		t.Fatalf("problems:\n%s\nwant only:\n%s", got, want)
	}
	if p, _ := b.Procedure("wymeldowanie"); p.Form != nil {
		t.Fatal("a .yml form was loaded")
	}
}

func TestNoSubmissionKeyDisablesEveryForm(t *testing.T) {
	m := sample(t)
	cut(t, m, "gmina.yaml", "klucz_wnioskow:", "# Portal")
	b, got := formProblems(t, m)
	forms := 0
	for p := range m {
		if strings.HasPrefix(p, content.FormsDir+"/") && strings.HasSuffix(p, ".yaml") && strings.Count(p, ".") == 1 {
			forms++
			want := p + ": formularz wyłączony: gmina.yaml nie ma poprawnego klucza klucz_wnioskow"
			if !strings.Contains(got, want) {
				t.Errorf("no %q in:\n%s", want, got)
			}
		}
	}
	if forms < 7 || len(b.FormProblems) != forms {
		t.Errorf("%d forms, %d problems; want one per form:\n%s", forms, len(b.FormProblems), got)
	}
	for _, p := range b.Procedures {
		if p.Form != nil {
			t.Errorf("%s: form enabled without a key", p.ID)
		}
	}
	if len(b.Procedures) < 30 {
		t.Errorf("only %d cards left", len(b.Procedures))
	}
}

func TestInvalidSubmissionKeyIsABundleProblem(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, "gmina.yaml", "klucz_wnioskow: age1", "klucz_wnioskow: age2")
	got := problems(t, m)
	if !strings.Contains(got, "\ngmina.yaml: klucz_wnioskow: to nie jest klucz publiczny age") {
		t.Fatalf("no problem about the key in:\n%s", got)
	}
}

func TestYAMLErrorDisablesOnlyThatForm(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, form, "pola:", "pola: [")
	b, got := formProblems(t, m)
	if len(b.FormProblems) != 1 || !strings.HasPrefix(got, form+": błędny YAML") {
		t.Fatalf("want one YAML problem in %s, got:\n%s", form, got)
	}
	enabled := 0
	for _, p := range b.Procedures {
		if p.Form != nil {
			enabled++
		}
	}
	good, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	all := 0
	for _, p := range good.Procedures {
		if p.Form != nil {
			all++
		}
	}
	if enabled != all-1 {
		t.Fatalf("%d of %d forms enabled, want all but one", enabled, all)
	}
	if p, ok := b.Procedure(formID); !ok || p.Form != nil {
		t.Fatal("card missing or broken form enabled")
	}
}

// One bad form reports all of its problems at once, like the rest of the bundle.
func TestAllFormProblemsReportedAtOnce(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, form, "typ: telefon", "typ: faks")
	replaceIn(t, m, form, "id: nazwisko", "id: imie")
	cut(t, m, form, "co_dalej:", "cel_przetwarzania:")
	b, _ := formProblems(t, m)
	if len(b.FormProblems) != 3 {
		t.Fatalf("want 3 problems, got %v", b.FormProblems)
	}
}

// FuzzFormLoader feeds arbitrary bytes as one form: the loader never panics, the bundle always
// loads, and the form is enabled exactly when it has no problems.
// The copy leaves out the BIP pages and the cards without a form — forms depend only on
// gmina.yaml and their cards — so each run is about three times faster.
func FuzzFormLoader(f *testing.F) {
	base := sample(f)
	for k := range base {
		card, isCard := strings.CutPrefix(k, content.ProceduresDir+"/")
		if isCard && base[content.FormsDir+"/"+card] == nil ||
			strings.HasPrefix(k, content.BIPDir+"/") && strings.HasSuffix(k, ".md") {
			delete(base, k)
		}
	}
	for _, seed := range []string{
		string(base[form].Data), "", "pola: [", "~", "- a\n- b", "co_dalej: x\npola:\n  - id: a\n    typ: zgoda\n",
		"pola:\n  - pokaz_gdy: {pole: a, wartosc: tak}\n  - opcje: [{wartosc: \"\\n\"}]\n",
		"a: &a [*a, *a]\n", "pola: !!binary aGVq\n", "\xff\xfe", "\t- x",
	} {
		f.Add([]byte(seed))
	}
	others := 0
	good, err := content.Load(base)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range good.Procedures {
		if p.Form != nil && p.ID != formID {
			others++
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := make(fstest.MapFS, len(base))
		for k, v := range base {
			m[k] = v
		}
		m[form] = &fstest.MapFile{Data: data}
		b, err := content.Load(m)
		if err != nil {
			t.Fatalf("a form took the bundle down: %v", err)
		}
		p, ok := b.Procedure(formID)
		if !ok {
			t.Fatal("the card disappeared")
		}
		mine, rest := 0, 0
		for _, pr := range b.FormProblems {
			if pr.File == form {
				mine++
			} else {
				rest++
			}
			if pr.Reason == "" {
				t.Errorf("problem without a reason: %v", pr)
			}
		}
		if rest != 0 {
			t.Fatalf("other forms got problems: %v", b.FormProblems)
		}
		if (p.Form == nil) != (mine > 0) {
			t.Fatalf("form enabled = %v with %d problems", p.Form != nil, mine)
		}
		n := 0
		for _, q := range b.Procedures {
			if q.Form != nil && q.ID != formID {
				n++
			}
		}
		if n != others {
			t.Fatalf("%d other forms enabled, want %d", n, others)
		}
		if p.Form != nil {
			seen := map[string]bool{}
			for i := range p.Form.Fields {
				fd := &p.Form.Fields[i]
				if seen[fd.ID] {
					t.Fatalf("enabled form repeats id %q", fd.ID)
				}
				seen[fd.ID] = true
				if fd.ShowIf != nil && !seen[fd.ShowIf.Field] {
					t.Fatalf("enabled form: %s depends on a later field", fd.ID)
				}
				shown(p.Form, fd, content.Answers{}) // must not panic
			}
		}
	})
}

// Answers typed the way people type them pass the check and are stored normalised.
func TestFieldNormalize(t *testing.T) {
	for _, c := range []struct {
		typ      content.FieldType
		in, want string
	}{
		{content.FieldDate, "14051944", "14.05.1944"},
		{content.FieldDate, "14/05/1944", "14.05.1944"},
		{content.FieldDate, "14 05 1944", "14.05.1944"},
		{content.FieldPostalCode, "00 950", "00-950"},
		{content.FieldNIP, "PL8567346215", "8567346215"},
		{content.FieldPESEL, "44051401359 ", "44051401359"},
		{content.FieldText, " Jan ", " Jan "},
	} {
		f := &content.Field{ID: "x", Type: c.typ, Required: true}
		if got := f.Normalize(c.in); got != c.want {
			t.Errorf("%s: Normalize(%q) = %q, want %q", c.typ, c.in, got, c.want)
		}
		if err := f.Check(c.in); err != nil {
			t.Errorf("%s: Check(%q): %v", c.typ, c.in, err)
		}
	}
}
