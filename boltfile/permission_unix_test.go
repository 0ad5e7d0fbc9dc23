//go:build unix

package boltfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the unprivileged user root's run drops to.
const nobody = 65534

// runAsNobody runs TestPermissionDeniedIsErrorNotMovedAside's check on the file in dir
// in a copy of the test binary as nobody: root would read the file anyway.
func runAsNobody(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, testFile)
	// nobody may enter the test's directories and run a copy of the test binary.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // root's, unreadable to nobody
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	for _, d := range []string{filepath.Dir(binDir), binDir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	child := filepath.Join(binDir, "boltfile.test")
	if err := os.WriteFile(child, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(child, "-test.run=^TestPermissionDeniedIsErrorNotMovedAside$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), permChildEnv+"="+dir)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPermissionDeniedIsErrorNotMovedAside") {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody (uid %d):\n%s", nobody, out)
}
