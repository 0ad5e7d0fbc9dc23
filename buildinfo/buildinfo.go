// Package buildinfo is the binary's version and build time. Packaging sets both, in one
// place (packaging/build), with
//
//	go build -ldflags "-X infomat/buildinfo.version=1.2.3 -X infomat/buildinfo.built=2026-12-04T10:00:00Z"
//
// Everything that shows or sends the version (`infomat version` and `infomat-portal version`
// through Line, the service screen, the self-test's test page, the heartbeat, enrolment)
// reads Version.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

// KioskTags are the build tags of the kiosk, wherever it is built: packaging (its own
// module, so it spells them out), scripts/kiosk.sh, the end-to-end tests and the soak and
// bench tools. no_emoji leaves Fyne's bundled colour emoji font (EmojiOneColor, 4.2 MB) out:
// Fyne parses it again for every text style it meets, and those copies were 10 MB of the
// kiosk's 22 MB live Go heap and 15 MB of its PSS on a fresh home screen
// (docs/performance.md). The kiosk's own texts have no emoji; the symbols Noto Sans lacks
// (▲▼ ✓ ☑ ⇧) come from the system's DejaVu Sans (fonts-dejavu-core), as all of them but ☑
// already did, and `content check` warns of an emoji in the content.
const KioskTags = "no_emoji"

// version and built are set by the linker (-X); empty in development builds.
var (
	version string // e.g. "0.5.0", from the VERSION file
	built   string // RFC 3339, the commit time (reproducible builds)
)

// fallbackTime is a floor for builds without VCS data: no kiosk runs code older than this.
const fallbackTime = "2026-11-01T00:00:00Z"

// Version is the release version set at build time, else "dev-" and the VCS revision the
// binary was built from, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if rev := vcs("vcs.revision"); len(rev) >= 12 {
		return "dev-" + rev[:12]
	}
	return "dev"
}

// Time is when the binary was built: the time set at build time, else the VCS commit time,
// else a fixed floor. No real time can be earlier, which is what the trusted clock uses it
// for (a dead RTC battery shows 1970).
func Time() time.Time {
	if t, ok := buildTime(); ok {
		return t
	}
	t, _ := time.Parse(time.RFC3339, fallbackTime)
	return t
}

// buildTime is the time set at build time, else the VCS commit time.
func buildTime() (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, built); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, vcs("vcs.time")); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// Commit is the VCS revision the binary was built from, its first 12 hex digits with
// "+dirty" when the tree had uncommitted changes, or "" when the build recorded none.
func Commit() string {
	rev := vcs("vcs.revision")
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && vcs("vcs.modified") == "true" {
		rev += "+dirty"
	}
	return rev
}

// Line is what `infomat version` and `infomat-portal version` print, the same for both:
//
//	infomat 0.5.0 (commit 0123456789ab, zbudowano 2026-12-04 17:56 UTC, go1.26.0 linux/amd64)
func Line(program string) string {
	commit := Commit()
	if commit == "" {
		commit = "nieznany"
	}
	when := "nieznana data"
	if t, ok := buildTime(); ok {
		when = t.UTC().Format("2006-01-02 15:04 MST")
	}
	return fmt.Sprintf("%s %s (commit %s, zbudowano %s, %s %s/%s)",
		program, Version(), commit, when, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcs is a build setting the go command recorded from version control, or "".
func vcs(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return ""
}
