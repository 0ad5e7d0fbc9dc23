package main

/*
#include <malloc.h>
*/
import "C"

import (
	"os"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"

	"infomat/app"
	_ "infomat/cmd/infomat/fynecache" // Fyne's texture cache: 2 s, set before Fyne reads it
)

// Go's garbage collector, set deliberately for a kiosk (docs/performance.md, "Memory"):
//
//   - GOGC 50 instead of 100: the kiosk's live Go heap is small (about 25–35 MB: fonts,
//     translations, content, the search index) and it is idle most of the day, so collecting
//     at 1.5× the live heap rather than 2× costs a little CPU between taps and keeps up to a
//     live heap's worth of garbage out of its resident memory;
//   - GOMEMLIMIT 192 MiB: a soft ceiling for the Go heap (GL buffers and fonts in C memory
//     are not counted), well above what a session needs, so a large content bundle loading
//     in the background makes the collector work harder rather than the kiosk grow without
//     bound. The collector never uses more than about half the CPU for it, so it cannot
//     freeze the screen.
//
// GOGC and GOMEMLIMIT in the environment (the systemd unit, a technician) win.
const (
	kioskGCPercent   = 50
	kioskMemoryLimit = 192 << 20
)

func setMemoryPolicy(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(kioskGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(kioskMemoryLimit)
	}
}

// fyneCacheValid is how long Fyne keeps the textures and renderers of objects no longer on
// the screen (its internal cache.ValidDuration, FYNE_CACHE in the environment, which package
// fynecache sets to 2 s unless given).
func fyneCacheValid() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FYNE_CACHE")); err == nil {
		return d
	}
	return time.Minute
}

// giveBack returns the free memory of both heaps to the system: the Go heap's free pages
// (debug.FreeOSMemory, which collects first) and the C heap's (malloc_trim: GL and font
// buffers freed by Fyne and Mesa stay in glibc's arenas otherwise).
func giveBack() {
	debug.FreeOSMemory()
	C.malloc_trim(0)
}

// settledMemory is Deps.Settled: a resident has stopped on a screen, and the garbage of the
// screens before it (renderers and rasterised text Fyne dropped, layouts, parsed Markdown)
// goes back to the system at once rather than when the collector next runs and the
// runtime's scavenger gets to it. A forced collection of the kiosk's ~40 MB heap takes
// tens of milliseconds of one core, off the UI goroutine, while the resident reads.
func settledMemory() { go giveBack() }

// restedMemory is Deps.Rested, called once the screen has been quiet for Fyne's cache period:
// the text textures of the screens before have expired by then (they went unused when the
// last touch changed the screen), but Fyne frees expired textures only when it paints a
// frame, and a screen left alone paints none. The refresh makes that frame (at Fyne's next
// 60-Hz tick; 20–100 ms under llvmpipe when the screen's own text has expired too); the
// give-back a quarter of a second later returns what it freed (glibc keeps freed texture
// memory otherwise). Once per quiet spell.
func restedMemory(c fyne.Canvas) func() {
	return func() {
		if content := c.Content(); content != nil {
			c.Refresh(content)
		}
		time.AfterFunc(time.Second/4, giveBack)
	}
}

// memoryPasses sets the UI's passes that give memory back when a resident stops on a screen,
// for a Fyne cache period of cache. The rested pass comes once the cache has let go of the
// screens before; when that is no later than the settled pass (the kiosk's 2 s), it is the
// only one, as a second collection just before its own would free nothing more.
func memoryPasses(d *app.Deps, c fyne.Canvas, cache time.Duration) {
	d.Rested, d.RestAfter = restedMemory(c), cache
	d.Settled = nil
	if cache > app.SettleAfter {
		d.Settled = settledMemory
	}
}

// releaseMemory gives memory the last session used back to the system after an idle reset,
// off the UI goroutine; what Fyne still caches of the session's screens follows with
// restedMemory, which the UI calls after the reset too.
func releaseMemory() { go giveBack() }
