package main

/*
#cgo LDFLAGS: -lX11 -lXtst
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"time"
	"unsafe"
)

// pointer is a finger on the display: XTEST's fake pointer events on one X connection held
// for the whole run. xdotool, started per tap, takes 80–180 ms to click (its own waits) and
// the app may answer before it has exited, so a tap could not be timed to the moment the
// app got it; here the moment is known to a millisecond: when the X server has processed
// the button's release (XSync), which is when both apps act on a click.
type pointer struct {
	dpy *C.Display
}

func openPointer(display string) (*pointer, error) {
	name := C.CString(display)
	defer C.free(unsafe.Pointer(name))
	dpy := C.XOpenDisplay(name)
	if dpy == nil {
		return nil, fmt.Errorf("cannot open X display %s", display)
	}
	var ev, er, major, minor C.int
	if C.XTestQueryExtension(dpy, &ev, &er, &major, &minor) == 0 {
		C.XCloseDisplay(dpy)
		return nil, errors.New("the X server has no XTEST extension")
	}
	return &pointer{dpy: dpy}, nil
}

// move puts the pointer at pt and waits until the server has done it.
func (p *pointer) move(pt image.Point) {
	C.XTestFakeMotionEvent(p.dpy, -1, C.int(pt.X), C.int(pt.Y), 0)
	C.XSync(p.dpy, 0)
}

// click presses and releases the first button where the pointer is, and returns when the
// server has processed the release.
func (p *pointer) click() time.Time {
	C.XTestFakeButtonEvent(p.dpy, 1, 1, 0)
	C.XSync(p.dpy, 0)
	C.XTestFakeButtonEvent(p.dpy, 1, 0, 0)
	C.XSync(p.dpy, 0)
	return time.Now()
}

func (p *pointer) close() { C.XCloseDisplay(p.dpy) }
