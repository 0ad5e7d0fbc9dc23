package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The sync client's side of the content store.
//
// A content update from the portal arrives blob by blob. Each downloaded and
// verified blob is committed to the staging bucket (StageBlobs), so a pull that
// is interrupted (power cut, network drop) resumes where it stopped: the next
// pull asks MissingBlobs and downloads only the rest. When every blob is
// present, BlobFS assembles the new bundle for validation and ActivateBlobs
// switches to it in ONE transaction: staged blobs move into the blobs bucket,
// the manifest switches, the portal version is recorded, and unreferenced
// blobs and every leftover staged blob are deleted. Until then the active
// bundle is untouched.

// keyPortalVersion is the content bucket key of the portal manifest version
// last activated (uint64 big-endian). PutContent leaves it alone, so a
// technician's folder does not reset the rollback protection.
const keyPortalVersion = "portal_version"

// keyFailedPortalVersion is the content bucket key of the highest portal version that was
// given up because a kiosk start never showed its first frame (BeginContentStart;
// uint64 big-endian). The sync client skips exactly that version, and it stays part of
// the rollback floor after the portal version goes back to the restored bundle's.
const keyFailedPortalVersion = "failed_portal_version"

// ErrMissingBlob is wrapped by BlobFS and ActivateBlobs when a blob the bundle
// needs is neither stored nor staged.
var ErrMissingBlob = errors.New("content blob missing")

// ErrPortalRollback is wrapped by ActivateBlobs when the portal version is
// lower than the one already activated.
var ErrPortalRollback = errors.New("portal content version is older than the active one")

// PortalVersion returns the version of the last portal manifest activated by
// ActivateBlobs, or 0 when none was. The sync client refuses any manifest
// older than this (a replayed manifest is a rollback attack).
func (s *Store) PortalVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		v, err = readPortalVersion(content)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("portal content version: %w", err)
	}
	return v, nil
}

// FailedPortalVersion returns the highest portal version given up after a failed start
// (see BeginContentStart), or 0 when none was, or a newer version was activated since. The
// sync client skips exactly that version and refuses anything older (rollback floor).
func (s *Store) FailedPortalVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		v, err = readVersion(content, keyFailedPortalVersion)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("failed portal content version: %w", err)
	}
	return v, nil
}

func readPortalVersion(content *bolt.Bucket) (uint64, error) {
	return readVersion(content, keyPortalVersion)
}

func readVersion(content *bolt.Bucket, key string) (uint64, error) {
	raw := content.Get([]byte(key))
	if raw == nil {
		return 0, nil
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("bad %s record (%d bytes)", key, len(raw))
	}
	return binary.BigEndian.Uint64(raw), nil
}

