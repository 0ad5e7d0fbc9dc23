package app

import (
	"sync"
	"testing"
	"time"
)

// The search index is built in the background once the home screen is up; the first search,
// however soon after the start, waits for it and finds what a later one would.
func TestFirstSearchRightAfterStartFindsResults(t *testing.T) {
	for range 3 {
		h := newHarness(t) // Deps.Index nil: New builds it in the background
		h.tap("Szukaj")
		for _, k := range []string{"m", "e", "l", "d"} {
			h.tapKey(k)
		}
		if h.ui.building != nil {
			t.Fatal("the search screen did not wait for the index")
		}
		h.mustSee("Zameldowanie na pobyt stały")
	}
}

// Content switched by sync gets its own index; a search after the switch does not search
// the old content's.
func TestContentSwitchRebuildsIndex(t *testing.T) {
	h := newHarness(t)
	old := h.ui.index()
	h.ui.setContent(bundle(t))
	if h.ui.building == nil && h.ui.d.Index == old {
		t.Fatal("setContent kept the old index")
	}
	if idx := h.ui.index(); idx == nil || idx == old {
		t.Fatalf("index after the switch: %p (old %p)", idx, old)
	}
}

// Trace hears the index finish (the kiosk's --trace-startup); from its own goroutine.
func TestTraceHearsIndexBuilt(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var phases []string
	h.ui.d.Trace = func(p string) { mu.Lock(); phases = append(phases, p); mu.Unlock() }
	h.ui.buildIndex(bundle(t))
	h.ui.index()
	mu.Lock()
	defer mu.Unlock()
	if len(phases) != 1 || phases[0] != "index built" {
		t.Fatalf("phases %q", phases)
	}
}

// An idle reset hands the session's memory back (Deps.Released): once a reset, and not on
// an ordinary Start tap, where the resident is still there.
func TestIdleResetReleasesMemory(t *testing.T) {
	h := newHarness(t)
	released := 0
	h.ui.d.Released = func() { released++ }
	h.tap("Sprawy urzędowe")
	h.tap("Meldunek")
	h.tap("Start")
	if released != 0 {
		t.Fatalf("released %d times without a reset", released)
	}
	h.tap("Biuletyn (BIP)")
	h.clock.advance(2 * time.Minute)
	h.ui.Tick()
	h.mustSee("Sprawy urzędowe")
	if released != 1 {
		t.Fatalf("released %d times after one idle reset", released)
	}
	if len(h.ui.stack) != 1 || h.ui.pdf != nil || h.ui.scroll != nil {
		t.Fatalf("the reset kept screens: stack %v, pdf %v, scroll %v", h.ui.stack, h.ui.pdf, h.ui.scroll)
	}
}

// A screen left alone for SettleAfter hands back what the screens just left held
// (Deps.Settled): once per quiet spell, not between the taps of someone moving on, and
// again after the next touch.
func TestSettledOncePerQuietSpell(t *testing.T) {
	h := newHarness(t)
	settled := 0
	h.ui.d.Settled = func() { settled++ }
	h.clock.advance(SettleAfter)
	h.ui.Tick()
	if settled != 1 {
		t.Fatalf("settled %d times on a fresh home left alone", settled)
	}
	for _, label := range []string{"Sprawy urzędowe", "Meldunek"} {
		h.tap(label)
		h.clock.advance(SettleAfter / 2)
		h.ui.Tick()
	}
	if settled != 1 {
		t.Fatalf("settled %d times while the resident kept tapping", settled)
	}
	h.clock.advance(SettleAfter / 2)
	h.ui.Tick()
	h.clock.advance(time.Second)
	h.ui.Tick()
	if settled != 2 {
		t.Fatalf("settled %d times after one quiet spell on a card, want 2", settled)
	}
	h.tap("Wstecz")
	h.clock.advance(SettleAfter)
	h.ui.Tick()
	if settled != 3 {
		t.Fatalf("settled %d times after the next touch and quiet, want 3", settled)
	}
}

// Deps.Rested comes once per quiet spell too, RestAfter after the last touch: not while
// the resident taps, not at SettleAfter, and again after the next touch.
func TestRestedOncePerQuietSpell(t *testing.T) {
	h := newHarness(t)
	rested := 0
	h.ui.d.Rested = func() { rested++ }
	h.ui.d.RestAfter = 6 * time.Second
	h.clock.advance(5 * time.Second)
	h.ui.Tick()
	if rested != 0 {
		t.Fatalf("rested after 5 s of a 6 s RestAfter")
	}
	h.clock.advance(time.Second)
	h.ui.Tick()
	h.ui.Tick()
	if rested != 1 {
		t.Fatalf("rested %d times on a fresh home left alone 6 s, want 1", rested)
	}
	for range 8 {
		h.tap("Sprawy urzędowe")
		h.clock.advance(5 * time.Second)
		h.ui.Tick()
		h.tap("Start")
	}
	if rested != 1 {
		t.Fatalf("rested %d times while the resident kept tapping every 5 s", rested)
	}
	h.clock.advance(6 * time.Second)
	h.ui.Tick()
	if rested != 2 {
		t.Fatalf("rested %d times after the next quiet spell, want 2", rested)
	}
	// The idle reset gives back at once (Released); Rested follows RestAfter later, once.
	h.tap("Sprawy urzędowe")
	h.ui.Reset()
	h.clock.advance(5 * time.Second)
	h.ui.Tick()
	if rested != 2 {
		t.Fatalf("rested %d times 5 s after an idle reset, want still 2", rested)
	}
	h.clock.advance(time.Second)
	h.ui.Tick()
	h.clock.advance(time.Minute)
	h.ui.Tick()
	if rested != 3 {
		t.Fatalf("rested %d times after an idle reset and a quiet minute, want 3", rested)
	}
}
