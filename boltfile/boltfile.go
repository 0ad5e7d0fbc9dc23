// Package boltfile opens bbolt database files the way the kiosk's store and the portal both
// need it: it waits a bounded time for another process's lock while honouring ctx, tells a
// damaged file from a damaged environment by bbolt's own checks (never by error text),
// applies a policy to a damaged file (move it aside and start fresh, or refuse), and sets up
// buckets and a schema version.
//
// # Durability
//
// Files are opened with bbolt's defaults (NoSync=false, freelist synced). bbolt fsyncs
// (fdatasync on Linux) the data pages and then the meta page on commit, and keeps two meta
// pages, so after a crash or power loss the file reflects either the whole transaction or
// none of it: a write that returned nil is on disk. Callers must not change those options.
// Moving a file aside and recording an empty one are followed by an fsync of the directory,
// so they survive power loss too. Hardware that acknowledges fsync without persisting can
// still damage a file; that is what the check on Open is for.
//
// # What counts as corrupt
//
// A file is corrupt (a *CorruptError, matching ErrCorrupt) when bbolt.Open rejects it with
// bbolt's own error values (ErrInvalid, ErrChecksum, ErrVersionMismatch); when it is not
// empty but shorter than the two meta pages every bbolt file starts with; when bbolt faults
// on its memory-mapped pages (turned into a recoverable panic with debug.SetPanicOnFault);
// when it is shorter than the high-water mark its meta page records; or when tx.Check finds
// damaged pages or broken links. Anything else (permission denied, I/O errors, a lock held
// elsewhere) is about the environment: it is returned as an ordinary error and the file is
// left alone.
//
// # Concurrency
//
// bbolt holds an advisory lock on the file while it is open: exclusive for read-write,
// shared for ReadOnly. Only one process (and one Open in a process) may write a file.
package boltfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultLockTimeout is how long Open waits for another process to release the file when
// Options.LockTimeout is zero.
const DefaultLockTimeout = 2 * time.Second

// lockAttempt is the bbolt Options.Timeout of a single attempt. Open retries attempts until
// the lock timeout so that it also notices ctx being done; bbolt's own wait can't be
// interrupted.
const lockAttempt = 200 * time.Millisecond

var (
	// ErrLocked is wrapped by Open's error when another process, or another Open in this
	// process, held the file for the whole lock timeout.
	ErrLocked = errors.New("database file is locked by another process")
	// ErrCorrupt is matched (errors.Is) by every *CorruptError.
	ErrCorrupt = errors.New("database file is corrupt")
)

// CorruptError says that the file's content is damaged, as opposed to its environment.
type CorruptError struct {
	// Cause is what was found: bbolt's error, the fault, or the check's problems.
	Cause error
}

func (e *CorruptError) Error() string   { return "corrupt database: " + e.Cause.Error() }
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Cause} }

// Policy is what Open does with a corrupt file.
type Policy int

const (
	// Refuse returns the *CorruptError and leaves the file where it is, for an operator to
	// restore from a backup (the portal: what it holds cannot be fetched again).
	Refuse Policy = iota
	// MoveAside renames the file to PATH.corrupt-YYYYMMDD-HHMMSS[-N] (local time; never
	// overwriting an earlier one), creates a fresh file, and reports a *Recovery (the kiosk:
	// its content comes again from the portal, and salvage reads the aside file).
	MoveAside
)

// Options tune Open. The zero value opens read-write, refuses a corrupt file, waits
// DefaultLockTimeout and sets up no schema.
type Options struct {
	// OnCorrupt is the policy for a corrupt file.
	OnCorrupt Policy
	// ReadOnly opens an existing file with a shared lock, for a check that reports what it
	// finds: Open then neither runs the page check (call Check), nor creates the file or
	// its directory, nor touches the schema. OnCorrupt is ignored (a corrupt file is always
	// refused).
	ReadOnly bool
	// Schema, when set, is set up (read-write only) after the file passed the check.
	Schema *Schema
	// LockTimeout bounds the wait for another process's lock; 0 means DefaultLockTimeout.
	LockTimeout time.Duration
}

// Recovery describes a corrupt file that Open moved aside before creating a fresh one. The
// caller should log and report it: what the old file held is no longer in effect.
type Recovery struct {
	// AsidePath is where the original bytes now are (PATH.corrupt-YYYYMMDD-HHMMSS[-N],
	// local time). A zero-length original is recorded as an empty file of that name.
	AsidePath string
	// Cause is why the file was considered corrupt.
	Cause error
}

func (r *Recovery) String() string {
	return fmt.Sprintf("corrupt database moved aside to %s: %v", r.AsidePath, r.Cause)
}

