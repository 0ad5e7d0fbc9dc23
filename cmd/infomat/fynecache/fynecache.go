// Package fynecache sets how long Fyne keeps the textures and renderers of objects that are
// no longer on the screen, for the kiosk: 5 seconds instead of Fyne's minute.
//
// Every screen the resident passes leaves textures (text runs, images) in Fyne's cache until
// they have gone unused for that long; in a walk through cards and BIP pages they pile up.
// PSS 3 s after the benchmark's 130-tap walk, against 118 MB on a fresh home
// (docs/performance.md): 156 MB with 15 s, 145 with 8 s, 141 with 5 s, 136 with 3 s, 134
// with 2 s. Below 10 s Fyne walks the object tree on every frame of an idle screen to keep
// its entries alive (+1.2 % of one core on a long card under llvmpipe, the same for any
// value below 10 s); below 5 s the walk got slower (more text drawn again), for a few MB.
// A screen visited again after 5 s rebuilds its renderers and text, which costs a few
// milliseconds; the kiosk gives the expired memory back once a screen has rested that long
// (cmd/infomat, restedMemory).
//
// Fyne reads FYNE_CACHE once, in an init function, and offers no other way to set it. This
// package sets it in the environment before that: it imports nothing but syscall, so Go's
// initialisation order (uninitialised packages by import path, each as soon as its imports
// are: "infomat/…" sorts before "os", which Fyne's cache needs) runs it first. A FYNE_CACHE
// already in the environment (a technician, the systemd unit) wins.
package fynecache

import "syscall"

// Valid is the kiosk's FYNE_CACHE.
const Valid = "5s"

func init() {
	if _, ok := syscall.Getenv("FYNE_CACHE"); !ok {
		syscall.Setenv("FYNE_CACHE", Valid)
	}
}
