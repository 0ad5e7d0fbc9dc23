// Package store is the kiosk's local persistent store: a single bbolt file
// (infomat.db) in the data directory.
//
// # Layout
//
// One bucket per concern, names are the bucket* constants below:
//
//	meta      schema_version -> decimal string
//	settings  key -> value (device settings)
//	blobs     sha256 hex -> file bytes (content-addressed)
//	content   "active" -> JSON manifest of the active content bundle;
//	          "portal_version" -> the portal manifest version last activated
//	staging   sha256 hex -> file bytes downloaded by the sync client for a
//	          bundle not activated yet (see sync.go)
//
// To add a concern (e.g. the outbox), add a bucket constant, append it to
// allBuckets (created on every Open) and, only if existing data must be
// rewritten, bump schemaVersion and migrate in initSchema.
//
// # Durability
//
// Every write method runs in exactly one bbolt read-write transaction.
// bbolt fsyncs (fdatasync on Linux) the data pages and then the meta page on
// commit, and keeps two meta pages, so after a crash or power loss the file
// reflects either the whole transaction or none of it. A method that returned
// nil is on disk. The store runs with bbolt's defaults (NoSync=false,
// freelist synced), which is what makes that true; do not change them.
// Hardware that acknowledges fsync without persisting can still corrupt the
// file; that is what the integrity check on Open is for.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines (bbolt allows one
// writer and many readers). Only one process may open a data directory at a
// time; bbolt holds an exclusive advisory lock on the file while it is open.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the name of the database file inside the data directory.
const FileName = "infomat.db"

// Bucket names. One bucket per concern.
const (
	bucketMeta     = "meta"
	bucketSettings = "settings"
	bucketBlobs    = "blobs"
	bucketContent  = "content"
	bucketStaging  = "staging"
)

// allBuckets are created (if missing) on every Open.
var allBuckets = []string{bucketMeta, bucketSettings, bucketBlobs, bucketContent, bucketStaging}

const (
	keySchemaVersion = "schema_version"
	// schemaVersion is the layout this code writes. Bump it only when
	// existing data has to be migrated; new buckets alone don't need it.
	schemaVersion = 1
)

var (
	// lockTimeout bounds how long Open waits for another process to release
	// the database before returning ErrLocked.
	lockTimeout = 2 * time.Second
	// lockAttempt is the bbolt Options.Timeout of a single attempt. Open
	// retries attempts until lockTimeout so that it can also notice ctx
	// cancellation; bbolt's own wait can't be interrupted.
	lockAttempt = 200 * time.Millisecond
)

// ErrLocked is returned (wrapped) by Open when another process, or another
// Open in this process, already uses the data directory.
var ErrLocked = errors.New("store is locked")

// Recovery describes a corrupt database file that Open moved aside before
// creating a fresh one. The caller should log and report it: device settings
// and content stored in the old file are no longer in effect.
type Recovery struct {
	// AsidePath is where the original bytes now are
	// (DIR/infomat.db.corrupt-YYYYMMDD-HHMMSS, local time).
	AsidePath string
	// Cause is why the file was considered corrupt.
	Cause error
}

func (r *Recovery) String() string {
	return fmt.Sprintf("corrupt database moved aside to %s: %v", r.AsidePath, r.Cause)
}

// Store is an open infomat.db.
type Store struct {
	db   *bolt.DB
	path string
}

