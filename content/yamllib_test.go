package content

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestYAMLLibrary: the product's code decodes YAML with go.yaml.in/yaml/v3, the YAML
// organisation's maintained successor of the archived gopkg.in/yaml.v3. Only our
// dependencies' test helpers still bring the archived one in (testify through
// fyne.io/fyne/v2/test, which the portal's kiosk preview draws with), so the check is on what
// the module's own packages import.
func TestYAMLLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "infomat/...").Output()
	if err != nil {
		t.Fatalf("go list infomat/...: %v", err)
	}
	uses := false
	for line := range strings.Lines(string(out)) {
		pkg, imports, _ := strings.Cut(strings.TrimSpace(line), ": ")
		deps := strings.Fields(imports)
		if slices.Contains(deps, "gopkg.in/yaml.v3") {
			t.Errorf("%s imports the archived gopkg.in/yaml.v3; use go.yaml.in/yaml/v3", pkg)
		}
		uses = uses || slices.Contains(deps, "go.yaml.in/yaml/v3")
	}
	if !uses {
		t.Error("no package of the module imports go.yaml.in/yaml/v3")
	}
}
