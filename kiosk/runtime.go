package kiosk

import (
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// DisplayProblem says why the kiosk cannot even try to open a window, or "" when it can:
// on Linux a window needs DISPLAY (X11, also under XWayland) or WAYLAND_DISPLAY. At boot
// the systemd unit may start before the graphical session is there.
func DisplayProblem(goos string, getenv func(string) string) string {
	if goos != "linux" && !strings.HasSuffix(goos, "bsd") {
		return ""
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return "nie ustawiono DISPLAY ani WAYLAND_DISPLAY / neither DISPLAY nor WAYLAND_DISPLAY is set"
	}
	return ""
}

// HostDisplayProblem is DisplayProblem for this process.
func HostDisplayProblem() string { return DisplayProblem(runtime.GOOS, os.Getenv) }

// UnderJournal says whether f is systemd's journal stream: systemd sets JOURNAL_STREAM to
// "DEVICE:INODE" of the unit's stdout/stderr. Children started from a unit inherit
// the variable but not necessarily the stream, hence the comparison.
func UnderJournal(f *os.File, journalStream string) bool {
	dev, ino, ok := strings.Cut(journalStream, ":")
	if !ok {
		return false
	}
	d, err1 := strconv.ParseUint(dev, 10, 64)
	i, err2 := strconv.ParseUint(ino, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == d && uint64(st.Ino) == i
}

// NewLogger logs to f: JSON (one structured record a line, for journalctl -o json and
// log shippers) when f is the journal stream, plain text otherwise.
func NewLogger(f *os.File, journalStream string) *slog.Logger {
	if UnderJournal(f, journalStream) {
		return slog.New(slog.NewJSONHandler(f, nil))
	}
	return slog.New(slog.NewTextHandler(f, nil))
}
