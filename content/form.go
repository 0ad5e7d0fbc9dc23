package content

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"filippo.io/age"

	"infomat/validate"
)

// FormsDir holds one online form per procedure card: formularze/<card id>.yaml.
const FormsDir = "formularze"

// Form is what a resident fills in at the kiosk for one procedure ("Złóż wniosek tutaj").
type Form struct {
	Procedure  string  `yaml:"-"` // the card's ID, from the file name
	File       string  `yaml:"-"`
	Title      string  `yaml:"tytul"`                // empty: the card's title
	Intro      string  `yaml:"wstep"`                // shown before the first question
	NextSteps  string  `yaml:"co_dalej"`             // what happens after submitting, on the confirmation
	Purpose    string  `yaml:"cel_przetwarzania"`    // RODO: purpose and legal basis
	Recipients string  `yaml:"odbiorcy"`             // RODO: who receives the data
	Retention  string  `yaml:"okres_przechowywania"` // RODO: how long it is kept
	Fields     []Field `yaml:"pola"`
	// Lang is the language of the texts ("" for Polish); Partial: some are still Polish.
	Lang    string `yaml:"-"`
	Partial bool   `yaml:"-"`
}

// Field is one question of a form.
type Field struct {
	ID        string     `yaml:"id"`
	Type      FieldType  `yaml:"typ"`
	Label     string     `yaml:"pytanie"`
	Help      string     `yaml:"pomoc"`
	Required  bool       `yaml:"wymagane"`
	Options   []Option   `yaml:"opcje"`
	ShowIf    *Condition `yaml:"pokaz_gdy"`
	MaxLength int        `yaml:"maks_dlugosc"`
}

// Option is one answer of a choice field.
type Option struct {
	Value string `yaml:"wartosc"`
	Label string `yaml:"etykieta"`
}

// Condition shows a field only when an earlier choice or checkbox has a given value
// ("tak" for a ticked checkbox).
type Condition struct {
	Field string `yaml:"pole"`
	Value string `yaml:"wartosc"`
}

// FieldType is the kind of answer a field takes; it picks the validator and the keyboard.
type FieldType string

const (
	FieldText        FieldType = "tekst"
	FieldLongText    FieldType = "tekst_dlugi"
	FieldPESEL       FieldType = "pesel"
	FieldNIP         FieldType = "nip"
	FieldREGON       FieldType = "regon"
	FieldIDCard      FieldType = "dowod_osobisty"
	FieldPostalCode  FieldType = "kod_pocztowy"
	FieldPhone       FieldType = "telefon"
	FieldEmail       FieldType = "email"
	FieldDate        FieldType = "data"
	FieldAccount     FieldType = "rachunek"
	FieldChoice      FieldType = "wybor"
	FieldMultiChoice FieldType = "wybor_wielokrotny"
	FieldCheckbox    FieldType = "zgoda"
)

// FieldTypes lists every field type a form may use.
var FieldTypes = []FieldType{FieldText, FieldLongText, FieldPESEL, FieldNIP, FieldREGON, FieldIDCard,
	FieldPostalCode, FieldPhone, FieldEmail, FieldDate, FieldAccount, FieldChoice, FieldMultiChoice, FieldCheckbox}

// Checked is the value a ticked checkbox has in answers and conditions.
const Checked = "tak"

// HasOptions reports whether the field is answered by picking options.
func (t FieldType) HasOptions() bool { return t == FieldChoice || t == FieldMultiChoice }

// Answers maps field IDs to values; a multiple choice holds its values joined by "\n".
type Answers map[string]string

// Visible lists the fields shown given the answers so far, in order. A field whose condition
// refers to a hidden field is hidden too, whatever that field's stale answer says.
func (form *Form) Visible(a Answers) []*Field {
	shown := map[string]bool{}
	var out []*Field
	for i := range form.Fields {
		f := &form.Fields[i]
		if c := f.ShowIf; c != nil {
			if !shown[c.Field] || !slices.Contains(strings.Split(a[c.Field], "\n"), c.Value) {
				continue
			}
		}
		shown[f.ID] = true
		out = append(out, f)
	}
	return out
}

// OptionLabel returns the label of a choice value.
func (f *Field) OptionLabel(value string) string {
	for _, o := range f.Options {
		if o.Value == value {
			return o.Label
		}
	}
	if f.Type == FieldCheckbox && value == Checked {
		return "✓"
	}
	return value
}

var fieldID = regexp.MustCompile(`^[a-z0-9]+([_-][a-z0-9]+)*$`)

