package l10n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
	"infomat/content"
	"infomat/l10n"
	"infomat/receipt"
)

// messages merges every message file of a language ("pl.yaml", "validate.pl.yaml", …).
func messages(t *testing.T, lang l10n.Lang) map[string]any {
	t.Helper()
	names, err := fs.Glob(assets.Translations(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	for _, name := range names {
		if name != string(lang)+".yaml" && !strings.HasSuffix(name, "."+string(lang)+".yaml") {
			continue
		}
		data, err := fs.ReadFile(assets.Translations(), name)
		if err != nil {
			t.Fatal(err)
		}
		part := map[string]any{}
		if err := yaml.Unmarshal(data, &part); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s: %q defined twice for %s", name, k, lang)
			}
			m[k] = v
		}
	}
	return m
}

// Every message exists in every language: a resident who picked Ukrainian must not meet a
// Polish button because a key was forgotten.
func TestTranslationsComplete(t *testing.T) {
	pl := messages(t, l10n.PL)
	for _, lang := range l10n.Languages[1:] {
		other := messages(t, lang)
		for k := range pl {
			if _, ok := other[k]; !ok {
				t.Errorf("%s.yaml lacks %q", lang, k)
			}
		}
		for k := range other {
			if _, ok := pl[k]; !ok {
				t.Errorf("%s.yaml has %q, unknown in pl.yaml", lang, k)
			}
		}
	}
}

// Every message ID the interface asks for is defined.
func TestCodeUsesOnlyDefinedMessages(t *testing.T) {
	pl := messages(t, l10n.PL)
	call := regexp.MustCompile(`\bu\.t\("([a-z0-9_.-]+)"`)
	root := filepath.Join("..", "app")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			n++
			if m[1] == "channel." {
				// Built from the bundle's channel values.
				for _, c := range content.Channels {
					if _, ok := pl["channel."+c]; !ok {
						t.Errorf("no message for channel %q", c)
					}
				}
				continue
			}
			if strings.HasSuffix(m[1], ".") {
				// An ID built in code ("speech.help." + the screen): the code's own tests
				// check each one; here at least one must exist.
				found := false
				for k := range pl {
					found = found || strings.HasPrefix(k, m[1])
				}
				if !found {
					t.Errorf("%s builds message IDs on %q, and none exists", p, m[1])
				}
				continue
			}
			if _, ok := pl[m[1]]; !ok {
				t.Errorf("%s uses undefined message %q", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found only %d message uses; is the pattern stale?", n)
	}
}

// Every heading the printed documents use is translated too.
func TestReceiptMessagesDefined(t *testing.T) {
	for _, lang := range l10n.Languages {
		m := messages(t, lang)
		for _, id := range append(append(append(append([]string{}, receipt.MessageIDs...), receipt.SheetMessageIDs...), receipt.DuesMessageIDs...), receipt.FeeMessageIDs...) {
			if _, ok := m[id]; !ok {
				t.Errorf("%s lacks %q", lang, id)
			}
		}
	}
}

func TestSwitchAndPlurals(t *testing.T) {
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	var seen []l10n.Lang
	loc.OnChange(func(l l10n.Lang) { seen = append(seen, l) })
	if got := loc.T("nav.back"); got != "Wstecz" {
		t.Fatalf("pl nav.back = %q", got)
	}
	// Polish plural forms: 1 wynik, 3 wyniki, 5 wyników, 22 wyniki.
	for n, want := range map[int]string{1: "1 wynik", 3: "3 wyniki", 5: "5 wyników", 22: "22 wyniki", 12: "12 wyników"} {
		if got := loc.T("search.count", "Count", n); !strings.HasSuffix(got, want) {
			t.Errorf("pl search.count(%d) = %q, want …%q", n, got, want)
		}
	}
	loc.SetLang(l10n.UK)
	if got := loc.T("nav.back"); got != "Назад" {
		t.Fatalf("uk nav.back = %q", got)
	}
	if got := loc.T("search.count", "Count", 5); !strings.Contains(got, "5 результатів") {
		t.Errorf("uk search.count(5) = %q", got)
	}
	loc.SetLang(l10n.EN)
	if got := loc.T("search.count", "Count", 1); got != "1 result" {
		t.Errorf("en search.count(1) = %q", got)
	}
	if got := loc.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
	if len(seen) != 2 || seen[0] != l10n.UK || seen[1] != l10n.EN {
		t.Fatalf("listeners saw %v", seen)
	}
}
