// Package trustedtime gives the kiosk a time it can defend when its own clock is wrong.
//
// Kiosks boot with dead RTC batteries (1970) or with clocks set years ahead. The kiosk
// knows lower bounds for the real time: its own build time, and every time it learned from
// a signed source — the creation time of a signed manifest it accepted, the portal's time
// signed with the pinned content key over the kiosk's nonce. The latest of those is kept in
// the store (it survives restarts). A local clock before that bound is wrong; a local clock
// further than Tolerance from the portal's time is wrong too. Then Now returns the better
// estimate and Suspect is true: the kiosk flags its submissions clock_suspect, reports the
// fault, and uses the estimate for expiry checks.
//
// Only a signed time may move the estimate backwards or change the stored bound: an
// unsigned Date header may come from a server holding an old certificate's key (a kiosk
// whose clock is wrong cannot check certificate dates), and one Date from a portal whose
// clock was mis-set for a minute must not lock the kiosk out for good. A Date header moves
// the estimate forward only, by a bounded amount, and only until the next restart.
package trustedtime

import (
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Tolerance is how far the local clock may differ from the portal's time before it is
// treated as wrong. The Date header has one-second resolution and network delay adds to
// it; minutes of drift are harmless for expiry checks, years are not.
const Tolerance = 10 * time.Minute

// MaxUnsignedLead bounds how far past the stored bound an unsigned Date may move the
// estimate: far enough for a kiosk left in a store room for months with a dead battery, not
// so far that one wrong Date makes every manifest expire for long.
const MaxUnsignedLead = 366 * 24 * time.Hour

// Store persists the latest trusted time (store.Store implements it).
type Store interface {
	TrustedTime() (time.Time, error)
	// RaiseTrustedTime records t unless a later time is recorded.
	RaiseTrustedTime(time.Time) error
	// SetTrustedTime records t, also when it is earlier: for a bound a signed time proved
	// to be in the future.
	SetTrustedTime(time.Time) error
}

// Clock is the kiosk's trusted time. It is safe for concurrent use.
type Clock struct {
	local func() time.Time // the device clock; injectable for tests
	build time.Time
	st    Store
	log   *slog.Logger

	mu       sync.Mutex
	floor    time.Time     // latest trusted time seen (persisted), at least build
	floorWhy string        // where floor came from, for Problem
	stored   time.Time     // the floor last written to the store
	offset   time.Duration // portal time minus local clock, when beyond Tolerance
	portal   bool          // offset is in use
	signed   bool          // offset (or its absence) comes from a signed time
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
				c.floor, c.floorWhy = t, "ostatni zaufany czas (podpis treści lub portalu)"
			}
		}
	}
	return c
}

// SetLogger sets where a lowered bound is logged (slog.Default when not set).
func (c *Clock) SetLogger(l *slog.Logger) {
	c.mu.Lock()
	c.log = l
	c.mu.Unlock()
}

// Now returns the best estimate of the real time: the device clock, corrected by the
// portal's time when they disagree by more than Tolerance, and never more than Tolerance
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
	return c.evalLocked(local)
}

func (c *Clock) evalLocked(local time.Time) (time.Time, string) {
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

// ObservePortal records the portal's Date header, which is not signed. A Date that agrees
// with the device clock ends a correction made by an earlier Date; a Date ahead of the
// estimate by more than Tolerance (and less than MaxUnsignedLead past the stored bound)
// moves the estimate forward. Nothing else: it never moves the estimate backwards and never
// changes the stored bound. It reports whether the Date disagrees with the estimate by more
// than Tolerance: then the caller should ask the portal for a signed time.
func (c *Clock) ObservePortal(date time.Time) bool {
	if date.IsZero() {
		return false
	}
	local := c.local()
	c.mu.Lock()
	defer c.mu.Unlock()
	now, _ := c.evalLocked(local)
	d := date.Sub(now)
	switch {
	case d >= -Tolerance && d <= Tolerance:
		return false
	case c.portal && !c.signed && absDur(date.Sub(local)) <= Tolerance:
		// The device clock was set right meanwhile (NTP); the earlier Date's correction
		// is not needed any more.
		c.portal, c.offset = false, 0
	case d > Tolerance && !date.After(c.floor.Add(MaxUnsignedLead)):
		c.portal, c.offset, c.signed = true, date.Sub(local), false
	}
	return true
}

// ObserveSigned records the creation time of a signed manifest the kiosk accepted: the
// real time is at least that. After a signed time it raises the bound no further than the
// estimate: a manifest signed while the portal's clock was ahead must not undo the signed
// time's correction again on every pull.
func (c *Clock) ObserveSigned(created time.Time) {
	c.mu.Lock()
	if c.signed {
		if now, _ := c.evalLocked(c.local()); created.After(now) {
			created = now
		}
	}
	c.mu.Unlock()
	c.raise(created, "czas podpisu treści")
}

// ObserveSignedTime records the portal's time signed with the pinned key over the kiosk's
// nonce (the caller verified it). It is trusted both ways: Now follows it when the device
// clock is off by more than Tolerance, and a stored bound more than Tolerance after it
// (from a portal whose clock was once ahead, or an older version's Date header) is lowered
// to it.
func (c *Clock) ObserveSignedTime(t time.Time) {
	if t.IsZero() {
		return
	}
	d := t.Sub(c.local())
	c.mu.Lock()
	c.signed = true
	c.portal = d > Tolerance || d < -Tolerance
	c.offset = 0
	if c.portal {
		c.offset = d
	}
	if !c.floor.After(t.Add(Tolerance)) {
		c.mu.Unlock()
		c.raise(t, "czas podpisany przez portal")
		return
	}
	old, log := c.floor, c.log
	c.floor, c.floorWhy, c.stored = t, "czas podpisany przez portal", t
	c.mu.Unlock()
	if log == nil {
		log = slog.Default()
	}
	log.Warn("trusted time lowered to the portal's signed time: the stored bound was in the future",
		"was", old.Format(time.RFC3339), "now", t.Format(time.RFC3339))
	if c.st != nil {
		if err := c.st.SetTrustedTime(t); err != nil {
			log.Warn("trusted time not stored", "err", err)
		}
	}
}

// storeEvery bounds the store writes: every signed time and manifest is a little later
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

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func roundDur(d time.Duration) string {
	d = absDur(d)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d dni", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
}
