package cardreader

import (
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestDebouncer(t *testing.T) {
	clock := newFakeClock()
	d := &Debouncer{Now: clock.Now} // Quiet 0: the default 1.5 s
	a := Card{ID: "0F00A1B2C3", Kind: KindRDM6300}
	b := Card{ID: "62E3086CED", Kind: KindRDM6300}

	if !d.Accept(a) {
		t.Fatal("first sighting not reported")
	}
	// Held for 10 s, the module repeating its frame every 250 ms: reported once.
	for range 40 {
		clock.Advance(250 * time.Millisecond)
		if d.Accept(a) {
			t.Fatalf("repeat reported while held, at %v", clock.Now())
		}
	}
	// Another card meanwhile is its own card.
	if !d.Accept(b) {
		t.Fatal("a different card was suppressed")
	}
	// Same ID from another kind of reader is another card too.
	if !d.Accept(Card{ID: a.ID, Kind: KindLine}) {
		t.Fatal("same ID of another kind was suppressed")
	}
	// Taken away for less than Quiet, then back: still the same presentation.
	clock.Advance(DefaultQuiet - time.Millisecond)
	if d.Accept(a) {
		t.Fatal("card back within Quiet was reported")
	}
	// Away for longer than Quiet: reported again.
	clock.Advance(DefaultQuiet + time.Millisecond)
	if !d.Accept(a) {
		t.Fatal("card back after Quiet was not reported")
	}
	if d.Accept(a) {
		t.Fatal("immediate repeat reported")
	}
	d.Reset()
	if !d.Accept(a) {
		t.Fatal("not reported after Reset")
	}
}

func TestDebouncerQuiet(t *testing.T) {
	clock := newFakeClock()
	d := &Debouncer{Quiet: 5 * time.Second, Now: clock.Now}
	a := Card{ID: "1", Kind: KindLine}
	d.Accept(a)
	clock.Advance(3 * time.Second)
	if d.Accept(a) {
		t.Fatal("reported within a 5 s Quiet")
	}
	clock.Advance(5 * time.Second)
	if !d.Accept(a) {
		t.Fatal("not reported after 5 s away")
	}
	// A clock stepping back (NTP at boot) does not unblock or panic.
	clock.Advance(-time.Hour)
	if d.Accept(a) {
		t.Fatal("reported after the clock stepped back")
	}

	off := &Debouncer{Quiet: -1, Now: clock.Now}
	if !off.Accept(a) || !off.Accept(a) {
		t.Fatal("negative Quiet should report every card")
	}
}

func TestDebouncerZeroValueConcurrent(t *testing.T) {
	var d Debouncer // real clock
	var wg sync.WaitGroup
	var mu sync.Mutex
	reported := 0
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if d.Accept(Card{ID: "X", Kind: KindLine}) {
					mu.Lock()
					reported++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if reported != 1 {
		t.Fatalf("reported %d times, want 1", reported)
	}
}
