package boltfile

import (
	"fmt"
	"runtime/debug"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// VersionKey is the key of the schema version (a decimal string) in Schema.Meta.
const VersionKey = "schema_version"

// Schema is the layout a file's owner writes: one bucket per concern and a version number.
//
// To add a concern, add its bucket to Buckets (created on every Open). Bump Version only
// when existing data has to be rewritten, and migrate in Migrate; new buckets alone don't
// need it.
type Schema struct {
	// Buckets are created when missing. Meta must be one of them.
	Buckets []string
	// Meta is the bucket that holds VersionKey.
	Meta string
	// Version is the layout this code writes.
	Version int
	// Migrate, when set, runs in the same transaction once the buckets exist and the
	// stored version (0 for a new file) is known not to be newer than Version.
	// Migrations that are not version bumps keep their own markers in Meta.
	Migrate func(tx *bolt.Tx, stored int) error
}

// setUp creates missing buckets, refuses a file written by a newer version, migrates and
// records the version, in one transaction.
func (s *Schema) setUp(db *bolt.DB) (err error) {
	// The check ran before; this only guards against a fault it could not see.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &CorruptError{Cause: fmt.Errorf("bbolt panicked: %v", r)}
		}
	}()
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range s.Buckets {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %q: %w", name, err)
			}
		}
		meta := tx.Bucket([]byte(s.Meta))
		if meta == nil {
			return fmt.Errorf("schema: meta bucket %q is not among the buckets", s.Meta)
		}
		stored := 0
		if raw := meta.Get([]byte(VersionKey)); raw != nil {
			v, err := strconv.Atoi(string(raw))
			if err != nil {
				return fmt.Errorf("bad schema version %q: %w", raw, err)
			}
			if v > s.Version {
				// Written by a newer version (downgrade). Not corruption: keep the file
				// and refuse, rather than misread it.
				return fmt.Errorf("database schema version %d is newer than supported version %d", v, s.Version)
			}
			stored = v
		}
		if s.Migrate != nil {
			if err := s.Migrate(tx, stored); err != nil {
				return fmt.Errorf("migrate from schema version %d: %w", stored, err)
			}
		}
		if stored == s.Version {
			return nil
		}
		return meta.Put([]byte(VersionKey), []byte(strconv.Itoa(s.Version)))
	})
}
