package portal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"infomat/boltfile"
)

// A backup of a bbolt portal is a snapshot of portal.db taken in one read transaction
// (Snapshot): bbolt writes the pages that transaction sees, so the copy is consistent while
// the portal keeps serving and writing. `infomat-portal backup` takes it directly when no
// serve holds the store, or through the serving portal's admin socket (GET snapshot), and
// checks the copy with InspectSnapshot before it calls it a backup.

// Snapshot writes a consistent copy of the whole database to w and returns its size. It is
// one read transaction: writers go on meanwhile, except one that must grow the file's memory
// map, which waits for the copy to finish (bbolt remaps only with no transaction open).
func (b *Bolt) Snapshot(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("snapshot %s: %w", b.path, err)
	}
	return n, nil
}

// ctxWriter stops a long copy when ctx is done (the operator pressed Ctrl-C, the admin
// client went away).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// SnapshotInfo is what a snapshot holds, counted in the file itself.
type SnapshotInfo struct {
	Schema         int `json:"schema"`
	Devices        int `json:"devices"`
	Submissions    int `json:"submissions"`
	Manifests      int `json:"manifests"` // every published version, of all municipalities
	Municipalities int `json:"municipalities"`
	Users          int `json:"users"` // the panel's accounts
}

// InspectSnapshot opens the bbolt file at path read-only, runs bbolt's check of every page
// and counts what the file holds. Damage gives an error wrapping ErrCorrupt; a file that is
// not a portal's database (no devices or manifests bucket) is refused too.
func InspectSnapshot(ctx context.Context, path string) (SnapshotInfo, error) {
	db, _, err := boltfile.Open(ctx, path, boltfile.Options{ReadOnly: true})
	var corrupt *boltfile.CorruptError
	switch {
	case errors.As(err, &corrupt):
		return SnapshotInfo{}, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, corrupt.Cause)
	case err != nil:
		return SnapshotInfo{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	if err := boltfile.Check(db); err != nil {
		if errors.As(err, &corrupt) {
			return SnapshotInfo{}, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, corrupt.Cause)
		}
		return SnapshotInfo{}, fmt.Errorf("check %s: %w", path, err)
	}
	var info SnapshotInfo
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{bMeta, bDevices, bManifests, bSubmissions} {
			if tx.Bucket([]byte(name)) == nil {
				return fmt.Errorf("%s: not a portal database (no %s bucket)", path, name)
			}
		}
		info.Schema, _ = strconv.Atoi(string(tx.Bucket([]byte(bMeta)).Get([]byte(boltfile.VersionKey))))
		count := func(name string) int {
			if bk := tx.Bucket([]byte(name)); bk != nil {
				return bk.Stats().KeyN
			}
			return 0
		}
		info.Devices = count(bDevices)
		info.Submissions = count(bSubmissions)
		info.Manifests = count(bManifests)
		info.Users = count(bUsers)
		// Keys are municipality 0x00 version, so one municipality's are together.
		var last []byte
		return tx.Bucket([]byte(bManifests)).ForEach(func(k, _ []byte) error {
			m, _, _ := bytes.Cut(k, []byte{0})
			if last == nil || !bytes.Equal(m, last) {
				info.Municipalities++
				last = bytes.Clone(m)
			}
			return nil
		})
	})
	return info, err
}
