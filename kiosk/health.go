package kiosk

import (
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"
)

// Status is what the service screen shows about the device. Texts are Polish: technicians
// read them.
type Status struct {
	Printer        string // state in words, e.g. "gotowa", "brak papieru"
	PrinterOK      bool
	Reader         string
	ReaderOK       bool
	Queued         int
	Oldest         time.Time // oldest submission not yet delivered; zero when none
	LastSync       time.Time // zero: never
	SyncConfigured bool
	SyncError      string // the last sync failure, for the technician
	ContentVersion string
	ContentSource  string
	DiskFree       uint64 // bytes free in the data directory
	DiskProblem    string // e.g. read-only, nearly full; empty when fine
	AppVersion     string
	OutOfService   bool   // no valid content: residents see the out-of-service screen
	ClockProblem   string // why the clock is not trusted; empty when it is
	Salvaged       int    // submissions recovered from a corrupt store
	Unrecoverable  int    // submissions in a corrupt store that could not be recovered
	ShortPIN       bool   // the service PIN has fewer than 6 digits (set before the rule)
}

// Version is the kiosk's version; release builds set it with
// -ldflags "-X infomat/kiosk.Version=1.2.3".
var Version = ""

// AppVersion is Version, or the VCS revision the binary was built from.
func AppVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// LowDisk is the free space below which the service screen warns: submissions and content
// updates need room.
const LowDisk = 200 << 20

// DiskState says how much room the data directory has and, in Polish, what is wrong with it:
// read-only, nearly full, or unreadable.
func DiskState(dir string) (free uint64, problem string) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, "nie można sprawdzić dysku: " + err.Error()
	}
	free = st.Bavail * uint64(st.Bsize)
	switch {
	case st.Flags&unix.ST_RDONLY != 0:
		return free, "dysk tylko do odczytu — wnioski nie zostaną zapisane"
	case free < LowDisk:
		return free, "prawie pełny dysk"
	}
	return free, ""
}
