package boltfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reading a file already known to be corrupt (salvage): it is opened read-only, never
// changed, and every read goes through Guard.

// Guard runs fn with faults on bad memory turned into panics, and any panic into an error:
// a corrupt bbolt file makes bbolt panic or read outside its mapping.
func Guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fault reading corrupt file: %v", r)
		}
	}()
	return fn()
}

// View runs fn in a read transaction on the bbolt file at path, opened read-only
// (OpenReadOnly), under Guard.
func View(path string, fn func(*bolt.Tx) error) error {
	return Guard(func() error {
		db, done, err := OpenReadOnly(path)
		if err != nil {
			return err
		}
		defer done()
		return db.View(fn)
	})
}

// OpenReadOnly opens the bbolt file at path read-only for salvage; done closes it. When
// the file's lock cannot be had — bbolt panicking on a corrupt file in Open leaks its
// mapping, and with it the lock, for the life of the process — it opens a temporary copy
// instead, removed by done.
func OpenReadOnly(path string) (db *bolt.DB, done func(), err error) {
	db, err = bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if err == nil {
		return db, func() { _ = db.Close() }, nil
	}
	if !errors.Is(err, bolt.ErrTimeout) {
		return nil, nil, fmt.Errorf("open read-only: %w", err)
	}
	tmp, err := copyFile(path, path+TempSuffix)
	if err != nil {
		return nil, nil, fmt.Errorf("open read-only: file is locked; copy: %w", err)
	}
	// The copy holds everything the store did (ciphertexts, PIN and card hashes): it must
	// go also when bolt.Open fails or panics (Guard recovers further up).
	opened := false
	defer func() {
		if !opened {
			_ = os.Remove(tmp)
		}
	}()
	db, err = openCopy(tmp)
	if err != nil {
		return nil, nil, fmt.Errorf("open read-only copy: %w", err)
	}
	opened = true
	return db, func() { _ = db.Close(); _ = os.Remove(tmp) }, nil
}

// TempSuffix ends the name of the temporary copy OpenReadOnly makes of a locked file.
const TempSuffix = ".salvage-tmp"

// openCopy opens OpenReadOnly's temporary copy; a variable so a test can make it panic.
var openCopy = func(path string) (*bolt.DB, error) {
	return bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
}

// SweepTemp removes the temporary copies OpenReadOnly left in dir (a process killed while
// one was open): they hold a whole store. Call it before salvaging, when none is in use.
func SweepTemp(dir string) error {
	m, err := filepath.Glob(filepath.Join(dir, "*"+TempSuffix))
	if err != nil {
		return fmt.Errorf("sweep salvage copies: %w", err)
	}
	var errs []error
	for _, f := range m {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sweep salvage copies: %w", err)
	}
	return nil
}

func copyFile(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		_ = os.Remove(dst)
		return "", err
	}
	if err := out.Close(); err != nil {
		_ = os.Remove(dst)
		return "", err
	}
	return dst, nil
}
