// Package kiosk is the device runtime: data directory, idle sessions, which content is
// active, and (later) the serial devices.
package kiosk

import (
	"os"
	"path/filepath"
)

// DefaultDataDir is where the kiosk keeps its store: systemd's StateDirectory when run by
// the infomat unit, /var/lib/infomat for root, otherwise the user's data directory (XDG).
func DefaultDataDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/infomat"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "infomat")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "infomat")
	}
	return filepath.Join(os.TempDir(), "infomat")
}
