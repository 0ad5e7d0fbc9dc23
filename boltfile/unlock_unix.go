//go:build unix

package boltfile

import (
	"os"
	"syscall"
)

// unlock releases bbolt's flock on f. Closing f alone does not when bbolt panicked after
// mapping the file: the mapping keeps the open file description, and with it the lock,
// alive for the life of the process.
func unlock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
