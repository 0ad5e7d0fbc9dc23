package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Content bucket keys: the active bundle's manifest, the previous good one (the fallback when
// a new bundle fails to show) and the remembered office details.
const (
	keyActive   = "active"
	keyPrevious = "previous"
	keyOffice   = "office"
)

var (
	// ErrNoContent is returned by ActiveContent when no bundle was stored yet.
	ErrNoContent = errors.New("no content bundle stored")
	// ErrCorruptContent is wrapped by ActiveContent when a file's blob is
	// missing or doesn't match its sha256; the caller falls back to the
	// previous bundle (PreviousContent).
	ErrCorruptContent = errors.New("stored content is corrupt")
)

// ContentInfo describes the active content bundle.
type ContentInfo struct {
	Version, Label string
	ActivatedAt    time.Time
	Files          int   // number of paths
	Bytes          int64 // sum of file sizes (before blob deduplication)
	Unconfirmed    bool  // activated, not yet shown by a kiosk start
}

// manifest is the JSON stored under content/active.
type manifest struct {
	Version     string            `json:"version"`
	Label       string            `json:"label"`
	ActivatedAt time.Time         `json:"activated_at"`
	Files       map[string]string `json:"files"` // path -> sha256 hex
	// Unconfirmed: activated but not yet shown by a kiosk start (ConfirmContent); Attempts
	// counts the starts that tried to show it (BeginContentStart).
	Unconfirmed bool `json:"unconfirmed,omitempty"`
	Attempts    int  `json:"attempts,omitempty"`
	// PortalVersion is the content bucket's portal version while this bundle is active, so
	// a rollback to it restores the version the heartbeat reports. Portal: the bundle came
	// from the portal (ActivateBlobs), not from a technician's folder (PutContent), which
	// carries the portal version it found.
	PortalVersion uint64 `json:"portal_version,omitempty"`
	Portal        bool   `json:"portal,omitempty"`
}

// PutContent makes files the active content bundle. Paths are slash-separated
// and must satisfy fs.ValidPath (no ".", no leading "/", no ".." elements, no
// backslashes); a path can't be both a file and a directory.
//
// In ONE transaction it writes the blobs the store lacks, switches the
// manifest (the confirmed bundle it replaces is kept as the previous one, see
// activation.go) and deletes blobs neither manifest references, so after a
// crash either the old or the new bundle is complete and active. Hashing
// happens before the transaction to keep the write lock short. files must not
// be modified during the call. The database file does not shrink when blobs
// are deleted; bbolt reuses the freed pages.
func (s *Store) PutContent(version, label string, files map[string][]byte) error {
	if len(files) == 0 {
		return errors.New("put content: bundle has no files")
	}
	// Building the FS tree validates paths and file/dir conflicts, so a bad
	// bundle is rejected before anything is written.
	if _, err := newMemFS(files, time.Time{}); err != nil {
		return fmt.Errorf("put content %s: %w", version, err)
	}
	m := manifest{
		Version:     version,
		Label:       label,
		ActivatedAt: time.Now().UTC(),
		Files:       make(map[string]string, len(files)),
	}
	byHash := make(map[string][]byte, len(files))
	for p, data := range files {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		m.Files[p] = h
		byHash[h] = data
	}

	err := s.db.Update(func(tx *bolt.Tx) error {
		blobs, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		hashes := make([]string, 0, len(byHash))
		for h := range byHash {
			hashes = append(hashes, h)
		}
		sort.Strings(hashes) // sequential keys make bbolt's page splits cheaper
		for _, h := range hashes {
			// Same key should mean same bytes, but compare anyway (a
			// memcmp against the mmap): re-putting a bundle then repairs a
			// blob that was corrupted on disk.
			if old := blobs.Get([]byte(h)); old != nil && bytes.Equal(old, byHash[h]) {
				continue
			}
			if err := blobs.Put([]byte(h), byHash[h]); err != nil {
				return fmt.Errorf("write blob %s: %w", h, err)
			}
		}
		if m.PortalVersion, err = readPortalVersion(content); err != nil {
			return err
		}
		prev, err := switchManifest(content, &m)
		if err != nil {
			return err
		}
		return deleteAllBut(blobs, func(k []byte) bool {
			_, ok := byHash[string(k)]
			return ok || prev[string(k)]
		})
	})
	if err != nil {
		return fmt.Errorf("put content %s: %w", version, err)
	}
	return nil
}

