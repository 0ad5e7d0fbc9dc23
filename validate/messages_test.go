package validate_test

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/l10n"
	"infomat/validate"
)

// failures produces every message the package can give, each from one failing input.
var failures = []struct {
	name string
	err  func() error
}{
	{"required", func() error { return validate.Required() }},
	{"pesel empty", func() error { _, err := validate.PESEL(""); return err }},
	{"pesel digits", func() error { _, err := validate.PESEL("4405140135X"); return err }},
	{"pesel length", func() error { _, err := validate.PESEL("4405140135"); return err }},
	{"pesel checksum", func() error { _, err := validate.PESEL("44051401358"); return err }},
	{"pesel date", func() error { _, err := validate.PESEL("00023101236"); return err }},
	{"nip digits", func() error { return validate.NIP("85673462A5") }},
	{"nip length", func() error { return validate.NIP("856734621") }},
	{"nip checksum", func() error { return validate.NIP("8567346216") }},
	{"regon digits", func() error { return validate.REGON("19259818A") }},
	{"regon length", func() error { return validate.REGON("1234") }},
	{"regon checksum", func() error { return validate.REGON("192598183") }},
	{"idcard format", func() error { return validate.IDCard("AB1300000") }},
	{"idcard checksum", func() error { return validate.IDCard("ABA300001") }},
	{"postal format", func() error { return validate.PostalCode("99150") }},
	{"iban country", func() error { return validate.IBAN("DE89370400440532013000") }},
	{"iban digits", func() error { return validate.IBAN("PL6110901014000007121981287X") }},
	{"iban length", func() error { return validate.IBAN("PL6110901014000007121981287") }},
	{"iban checksum", func() error { return validate.IBAN("PL61109010140000071219812875") }},
	{"nrb digits", func() error { return validate.NRB("9212401234000156789012345O") }},
	{"nrb length", func() error { return validate.NRB("9212401234000156789012345") }},
	{"nrb checksum", func() error { return validate.NRB("93124012340001567890123456") }},
	{"email format", func() error { return validate.Email("jan kowalski@poczta.pl") }},
	{"email at", func() error { return validate.Email("jan.kowalski.poczta.pl") }},
	{"email domain", func() error { return validate.Email("jan@poczta") }},
	{"email too long", func() error { return validate.Email(strings.Repeat("a", 250) + "@b.pl") }},
	{"phone format", func() error { return validate.Phone("012345678") }},
	{"phone digits", func() error { return validate.Phone("600 12A 456") }},
	{"phone length", func() error { return validate.Phone("60012345") }},
	{"phone international", func() error { return validate.Phone("+4912345") }},
	{"date format", func() error { _, err := validate.Date("2026-11-01"); return err }},
	{"date missing", func() error { _, err := validate.Date("31.04.2026"); return err }},
	{"text too long", func() error { return validate.Text("abcd", 3) }},
	{"text chars", func() error { return validate.Text("a\x00b", 10) }},
}

// produced runs the failures and returns their errors by message ID.
func produced(t *testing.T) map[string]*validate.Error {
	t.Helper()
	m := map[string]*validate.Error{}
	for _, f := range failures {
		var e *validate.Error
		if err := f.err(); !errors.As(err, &e) {
			t.Fatalf("%s: %v is no *validate.Error", f.name, err)
		}
		m[e.Message] = e
	}
	return m
}

