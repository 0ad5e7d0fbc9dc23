package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keyTrustedTime is the meta bucket key of the latest time the kiosk has reason to trust
// (a signed manifest's creation, the portal's signed time): int64 Unix nanoseconds,
// big-endian. It grows, except when a signed time proves it to be in the future (see
// SetTrustedTime and package trustedtime).
const keyTrustedTime = "trusted_time"

// TrustedTime returns the latest trusted time recorded, or the zero time.
func (s *Store) TrustedTime() (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		t, err = decodeTrusted(meta.Get([]byte(keyTrustedTime)))
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("trusted time: %w", err)
	}
	return t, nil
}

// RaiseTrustedTime records t as the latest trusted time unless a later one is recorded
// already (a monotonic maximum), in one fsynced transaction. It is a no-op without a write
// when t is not later.
func (s *Store) RaiseTrustedTime(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if cur, err := s.TrustedTime(); err == nil && !t.After(cur) {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		cur, err := decodeTrusted(meta.Get([]byte(keyTrustedTime)))
		if err == nil && !t.After(cur) {
			return nil
		}
		return meta.Put([]byte(keyTrustedTime), binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("record trusted time: %w", err)
	}
	return nil
}

// SetTrustedTime records t as the latest trusted time even when it is earlier than the
// recorded one: for a bound that a portal-signed time showed to be in the future.
func (s *Store) SetTrustedTime(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put([]byte(keyTrustedTime), binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("record trusted time: %w", err)
	}
	return nil
}

func decodeTrusted(raw []byte) (time.Time, error) {
	if raw == nil {
		return time.Time{}, nil
	}
	if len(raw) != 8 {
		return time.Time{}, fmt.Errorf("bad trusted time record (%d bytes)", len(raw))
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw))).UTC(), nil
}
