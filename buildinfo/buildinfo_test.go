package buildinfo

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	old := built
	defer func() { built = old }()
	built = "2026-12-04T17:56:58+00:00" // as packaging sets it from git log --format=%cI
	if got := Time(); !got.Equal(time.Date(2026, 12, 4, 17, 56, 58, 0, time.UTC)) {
		t.Fatalf("Time = %s", got)
	}
	built = ""
	if Time().IsZero() {
		t.Fatal("no fallback build time")
	}
}

func TestVersion(t *testing.T) {
	old := version
	defer func() { version = old }()
	version = "1.2.3"
	if got := Version(); got != "1.2.3" {
		t.Fatalf("Version = %q, want the one set at build time", got)
	}
	version = ""
	if got := Version(); !strings.HasPrefix(got, "dev") {
		t.Fatalf("Version of a development build = %q, want dev…", got)
	}
}

// The linker ignores -X for a variable that does not exist, so a rename here would silently
// ship packages that say "dev". packaging/build is the one place that sets the version: its
// -X flags must name exactly this package's two variables.
func TestPackagingSetsTheseVariables(t *testing.T) {
	src, err := os.ReadFile("../packaging/build/main.go")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range regexp.MustCompile(`-X ([^ ="]+)=`).FindAllStringSubmatch(string(src), -1) {
		got[m[1]] = true
	}
	want := map[string]bool{"infomat/buildinfo.version": true, "infomat/buildinfo.built": true}
	if !maps.Equal(got, want) {
		t.Fatalf("packaging/build sets %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}

func TestLine(t *testing.T) {
	oldV, oldB := version, built
	defer func() { version, built = oldV, oldB }()
	version, built = "0.5.0", "2026-12-04T18:56:58+01:00"
	// A test binary records no VCS data, so the commit is unknown here; a built binary's
	// line is checked in cmd/infomat-portal.
	want := regexp.MustCompile(`^infomat-portal 0\.5\.0 \(commit (nieznany|[0-9a-f]{12}(\+dirty)?), zbudowano 2026-12-04 17:56 UTC, go[0-9.]+\S* [a-z0-9]+/[a-z0-9]+\)$`)
	if got := Line("infomat-portal"); !want.MatchString(got) {
		t.Fatalf("Line = %q", got)
	}
	version, built = "", ""
	if got := Line("infomat"); !strings.HasPrefix(got, "infomat dev") {
		t.Fatalf("Line of a development build = %q", got)
	}
}
