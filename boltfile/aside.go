package boltfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// preserveEmpty handles an existing zero-length file. bbolt initialises such a file in
// place (under its lock), so instead of renaming we record an empty aside file: the
// original had no bytes to lose, and doing it this way needs no rename outside the lock. A
// file that another process created and initialised while we waited has buckets and is
// left alone.
func preserveEmpty(db *bolt.DB, path string, a *attempt) (*Recovery, error) {
	if a.created || a.info.Size() != 0 {
		return nil, nil
	}
	empty := true
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func([]byte, *bolt.Bucket) error {
			empty = false
			return nil
		})
	})
	if err != nil || !empty {
		return nil, err
	}
	aside, err := asideName(path, func(name string) error {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		return f.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("record zero-length database file: %w", err)
	}
	syncDir(filepath.Dir(path))
	return &Recovery{AsidePath: aside, Cause: errors.New("database file was empty (zero length)")}, nil
}

// moveFileAside renames the corrupt file to PATH.corrupt-YYYYMMDD-HHMMSS. When db is
// non-nil it is still open and locked; we rename before closing so no other process can
// slip in (POSIX allows renaming an open file; Windows doesn't, so there we close first and
// retry). It returns "" when the file at path is no longer the one we examined.
func moveFileAside(db *bolt.DB, path string, a *attempt) (string, error) {
	closeDB := func() {
		if db != nil {
			_ = db.Close()
			db = nil
		}
	}
	defer closeDB()

	cur, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !os.SameFile(cur, a.info) {
		return "", nil
	}
	rename := func(name string) error { return os.Rename(path, name) }
	aside, err := asideName(path, rename)
	if err != nil && db != nil {
		closeDB()
		aside, err = asideName(path, rename)
	}
	if err != nil {
		return "", err
	}
	// Make the rename durable before a fresh file takes the old name.
	syncDir(filepath.Dir(path))
	return aside, nil
}

// asideName calls place with PATH.corrupt-<timestamp>[-N], picking the first name that
// doesn't exist yet so an earlier aside file is never overwritten (os.Rename would silently
// replace it). The salvage code finds aside files by this pattern.
func asideName(path string, place func(name string) error) (string, error) {
	base := path + ".corrupt-" + time.Now().Format("20060102-150405")
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			name = base + "-" + strconv.Itoa(i)
		}
		if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := place(name); err != nil {
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("no free name for %s", base)
}

// syncDir fsyncs a directory so a rename or create in it survives power loss. Best effort:
// not supported everywhere (e.g. Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