// putVersion writes a version record; 0 deletes it.
func putVersion(content *bolt.Bucket, key string, v uint64) error {
	if v == 0 {
		return content.Delete([]byte(key))
	}
	if err := content.Put([]byte(key), binary.BigEndian.AppendUint64(nil, v)); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

// ActiveFiles returns the active bundle's manifest (path → sha256 hex) without
// reading any blob, or an error wrapping ErrNoContent.
func (s *Store) ActiveFiles() (map[string]string, error) {
	var m manifest
	err := s.db.View(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		raw := content.Get([]byte(keyActive))
		if raw == nil {
			return ErrNoContent
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("decode manifest: %v: %w", err, ErrCorruptContent)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("active content files: %w", err)
	}
	return m.Files, nil
}

// MissingBlobs returns the hashes (lowercase hex) among shas that are neither
// stored nor staged, in the order given, without duplicates.
func (s *Store) MissingBlobs(shas []string) ([]string, error) {
	var missing []string
	err := s.db.View(func(tx *bolt.Tx) error {
		blobs, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		staging, err := bucket(tx, bucketStaging)
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(shas))
		for _, h := range shas {
			if seen[h] {
				continue
			}
			seen[h] = true
			if blobs.Get([]byte(h)) == nil && staging.Get([]byte(h)) == nil {
				missing = append(missing, h)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("missing blobs: %w", err)
	}
	return missing, nil
}

// StageBlobs commits downloaded blobs (sha256 hex → bytes) to the staging
// bucket in one fsynced transaction. Every blob is hashed first; a blob whose
// bytes don't match its key is refused and nothing is written. Blobs already
// stored or staged are skipped.
func (s *Store) StageBlobs(blobs map[string][]byte) error {
	if len(blobs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(blobs))
	for h, data := range blobs {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != h {
			return fmt.Errorf("stage blob %s: sha256 mismatch", h)
		}
		keys = append(keys, h)
	}
	sort.Strings(keys)
	err := s.db.Update(func(tx *bolt.Tx) error {
		stored, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		staging, err := bucket(tx, bucketStaging)
		if err != nil {
			return err
		}
		for _, h := range keys {
			if stored.Get([]byte(h)) != nil || staging.Get([]byte(h)) != nil {
				continue
			}
			if err := staging.Put([]byte(h), blobs[h]); err != nil {
				return fmt.Errorf("write blob %s: %w", h, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stage blobs: %w", err)
	}
	return nil
}

// StagedBlobs returns the number of staged blobs and their total size.
func (s *Store) StagedBlobs() (n int, size int64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		staging, err := bucket(tx, bucketStaging)
		if err != nil {
			return err
		}
		return staging.ForEach(func(_, v []byte) error {
			n++
			size += int64(len(v))
			return nil
		})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("staged blobs: %w", err)
	}
	return n, size, nil
}

// BlobFS assembles a bundle (path → sha256 hex) from stored and staged blobs
// as a read-only in-memory fs.FS, so it can be validated before ActivateBlobs.
// Every blob is hash-checked; a missing one wraps ErrMissingBlob, a corrupt one
// ErrCorruptContent. Paths are checked as PutContent checks them.
func (s *Store) BlobFS(files map[string]string) (fs.FS, error) {
	if len(files) == 0 {
		return nil, errors.New("assemble content: bundle has no files")
	}
	data := make(map[string][]byte, len(files))
	err := s.db.View(func(tx *bolt.Tx) error {
		stored, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		staging, err := bucket(tx, bucketStaging)
		if err != nil {
			return err
		}
		// A blob is either active already or staged by the pull under way.
		get := func(h []byte) []byte {
			if v := stored.Get(h); v != nil {
				return v
			}
			return staging.Get(h)
		}
		data, err = verifiedFiles(files, get, ErrMissingBlob)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assemble content: %w", err)
	}
	fsys, err := newMemFS(data, time.Now().UTC())
	if err != nil {
		return nil, fmt.Errorf("assemble content: %w", err)
	}
	return fsys, nil
}

// ActivateBlobs makes the bundle files (path → sha256 hex) the active content,
// built from blobs already stored or staged. version and label are as for
// PutContent; portalVersion is the portal manifest version, remembered for
// rollback checks (see PortalVersion).
//
// In ONE transaction it checks that every blob is present, moves the staged
// ones into the blobs bucket, switches the manifest (keeping the confirmed one
// it replaces as the previous bundle), records portalVersion, deletes blobs
// neither the new nor the previous manifest references and empties staging. On any
// error nothing changes and the previous bundle stays active. A portalVersion
// lower than the recorded one, or than a version given up after a failed start
// (FailedPortalVersion), wraps ErrPortalRollback: going back to the bundle a
// rollback restored must not reopen the versions in between.
//
// Staged blobs were hash-checked by StageBlobs and the caller is expected to
// have validated the bundle through BlobFS; the transaction does not re-hash
// them, to keep the write lock short.
//
// keep names blobs that are not bundle files but must survive the clean-up: the shards of
// the portal's manifest index, so the next pull fetches only the shards that changed.
func (s *Store) ActivateBlobs(version, label string, portalVersion uint64, files map[string]string, keep ...string) error {
	if len(files) == 0 {
		return errors.New("activate content: bundle has no files")
	}
	// Paths only: the tree is not kept.
	paths := make(map[string][]byte, len(files))
	for p := range files {
		paths[p] = nil
	}
	if _, err := newMemFS(paths, time.Time{}); err != nil {
		return fmt.Errorf("activate content %s: %w", version, err)
	}
	m := manifest{
		Version:       version,
		Label:         label,
		ActivatedAt:   time.Now().UTC(),
		Files:         make(map[string]string, len(files)),
		PortalVersion: portalVersion,
		Portal:        true,
	}
	want := make(map[string]bool, len(files)+len(keep))
	for p, h := range files {
		m.Files[p] = h
		want[h] = true
	}
	for _, h := range keep {
		want[h] = true
	}
	hashes := make([]string, 0, len(want))
	for h := range want {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)

	err := s.db.Update(func(tx *bolt.Tx) error {
		stored, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		staging, err := bucket(tx, bucketStaging)
		if err != nil {
			return err
		}
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		cur, err := readPortalVersion(content)
		if err != nil {
			return err
		}
		failed, err := readVersion(content, keyFailedPortalVersion)
		if err != nil {
			return err
		}
		if floor := max(cur, failed); portalVersion < floor {
			return fmt.Errorf("%w: %d < %d", ErrPortalRollback, portalVersion, floor)
		}
		for _, h := range hashes {
			if stored.Get([]byte(h)) != nil {
				continue
			}
			v := staging.Get([]byte(h))
			if v == nil {
				return fmt.Errorf("blob %s: %w", h, ErrMissingBlob)
			}
			// v points into the mmap; copy it so a remap during the tx cannot
			// pull the bytes from under the new key.
			if err := stored.Put([]byte(h), bytes.Clone(v)); err != nil {
				return fmt.Errorf("write blob %s: %w", h, err)
			}
		}
		prev, err := switchManifest(content, &m)
		if err != nil {
			return err
		}
		if err := putVersion(content, keyPortalVersion, portalVersion); err != nil {
			return err
		}
		if failed != 0 && portalVersion > failed {
			// A newer version replaces the failed one, which is no longer worth reporting;
			// the new version is the floor now.
			if err := putVersion(content, keyFailedPortalVersion, 0); err != nil {
				return err
			}
		}
		if err := deleteAllBut(stored, func(k []byte) bool { return want[string(k)] || prev[string(k)] }); err != nil {
			return err
		}
		// Everything staged is either in blobs now or no longer wanted.
		return deleteAllBut(staging, func([]byte) bool { return false })
	})
	if err != nil {
		return fmt.Errorf("activate content %s: %w", version, err)
	}
	return nil
}
