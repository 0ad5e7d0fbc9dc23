package boltfile

import (
	"os/exec"
	"strings"
	"testing"
)

// boltfile is shared by the kiosk and the portal: it may depend on the standard library and
// bbolt (with what bbolt itself needs) only, never on either side's packages.
func TestImportsOnlyStdAndBbolt(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "infomat/boltfile").Output()
	if err != nil {
		t.Fatalf("go list -deps infomat/boltfile: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "infomat/boltfile",
			dep == "go.etcd.io/bbolt", strings.HasPrefix(dep, "go.etcd.io/bbolt/"),
			strings.HasPrefix(dep, "golang.org/x/sys/"): // bbolt's
		default:
			t.Errorf("infomat/boltfile depends on %s", dep)
		}
	}
}
