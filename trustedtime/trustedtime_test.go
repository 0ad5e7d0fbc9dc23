package trustedtime

import (
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

	// 2031: after the portal's Date, Now follows the portal.
	ahead := real.AddDate(5, 0, 0)
	c = New(&memStore{}, build, at(ahead))
	if c.Suspect() {
		t.Fatal("2031 suspect before any trusted time")
	}
	c.ObservePortal(real)
	if !c.Suspect() || !c.Now().Equal(real) || c.Problem() == "" {
		t.Fatalf("2031 after portal: suspect %v, now %s", c.Suspect(), c.Now())
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

// Every portal answer carries a later Date; the store is written a few times an hour, not
// once per answer.
func TestClockStoreWrites(t *testing.T) {
	st := &countingStore{}
	base := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	now := base
	c := New(st, base.AddDate(0, -1, 0), func() time.Time { return now })
	for i := range 3600 {
		now = base.Add(time.Duration(i) * time.Second)
		c.ObservePortal(now)
	}
	if st.writes > 13 {
		t.Fatalf("%d store writes for an hour of answers", st.writes)
	}
	if got := New(st, time.Time{}, nil); st.t.Before(now.Add(-storeEvery)) {
		t.Fatalf("stored floor %s, last portal time %s (%v)", st.t, now, got)
	}
}
