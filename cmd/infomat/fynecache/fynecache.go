// Package fynecache sets how long Fyne keeps the textures and renderers of objects that are
// no longer on the screen, for the kiosk: 2 seconds instead of Fyne's minute.
//
// Every screen the resident passes leaves textures (text runs, images) in Fyne's cache until
// they have gone unused for that long; in a walk through cards and BIP pages they pile up,
// and Fyne frees them only at a frame painted after that. The kiosk repaints once a screen
// has been quiet for the period (cmd/infomat, restedMemory; at the 1-s tick, so 2–3 s
// after the last touch), so the period is also how soon memory goes back after a burst
// of taps.
//
// 2 s since scroll views stop drawing what is out of sight (touch.OffScreen): a screen
// drawn again costs one screenful of text, not a whole page. The bench's 130-tap walk
// (infomat-bench --only kiosk, 2 runs each, alternated): PSS 3 s after it 115–119 MB with
// 2 s against 123 with 5 s (a fresh home 102–107); taps "Wstecz" back to a screen left
// 2–5 s before take 31 ms median against 25 (its text drawn again), other taps the same.
// A resident reads longer than that, and after 5 s the text was drawn again anyway.
// Earlier rounds (docs/performance.md): 156 MB with 15 s, 145 with 8 s, 141 with 5 s.
// Below 10 s Fyne walks the object tree on every frame of an idle screen to keep its
// entries alive (+1.2 % of one core on a long card under llvmpipe, the same for any value
// below 10 s).
//
// Fyne reads FYNE_CACHE once, in an init function, and offers no other way to set it. This
// package sets it in the environment before that: it imports nothing but syscall, so Go's
// initialisation order (uninitialised packages by import path, each as soon as its imports
// are: "infomat/…" sorts before "os", which Fyne's cache needs) runs it first. A FYNE_CACHE
// already in the environment (a technician, the systemd unit) wins.
package fynecache

import "syscall"

// Valid is the kiosk's FYNE_CACHE.
const Valid = "2s"

func init() {
	if _, ok := syscall.Getenv("FYNE_CACHE"); !ok {
		syscall.Setenv("FYNE_CACHE", Valid)
	}
}