// Open opens DIR/infomat.db, creating the directory (0700) and file (0600)
// when missing.
//
// If another process holds the database, Open gives up after about 2 s with
// an error wrapping ErrLocked. It returns early with ctx's error when ctx is
// done.
//
// A file that bbolt rejects, that panics bbolt, that is shorter than its own
// meta page says, that fails tx.Check, or that is zero-length, is moved aside
// (never deleted or overwritten), a fresh database is created, and the
// returned *Recovery says where the old bytes went. Errors that are about the
// environment rather than the file's content (permission denied, I/O errors)
// are returned as errors and the file is left alone.
func Open(ctx context.Context, dir string) (*Store, *Recovery, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("open store: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	deadline := time.Now().Add(lockTimeout)

	var rec *Recovery
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("open store %s: %w", path, err)
		}
		wait := min(lockAttempt, time.Until(deadline))
		if wait <= 0 {
			// bbolt treats Timeout 0 as "wait forever"; a tiny positive
			// timeout means a single non-blocking try.
			wait = time.Nanosecond
		}
		db, att, err := openOnce(path, wait)

		var corrupt *corruptError
		switch {
		case err == nil:
			if rec == nil {
				if rec, err = preserveEmpty(db, path, att); err != nil {
					_ = db.Close()
					return nil, nil, fmt.Errorf("open store %s: %w", path, err)
				}
			}
			if err := initSchema(db); err != nil {
				_ = db.Close()
				return nil, nil, fmt.Errorf("open store %s: %w", path, err)
			}
			return &Store{db: db, path: path}, rec, nil

		case errors.Is(err, bolt.ErrTimeout):
			if !time.Now().Before(deadline) {
				return nil, nil, fmt.Errorf("open store: another Infomat is already using the data directory %s: %w", dir, ErrLocked)
			}

		case errors.Is(err, errReplaced):
			// Another process moved the file aside while we waited for
			// the lock; try again with whatever is at path now.
			if time.Now().After(deadline) {
				return nil, nil, fmt.Errorf("open store %s: %w", path, err)
			}

		case errors.As(err, &corrupt):
			if rec != nil {
				// The file we just created is corrupt too: something is
				// wrong beyond the file (disk, filesystem). Don't loop.
				if db != nil {
					_ = db.Close()
				}
				return nil, rec, fmt.Errorf("open store %s: fresh database is corrupt too: %w", path, err)
			}
			aside, merr := moveAside(db, path, att)
			if merr != nil {
				return nil, nil, fmt.Errorf("open store %s: database is corrupt (%v) and could not be moved aside: %w", path, corrupt.cause, merr)
			}
			if aside != "" {
				rec = &Recovery{AsidePath: aside, Cause: corrupt.cause}
			}
			// aside == "": someone else already replaced the file; retry.

		default:
			return nil, nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
}

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Close closes the database and releases the lock. It waits for running
// transactions to finish.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// corruptError marks an error as being about the file's content, which makes
// Open move the file aside.
type corruptError struct{ cause error }

func (e *corruptError) Error() string { return "corrupt database: " + e.cause.Error() }
func (e *corruptError) Unwrap() error { return e.cause }

// errReplaced: the file we locked is no longer the one at path.
var errReplaced = errors.New("database file was replaced while waiting for the lock")

// attempt records what the OpenFile hook saw, so Open can tell environment
// errors from corruption and detect files replaced under it.
type attempt struct {
	file    *os.File
	info    os.FileInfo // stat right after open, before the lock
	created bool        // this attempt created the file
	openErr error       // the hook itself failed
}

// openFile is bbolt's Options.OpenFile hook. It opens an existing file
// without O_CREATE first so that it knows whether it created the file.
func (a *attempt) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(name, flag|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			a.created = true
		}
	}
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil {
			a.file, a.info = f, fi
			return f, nil
		}
		_ = f.Close()
	}
	a.openErr = err
	return nil, err
}

// openOnce makes one bbolt.Open attempt and verifies the result. On a
// corruptError db may be non-nil (still open and locked) so that the caller
// can move the file aside while holding the lock.
func openOnce(path string, lockWait time.Duration) (db *bolt.DB, a *attempt, err error) {
	a = &attempt{}
	// A truncated or garbled file can make bbolt touch mmapped memory past
	// the end of the file (SIGBUS/SIGSEGV). Turn such faults into panics we
	// can recover in this goroutine instead of crashing the kiosk.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			} else if a.file != nil {
				// bbolt panicked inside Open; closing its file releases
				// the flock (the mapping leaks, which is harmless).
				_ = a.file.Close()
			}
			db, err = nil, &corruptError{cause: fmt.Errorf("bbolt panicked: %v", r)}
		}
	}()

	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait, OpenFile: a.openFile})
	switch {
	case err == nil:
	case a.openErr != nil, errors.Is(err, bolt.ErrTimeout):
		return nil, a, err
	case isCorruptOpenErr(err):
		return nil, a, &corruptError{cause: err}
	default:
		return nil, a, err
	}

	// The file may have been moved aside by another process between our
	// open(2) and getting the lock; then we locked a file nobody will see.
	if cur, serr := os.Stat(path); serr != nil || !os.SameFile(cur, a.info) {
		_ = db.Close()
		return nil, a, errReplaced
	}
	if err := verify(db, a.file); err != nil {
		var corrupt *corruptError
		if errors.As(err, &corrupt) {
			return db, a, err
		}
		_ = db.Close()
		return nil, a, err
	}
	return db, a, nil
}

