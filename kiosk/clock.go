package kiosk

import (
	"fmt"
	"runtime/debug"
	"time"

	"infomat/trustedtime"
)

// buildTime is when this binary was built (RFC 3339). Packaging sets it with
// -ldflags "-X infomat/kiosk.buildTime=2026-12-04T10:00:00Z"; otherwise the VCS commit time
// is used, else fallbackBuildTime.
var buildTime = ""

// fallbackBuildTime is a floor for builds without VCS data: no kiosk runs code older than this.
const fallbackBuildTime = "2026-11-01T00:00:00Z"

// DebugClockEnv, when set to an RFC 3339 time, makes the kiosk's device clock start at that
// time (and run on from there): for testing the clock checks. Never in production.
const DebugClockEnv = "INFOMAT_DEBUG_CLOCK"

// BuildTime returns the binary's build time: no real time can be earlier.
func BuildTime() time.Time {
	if t, err := time.Parse(time.RFC3339, buildTime); err == nil {
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
	t, _ := time.Parse(time.RFC3339, fallbackBuildTime)
	return t
}

// NewClock returns the kiosk's trusted clock over the store's recorded trusted time. The
// device clock is time.Now, or the debug clock when getenv(DebugClockEnv) is set.
func NewClock(st trustedtime.Store, getenv func(string) string) (*trustedtime.Clock, error) {
	local := time.Now
	var err error
	if v := getenv(DebugClockEnv); v != "" {
		start, perr := time.Parse(time.RFC3339, v)
		if perr != nil {
			err = fmt.Errorf("%s=%q: not an RFC 3339 time: %w", DebugClockEnv, v, perr)
		} else {
			began := time.Now()
			local = func() time.Time { return start.Add(time.Since(began)) }
		}
	}
	return trustedtime.New(st, BuildTime(), local), err
}
