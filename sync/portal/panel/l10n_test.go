package panel

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every message the panel uses is in Polish, and English has exactly Polish's messages.
func TestMessagesComplete(t *testing.T) {
	// A language's messages are every part file of it: panel.pl.yaml, content.pl.yaml, …
	load := func(lang string) map[string]any {
		names, err := fs.Glob(messageFS, "l10n/*."+lang+".yaml")
		if err != nil || len(names) == 0 {
			t.Fatalf("no message files for %s: %v", lang, err)
		}
		m := map[string]any{}
		for _, name := range names {
			raw, err := messageFS.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			part := map[string]any{}
			if err := yaml.Unmarshal(raw, &part); err != nil {
				t.Fatal(err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					t.Errorf("%s: message %s is in another part too", name, k)
				}
				m[k] = v
			}
		}
		return m
	}
	pl, en := load("pl"), load("en")
	for k := range pl {
		if _, ok := en[k]; !ok {
			t.Errorf("English lacks %s", k)
		}
	}
	for k := range en {
		if _, ok := pl[k]; !ok {
			t.Errorf("English has %s, Polish does not", k)
		}
	}
	prefixes := map[string]bool{}
	for k := range pl {
		prefixes[strings.SplitN(k, ".", 2)[0]] = true
	}
	// Message IDs used in templates ({{.T "x.y"}}) and as string literals in the Go code.
	idRE := regexp.MustCompile(`"([a-z]+(?:\.[a-z0-9]+)+)"`)
	var used []string
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, gofiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(raw)) {
			// Audit action names ("login.fail") are codes, not messages.
			if strings.Contains(line, "audit(") {
				continue
			}
			for _, m := range idRE.FindAllStringSubmatch(line, -1) {
				if id := m[1]; prefixes[strings.SplitN(id, ".", 2)[0]] {
					used = append(used, id)
				}
			}
		}
	}
	for _, r := range []string{"admin", "clerk", "moderator", "operator"} {
		used = append(used, "role."+r)
	}
	slices.Sort(used)
	for _, id := range slices.Compact(used) {
		if _, ok := pl[id]; !ok {
			t.Errorf("message %s is used but not in the Polish messages", id)
		}
	}
}

// Every key of the content files the editor makes forms of has its label (cf.<key>) in the
// messages: a missing one shows the message ID ("cf.zrodlo") on the form.
func TestFormLabelsComplete(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var keys []string
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] {
			return
		}
		seen[ty] = true
		for f := range ty.Fields() {
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || f.Anonymous || key == "-" || key == "" {
				continue
			}
			if id := labelKeys[ty][key]; id != "" {
				keys = append(keys, strings.TrimPrefix(id, "cf."))
			} else {
				keys = append(keys, key)
			}
			walk(f.Type)
		}
	}
	for _, kind := range []string{kindProfile, kindOffices, kindCategories, kindMenu, kindCard, kindForm, kindPage} {
		walk(reflect.TypeOf(model(kind)))
	}
	for _, lang := range []string{"pl", "en"} {
		raw, err := messageFS.ReadFile("l10n/content." + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		msgs := map[string]any{}
		if err := yaml.Unmarshal(raw, &msgs); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if _, ok := msgs["cf."+k]; !ok {
				t.Errorf("content.%s.yaml lacks cf.%s, the label of the editor's field %q", lang, k, k)
			}
		}
	}
}
