// Package fynecache sets how long Fyne keeps the textures and renderers of objects that are
// no longer on the screen, for the kiosk: 15 seconds instead of Fyne's minute.
//
// Every screen the resident passes leaves textures (text runs, images) in Fyne's cache until
// they have gone unused for that long; in a walk through cards and BIP pages they pile up:
// 169 MB PSS after a 97-tap walk with the minute against 144 MB with 15 s, where a fresh home
// screen is 148–153 MB (docs/performance.md). A screen visited again after 15 s rebuilds its
// renderers, which costs a few milliseconds.
//
// Fyne reads FYNE_CACHE once, in an init function, and offers no other way to set it. This
// package sets it in the environment before that: it imports nothing but syscall, so Go's
// initialisation order (uninitialised packages by import path, each as soon as its imports
// are: "infomat/…" sorts before "os", which Fyne's cache needs) runs it first. A FYNE_CACHE
// already in the environment (a technician, the systemd unit) wins.
package fynecache

import "syscall"

// Valid is the kiosk's FYNE_CACHE.
const Valid = "15s"

func init() {
	if _, ok := syscall.Getenv("FYNE_CACHE"); !ok {
		syscall.Setenv("FYNE_CACHE", Valid)
	}
}