// Open opens the bbolt file at path, creating its directory (0700) and the file (0600) when
// missing unless opts.ReadOnly.
//
// If another process holds the file, Open gives up after the lock timeout with an error
// wrapping ErrLocked; it returns early with ctx's error when ctx is done.
//
// A read-write Open checks the whole file (see the package doc) before it returns it. A
// corrupt file is handled by opts.OnCorrupt: with Refuse, Open returns an error wrapping
// the *CorruptError; with MoveAside, the file is moved aside (never deleted or overwritten;
// a zero-length one is recorded as an empty aside file), a fresh one is created, and the
// *Recovery says where the old bytes went. A schema written by a newer version is an error,
// not corruption: the file is kept.
func Open(ctx context.Context, path string, opts Options) (*bolt.DB, *Recovery, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	deadline := time.Now().Add(timeout)
	moveAside := opts.OnCorrupt == MoveAside && !opts.ReadOnly

	var rec *Recovery
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		wait := min(lockAttempt, time.Until(deadline))
		if wait <= 0 {
			// bbolt treats Timeout 0 as "wait forever"; a tiny positive timeout means a
			// single non-blocking try.
			wait = time.Nanosecond
		}
		db, att, err := openOnce(path, wait, opts.ReadOnly)

		var corrupt *CorruptError
		switch {
		case err == nil:
			if moveAside && rec == nil {
				if rec, err = preserveEmpty(db, path, att); err != nil {
					_ = db.Close()
					return nil, nil, err
				}
			}
			if opts.Schema != nil && !opts.ReadOnly {
				if err := opts.Schema.setUp(db); err != nil {
					_ = db.Close()
					return nil, nil, err
				}
			}
			return db, rec, nil

		case errors.Is(err, bolt.ErrTimeout):
			if !time.Now().Before(deadline) {
				return nil, nil, fmt.Errorf("held by another process for %v: %w", timeout, ErrLocked)
			}

		case errors.Is(err, errReplaced):
			// Another process moved the file aside while we waited for the lock; try
			// again with whatever is at path now.
			if time.Now().After(deadline) {
				return nil, nil, err
			}

		case errors.As(err, &corrupt) && moveAside:
			if rec != nil {
				// The file we just created is corrupt too: something is wrong beyond the
				// file (disk, filesystem). Don't loop.
				if db != nil {
					_ = db.Close()
				}
				return nil, rec, fmt.Errorf("fresh database is corrupt too: %w", err)
			}
			aside, merr := moveFileAside(db, path, att)
			if merr != nil {
				return nil, nil, fmt.Errorf("database is corrupt (%v) and could not be moved aside: %w", corrupt.Cause, merr)
			}
			if aside != "" {
				rec = &Recovery{AsidePath: aside, Cause: corrupt.Cause}
			}
			// aside == "": someone else already replaced the file; retry.

		default:
			if db != nil {
				_ = db.Close()
			}
			return nil, nil, err
		}
	}
}

// testHookOpened, when set by a test, runs after an attempt opened the file and before
// bbolt waits for its lock.
var testHookOpened func()

// errReplaced: the file we locked is no longer the one at path.
var errReplaced = errors.New("database file was replaced while waiting for the lock")

// attempt records what the OpenFile hook saw, so Open can tell environment errors from
// corruption and detect files replaced under it.
type attempt struct {
	file    *os.File
	info    os.FileInfo // stat right after open, before the lock
	created bool        // this attempt created the file
	openErr error       // the hook itself failed
}

// openFile is bbolt's Options.OpenFile hook. It opens an existing file without O_CREATE
// first so that it knows whether it created the file; without O_CREATE in flag (ReadOnly)
// it never creates one.
func (a *attempt) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
	if errors.Is(err, fs.ErrNotExist) && flag&os.O_CREATE != 0 {
		f, err = os.OpenFile(name, flag|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			a.created = true
		}
	}
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil {
			a.file, a.info = f, fi
			if testHookOpened != nil {
				testHookOpened()
			}
			return f, nil
		}
		_ = f.Close()
	}
	a.openErr = err
	return nil, err
}

// openOnce makes one bbolt.Open attempt and, unless readOnly, checks the result. On a
// *CorruptError from the check db is non-nil (still open and locked) so that the caller can
// move the file aside while holding the lock.
func openOnce(path string, lockWait time.Duration, readOnly bool) (db *bolt.DB, a *attempt, err error) {
	a = &attempt{}
	// A truncated or garbled file can make bbolt touch mmapped memory past the end of the
	// file (SIGBUS/SIGSEGV). Turn such faults into panics we can recover in this goroutine
	// instead of crashing the process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			} else if a.file != nil {
				// bbolt panicked inside Open: release its flock and close its file (the
				// mapping, if any, leaks, which is harmless).
				unlock(a.file)
				_ = a.file.Close()
			}
			db, err = nil, &CorruptError{Cause: fmt.Errorf("bbolt panicked: %v", r)}
		}
	}()

	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait, ReadOnly: readOnly, OpenFile: a.openFile})
	switch {
	case err == nil:
	case a.openErr != nil, errors.Is(err, bolt.ErrTimeout):
		return nil, a, err
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrChecksum), errors.Is(err, bolt.ErrVersionMismatch):
		return nil, a, &CorruptError{Cause: err}
	default:
		if short := shortFile(path, a.info); short != nil {
			return nil, a, &CorruptError{Cause: fmt.Errorf("%w (%v)", short, err)}
		}
		return nil, a, err
	}

	// The file may have been moved aside by another process between our open(2) and
	// getting the lock; then we locked a file nobody will see.
	if cur, serr := os.Stat(path); serr != nil || !os.SameFile(cur, a.info) {
		_ = db.Close()
		return nil, a, errReplaced
	}
	if readOnly {
		return db, a, nil
	}
	fi, err := a.file.Stat()
	if err != nil {
		_ = db.Close()
		return nil, a, fmt.Errorf("stat database file: %w", err)
	}
	if err := check(db, fi.Size()); err != nil {
		var corrupt *CorruptError
		if errors.As(err, &corrupt) {
			return db, a, err
		}
		_ = db.Close()
		return nil, a, err
	}
	return db, a, nil
}
