package main

import (
	"testing"
	"time"
	_ "unsafe" // go:linkname, to read what Fyne made of FYNE_CACHE

	_ "fyne.io/fyne/v2/app"

	"infomat/app"
)

//go:linkname fyneCacheValidity fyne.io/fyne/v2/internal/cache.ValidDuration
var fyneCacheValidity time.Duration

// Fyne's cache keeps unused textures for 2 s in the kiosk: package fynecache's variable was
// in the environment before Fyne's init read it (this fails if the initialisation order
// changes, e.g. fynecache gains an import that sorts after Fyne's).
func TestFyneCacheValidity(t *testing.T) {
	if fyneCacheValidity != 2*time.Second {
		t.Errorf("Fyne keeps unused textures for %v, want 2s", fyneCacheValidity)
	}
	if got := fyneCacheValid(); got != 2*time.Second {
		t.Errorf("the rested pass (RestAfter) reckons with %v of Fyne's cache, want 2s", got)
	}
}

// With the kiosk's 2-s cache the rested pass (a repaint, so Fyne frees what expired, and a
// give-back) comes as the screen settles and is the only pass; with a longer cache set by a
// technician the settled give-back comes first and the rested pass when the cache expires.
func TestMemoryPasses(t *testing.T) {
	var d app.Deps
	memoryPasses(&d, nil, fyneCacheValid())
	if d.Rested == nil || d.RestAfter != app.SettleAfter || d.Settled != nil {
		t.Errorf("2-s cache: rested %v after %v, settled %v; want rested only, at %v",
			d.Rested != nil, d.RestAfter, d.Settled != nil, app.SettleAfter)
	}
	memoryPasses(&d, nil, time.Minute)
	if d.Rested == nil || d.RestAfter != time.Minute || d.Settled == nil {
		t.Errorf("1-min cache: rested %v after %v, settled %v; want both, rested after 1m",
			d.Rested != nil, d.RestAfter, d.Settled != nil)
	}
}
