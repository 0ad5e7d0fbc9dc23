package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
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
	err := readOnlyView(asidePath, func(tx *bolt.Tx) error {
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

// readOnlyView runs fn in a read transaction on the bbolt file at path, opened read-only,
// with faults and bbolt panics (which a corrupt file causes) turned into an error.
func readOnlyView(path string, fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fault reading corrupt file: %v", r)
		}
	}()
	db, done, err := OpenReadOnly(path)
	if err != nil {
		return err
	}
	defer done()
	return db.View(fn)
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
	tmp, err := copyFile(path, path+".salvage-tmp")
	if err != nil {
		return nil, nil, fmt.Errorf("open read-only: file is locked; copy: %w", err)
	}
	db, err = bolt.Open(tmp, 0o400, &bolt.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if err != nil {
		_ = os.Remove(tmp)
		return nil, nil, fmt.Errorf("open read-only copy: %w", err)
	}
	return db, func() { _ = db.Close(); _ = os.Remove(tmp) }, nil
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
