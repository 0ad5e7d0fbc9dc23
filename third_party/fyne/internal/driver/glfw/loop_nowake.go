//go:build wayland || !(linux || freebsd || openbsd || netbsd) || wasm || test_web_driver

package glfw

// inputWake has no watcher here: the main loop reads input at its tick.
func inputWake() (wake <-chan struct{}, ack chan<- struct{}, queued func() bool) {
	return nil, nil, func() bool { return false }
}
