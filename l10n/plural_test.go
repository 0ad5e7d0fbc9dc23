package l10n_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/l10n"
)

func TestPluralForm(t *testing.T) {
	for _, tc := range []struct {
		n          int
		pl, uk, en l10n.Form
		count      string // l10n.Count in Polish
	}{
		{0, l10n.Many, l10n.Many, l10n.Other, "0 urządzeń"},
		{1, l10n.One, l10n.One, l10n.One, "1 urządzenie"},
		{2, l10n.Few, l10n.Few, l10n.Other, "2 urządzenia"},
		{3, l10n.Few, l10n.Few, l10n.Other, "3 urządzenia"},
		{4, l10n.Few, l10n.Few, l10n.Other, "4 urządzenia"},
		{5, l10n.Many, l10n.Many, l10n.Other, "5 urządzeń"},
		{11, l10n.Many, l10n.Many, l10n.Other, "11 urządzeń"},
		{12, l10n.Many, l10n.Many, l10n.Other, "12 urządzeń"},
		{14, l10n.Many, l10n.Many, l10n.Other, "14 urządzeń"},
		{21, l10n.Many, l10n.One, l10n.Other, "21 urządzeń"},
		{22, l10n.Few, l10n.Few, l10n.Other, "22 urządzenia"},
		{25, l10n.Many, l10n.Many, l10n.Other, "25 urządzeń"},
		{101, l10n.Many, l10n.One, l10n.Other, "101 urządzeń"},
		{102, l10n.Few, l10n.Few, l10n.Other, "102 urządzenia"},
		{111, l10n.Many, l10n.Many, l10n.Other, "111 urządzeń"},
		{112, l10n.Many, l10n.Many, l10n.Other, "112 urządzeń"},
		{122, l10n.Few, l10n.Few, l10n.Other, "122 urządzenia"},
		{1001, l10n.Many, l10n.One, l10n.Other, "1001 urządzeń"},
	} {
		for lang, want := range map[l10n.Lang]l10n.Form{l10n.PL: tc.pl, l10n.UK: tc.uk, l10n.EN: tc.en} {
			if got := l10n.PluralForm(lang, tc.n); got != want {
				t.Errorf("PluralForm(%s, %d) = %s, want %s", lang, tc.n, got, want)
			}
		}
		if got := l10n.Count(tc.n, "urządzenie", "urządzenia", "urządzeń"); got != tc.count {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.count)
		}
	}
}

// The message files' plural messages pick their form by the same rules: go-i18n's CLDR
// tables and PluralForm agree for every count a screen shows.
func TestCataloguesPickPluralForm(t *testing.T) {
	loc, err := l10n.New(formFiles())
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range l10n.Languages {
		for n := 0; n <= 250; n++ {
			if got, want := loc.In(lang, "plural.form", "Count", n), string(l10n.PluralForm(lang, n)); got != want {
				t.Errorf("%s %d: catalogue picks %q, PluralForm %q", lang, n, got, want)
			}
		}
	}
}

// formFiles is a message file per language whose one plural message names its form.
func formFiles() fs.FS {
	files := fstest.MapFS{}
	for _, lang := range l10n.Languages {
		forms := "  one: one\n  few: few\n  many: many\n  other: other\n"
		if lang == l10n.EN {
			forms = "  one: one\n  other: other\n"
		}
		files[string(lang)+".yaml"] = &fstest.MapFile{Data: []byte("plural.form:\n" + forms)}
	}
	return files
}

// Every plural message in the message files has each form its language uses: Polish and
// Ukrainian one, few and many; English one and other. A missing form would show the
// message's ID to a resident for some counts.
func TestCataloguesHaveEveryPluralForm(t *testing.T) {
	want := map[l10n.Lang][]string{l10n.PL: {"one", "few", "many"}, l10n.UK: {"one", "few", "many"}, l10n.EN: {"one", "other"}}
	names, err := fs.Glob(assets.Translations(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plurals := 0
	for _, name := range names {
		lang := l10n.Lang(strings.TrimSuffix(name[strings.LastIndex(strings.TrimSuffix(name, ".yaml"), ".")+1:], ".yaml"))
		data, err := fs.ReadFile(assets.Translations(), name)
		if err != nil {
			t.Fatal(err)
		}
		msgs := map[string]any{}
		if err := yaml.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range msgs {
			forms, ok := v.(map[string]any)
			if !ok {
				continue
			}
			plurals++
			for _, f := range want[lang] {
				if _, ok := forms[f]; !ok {
					t.Errorf("%s: %s lacks the %q form", name, id, f)
				}
			}
		}
	}
	if plurals < 6 {
		t.Fatalf("found %d plural messages; is the pattern stale?", plurals)
	}
}
