package store

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"

	bolt "go.etcd.io/bbolt"
)

// Safe activation. A newly activated bundle is "unconfirmed" until a kiosk start has shown
// its first frame with it (ConfirmContent). The bundle that was active and confirmed before
// it is kept as the previous bundle, blobs included. A start that finds the active bundle
// unconfirmed although an earlier start already tried it (it crashed or hung before the
// first frame, e.g. out of memory) goes back to the previous bundle (BeginContentStart).

// switchManifest makes m the active manifest in the content bucket and returns the blobs the
// previous bundle needs (to keep in the clean-up). A confirmed active bundle becomes the
// previous one; an unconfirmed one is dropped (it never proved itself), and the same files
// activated again keep their state, so re-activating a folder at each start changes nothing.
func switchManifest(content *bolt.Bucket, m *manifest) (map[string]bool, error) {
	m.Unconfirmed = true
	if raw := content.Get([]byte(keyActive)); raw != nil {
		var old manifest
		if err := json.Unmarshal(raw, &old); err == nil {
			switch {
			case maps.Equal(old.Files, m.Files):
				m.Unconfirmed, m.Attempts = old.Unconfirmed, old.Attempts
			case !old.Unconfirmed:
				if err := content.Put([]byte(keyPrevious), raw); err != nil {
					return nil, fmt.Errorf("write previous manifest: %w", err)
				}
			}
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if err := content.Put([]byte(keyActive), raw); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	keep := map[string]bool{}
	if raw := content.Get([]byte(keyPrevious)); raw != nil {
		var prev manifest
		if err := json.Unmarshal(raw, &prev); err == nil {
			for _, h := range prev.Files {
				keep[h] = true
			}
		}
	}
	return keep, nil
}

// StartCheck is what BeginContentStart found.
type StartCheck struct {
	// RolledBack: the active bundle had already failed a start; the previous bundle is
	// active again. Failed names the one given up.
	RolledBack bool
	// Dropped: the active bundle had already failed a start and there is no previous
	// bundle; the store has no active content now.
	Dropped bool
	Failed  ContentInfo
	// FailedPortalVersion is the portal version of the bundle given up (0: it came from a
	// technician's folder). The sync client skips that version from now on.
	FailedPortalVersion uint64
}

// BeginContentStart is called by the kiosk once per start, before it shows the active
// content. A confirmed bundle is left alone. An unconfirmed one gets its attempt counted; if
// it already had one (that start never reached its first frame), it is given up: the
// previous bundle becomes active again (confirmed), or, with none, the store has no active
// content. Blobs are not deleted here; the next activation cleans up.
func (s *Store) BeginContentStart() (StartCheck, error) {
	var res StartCheck
	err := s.db.Update(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		raw := content.Get([]byte(keyActive))
		if raw == nil {
			return nil
		}
		var m manifest
		if err := json.Unmarshal(raw, &m); err != nil || !m.Unconfirmed {
			return nil // a corrupt manifest is ActiveContent's to report
		}
		if m.Attempts == 0 {
			m.Attempts = 1
			raw, err := json.Marshal(&m)
			if err != nil {
				return err
			}
			return content.Put([]byte(keyActive), raw)
		}
		res.Failed = ContentInfo{Version: m.Version, Label: m.Label, ActivatedAt: m.ActivatedAt, Files: len(m.Files)}
		if m.Portal {
			// Remember the version given up, so the sync client does not install exactly
			// that bundle again (a loop of failed starts) and it stays in the rollback floor.
			res.FailedPortalVersion = m.PortalVersion
			failed, err := readVersion(content, keyFailedPortalVersion)
			if err != nil {
				return err
			}
			if err := putVersion(content, keyFailedPortalVersion, max(failed, m.PortalVersion)); err != nil {
				return err
			}
		}
		prev := content.Get([]byte(keyPrevious))
		if prev == nil {
			res.Dropped = true
			if m.Portal {
				// No portal bundle is active now: report none, so fleet sees the kiosk
				// behind and the next published version is installed.
				if err := putVersion(content, keyPortalVersion, 0); err != nil {
					return err
				}
			}
			return content.Delete([]byte(keyActive))
		}
		res.RolledBack = true
		// The heartbeat reports the version shown again, not the failed one. A technician's
		// folder left the portal version alone, so its failure changes nothing. (A previous
		// manifest stored before versions were kept gives 0, unknown; the failed version
		// still holds the rollback floor.)
		var pm manifest
		if err := json.Unmarshal(prev, &pm); err == nil && m.Portal {
			if err := putVersion(content, keyPortalVersion, pm.PortalVersion); err != nil {
				return err
			}
		}
		if err := content.Put([]byte(keyActive), prev); err != nil {
			return err
		}
		return content.Delete([]byte(keyPrevious))
	})
	if err != nil {
		return StartCheck{}, fmt.Errorf("content start: %w", err)
	}
	return res, nil
}

// UndoContentStart takes back the attempt BeginContentStart counted, for a start that ended
// for a reason that says nothing about the content (no display yet).
func (s *Store) UndoContentStart() error {
	return s.updateActive(func(m *manifest) bool {
		if !m.Unconfirmed || m.Attempts == 0 {
			return false
		}
		m.Attempts--
		return true
	})
}

// ConfirmContent marks the active bundle as shown: the kiosk drew its first frame with it.
// From now on it is the bundle the next activation keeps as the previous one.
func (s *Store) ConfirmContent() error {
	return s.updateActive(func(m *manifest) bool {
		if !m.Unconfirmed {
			return false
		}
		m.Unconfirmed, m.Attempts = false, 0
		return true
	})
}

// updateActive rewrites the active manifest when change says it changed it.
func (s *Store) updateActive(change func(*manifest) bool) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		raw := content.Get([]byte(keyActive))
		if raw == nil {
			return nil
		}
		var m manifest
		if err := json.Unmarshal(raw, &m); err != nil || !change(&m) {
			return nil
		}
		raw, err = json.Marshal(&m)
		if err != nil {
			return err
		}
		return content.Put([]byte(keyActive), raw)
	})
	if err != nil {
		return fmt.Errorf("update content state: %w", err)
	}
	return nil
}

// PreviousContent returns the previous good bundle, as ActiveContent returns the active one
// (an error wrapping ErrNoContent when there is none).
func (s *Store) PreviousContent() (fs.FS, ContentInfo, error) {
	fsys, info, err := s.readBundle(keyPrevious)
	if err != nil {
		return nil, ContentInfo{}, fmt.Errorf("previous content: %w", err)
	}
	return fsys, info, nil
}

// SetOffice remembers the municipality's details (name, address, hours; the caller's
// encoding) so the kiosk can tell residents where to go even when no content is readable.
func (s *Store) SetOffice(raw []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		return content.Put([]byte(keyOffice), raw)
	})
	if err != nil {
		return fmt.Errorf("remember office: %w", err)
	}
	return nil
}

// Office returns what SetOffice stored; nil when nothing was.
func (s *Store) Office() ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		content, err := bucket(tx, bucketContent)
		if err != nil {
			return err
		}
		if v := content.Get([]byte(keyOffice)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("office: %w", err)
	}
	return out, nil
}
