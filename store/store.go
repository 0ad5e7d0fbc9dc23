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
// To add a concern (e.g. the outbox), add a bucket constant and append it to
// allBuckets (created on every Open). Only if existing data must be rewritten, bump
// schemaVersion and migrate (see boltfile.Schema).
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
// file; that is what the integrity check on Open is for (package boltfile,
// which opens, checks and moves the file aside for both the kiosk and the
// portal).
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
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"infomat/boltfile"
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
	keySchemaVersion = boltfile.VersionKey
	// schemaVersion is the layout this code writes. Bump it only when
	// existing data has to be migrated; new buckets alone don't need it.
	schemaVersion = 1
)

// schema is set up on every Open.
var schema = boltfile.Schema{Buckets: allBuckets, Meta: bucketMeta, Version: schemaVersion}

// ErrLocked is returned (wrapped) by Open when another process, or another
// Open in this process, already uses the data directory.
var ErrLocked = errors.New("store is locked")

// Recovery describes a corrupt database file that Open moved aside before
// creating a fresh one (AsidePath is DIR/infomat.db.corrupt-YYYYMMDD-HHMMSS[-N],
// local time; the salvage code finds it by that name). The caller should log
// and report it: device settings and content stored in the old file are no
// longer in effect.
type Recovery = boltfile.Recovery

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
// returned *Recovery says where the old bytes went (boltfile.MoveAside).
// Errors that are about the environment rather than the file's content
// (permission denied, I/O errors) are returned as errors and the file is left
// alone. A schema written by a newer Infomat is refused, not moved aside.
func Open(ctx context.Context, dir string) (*Store, *Recovery, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, rec, err := boltfile.Open(ctx, path, boltfile.Options{OnCorrupt: boltfile.MoveAside, Schema: &schema})
	switch {
	case errors.Is(err, boltfile.ErrLocked):
		return nil, nil, fmt.Errorf("open store: another Infomat is already using the data directory %s: %w", dir, ErrLocked)
	case err != nil:
		return nil, rec, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Store{db: db, path: path}, rec, nil
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

// Bolt gives sibling concerns that keep their own buckets in the same file (the outbox) the
// database handle. They must follow the rules above: one bucket per concern, one transaction
// per write.
func (s *Store) Bolt() *bolt.DB { return s.db }
