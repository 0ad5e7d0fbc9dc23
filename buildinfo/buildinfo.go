// Package buildinfo is the binary's version and build time. Packaging sets both, in one
// place (packaging/build), with
//
//	go build -ldflags "-X infomat/buildinfo.version=1.2.3 -X infomat/buildinfo.built=2026-12-04T10:00:00Z"
//
// Everything that shows or sends the version (`infomat version`, the service screen, the
// self-test's test page, the heartbeat, enrolment) reads Version.
package buildinfo

import (
	"runtime/debug"
	"time"
)

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
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// Time is when the binary was built: the time set at build time, else the VCS commit time,
// else a fixed floor. No real time can be earlier, which is what the trusted clock uses it
// for (a dead RTC battery shows 1970).
func Time() time.Time {
	if t, err := time.Parse(time.RFC3339, built); err == nil {
		return t
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" {
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					return t
				}
			}
		}
	}
	t, _ := time.Parse(time.RFC3339, fallbackTime)
	return t
}
