package soak

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if err := Reexec(); err != nil {
		fmt.Fprintln(os.Stderr, "soak: set FYNE_CACHE:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// shortActions is the CI walk's length: about a minute here (plus two 10 s settles), long
// enough for every action to come up hundreds of times and for the content to change twice.
const shortActions = 1200

// TestSoakShort walks a seeded resident through the UI and fails when memory grows after
// the warm-up (the first third: every screen, language and look has been built once, the
// caches are full). It compares settled samples, taken once Fyne's renderer cache has let go
// of past screens: those are steady to a fraction of a megabyte (≈22 MB here, ±0.3 MB), so
//
//   - the heap may grow by 15% + 4 MB: well above that noise and what a third content
//     version half-built at the end can hold, yet a leak of 6 KB an action (a screen's
//     widgets kept each time, which is 100 KB and more, is far larger) fails it;
//   - the goroutines may not grow at all: the UI starts none it does not finish.
func TestSoakShort(t *testing.T) {
	actions := shortActions
	if raceEnabled {
		// Ten times slower: the race detector looks at the walk, the figures mean little.
		actions = 300
	}
	warm := actions / 3
	res, err := Run(Config{
		Actions: actions, Seed: 17, SampleEvery: 100, UpdateEvery: 400,
		// Under the race detector the heap is not judged, so there is nothing to settle for.
		Settle: func(n int) bool { return !raceEnabled && (n == warm || n == actions) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var base, end Sample
	for _, s := range res.Samples {
		t.Log(CSVLine(s))
		switch s.Actions {
		case warm:
			base = s
		case actions:
			end = s
		}
	}
	t.Logf("actions: %v; content updates: %d", res.Done, res.Updates)
	if end.Goroutines > base.Goroutines {
		t.Errorf("goroutines grew from %d after the warm-up to %d after %d actions", base.Goroutines, end.Goroutines, actions)
	}
	if raceEnabled {
		return
	}
	limit := MB(base.HeapAlloc)*1.15 + 4
	t.Logf("heap: %.1f MB after %d actions, %.1f MB after %d (limit %.1f MB); rss %.0f → %.0f MB",
		MB(base.HeapAlloc), warm, MB(end.HeapAlloc), actions, limit, MB(base.RSS), MB(end.RSS))
	if MB(end.HeapAlloc) > limit {
		t.Errorf("heap grew from %.1f MB after the warm-up (%d actions) to %.1f MB after %d: over the limit of %.1f MB",
			MB(base.HeapAlloc), warm, MB(end.HeapAlloc), actions, limit)
	}
}