// The table above covers every message ID written in the package's source, so a new
// message cannot be forgotten in the files.
func TestFailuresCoverSource(t *testing.T) {
	ids := produced(t)
	literal := regexp.MustCompile(`"(validate\.[a-z_.]+)"`)
	names, err := fs.Glob(os.DirFS("."), "*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			n++
			id := m[1]
			// A prefix such as "validate.pesel" stands for its ….digits and ….length.
			covered := ids[id] != nil
			for p := range ids {
				covered = covered || strings.HasPrefix(p, id+".")
			}
			if !covered {
				t.Errorf("%s: message %q is not produced by any input of the failures table", name, id)
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d message IDs in the source; is the pattern stale?", n)
	}
}

func fileKeys(t *testing.T, lang l10n.Lang) []string {
	t.Helper()
	data, err := fs.ReadFile(assets.Translations(), "validate."+string(lang)+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Every message the code can produce is in validate.pl/en/uk.yaml, renders in each
// language with its own text (no fallback to Polish, no "{{" or "<no value>" left), in every
// plural form, and is short enough to stand next to a field.
func TestMessagesTranslated(t *testing.T) {
	ids := produced(t)
	for _, lang := range l10n.Languages {
		keys := fileKeys(t, lang)
		for id := range ids {
			if !slices.Contains(keys, id) {
				t.Errorf("validate.%s.yaml lacks %q", lang, id)
			}
		}
		for _, k := range keys {
			if ids[k] == nil {
				t.Errorf("validate.%s.yaml has %q, which the code never produces", lang, k)
			}
		}
	}

	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	render := func(e *validate.Error, n int) string {
		args := slices.Clone(e.Args)
		if n >= 0 {
			for i := 0; i+1 < len(args); i += 2 {
				if args[i] == "Got" || args[i] == "Count" {
					args[i+1] = n
				}
			}
		}
		return loc.T(e.Message, args...)
	}
	polish := map[string]string{}
	for _, lang := range l10n.Languages {
		loc.SetLang(lang)
		for id, e := range ids {
			counts := []int{-1}
			if slices.Contains(e.Args, any("Count")) {
				counts = []int{0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 1000}
			}
			for _, n := range counts {
				s := render(e, n)
				if s == id || s == "" || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s (%d) renders %q", lang, id, n, s)
				}
				if utf8.RuneCountInString(s) > 110 {
					t.Errorf("%s %s is %d characters long: %q", lang, id, utf8.RuneCountInString(s), s)
				}
				if lang == l10n.PL {
					polish[id] = s
				} else if s == polish[id] {
					t.Errorf("%s %s falls back to Polish: %q", lang, id, s)
				}
			}
		}
	}
}

// The plural forms agree with the number, in each language's way.
func TestMessagePlurals(t *testing.T) {
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	pesel := func(n int) string {
		in := strings.Repeat("4", n)
		_, err := validate.PESEL(in)
		var e *validate.Error
		if !errors.As(err, &e) {
			t.Fatalf("PESEL(%q) = %v", in, err)
		}
		return loc.T(e.Message, e.Args...)
	}
	for _, c := range []struct {
		lang l10n.Lang
		n    int
		want string
	}{
		{l10n.PL, 10, "Numer PESEL ma 11 cyfr — wpisano 10 cyfr"},
		{l10n.PL, 1, "wpisano 1 cyfrę"},
		{l10n.PL, 3, "wpisano 3 cyfry"},
		{l10n.PL, 12, "wpisano 12 cyfr"},
		{l10n.PL, 22, "wpisano 22 cyfry"},
		{l10n.EN, 1, "you entered 1 digit"},
		{l10n.EN, 10, "you entered 10 digits"},
		{l10n.UK, 1, "ви ввели 1 цифру"},
		{l10n.UK, 3, "ви ввели 3 цифри"},
		{l10n.UK, 10, "ви ввели 10 цифр"},
		{l10n.UK, 21, "ви ввели 21 цифру"},
	} {
		loc.SetLang(c.lang)
		if got := pesel(c.n); !strings.HasSuffix(got, c.want) {
			t.Errorf("%s PESEL of %d digits: %q, want …%q", c.lang, c.n, got, c.want)
		}
	}
	loc.SetLang(l10n.PL)
	var e *validate.Error
	errors.As(validate.Text("abcdef", 5), &e)
	if got, want := loc.T(e.Message, e.Args...), "możesz wpisać najwyżej 5 znaków (teraz jest 6)"; !strings.HasSuffix(got, want) {
		t.Errorf("pl text.too_long = %q, want …%q", got, want)
	}
	errors.As(validate.Text("abc", 2), &e)
	if got, want := loc.T(e.Message, e.Args...), "najwyżej 2 znaki (teraz jest 3)"; !strings.HasSuffix(got, want) {
		t.Errorf("pl text.too_long = %q, want …%q", got, want)
	}
	if got := loc.T("validate.required"); got != "To pole jest wymagane — wpisz odpowiedź" {
		t.Errorf("pl validate.required = %q", got)
	}
}