// isCorruptOpenErr reports whether a bbolt.Open error is about the file's
// content. Anything else (I/O, mmap, permissions) is not grounds for moving
// the file aside.
func isCorruptOpenErr(err error) bool {
	if errors.Is(err, bolt.ErrInvalid) || errors.Is(err, bolt.ErrChecksum) || errors.Is(err, bolt.ErrVersionMismatch) {
		return true
	}
	// bbolt returns this one unwrapped, as a plain string.
	var pe *fs.PathError
	return !errors.As(err, &pe) && strings.Contains(err.Error(), "file size too small")
}

// verify checks the file against its own meta page and runs bbolt's
// consistency check. Errors are corruptError.
func verify(db *bolt.DB, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat database file: %w", err)
	}
	return db.View(func(tx *bolt.Tx) error {
		// A file shorter than the high-water mark (typically a truncated
		// copy) would make tx.Check fault on unmapped pages in bbolt's own
		// goroutine, where we can't recover; catch it here.
		if hw := tx.Size(); fi.Size() < hw {
			return &corruptError{cause: fmt.Errorf("file is truncated: %d bytes, meta page expects at least %d", fi.Size(), hw)}
		}
		var first []error
		n := 0
		// Drain the channel fully: bbolt's checker goroutine blocks on
		// send and holds the transaction open until it is done.
		for cerr := range tx.Check() {
			if n < 3 {
				first = append(first, cerr)
			}
			n++
		}
		if n > 0 {
			return &corruptError{cause: fmt.Errorf("integrity check found %d problem(s): %w", n, errors.Join(first...))}
		}
		return nil
	})
}

// preserveEmpty handles an existing zero-length file. bbolt initialises such
// a file in place (under its lock), so instead of renaming we record an
// empty aside file: the original had no bytes to lose, and doing it this way
// needs no rename outside the lock. A file that another process created and
// initialised while we waited has buckets and is left alone.
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

// moveAside renames the corrupt file to infomat.db.corrupt-YYYYMMDD-HHMMSS.
// When db is non-nil it is still open and locked; we rename before closing
// so no other process can slip in (POSIX allows renaming an open file;
// Windows doesn't, so there we close first and retry). It returns "" when the
// file at path is no longer the one we examined.
func moveAside(db *bolt.DB, path string, a *attempt) (string, error) {
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

// asideName calls place with infomat.db.corrupt-<timestamp>[-N], picking the
// first name that doesn't exist yet so an earlier aside file is never
// overwritten (os.Rename would silently replace it).
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

// syncDir fsyncs a directory so a rename or create in it survives power
// loss. Best effort: not supported everywhere (e.g. Windows).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// initSchema creates missing buckets and records the schema version.
func initSchema(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %q: %w", name, err)
			}
		}
		meta := tx.Bucket([]byte(bucketMeta))
		raw := meta.Get([]byte(keySchemaVersion))
		if raw == nil {
			return meta.Put([]byte(keySchemaVersion), []byte(strconv.Itoa(schemaVersion)))
		}
		v, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("bad schema version %q: %w", raw, err)
		}
		if v > schemaVersion {
			// Written by a newer Infomat (downgrade). Not corruption: keep
			// the file and refuse, rather than misread it.
			return fmt.Errorf("database schema version %d is newer than supported version %d", v, schemaVersion)
		}
		// Migrations from older versions go here.
		return nil
	})
}

// Bolt gives sibling concerns that keep their own buckets in the same file (the outbox) the
// database handle. They must follow the rules above: one bucket per concern, one transaction
// per write.
func (s *Store) Bolt() *bolt.DB { return s.db }
