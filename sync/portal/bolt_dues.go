package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The dues buckets of portal.db (DuesStore), created on every read-write open by setUpDues:
//
//	duessets     municipality -> JSON DuesSet (the head, without entries)
//	duesrecords  municipality 0x00 taxpayer key -> sealed record
//	duescodes    municipality 0x00 code key -> taxpayer key
//	duescards    municipality 0x00 card key -> JSON DuesCard
//	duesfail     subject -> JSON DuesFailures
//
// Keys are HMACs (DuesKeys), values sealed: nothing in the file names anyone. A replacement
// is one transaction: the old records and codes go and the new ones come together.
const (
	bDuesSets    = "duessets"
	bDuesRecords = "duesrecords"
	bDuesCodes   = "duescodes"
	bDuesCards   = "duescards"
	bDuesFail    = "duesfail"
)

func setUpDues(tx *bolt.Tx) error {
	for _, name := range []string{bDuesSets, bDuesRecords, bDuesCodes, bDuesCards, bDuesFail} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

var _ DuesStore = (*Bolt)(nil)

// deletePrefix removes every key of bk starting with prefix.
func deletePrefix(bk *bolt.Bucket, prefix []byte) error {
	c := bk.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceDues implements DuesStore.
func (b *Bolt) ReplaceDues(ctx context.Context, set DuesSet) error {
	if err := ValidMunicipality(set.Municipality); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(set.Municipality), 0)
		records, codes := tx.Bucket([]byte(bDuesRecords)), tx.Bucket([]byte(bDuesCodes))
		if err := deletePrefix(records, prefix); err != nil {
			return err
		}
		if err := deletePrefix(codes, prefix); err != nil {
			return err
		}
		for _, e := range set.Entries {
			if err := records.Put(key([]byte(set.Municipality), e.Taxpayer), e.Sealed); err != nil {
				return err
			}
			for _, c := range e.Codes {
				if err := codes.Put(key([]byte(set.Municipality), c), e.Taxpayer); err != nil {
					return err
				}
			}
		}
		head := set
		head.Entries = nil
		return putJSON(tx.Bucket([]byte(bDuesSets)), []byte(set.Municipality), head)
	})
}

// DuesStatus implements DuesStore.
func (b *Bolt) DuesStatus(ctx context.Context, municipality string) (DuesSet, error) {
	var set DuesSet
	err := b.view(ctx, func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket([]byte(bDuesSets)), []byte(municipality), &set)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	return set, err
}

// DuesByCode implements DuesStore.
func (b *Bolt) DuesByCode(ctx context.Context, municipality string, code []byte) (taxpayer, sealed []byte, err error) {
	err = b.view(ctx, func(tx *bolt.Tx) error {
		tp := tx.Bucket([]byte(bDuesCodes)).Get(key([]byte(municipality), code))
		if tp == nil {
			return ErrNotFound
		}
		s := tx.Bucket([]byte(bDuesRecords)).Get(key([]byte(municipality), tp))
		if s == nil {
			return fmt.Errorf("%w: dues code without its record", ErrCorrupt)
		}
		taxpayer, sealed = bytes.Clone(tp), bytes.Clone(s)
		return nil
	})
	return taxpayer, sealed, err
}

// DuesByTaxpayer implements DuesStore.
func (b *Bolt) DuesByTaxpayer(ctx context.Context, municipality string, taxpayer []byte) ([]byte, error) {
	var sealed []byte
	err := b.view(ctx, func(tx *bolt.Tx) error {
		s := tx.Bucket([]byte(bDuesRecords)).Get(key([]byte(municipality), taxpayer))
		if s == nil {
			return ErrNotFound
		}
		sealed = bytes.Clone(s)
		return nil
	})
	return sealed, err
}

// PutDuesCard implements DuesStore.
func (b *Bolt) PutDuesCard(ctx context.Context, c DuesCard) error {
	if err := ValidMunicipality(c.Municipality); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket([]byte(bDuesCards)), key([]byte(c.Municipality), c.Card), c)
	})
}

// DuesCard implements DuesStore.
func (b *Bolt) DuesCard(ctx context.Context, municipality string, card []byte) (DuesCard, error) {
	var c DuesCard
	err := b.view(ctx, func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket([]byte(bDuesCards)), key([]byte(municipality), card), &c)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	return c, err
}

// RecordDuesFailure implements DuesStore.
func (b *Bolt) RecordDuesFailure(ctx context.Context, subject string, now time.Time, lim DuesLimit) (DuesFailures, error) {
	var f DuesFailures
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bDuesFail))
		f = DuesFailures{}
		if _, err := getJSON(bk, []byte(subject), &f); err != nil {
			return err
		}
		f = f.next(now.UTC(), lim)
		return putJSON(bk, []byte(subject), f)
	})
	return f, err
}

// DuesFailures implements DuesStore.
func (b *Bolt) DuesFailures(ctx context.Context, subject string) (DuesFailures, error) {
	var f DuesFailures
	err := b.view(ctx, func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket([]byte(bDuesFail)), []byte(subject), &f)
		return err
	})
	return f, err
}

// ResetDuesFailures implements DuesStore.
func (b *Bolt) ResetDuesFailures(ctx context.Context, subject string) error {
	return b.update(ctx, func(tx *bolt.Tx) error { return tx.Bucket([]byte(bDuesFail)).Delete([]byte(subject)) })
}

// PurgeDues implements DuesStore.
func (b *Bolt) PurgeDues(ctx context.Context, now time.Time) ([]string, error) {
	var gone []string
	err := b.update(ctx, func(tx *bolt.Tx) error {
		gone = nil
		sets := tx.Bucket([]byte(bDuesSets))
		var expired []string
		err := sets.ForEach(func(k, v []byte) error {
			var s DuesSet
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("dues set %s: %w", k, err)
			}
			if !now.Before(s.Expires) {
				expired = append(expired, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range expired {
			prefix := append([]byte(m), 0)
			if err := deletePrefix(tx.Bucket([]byte(bDuesRecords)), prefix); err != nil {
				return err
			}
			if err := deletePrefix(tx.Bucket([]byte(bDuesCodes)), prefix); err != nil {
				return err
			}
			if err := sets.Delete([]byte(m)); err != nil {
				return err
			}
			gone = append(gone, m)
		}
		fail := tx.Bucket([]byte(bDuesFail))
		var stale [][]byte
		err = fail.ForEach(func(k, v []byte) error {
			var f DuesFailures
			if json.Unmarshal(v, &f) != nil || !now.Before(f.Expires) {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := fail.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return gone, err
}
