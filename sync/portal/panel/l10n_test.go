package panel

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every message the panel uses is in Polish, and English has exactly Polish's messages.
func TestMessagesComplete(t *testing.T) {
	load := func(name string) map[string]any {
		raw, err := messageFS.ReadFile("l10n/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	pl, en := load("panel.pl.yaml"), load("panel.en.yaml")
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
			t.Errorf("message %s is used but not in panel.pl.yaml", id)
		}
	}
}
