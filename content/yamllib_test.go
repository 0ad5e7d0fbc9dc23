package content

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestYAMLLibrary: the product's code decodes YAML with go.yaml.in/yaml/v3, the YAML
// organisation's maintained successor of the archived gopkg.in/yaml.v3 (which only the test
// helpers of our dependencies still bring in, e.g. testify through fyne.io/fyne/v2/test).
func TestYAMLLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "infomat/...").Output()
	if err != nil {
		t.Fatalf("go list -deps infomat/...: %v", err)
	}
	deps := strings.Fields(string(out))
	if slices.Contains(deps, "gopkg.in/yaml.v3") {
		t.Error("a package of the infomat module imports the archived gopkg.in/yaml.v3; use go.yaml.in/yaml/v3")
	}
	if !slices.Contains(deps, "go.yaml.in/yaml/v3") {
		t.Error("go.yaml.in/yaml/v3 is not among the module's dependencies")
	}
}
