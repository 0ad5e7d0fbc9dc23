package kiosk

import (
	"golang.org/x/sys/unix"
)

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