// forms loads formularze/*.yaml. A form with problems is disabled — its card still shows —
// and its problems are returned apart from the bundle's, so one bad form never takes the
// content off the screen.
func (l *loader) forms(b *Bundle) Problems {
	files, err := fs.Glob(l.fsys, FormsDir+"/*.yaml")
	if err != nil {
		return nil
	}
	// Decode and check with a loader of its own, so form problems stay out of l.problems.
	fl := &loader{fsys: l.fsys}
	yml, _ := fs.Glob(l.fsys, FormsDir+"/*.yml")
	for _, f := range yml {
		fl.add(f, "", "formularze mają rozszerzenie .yaml — zmień nazwę pliku")
	}
	keyOK := true
	if b.Municipality.SubmissionKey == "" {
		keyOK = false
	} else if _, err := age.ParseX25519Recipient(b.Municipality.SubmissionKey); err != nil {
		keyOK = false
	}
	for _, f := range files {
		id := strings.TrimSuffix(path.Base(f), ".yaml")
		if _, lang := splitLang(id); lang != "" {
			continue // a translation (translate.go)
		}
		before := len(fl.problems)
		var form Form
		if fl.decode(f, &form, true) {
			form.File, form.Procedure = f, id
			fl.checkForm(&form)
		}
		p, ok := b.Procedure(id)
		if !ok {
			fl.add(f, "", "nie ma karty usługi %q (plik musi nazywać się jak karta w %s/)", id, ProceduresDir)
		}
		if !keyOK {
			fl.add(f, "", "formularz wyłączony: %s nie ma poprawnego klucza klucz_wnioskow (age1…), więc wniosków nie da się zaszyfrować", MunicipalityFile)
		}
		if ok && len(fl.problems) == before {
			fl.checkFeeConditions(p, &form)
		}
		if len(fl.problems) == before && ok {
			form := form
			p.Form = &form
		}
	}
	for i := range b.Procedures {
		p := &b.Procedures[i]
		if _, err := fs.Stat(l.fsys, FormsDir+"/"+p.ID+".yaml"); err == nil {
			continue // checked with its form above
		}
		for j, fee := range p.Fees {
			if fee.When != nil {
				fl.add(p.File, fmt.Sprintf("oplaty[%d].gdy", j), "karta nie ma formularza (%s/%s.yaml), więc nie ma odpowiedzi, która wybrałaby tę opłatę — usuń gdy albo dodaj formularz", FormsDir, p.ID)
			}
		}
	}
	l.warnings = append(l.warnings, fl.warnings...)
	return fl.problems
}

func (l *loader) checkForm(form *Form) {
	f := form.File
	l.title(f, "tytul", form.Title)
	l.required(f, "co_dalej", form.NextSteps)
	l.required(f, "cel_przetwarzania", form.Purpose)
	l.required(f, "okres_przechowywania", form.Retention)
	l.required(f, "odbiorcy", form.Recipients)
	if len(form.Fields) == 0 {
		l.add(f, "pola", "formularz nie ma pól")
	}
	seen := map[string]int{}
	byID := map[string]*Field{}
	for i := range form.Fields {
		fd := &form.Fields[i]
		p := fmt.Sprintf("pola[%d]", i)
		if !fieldID.MatchString(fd.ID) {
			l.add(f, p+".id", "identyfikator %q: małe litery bez polskich znaków, cyfry, _ i -", fd.ID)
		} else if _, dup := seen[fd.ID]; dup {
			l.add(f, p+".id", "identyfikator %q powtarza się", fd.ID)
		}
		seen[fd.ID] = 0
		l.required(f, p+".pytanie", fd.Label)
		l.title(f, p+".pytanie", fd.Label)
		if !slices.Contains(FieldTypes, fd.Type) {
			names := make([]string, len(FieldTypes))
			for i, t := range FieldTypes {
				names[i] = string(t)
			}
			l.add(f, p+".typ", "nieznany typ %q (dozwolone: %s)", fd.Type, strings.Join(names, ", "))
		}
		if fd.Type.HasOptions() {
			if len(fd.Options) < 2 {
				l.add(f, p+".opcje", "pole wyboru potrzebuje co najmniej dwóch opcji")
			}
			vals := map[string]bool{}
			for j, o := range fd.Options {
				op := fmt.Sprintf("%s.opcje[%d]", p, j)
				if l.required(f, op+".wartosc", o.Value) && vals[o.Value] {
					l.add(f, op+".wartosc", "wartość %q powtarza się", o.Value)
				}
				if strings.Contains(o.Value, "\n") {
					l.add(f, op+".wartosc", "wartość nie może mieć kilku wierszy")
				}
				vals[o.Value] = true
				l.required(f, op+".etykieta", o.Label)
			}
		} else if len(fd.Options) > 0 {
			l.add(f, p+".opcje", "opcje mają tylko pola typu wybor i wybor_wielokrotny")
		}
		if fd.MaxLength < 0 {
			l.add(f, p+".maks_dlugosc", "długość nie może być ujemna")
		}
		if c := fd.ShowIf; c != nil {
			ref, ok := byID[c.Field]
			switch {
			case !ok:
				l.add(f, p+".pokaz_gdy.pole", "pole %q musi być wcześniej w formularzu", c.Field)
			case ref.Type == FieldCheckbox:
				if c.Value != Checked {
					l.add(f, p+".pokaz_gdy.wartosc", "dla pola zgody jedyna wartość to %q", Checked)
				}
			case ref.Type.HasOptions():
				if !slices.ContainsFunc(ref.Options, func(o Option) bool { return o.Value == c.Value }) {
					l.add(f, p+".pokaz_gdy.wartosc", "pole %q nie ma opcji %q", c.Field, c.Value)
				}
			default:
				l.add(f, p+".pokaz_gdy.pole", "warunek może zależeć tylko od pola wyboru lub zgody")
			}
		}
		byID[fd.ID] = fd
	}
}

