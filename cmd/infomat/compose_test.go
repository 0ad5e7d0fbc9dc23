package main

import "testing"

// TestNoComposeTable: the kiosk points Xlib at an empty compose table, and leaves one a
// technician chose alone.
func TestNoComposeTable(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"", "/dev/null"},
		{"/etc/infomat/Compose", "/etc/infomat/Compose"},
	} {
		env := map[string]string{"XCOMPOSEFILE": c.set}
		noComposeTable(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if env["XCOMPOSEFILE"] != c.want {
			t.Errorf("XCOMPOSEFILE %q: became %q, want %q", c.set, env["XCOMPOSEFILE"], c.want)
		}
	}
}
