package content

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"filippo.io/age"
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

// Visible reports whether f is shown given the answers so far.
func (f *Field) Visible(a Answers) bool {
	if f.ShowIf == nil {
		return true
	}
	return slices.Contains(strings.Split(a[f.ShowIf.Field], "\n"), f.ShowIf.Value)
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
	if err != nil || len(files) == 0 {
		return nil
	}
	// Decode and check with a loader of its own, so form problems stay out of l.problems.
	fl := &loader{fsys: l.fsys}
	keyOK := true
	if b.Municipality.SubmissionKey == "" {
		keyOK = false
	} else if _, err := age.ParseX25519Recipient(b.Municipality.SubmissionKey); err != nil {
		keyOK = false
	}
	for _, f := range files {
		id := strings.TrimSuffix(path.Base(f), ".yaml")
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
		if len(fl.problems) == before && ok {
			form := form
			p.Form = &form
		}
	}
	return fl.problems
}

func (l *loader) checkForm(form *Form) {
	f := form.File
	l.required(f, "co_dalej", form.NextSteps)
	l.required(f, "cel_przetwarzania", form.Purpose)
	l.required(f, "okres_przechowywania", form.Retention)
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
