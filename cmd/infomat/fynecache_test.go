package main

import (
	"testing"
	"time"
	_ "unsafe" // go:linkname, to read what Fyne made of FYNE_CACHE

	_ "fyne.io/fyne/v2/app"
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