// ActiveContent returns the active bundle as a read-only fs.FS, or an error
// wrapping ErrNoContent when there is none.
//
// The whole bundle is read and verified in one read transaction and served
// from memory. Why not lazily per Open: one transaction is one consistent
// snapshot (a later PutContent can't delete blobs under a running UI); every
// blob is hash-checked up front, so corruption shows at startup, when the
// caller can still fall back to embedded content, instead of as a broken
// image mid-session; and the FS stays valid after the Store is closed. The
// cost is RAM equal to the bundle size (up to ~100 MB), read once at startup.
//
// A blob that is missing or whose sha256 doesn't match is an error naming the
// file and wrapping ErrCorruptContent.
func (s *Store) ActiveContent() (fs.FS, ContentInfo, error) {
	fsys, info, err := s.readBundle(keyActive)
	if err != nil {
		return nil, ContentInfo{}, fmt.Errorf("active content: %w", err)
	}
	return fsys, info, nil
}

// readBundle reads and verifies the bundle whose manifest is under key.
func (s *Store) readBundle(key string) (fs.FS, ContentInfo, error) {
	var (
		m     manifest
		files map[string][]byte
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		blobs, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		raw := content.Get([]byte(key))
		if raw == nil {
			return ErrNoContent
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("decode manifest: %v: %w", err, ErrCorruptContent)
		}
		files, err = verifiedFiles(m.Files, blobs.Get, ErrCorruptContent)
		return err
	})
	if err != nil {
		return nil, ContentInfo{}, err
	}
	fsys, err := newMemFS(files, m.ActivatedAt)
	if err != nil {
		return nil, ContentInfo{}, fmt.Errorf("manifest: %v: %w", err, ErrCorruptContent)
	}
	info := ContentInfo{Version: m.Version, Label: m.Label, ActivatedAt: m.ActivatedAt, Files: len(files), Unconfirmed: m.Unconfirmed}
	for _, data := range files {
		info.Bytes += int64(len(data))
	}
	return fsys, info, nil
}

// HasBlob reports whether a blob with the given sha256 (lowercase hex) is
// stored, so a sync client can skip downloading it.
func (s *Store) HasBlob(sha string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		blobs, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		ok = blobs.Get([]byte(strings.ToLower(sha))) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("has blob %s: %w", sha, err)
	}
	return ok, nil
}

// verifiedFiles reads each file's blob with get and checks its SHA-256, once per distinct
// blob; a blob get cannot find is reported with missing. The bytes are copied (bbolt memory
// is only valid inside the transaction) before hashing, so what is checked is what is served.
func verifiedFiles(files map[string]string, get func([]byte) []byte, missing error) (map[string][]byte, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths) // the same corruption always gives the same error
	out := make(map[string][]byte, len(files))
	verified := make(map[string][]byte)
	for _, p := range paths {
		h := files[p]
		if data, ok := verified[h]; ok {
			out[p] = data
			continue
		}
		v := get([]byte(h))
		if v == nil {
			return nil, fmt.Errorf("content file %q: blob %s: %w", p, h, missing)
		}
		data := bytes.Clone(v)
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != h {
			return nil, fmt.Errorf("content file %q: blob %s: sha256 mismatch: %w", p, h, ErrCorruptContent)
		}
		verified[h] = data
		out[p] = data
	}
	return out, nil
}

// deleteAllBut deletes every key of b that keep rejects. The keys are collected first:
// deleting under a live cursor makes bbolt's Next skip entries.
func deleteAllBut(b *bolt.Bucket, keep func(k []byte) bool) error {
	var doomed [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if !keep(k) {
			doomed = append(doomed, bytes.Clone(k))
		}
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}
