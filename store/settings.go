package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Setting returns the device setting stored under key; ok is false when the
// key was never set.
func (s *Store) Setting(key string) (value string, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSettings)
		if err != nil {
			return err
		}
		// string() copies: bbolt's slice is only valid inside the tx.
		if raw := b.Get([]byte(key)); raw != nil {
			value, ok = string(raw), true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("read setting %q: %w", key, err)
	}
	return value, ok, nil
}

// SetSetting stores a device setting. It is durable when it returns nil (one
// fsynced transaction).
func (s *Store) SetSetting(key, value string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSettings)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("write setting %q: %w", key, err)
	}
	return nil
}

// bucket returns a top-level bucket; they all exist after Open, so a missing
// one means the file was changed behind our back.
func bucket(tx *bolt.Tx, name string) (*bolt.Bucket, error) {
	b := tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("bucket %q missing", name)
	}
	return b, nil
}

// Settings returns every stored device setting.
func (s *Store) Settings() (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSettings)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	return out, nil
}
