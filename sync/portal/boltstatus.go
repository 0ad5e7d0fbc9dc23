package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The status buckets of portal.db (StatusStore), set up by setUpStatus on every read-write
// open, so the schema version stays as it was:
//
//	statuses  submission ID 0x00 seq (8 bytes BE) -> JSON Status   (every change, in order)
//	refindex  CanonicalRef(ref) 0x00 municipality 0x00 arrival seq (8 bytes BE) -> submission ID
//
// meta "refs_indexed" = "1" once refindex holds every stored submission: a store from before
// the index gets it built once, in the open's transaction.
const (
	bStatuses = "statuses"
	bRefIndex = "refindex"
)

// setUpStatus makes the status buckets and indexes the references of submissions stored
// before the index existed.
func setUpStatus(tx *bolt.Tx) error {
	for _, name := range []string{bStatuses, bRefIndex} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket([]byte(bMeta))
	if string(meta.Get([]byte("refs_indexed"))) == "1" {
		return nil
	}
	subs := tx.Bucket([]byte(bSubmissions))
	c := tx.Bucket([]byte(bArrivals)).Cursor()
	for k, id := c.First(); k != nil; k, id = c.Next() {
		muni, seq, ok := bytes.Cut(k, []byte{0})
		if !ok || len(seq) != 8 {
			return fmt.Errorf("%w: arrival key %q", ErrCorrupt, k)
		}
		r, found, err := getRecordMeta(subs, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: arrivals name missing submission %s", ErrCorrupt, id)
		}
		if err := indexRef(tx, r.Ref, string(muni), seq, r.ID); err != nil {
			return err
		}
	}
	return meta.Put([]byte("refs_indexed"), []byte("1"))
}

// indexRef records that the submission id of municipality, arrived as seq, has reference ref.
func indexRef(tx *bolt.Tx, ref, municipality string, seq []byte, id string) error {
	k := key([]byte(CanonicalRef(ref)), []byte(municipality), seq)
	return tx.Bucket([]byte(bRefIndex)).Put(k, []byte(id))
}

// getRecordMeta decodes a stored submission without its ciphertext, which can be megabytes
// and is never needed for its status.
func getRecordMeta(subs *bolt.Bucket, id []byte) (Record, bool, error) {
	raw := subs.Get(id)
	if raw == nil {
		return Record{}, false, nil
	}
	var r struct {
		Record
		Ciphertext json.RawMessage `json:"ciphertext"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Record{}, true, fmt.Errorf("decode submission %s: %w", id, err)
	}
	out := r.Record
	out.CiphertextSize = base64Len(r.Ciphertext)
	return out, true, nil
}

// base64Len is the decoded length of a JSON string of standard base64 ("null": 0).
func base64Len(raw json.RawMessage) int {
	if len(raw) < 2 || raw[0] != '"' {
		return 0
	}
	s := raw[1 : len(raw)-1]
	n := len(s) / 4 * 3
	for i := len(s) - 1; i >= 0 && s[i] == '='; i-- {
		n--
	}
	return n
}

// ownRecord is the municipality's submission id, or ErrNotFound (also for another
// municipality's: a caller cannot tell it from an unknown one).
func ownRecord(tx *bolt.Tx, municipality, id string) (Record, error) {
	r, ok, err := getRecordMeta(tx.Bucket([]byte(bSubmissions)), []byte(id))
	if err != nil {
		return Record{}, err
	}
	if !ok || r.Municipality != municipality {
		return Record{}, fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
	}
	return r, nil
}

// SetStatus implements StatusStore.
func (b *Bolt) SetStatus(ctx context.Context, municipality, id string, s Status) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.At = s.At.UTC()
	return b.update(ctx, func(tx *bolt.Tx) error {
		r, err := ownRecord(tx, municipality, id)
		if err != nil {
			return err
		}
		bk := tx.Bucket([]byte(bStatuses))
		seq, err := bk.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(bk, key([]byte(id), u64(seq)), s); err != nil {
			return err
		}
		return setInboxStatus(tx, r, s.Code) // boltinbox.go
	})
}

// statusHistory reads the statuses set on id, oldest first.
func statusHistory(tx *bolt.Tx, id string) ([]Status, error) {
	var out []Status
	prefix := append([]byte(id), 0)
	c := tx.Bucket([]byte(bStatuses)).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var s Status
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("decode status %q: %w", k, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// StatusOf implements StatusStore.
func (b *Bolt) StatusOf(ctx context.Context, municipality, id string) (Status, error) {
	var s Status
	err := b.view(ctx, func(tx *bolt.Tx) error {
		r, err := ownRecord(tx, municipality, id)
		if err != nil {
			return err
		}
		s, err = latestStatus(tx, r) // boltinbox.go
		return err
	})
	return s, err
}

// StatusHistory implements StatusStore.
func (b *Bolt) StatusHistory(ctx context.Context, municipality, id string) ([]Status, error) {
	var out []Status
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if _, err := ownRecord(tx, municipality, id); err != nil {
			return err
		}
		var err error
		out, err = statusHistory(tx, id)
		return err
	})
	return out, err
}

// SubmissionsByRef implements StatusStore.
func (b *Bolt) SubmissionsByRef(ctx context.Context, municipality, ref string) ([]Record, error) {
	prefix := append([]byte(CanonicalRef(ref)), 0)
	if municipality != "" {
		prefix = append(append(prefix, municipality...), 0)
	}
	var out []Record
	err := b.view(ctx, func(tx *bolt.Tx) error {
		subs := tx.Bucket([]byte(bSubmissions))
		c := tx.Bucket([]byte(bRefIndex)).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
			r, ok, err := getRecordMeta(subs, id)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: reference index names missing submission %s", ErrCorrupt, id)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
