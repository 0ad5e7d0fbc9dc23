package main

// noComposeTable points Xlib at an empty compose table unless XCOMPOSEFILE is already set.
// GLFW opens an X input method when it initialises, on the main thread before the window
// exists, and Xlib's local input method then parses the locale's whole compose table
// (/usr/share/X11/locale/en_US.UTF-8/Compose: 5,700 lines read a character at a time): about
// 18 ms on the path to the first frame (docs/performance.md, "Seventh round"). Xlib keeps a
// parsed copy only for users other than root, and only where a cache directory has been
// made for it. The table serves dead keys and the Compose key of a physical keyboard;
// residents type on the kiosk's own keypad, and a keyboard with the Polish, Ukrainian or
// English layout types every letter without them. A technician who needs the table sets
// XCOMPOSEFILE in /etc/infomat/infomat.conf, and that is kept.
func noComposeTable(getenv func(string) string, setenv func(key, value string) error) {
	if getenv("XCOMPOSEFILE") != "" {
		return
	}
	_ = setenv("XCOMPOSEFILE", "/dev/null") // at worst Xlib parses the table as before
}
