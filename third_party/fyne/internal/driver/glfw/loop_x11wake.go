//go:build !wayland && (linux || freebsd || openbsd || netbsd) && !wasm && !test_web_driver

package glfw

// infomat patch (third_party/README.md): input is handled when it arrives, not at the
// next 60 Hz tick.

/*
#include <X11/Xlib.h>
#include <errno.h>
#include <poll.h>

static int displayFD(void *display) { return ConnectionNumber((Display *)display); }
static int queuedEvents(void *display) { return XQLength((Display *)display); }

// waitReadable blocks until fd has data: 0, or -1 when the connection is gone.
static int waitReadable(int fd) {
	struct pollfd p = { .fd = fd, .events = POLLIN };
	for (;;) {
		int n = poll(&p, 1, -1);
		if (n > 0) {
			return (p.revents & (POLLERR | POLLHUP | POLLNVAL)) ? -1 : 0;
		}
		if (n < 0 && errno != EINTR) {
			return -1;
		}
	}
}
*/
import "C"

import (
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// inputWake says when the X server has sent something (a touch, a key, an expose) for
// the main loop to read at once. ack must get one value after each wake, once the loop
// has read the connection (PollEvents): until then the watcher waits, as the connection
// stays readable. Nil channels when there is no X display (a nil channel never fires, and
// the loop keeps its tick).
//
// queued says, on the main thread, whether Xlib holds events it has already read from the
// connection: any Xlib call that waits for a reply (a buffer swap, a cursor query) reads
// what else has arrived into Xlib's own queue, and the connection then looks quiet to the
// watcher — a finger's release read that way would wait for the tick.
func inputWake() (wake <-chan struct{}, ack chan<- struct{}, queued func() bool) {
	none := func() bool { return false }
	defer func() {
		if recover() != nil { // GLFW not initialised or not on X11: the tick alone
			wake, ack, queued = nil, nil, none
		}
	}()
	display := glfw.GetX11Display()
	if display == nil {
		return nil, nil, none
	}
	fd := C.displayFD(unsafe.Pointer(display))
	w, a := make(chan struct{}, 1), make(chan struct{}, 1)
	go func() {
		for C.waitReadable(fd) == 0 {
			w <- struct{}{}
			<-a
		}
	}()
	return w, a, func() bool { return C.queuedEvents(unsafe.Pointer(display)) > 0 }
}
