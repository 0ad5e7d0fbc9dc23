package trustedtime

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

type memStore struct{ t time.Time }

func (m *memStore) TrustedTime() (time.Time, error) { return m.t, nil }
func (m *memStore) RaiseTrustedTime(t time.Time) error {
	if t.After(m.t) {
		m.t = t
	}
	return nil
}
func (m *memStore) SetTrustedTime(t time.Time) error { m.t = t; return nil }

func TestClock(t *testing.T) {
	build := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	real := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(tm time.Time) func() time.Time { return func() time.Time { return tm } }

	// A right clock is trusted as it is, and stays so after the portal agrees.
	c := New(&memStore{}, build, at(real))
	c.ObservePortal(real.Add(30 * time.Second))
	if c.Suspect() || !c.Now().Equal(real) {
		t.Fatalf("right clock: suspect %v (%s), now %s", c.Suspect(), c.Problem(), c.Now())
	}

	// 1970 before any contact: the build time is the floor.
	st := &memStore{}
	c = New(st, build, at(time.Unix(0, 0)))
	if !c.Suspect() || !c.Now().Equal(build) {
		t.Fatalf("1970: suspect %v, now %s", c.Suspect(), c.Now())
	}
	// A signed manifest raises the floor, persistently and monotonically.
	c.ObserveSigned(real.Add(-time.Hour))
	c.ObserveSigned(real.Add(-2 * time.Hour))
	if !st.t.Equal(real.Add(-time.Hour)) || !New(st, build, at(time.Unix(0, 0))).Now().Equal(real.Add(-time.Hour)) {
		t.Fatalf("stored floor %s", st.t)
	}

	// 1970: an unsigned Date moves the estimate forward, but stores nothing.
	st = &memStore{}
	c = New(st, build, at(time.Unix(0, 0)))
	if !c.ObservePortal(real) || !c.Now().Equal(real) || !c.Suspect() || !st.t.IsZero() {
		t.Fatalf("1970 after a Date: now %s, suspect %v, stored %s", c.Now(), c.Suspect(), st.t)
	}

	// 2031: an unsigned Date behind the clock only asks for a signed time; after that,
	// Now follows the portal.
	ahead := real.AddDate(5, 0, 0)
	st = &memStore{}
	c = New(st, build, at(ahead))
	if c.Suspect() {
		t.Fatal("2031 suspect before any trusted time")
	}
	if !c.ObservePortal(real) || c.Suspect() || !c.Now().Equal(ahead) {
		t.Fatalf("2031 after an unsigned Date: suspect %v, now %s; want the clock unchanged", c.Suspect(), c.Now())
	}
	c.ObserveSignedTime(real)
	if !c.Suspect() || !c.Now().Equal(real) || c.Problem() == "" || !st.t.Equal(real) {
		t.Fatalf("2031 after signed time: suspect %v, now %s, stored %s", c.Suspect(), c.Now(), st.t)
	}
	// A manifest signed while the portal's clock was ahead does not undo that.
	c.ObserveSigned(ahead)
	if !c.Now().Equal(real) || !st.t.Equal(real) {
		t.Fatalf("after a manifest from the future: now %s, stored %s", c.Now(), st.t)
	}
}

// One Date from a portal whose clock was mis-set for a minute (the reviewer's
// /tmp/review/floor): it used to raise the stored floor for good, and every later right time
// was clamped up to it.
func TestClockFutureDateNotStored(t *testing.T) {
	real := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	st := &memStore{}
	c := New(st, real.AddDate(0, -1, 0), func() time.Time { return real })
	c.ObservePortal(real.AddDate(10, 0, 0))
	c.ObservePortal(real)
	c.ObserveSigned(real)
	if c.Suspect() || !c.Now().Equal(real) || st.t.After(real) {
		t.Fatalf("after a Date 10 years ahead: now %s, suspect %v (%s), stored %s", c.Now(), c.Suspect(), c.Problem(), st.t)
	}
	if again := New(st, real.AddDate(0, -1, 0), func() time.Time { return real }); again.Suspect() || !again.Now().Equal(real) {
		t.Fatalf("after restart: now %s, %s", again.Now(), again.Problem())
	}
	// A Date past the unsigned lead is ignored even for a clock that is behind.
	c = New(st, real.AddDate(0, -1, 0), func() time.Time { return time.Unix(0, 0) })
	c.ObservePortal(real.Add(2 * MaxUnsignedLead))
	if !c.Now().Equal(real) {
		t.Fatalf("1970 after a Date years ahead: now %s, want the stored floor %s", c.Now(), real)
	}
}

// A stored floor in the future (from an older version's Date, or a manifest signed while the
// portal's clock was ahead) is lowered by a signed time, persistently, and logged.
func TestClockFloorLoweredBySignedTime(t *testing.T) {
	real := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	st := &memStore{t: real.AddDate(10, 0, 0)}
	var logs bytes.Buffer
	c := New(st, real.AddDate(0, -1, 0), func() time.Time { return real })
	c.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	if !c.Suspect() || !c.Now().Equal(st.t) {
		t.Fatalf("stuck floor: now %s, suspect %v", c.Now(), c.Suspect())
	}
	// Neither an unsigned Date nor a signed manifest lowers it.
	c.ObservePortal(real)
	c.ObserveSigned(real)
	if !c.Now().Equal(real.AddDate(10, 0, 0)) {
		t.Fatalf("an unsigned Date lowered the floor: now %s", c.Now())
	}
	c.ObserveSignedTime(real)
	if c.Suspect() || !c.Now().Equal(real) || !st.t.Equal(real) {
		t.Fatalf("after signed time: now %s, suspect %v (%s), stored %s", c.Now(), c.Suspect(), c.Problem(), st.t)
	}
	if !strings.Contains(logs.String(), "trusted time lowered") {
		t.Fatalf("no log line: %q", logs.String())
	}
	// A floor only a little ahead (drift) is kept.
	st = &memStore{t: real.Add(Tolerance / 2)}
	c = New(st, real.AddDate(0, -1, 0), func() time.Time { return real })
	c.ObserveSignedTime(real)
	if !st.t.Equal(real.Add(Tolerance/2)) || c.Suspect() {
		t.Fatalf("drift: stored %s, suspect %v", st.t, c.Suspect())
	}
}

type countingStore struct {
	memStore
	writes int
}

func (c *countingStore) RaiseTrustedTime(t time.Time) error {
	c.writes++
	return c.memStore.RaiseTrustedTime(t)
}

// Signed times come a little later each time; the store is written a few times an hour,
// not once per answer. Unsigned Dates are never written.
func TestClockStoreWrites(t *testing.T) {
	st := &countingStore{}
	base := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	now := base
	c := New(st, base.AddDate(0, -1, 0), func() time.Time { return now })
	for i := range 3600 {
		now = base.Add(time.Duration(i) * time.Second)
		c.ObservePortal(now)
		c.ObserveSignedTime(now)
	}
	if st.writes > 13 {
		t.Fatalf("%d store writes for an hour of answers", st.writes)
	}
	if got := New(st, time.Time{}, nil); st.t.Before(now.Add(-storeEvery)) {
		t.Fatalf("stored floor %s, last portal time %s (%v)", st.t, now, got)
	}
}
