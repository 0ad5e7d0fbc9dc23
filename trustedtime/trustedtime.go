// Package trustedtime gives the kiosk a time it can defend when its own clock is wrong.
//
// Kiosks boot with dead RTC batteries (1970) or with clocks set years ahead. The kiosk
// knows lower bounds for the real time: its own build time, and every time it learned from
// a trusted source — the creation time of a signed manifest it accepted, the Date header
// of its portal (over the authenticated TLS connection). The latest of those is kept in
// the store (a monotonic maximum, so it survives restarts). A local clock before that
// bound is wrong; a local clock further than Tolerance from the portal's Date is wrong
// too. Then Now returns the better estimate and Suspect is true: the kiosk flags its
// submissions clock_suspect, reports the fault, and uses the estimate for expiry checks.
package trustedtime

import (
	"fmt"
	"sync"
	"time"
)

// Tolerance is how far the local clock may differ from the portal's Date before it is
// treated as wrong. The Date header has one-second resolution and network delay adds to
// it; minutes of drift are harmless for expiry checks, years are not.
const Tolerance = 10 * time.Minute

// Store persists the latest trusted time (store.Store implements it).
type Store interface {
	TrustedTime() (time.Time, error)
	RaiseTrustedTime(time.Time) error
}

// Clock is the kiosk's trusted time. It is safe for concurrent use.
type Clock struct {
	local func() time.Time // the device clock; injectable for tests
	build time.Time
	st    Store

	mu       sync.Mutex
	floor    time.Time     // latest trusted time seen (persisted), at least build
	floorWhy string        // where floor came from, for Problem
	stored   time.Time     // the floor last written to the store
	offset   time.Duration // portal Date minus local clock, when beyond Tolerance
	portal   bool          // offset is in use
}

// New returns a clock that reads the device clock with local (time.Now when nil), never
// trusts a time before build, and keeps its lower bound in st (may be nil).
func New(st Store, build time.Time, local func() time.Time) *Clock {
	if local == nil {
		local = time.Now
	}
	c := &Clock{local: local, build: build, st: st, floor: build, floorWhy: "czas zbudowania programu"}
	if st != nil {
		if t, err := st.TrustedTime(); err == nil {
			c.stored = t
			if t.After(c.floor) {
				c.floor, c.floorWhy = t, "ostatni zaufany czas (podpis treści lub portal)"
			}
		}
	}
	return c
}

// Now returns the best estimate of the real time: the device clock, corrected by the
// portal's Date when they disagree by more than Tolerance, and never more than Tolerance
// before the latest trusted time.
func (c *Clock) Now() time.Time {
	t, _ := c.eval()
	return t
}

// Suspect reports whether the device clock is not trusted right now.
func (c *Clock) Suspect() bool {
	_, why := c.eval()
	return why != ""
}

// Problem says why the device clock is not trusted, for the service screen, selftest and
// journal (Polish, technician-facing); "" when it is.
func (c *Clock) Problem() string {
	_, why := c.eval()
	return why
}

func (c *Clock) eval() (time.Time, string) {
	local := c.local()
	c.mu.Lock()
	defer c.mu.Unlock()
	t, why := local, ""
	if c.portal {
		t = local.Add(c.offset)
		why = fmt.Sprintf("zegar urządzenia (%s) różni się od czasu portalu o %s — używam czasu portalu; sprawdź baterię RTC i NTP",
			local.Format("2006-01-02 15:04"), roundDur(c.offset))
	}
	// Within Tolerance of the floor is drift (the floor may come from the portal's clock,
	// a little ahead), not a wrong clock.
	if t.Before(c.floor.Add(-Tolerance)) {
		if why == "" {
			why = fmt.Sprintf("zegar urządzenia (%s) jest wcześniejszy niż %s (%s) — sprawdź baterię RTC i NTP",
				local.Format("2006-01-02 15:04"), c.floorWhy, c.floor.Format("2006-01-02 15:04"))
		}
		t = c.floor
	}
	return t, why
}

// ObservePortal records the portal's Date header, read from an answer over the
// authenticated connection. It raises the trusted lower bound and, when the device clock
// is off by more than Tolerance, makes Now follow the portal.
func (c *Clock) ObservePortal(date time.Time) {
	if date.IsZero() {
		return
	}
	d := date.Sub(c.local())
	c.mu.Lock()
	c.portal = d > Tolerance || d < -Tolerance
	if c.portal {
		c.offset = d
	} else {
		c.offset = 0
	}
	c.mu.Unlock()
	c.raise(date, "czas portalu")
}

// ObserveSigned records the creation time of a signed manifest the kiosk accepted: the
// real time is at least that.
func (c *Clock) ObserveSigned(created time.Time) { c.raise(created, "czas podpisu treści") }

// storeEvery bounds the store writes: every portal answer carries a Date a little later
// than the last, and each write is an fsync. A floor up to this much behind after a restart
// is well within Tolerance.
const storeEvery = Tolerance / 2

func (c *Clock) raise(t time.Time, why string) {
	c.mu.Lock()
	if t.After(c.floor) {
		c.floor, c.floorWhy = t, why
	}
	write := c.st != nil && t.Sub(c.stored) >= storeEvery
	if write {
		c.stored = t
	}
	c.mu.Unlock()
	if write {
		_ = c.st.RaiseTrustedTime(t) // best effort: the bound in memory holds until restart
	}
}

func roundDur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d dni", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
}
