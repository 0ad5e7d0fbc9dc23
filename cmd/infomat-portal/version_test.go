package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVersion builds the portal as a technician's checkout would and checks `version` names the
// commit it was built from and its build date, in the kiosk's format (buildinfo.Line), and
// that no Fyne locale error comes with it in the C locale (package clocale).
func TestVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "infomat-portal")
	// -buildvcs=true: a GOFLAGS=-buildvcs=false in the environment would leave the commit out.
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(env, "LANG=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("version: %v\n%s", err, stderr.String())
	}
	line := strings.TrimSpace(string(out))
	// The go command stamps the commit only in a checkout whose .git is a directory, not in a
	// git worktree (.git a file) nor an unpacked tarball.
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err) // the test runs in the repository
	}
	var want *regexp.Regexp
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err == nil && fi.IsDir() {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("git rev-parse: %v", err)
		}
		commit := strings.TrimSpace(string(head))[:12]
		want = regexp.MustCompile(`^infomat-portal dev-` + commit + ` \(commit ` + commit + `(\+dirty)?, zbudowano \d{4}-\d\d-\d\d \d\d:\d\d UTC, go\S+ \S+/\S+\)$`)
	} else {
		want = regexp.MustCompile(`^infomat-portal dev \(commit nieznany, zbudowano nieznana data, go\S+ \S+/\S+\)$`)
	}
	if !want.MatchString(line) {
		t.Fatalf("version: %q, want %s", line, want)
	}
	if code, out, _ := runCmd(t, "--version"); code != 0 || !strings.HasPrefix(out, "infomat-portal ") {
		t.Fatalf("--version: %d %q", code, out)
	}
}
