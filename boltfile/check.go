package boltfile

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// maxProblems is how many of tx.Check's findings a *CorruptError lists.
const maxProblems = 20

// Check reads every page of an open database with bbolt's consistency check, after making
// sure the file is not shorter than its meta page says. Damage gives a *CorruptError
// (matching ErrCorrupt) that lists what bbolt found (at most 20 problems); other errors are
// about the environment. It is what a read-write Open runs before returning the file, and
// what a ReadOnly caller runs itself.
func Check(db *bolt.DB) error {
	fi, err := os.Stat(db.Path())
	if err != nil {
		return fmt.Errorf("stat database file: %w", err)
	}
	return check(db, fi.Size())
}

// check is Check on a file of the given size.
func check(db *bolt.DB, size int64) (err error) {
	// Faults in this goroutine (reading the meta or root pages) become a *CorruptError.
	// tx.Check reads the pages in a goroutine of its own, where a fault can't be recovered:
	// the size test below is what keeps it from reading past the end of the file.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &CorruptError{Cause: fmt.Errorf("bbolt panicked while checking: %v", r)}
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		// A file shorter than the high-water mark (typically a truncated copy) would make
		// tx.Check fault on unmapped pages.
		if hw := tx.Size(); size < hw {
			return &CorruptError{Cause: fmt.Errorf("file is truncated: %d bytes, meta page expects at least %d", size, hw)}
		}
		var problems []string
		n := 0
		// Drain the channel to its end: bbolt's checker goroutine blocks on send and holds
		// the transaction open until it is done.
		for cerr := range tx.Check() {
			n++
			if len(problems) < maxProblems {
				problems = append(problems, cerr.Error())
			}
		}
		if n == 0 {
			return nil
		}
		more := ""
		if n > len(problems) {
			more = fmt.Sprintf("\n… and %d more", n-len(problems))
		}
		return &CorruptError{Cause: fmt.Errorf("%d damaged page(s) or broken links:\n%s%s", n, strings.Join(problems, "\n"), more)}
	})
}

// bbolt's meta page layout (bbolt v1, native byte order): a 16-byte page header, then the
// magic number, the format version and the page size, each a uint32.
const (
	metaMagic       = 0xED0CDAED
	metaMagicOff    = 16
	metaPageSizeOff = 24
	minPageSize     = 1024 // the smallest page size bbolt looks for
)

// shortFile returns why the file at path, if it is still the one seen before the lock, is
// too short to be a bbolt database: not empty, but shorter than the two meta pages every
// bbolt file starts with. It returns nil when that is not the case or can't be told.
//
// bbolt v1.5.0 reports this case from DB.fileSize as a plain
// fmt.Errorf("file size too small %d"), with no error value to match, so the file is
// measured instead of the message being read. The page size is the one meta page 0 declares
// when it carries bbolt's magic number, else the OS page size, which is what bbolt assumes
// when it can't read a page size from the meta pages. (A file whose meta page 0 has the
// magic but a bad checksum, and whose meta page 1 declares another page size, can escape
// this test; it is then refused with bbolt's error and left alone, which loses nothing.)
func shortFile(path string, seen os.FileInfo) error {
	if seen == nil {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !os.SameFile(fi, seen) {
		return nil
	}
	pageSize := int64(os.Getpagesize())
	var hdr [metaPageSizeOff + 4]byte
	if n, _ := f.ReadAt(hdr[:], 0); n == len(hdr) && binary.NativeEndian.Uint32(hdr[metaMagicOff:]) == metaMagic {
		if ps := int64(binary.NativeEndian.Uint32(hdr[metaPageSizeOff:])); ps >= minPageSize {
			pageSize = ps
		}
	}
	if size := fi.Size(); size > 0 && size < 2*pageSize {
		return fmt.Errorf("file is %d bytes, shorter than the two %d-byte meta pages of a bbolt database", size, pageSize)
	}
	return nil
}