// Check validates one answer. The error, when not nil, is a *validate.Error the interface
// can phrase in the resident's language; it never contains the value.
func (f *Field) Check(value string) error {
	v := strings.TrimSpace(f.Normalize(value))
	if v == "" {
		if f.Required {
			return validate.Required()
		}
		return nil
	}
	switch f.Type {
	case FieldText, FieldLongText:
		max := f.MaxLength
		if max == 0 {
			max = defaultMaxLength(f.Type)
		}
		return validate.Text(v, max)
	case FieldPESEL:
		_, err := validate.PESEL(v)
		return err
	case FieldNIP:
		return validate.NIP(v)
	case FieldREGON:
		return validate.REGON(v)
	case FieldIDCard:
		return validate.IDCard(v)
	case FieldPostalCode:
		return validate.PostalCode(v)
	case FieldPhone:
		return validate.Phone(v)
	case FieldEmail:
		return validate.Email(v)
	case FieldDate:
		_, err := validate.Date(v)
		return err
	case FieldAccount:
		return validate.NRB(v)
	case FieldChoice, FieldMultiChoice:
		for _, part := range strings.Split(v, "\n") {
			if !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == part }) {
				return validate.Required()
			}
		}
	case FieldCheckbox:
		if v != Checked {
			return validate.Required()
		}
	}
	return nil
}

// Normalize rewrites an answer the way the office reads it: a date typed 14051944 or
// 14/05/1944 becomes 14.05.1944, a postal code 00950 becomes 00-950, a NIP loses "PL" and
// dashes. Check validates the normalised value and the wizard stores it, so what the resident
// sees on the review is what is sent. A value it does not recognise is returned unchanged.
func (f *Field) Normalize(value string) string {
	switch f.Type {
	case FieldDate:
		return validate.NormalDate(value)
	case FieldPostalCode:
		return validate.NormalPostalCode(value)
	case FieldNIP:
		return validate.NormalNIP(value)
	case FieldPESEL, FieldREGON:
		return validate.NormalDigits(value)
	}
	return value
}

func defaultMaxLength(t FieldType) int {
	if t == FieldLongText {
		return 2000
	}
	return 200
}

// Check validates every visible field of the form and returns the problems by field ID.
// Answers to fields hidden by a condition are dropped, so nothing the resident can no longer
// see is sent.
func (form *Form) Check(a Answers) map[string]error {
	errs := map[string]error{}
	visible := map[string]bool{}
	for _, f := range form.Visible(a) {
		visible[f.ID] = true
		if err := f.Check(a[f.ID]); err != nil {
			errs[f.ID] = err
		}
	}
	for id := range a {
		if !visible[id] {
			delete(a, id)
		}
	}
	return errs
}

// checkFeeConditions checks that each fee's gdy names a choice field of the card's form and
// one of its options: a condition no answer can meet would never select the fee.
func (l *loader) checkFeeConditions(p *Procedure, form *Form) {
	for i, fee := range p.Fees {
		c := fee.When
		if c == nil {
			continue
		}
		ff := fmt.Sprintf("oplaty[%d].gdy", i)
		idx := slices.IndexFunc(form.Fields, func(fd Field) bool { return fd.ID == c.Field })
		switch {
		case idx < 0:
			l.add(p.File, ff+".pole", "formularz %s nie ma pola %q", form.File, c.Field)
		case form.Fields[idx].Type == FieldCheckbox:
			if c.Value != Checked {
				l.add(p.File, ff+".wartosc", "dla pola zgody jedyna wartość to %q", Checked)
			}
		case form.Fields[idx].Type.HasOptions():
			if !slices.ContainsFunc(form.Fields[idx].Options, func(o Option) bool { return o.Value == c.Value }) {
				l.add(p.File, ff+".wartosc", "pole %q formularza nie ma opcji %q", c.Field, c.Value)
			}
		default:
			l.add(p.File, ff+".pole", "opłatę może wybrać tylko pole wyboru lub zgody, a %q nim nie jest", c.Field)
		}
	}
}
