//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// errStoreHeld: another process has the store open.
var errStoreHeld = errors.New("store is held by another process")

// lockStore takes the lock bbolt takes on the store's file (flock, exclusive, without
// waiting), so that no serve opens it while restore replaces it; release lets it go. A
// missing file is not locked: there is nothing to open yet, and place does not replace one
// that appears meanwhile.
func lockStore(path string) (release func(), err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errStoreHeld
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}

// ownLike gives path the owner of dir when this process runs as root: a restore run with
// sudo must leave files the portal's service user can open.
func ownLike(path, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return os.Chown(path, int(st.Uid), int(st.Gid))
}
