package kiosk

import (
	"fmt"
	"time"

	"infomat/buildinfo"
	"infomat/trustedtime"
)

// DebugClockEnv, when set to an RFC 3339 time, makes the kiosk's device clock start at that
// time (and run on from there): for testing the clock checks. Never in production.
const DebugClockEnv = "INFOMAT_DEBUG_CLOCK"

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
	return trustedtime.New(st, buildinfo.Time(), local), err
}
