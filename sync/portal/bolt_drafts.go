package portal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The draft buckets of portal.db (DraftStore), created on every read-write open by
// setUpDrafts so the schema version stays as it was:
//
//	drafts       municipality -> JSON draftHead (revision, when, by whom)
//	draftfiles   municipality 0x00 path -> bytes
//	importstate  municipality -> the importer's state
//
// A draft's files and its head change in one transaction, so a reader never sees files of
// one revision under another's number.
const (
	bDrafts      = "drafts"
	bDraftFiles  = "draftfiles"
	bImportState = "importstate"
)

type draftHead struct {
	Revision  uint64    `json:"revision"`
	Updated   time.Time `json:"updated"`
	UpdatedBy string    `json:"updated_by"`
}

func setUpDrafts(tx *bolt.Tx) error {
	for _, name := range []string{bDrafts, bDraftFiles, bImportState} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// Draft implements DraftStore.
func (b *Bolt) Draft(ctx context.Context, municipality string) (Draft, error) {
	d := Draft{Municipality: municipality}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var h draftHead
		found, err := getJSON(tx.Bucket([]byte(bDrafts)), []byte(municipality), &h)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		d.Revision, d.Updated, d.UpdatedBy = h.Revision, h.Updated, h.UpdatedBy
		d.Files = map[string][]byte{}
		prefix := append([]byte(municipality), 0)
		c := tx.Bucket([]byte(bDraftFiles)).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			d.Files[string(k[len(prefix):])] = bytes.Clone(v)
		}
		return nil
	})
	return d, err
}

// DraftHead implements DraftStore.
func (b *Bolt) DraftHead(ctx context.Context, municipality string) (Draft, error) {
	d := Draft{Municipality: municipality}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var h draftHead
		found, err := getJSON(tx.Bucket([]byte(bDrafts)), []byte(municipality), &h)
		if err == nil && !found {
			err = ErrNotFound
		}
		d.Revision, d.Updated, d.UpdatedBy = h.Revision, h.Updated, h.UpdatedBy
		return err
	})
	return d, err
}

// UpdateDraft implements DraftStore.
func (b *Bolt) UpdateDraft(ctx context.Context, municipality string, base uint64, changes map[string][]byte, by string, at time.Time) (uint64, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return 0, err
	}
	for p := range changes {
		if !fs.ValidPath(p) || p == "." {
			return 0, fmt.Errorf("draft file %q: not a path inside a bundle", p)
		}
	}
	var rev uint64
	err := b.update(ctx, func(tx *bolt.Tx) error {
		heads := tx.Bucket([]byte(bDrafts))
		var h draftHead
		if _, err := getJSON(heads, []byte(municipality), &h); err != nil {
			return err
		}
		if h.Revision != base {
			return fmt.Errorf("%w: at revision %d, not %d", ErrDraftChanged, h.Revision, base)
		}
		files := tx.Bucket([]byte(bDraftFiles))
		for p, data := range changes {
			k := key([]byte(municipality), []byte(p))
			var err error
			if data == nil {
				err = files.Delete(k)
			} else {
				err = files.Put(k, data)
			}
			if err != nil {
				return fmt.Errorf("draft file %s: %w", p, err)
			}
		}
		h = draftHead{Revision: h.Revision + 1, Updated: at.UTC(), UpdatedBy: by}
		rev = h.Revision
		return putJSON(heads, []byte(municipality), h)
	})
	return rev, err
}

// ImportState implements DraftStore.
func (b *Bolt) ImportState(ctx context.Context, municipality string) ([]byte, error) {
	var out []byte
	err := b.view(ctx, func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket([]byte(bImportState)).Get([]byte(municipality)))
		return nil
	})
	return out, err
}

// PutImportState implements DraftStore.
func (b *Bolt) PutImportState(ctx context.Context, municipality string, state []byte) error {
	if err := ValidMunicipality(municipality); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bImportState)).Put([]byte(municipality), state)
	})
}

// ImportingMunicipalities implements DraftStore.
func (b *Bolt) ImportingMunicipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bImportState)).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Manifests implements ContentStore.
func (b *Bolt) Manifests(ctx context.Context, municipality string) ([]Published, error) {
	var out []Published
	err := b.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(municipality), 0)
		c := tx.Bucket([]byte(bManifests)).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+8 {
				return fmt.Errorf("%w: manifest key %q", ErrCorrupt, k)
			}
			p := Published{Version: binary.BigEndian.Uint64(k[len(prefix):])}
			if err := json.Unmarshal(v, &p.Signed); err != nil {
				return fmt.Errorf("manifest %d of %s: %w", p.Version, municipality, err)
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
