package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"infomat/boltfile"
)

// SalvageContent makes the active content bundle of the corrupt, moved-aside database at
// asidePath (opened read-only, never changed) the active bundle of s, with its portal
// version, so a provisioned kiosk keeps its last good signed content. It does so only when
// s has no active bundle yet and the old one is complete: its manifest decodes and every
// blob is present and matches its sha256. The trusted time recorded in the old file is
// carried over too (the maximum is kept). It reports whether content was taken over.
//
// Signature and expiry were checked when the bundle was installed; the caller still loads
// it with content.Load like any stored bundle.
func (s *Store) SalvageContent(asidePath string) (bool, error) {
	var (
		m        manifest
		raw      []byte
		files    map[string][]byte
		portal   uint64
		trusted  time.Time
		complete bool
	)
	err := boltfile.View(asidePath, func(tx *bolt.Tx) error {
		if meta := tx.Bucket([]byte(bucketMeta)); meta != nil {
			trusted, _ = decodeTrusted(meta.Get([]byte(keyTrustedTime)))
		}
		content := tx.Bucket([]byte(bucketContent))
		blobs := tx.Bucket([]byte(bucketBlobs))
		if content == nil || blobs == nil {
			return nil
		}
		raw = append([]byte(nil), content.Get([]byte(keyActive))...)
		if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || len(m.Files) == 0 {
			return nil
		}
		var err error
		if files, err = verifiedFiles(m.Files, blobs.Get, ErrCorruptContent); err != nil {
			return nil // incomplete: not worth keeping
		}
		if portal, err = readPortalVersion(content); err != nil {
			return nil
		}
		complete = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("salvage content from %s: %w", asidePath, err)
	}
	if !trusted.IsZero() {
		if err := s.RaiseTrustedTime(trusted); err != nil {
			return false, fmt.Errorf("salvage content: %w", err)
		}
	}
	if !complete {
		return false, nil
	}
	if _, err := newMemFS(files, m.ActivatedAt); err != nil {
		return false, nil
	}
	took := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		blobs, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		if content.Get([]byte(keyActive)) != nil {
			return nil // the new store has content of its own already
		}
		for p, h := range m.Files {
			if blobs.Get([]byte(h)) != nil {
				continue
			}
			if err := blobs.Put([]byte(h), files[p]); err != nil {
				return fmt.Errorf("write blob %s: %w", h, err)
			}
		}
		if err := content.Put([]byte(keyActive), raw); err != nil {
			return fmt.Errorf("write manifest: %w", err)
		}
		if portal > 0 {
			if err := content.Put([]byte(keyPortalVersion), binary.BigEndian.AppendUint64(nil, portal)); err != nil {
				return fmt.Errorf("write portal version: %w", err)
			}
		}
		took = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("salvage content from %s: %w", asidePath, err)
	}
	return took, nil
}
