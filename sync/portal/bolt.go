package portal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"infomat/boltfile"
	"infomat/sync/protocol"
)

// FileName is the portal's database file inside its data directory.
const FileName = "portal.db"

// Bucket layout of portal.db, one bucket per concern (the conventions of infomat/store):
//
//	meta        schema_version -> decimal string
//	tokens      sha256(token) -> JSON Token
//	devices     device ID -> JSON Device
//	keys        municipality -> ed25519 private key (64 bytes)
//	blobs       sha256 hex -> bytes
//	blobrefs    municipality 0x00 sha256 hex -> first manifest version (8 bytes BE)
//	manifests   municipality 0x00 version (8 bytes BE) -> JSON SignedManifest
//	submissions submission ID -> JSON Record
//	arrivals    municipality 0x00 arrival seq (8 bytes BE) -> submission ID   (all, in order)
//	pending     municipality 0x00 arrival seq (8 bytes BE) -> submission ID   (not yet exported)
//	counters    municipality 0x00 year -> last portal reference number (8 bytes BE)
//	heartbeats  device ID -> JSON []Beat (the last HeartbeatHistory)
//	quarantine  municipality 0x00 arrival seq (8 bytes BE) -> submission ID   (set aside by an export)
//	usage       device ID -> ciphertext bytes neither exported nor quarantined (8 bytes BE), for the quota
//
// A submission's arrival key is in at most one of pending and quarantine.
//
// Durability: every write method is one bbolt read-write transaction, fsynced on commit with
// bbolt's defaults (do not set NoSync). The hot writes (enrolment, submissions, heartbeats)
// go through bbolt's Batch: concurrent callers share one transaction and one fsync, and each
// returns only after that commit, so "returned nil means on disk" still holds; their
// functions touch nothing but the transaction, so Batch may safely re-run them.
//
// Opening, the check of every page before serving, and the refusal of a damaged file are
// package boltfile's (policy Refuse), as for the kiosk's store.
const (
	bMeta        = "meta"
	bTokens      = "tokens"
	bDevices     = "devices"
	bKeys        = "keys"
	bBlobs       = "blobs"
	bBlobRefs    = "blobrefs"
	bManifests   = "manifests"
	bSubmissions = "submissions"
	bArrivals    = "arrivals"
	bPending     = "pending"
	bCounters    = "counters"
	bHeartbeats  = "heartbeats"
	bQuarantine  = "quarantine"
	bUsage       = "usage"
)

var allBuckets = []string{bMeta, bTokens, bDevices, bKeys, bBlobs, bBlobRefs, bManifests,
	bSubmissions, bArrivals, bPending, bCounters, bHeartbeats, bQuarantine, bUsage}

const schemaVersion = 1

// usageCounted marks a store whose quota was counted the current way: "1" counted
// quarantined submissions too, so such a store is counted again.
const usageCounted = "2"

// schema is set up on every read-write OpenBolt; its migration counts the quota of a store
// from before the quota, or from before quarantined submissions stopped counting.
var schema = boltfile.Schema{Buckets: allBuckets, Meta: bMeta, Version: schemaVersion,
	Migrate: func(tx *bolt.Tx, _ int) error {
		if err := setUpStatus(tx); err != nil { // boltstatus.go
			return err
		}
		if err := setUpInbox(tx); err != nil { // boltinbox.go
			return err
		}
		if err := setUpDrafts(tx); err != nil { // bolt_drafts.go
			return err
		}
		if err := setUpDues(tx); err != nil { // bolt_dues.go
			return err
		}
		meta := tx.Bucket([]byte(bMeta))
		if string(meta.Get([]byte("usage_counted"))) == usageCounted {
			return nil
		}
		if err := countUsage(tx); err != nil {
			return err
		}
		return meta.Put([]byte("usage_counted"), []byte(usageCounted))
	}}

// BoltOptions tune OpenBolt.
type BoltOptions struct {
	// MoveCorruptAside makes OpenBolt rename a corrupt portal.db to
	// portal.db.corrupt-YYYYMMDD-HHMMSS and start an empty one. Off by default: unlike a
	// kiosk, the portal cannot re-sync what it loses (signing keys, device credentials,
	// submissions not yet exported), so an operator decides.
	MoveCorruptAside bool
	// ForCheck opens the file read-only, without the check of every page at open and
	// without touching the schema, for `infomat-portal check`, which runs Bolt.Check itself
	// to print what it finds, and for `infomat-portal backup` (a shared lock, nothing
	// written). Such a Bolt is only good for Check and Snapshot.
	ForCheck bool
}

// Bolt is the bbolt Storage: DIR/portal.db.
type Bolt struct {
	db   *bolt.DB
	path string
	// Aside is where a corrupt file was moved by OpenBolt with MoveCorruptAside ("" if not).
	Aside string
}

var _ Storage = (*Bolt)(nil)

// OpenBolt opens (creating 0700/0600 when missing) DIR/portal.db with package boltfile.
// Another process holding it makes OpenBolt give up after about 2 s with an error wrapping
// ErrLocked. A file bbolt rejects as invalid, or one whose pages fail bbolt's consistency
// check (unless opts.ForCheck), gives an error wrapping ErrCorrupt unless
// opts.MoveCorruptAside: the portal must not start serving on a damaged file.
func OpenBolt(ctx context.Context, dir string, opts BoltOptions) (*Bolt, error) {
	path := filepath.Join(dir, FileName)
	bo := boltfile.Options{ReadOnly: opts.ForCheck}
	if opts.MoveCorruptAside {
		bo.OnCorrupt = boltfile.MoveAside
	}
	if !opts.ForCheck {
		bo.Schema = &schema
	}
	db, rec, err := boltfile.Open(ctx, path, bo)
	var corrupt *boltfile.CorruptError
	switch {
	case err == nil:
	case errors.Is(err, boltfile.ErrLocked):
		return nil, fmt.Errorf("open portal store: another infomat-portal is already using the data directory %s (stop it first): %w", dir, ErrLocked)
	case errors.As(err, &corrupt):
		return nil, fmt.Errorf("open portal store %s: %w: %v; restore it from a backup, or move it aside to start empty (devices must then re-enrol and manifests are signed with new keys)", path, ErrCorrupt, corrupt.Cause)
	default:
		return nil, fmt.Errorf("open portal store %s: %w", path, err)
	}
	b := &Bolt{db: db, path: path}
	if rec != nil {
		b.Aside = rec.AsidePath
	}
	if !opts.ForCheck {
		db.MaxBatchDelay = 2 * time.Millisecond
		db.MaxBatchSize = 500
	}
	return b, nil
}

// countUsage counts every device's quota afresh: the ciphertext bytes of its submissions
// neither exported nor in quarantine.
func countUsage(tx *bolt.Tx) error {
	if err := tx.DeleteBucket([]byte(bUsage)); err != nil {
		return err
	}
	if _, err := tx.CreateBucket([]byte(bUsage)); err != nil {
		return err
	}
	usage := map[string]int64{}
	err := tx.Bucket([]byte(bSubmissions)).ForEach(func(k, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode submission %s: %w", k, err)
		}
		if r.Exported.IsZero() && r.Quarantined.IsZero() {
			usage[r.Device] += int64(len(r.Ciphertext))
		}
		return nil
	})
	if err != nil {
		return err
	}
	bk := tx.Bucket([]byte(bUsage))
	for dev, n := range usage {
		if err := bk.Put([]byte(dev), u64(uint64(n))); err != nil {
			return err
		}
	}
	return nil
}

// addUsage changes a device's not-yet-exported byte count by delta, never below zero.
func addUsage(tx *bolt.Tx, device string, delta int64) error {
	bk := tx.Bucket([]byte(bUsage))
	var n int64
	if raw := bk.Get([]byte(device)); len(raw) == 8 {
		n = int64(binary.BigEndian.Uint64(raw))
	}
	n = max(n+delta, 0)
	return bk.Put([]byte(device), u64(uint64(n)))
}

// Path is the database file.
func (b *Bolt) Path() string { return b.path }

// String is the file's path, for logs.
func (b *Bolt) String() string { return b.path }

// Close closes the database, waiting for running transactions.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close portal store %s: %w", b.path, err)
	}
	return nil
}

func key(parts ...[]byte) []byte { return bytes.Join(parts, []byte{0}) }

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getJSON(bk *bolt.Bucket, k []byte, v any) (bool, error) {
	raw := bk.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decode %s/%q: %w", "record", k, err)
	}
	return true, nil
}

func putJSON(bk *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return bk.Put(k, raw)
}

func (b *Bolt) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.Update(fn)
}

func (b *Bolt) batch(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.Batch(fn)
}

func (b *Bolt) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.View(fn)
}

// CreateToken implements Storage.
func (b *Bolt) CreateToken(ctx context.Context, t Token) error {
	if err := ValidMunicipality(t.Municipality); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket([]byte(bTokens)), t.Hash, t)
	})
}

// Enroll implements Storage.
func (b *Bolt) Enroll(ctx context.Context, tokenHash []byte, dev Device, now time.Time) (Device, error) {
	var out Device
	var bad bool
	err := b.batch(ctx, func(tx *bolt.Tx) error {
		bad, out = false, Device{}
		tokens := tx.Bucket([]byte(bTokens))
		var t Token
		ok, err := getJSON(tokens, tokenHash, &t)
		if err != nil {
			return err
		}
		if !ok || !t.Used.IsZero() || !now.Before(t.Expires) {
			bad = true // not an error: an error would make Batch re-run the others
			return nil
		}
		devices := tx.Bucket([]byte(bDevices))
		if devices.Get([]byte(dev.ID)) != nil {
			return fmt.Errorf("device ID %s already exists", dev.ID)
		}
		t.Used, t.Device = now, dev.ID
		if err := putJSON(tokens, tokenHash, t); err != nil {
			return err
		}
		dev.Municipality = t.Municipality
		if dev.Label == "" {
			dev.Label = t.Label
		}
		out = dev
		return putJSON(devices, []byte(dev.ID), dev)
	})
	if err != nil {
		return Device{}, fmt.Errorf("enrol device: %w", err)
	}
	if bad {
		return Device{}, ErrBadToken
	}
	return out, nil
}

// Device implements Storage.
func (b *Bolt) Device(ctx context.Context, id string) (Device, error) {
	var d Device
	err := b.view(ctx, func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket([]byte(bDevices)), []byte(id), &d)
		if err == nil && !ok {
			err = ErrNotFound
		}
		return err
	})
	return d, err
}

// Devices implements Storage.
func (b *Bolt) Devices(ctx context.Context) ([]Device, error) {
	var out []Device
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bDevices)).ForEach(func(k, v []byte) error {
			var d Device
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode device %q: %w", k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// Revoke implements Storage.
func (b *Bolt) Revoke(ctx context.Context, id string, at time.Time) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bDevices))
		var d Device
		ok, err := getJSON(bk, []byte(id), &d)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("device %q: %w", id, ErrNotFound)
		}
		if d.IsRevoked() {
			return nil
		}
		d.Revoked = at
		return putJSON(bk, []byte(id), d)
	})
}

// SigningKey implements Storage.
func (b *Bolt) SigningKey(ctx context.Context, municipality string) (ed25519.PrivateKey, error) {
	if err := ValidMunicipality(municipality); err != nil {
		return nil, err
	}
	var key ed25519.PrivateKey
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if raw := tx.Bucket([]byte(bKeys)).Get([]byte(municipality)); raw != nil {
			key = bytes.Clone(raw)
		}
		return nil
	})
	if err != nil || key != nil {
		return key, err
	}
	err = b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bKeys))
		if raw := bk.Get([]byte(municipality)); raw != nil { // created meanwhile
			key = bytes.Clone(raw)
			return nil
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		key = priv
		return bk.Put([]byte(municipality), priv)
	})
	if err == nil && len(key) != ed25519.PrivateKeySize {
		err = fmt.Errorf("signing key of %s: %w: %d bytes", municipality, ErrCorrupt, len(key))
	}
	return key, err
}

// PutBlob implements Storage.
func (b *Bolt) PutBlob(ctx context.Context, sha string, data []byte) (bool, error) {
	sum := sha256.Sum256(data)
	if fmt.Sprintf("%x", sum) != sha {
		return false, fmt.Errorf("blob %s: hash does not match its bytes", sha)
	}
	isNew := false
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bBlobs))
		if bk.Get([]byte(sha)) != nil {
			isNew = false
			return nil
		}
		isNew = true
		return bk.Put([]byte(sha), data)
	})
	return isNew, err
}

// Blob implements Storage.
func (b *Bolt) Blob(ctx context.Context, municipality, sha string) ([]byte, error) {
	var data []byte
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bBlobRefs)).Get(key([]byte(municipality), []byte(sha))) == nil {
			return ErrNotFound
		}
		raw := tx.Bucket([]byte(bBlobs)).Get([]byte(sha))
		if raw == nil {
			return ErrNotFound
		}
		data = bytes.Clone(raw)
		return nil
	})
	return data, err
}

// AddManifest implements Storage.
func (b *Bolt) AddManifest(ctx context.Context, municipality string, version uint64, files []string, signed protocol.SignedManifest) error {
	if err := ValidMunicipality(municipality); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx) error {
		mb := tx.Bucket([]byte(bManifests))
		prefix := append([]byte(municipality), 0)
		if latest, ok := lastWithPrefix(mb.Cursor(), prefix); ok && version <= latest {
			return fmt.Errorf("%w: %d ≤ %d", ErrStaleVersion, version, latest)
		}
		blobs, refs := tx.Bucket([]byte(bBlobs)), tx.Bucket([]byte(bBlobRefs))
		for _, sha := range files {
			if blobs.Get([]byte(sha)) == nil {
				return fmt.Errorf("manifest references blob %s that is not stored", sha)
			}
			rk := key([]byte(municipality), []byte(sha))
			if refs.Get(rk) == nil {
				if err := refs.Put(rk, u64(version)); err != nil {
					return err
				}
			}
		}
		return putJSON(mb, append(prefix, u64(version)...), signed)
	})
}

// lastWithPrefix returns the version of the last key under prefix (prefix + 8 bytes BE).
func lastWithPrefix(c *bolt.Cursor, prefix []byte) (uint64, bool) {
	end := append(bytes.Clone(prefix[:len(prefix)-1]), 1) // the first key after the prefix range
	k, _ := c.Seek(end)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(prefix):]), true
}

// LatestManifest implements Storage.
func (b *Bolt) LatestManifest(ctx context.Context, municipality string) (Published, error) {
	var p Published
	err := b.view(ctx, func(tx *bolt.Tx) error {
		mb := tx.Bucket([]byte(bManifests))
		prefix := append([]byte(municipality), 0)
		v, ok := lastWithPrefix(mb.Cursor(), prefix)
		if !ok {
			return ErrNotFound
		}
		p.Version = v
		_, err := getJSON(mb, append(prefix, u64(v)...), &p.Signed)
		return err
	})
	return p, err
}

// PutSubmission implements Storage.
func (b *Bolt) PutSubmission(ctx context.Context, rec Record, loc *time.Location) (Record, bool, error) {
	if loc == nil {
		loc = time.UTC
	}
	sum := sha256.Sum256(rec.Ciphertext)
	rec.CipherSHA256 = sum[:]
	var out Record
	var created, conflict bool
	err := b.batch(ctx, func(tx *bolt.Tx) error {
		out, created, conflict = Record{}, false, false
		subs := tx.Bucket([]byte(bSubmissions))
		if raw := subs.Get([]byte(rec.ID)); raw != nil {
			// Decode only what the comparison needs; the ciphertext can be megabytes.
			var have struct {
				Record
				Ciphertext json.RawMessage `json:"ciphertext"`
			}
			if err := json.Unmarshal(raw, &have); err != nil {
				return fmt.Errorf("decode submission %s: %w", rec.ID, err)
			}
			if !bytes.Equal(have.CipherSHA256, rec.CipherSHA256) || have.Device != rec.Device {
				conflict = true
				return nil
			}
			out = have.Record
			return nil
		}
		year := strconv.Itoa(rec.Received.In(loc).Year())
		counters := tx.Bucket([]byte(bCounters))
		ck := key([]byte(rec.Municipality), []byte(year))
		n := uint64(1)
		if raw := counters.Get(ck); len(raw) == 8 {
			n = binary.BigEndian.Uint64(raw) + 1
		}
		if err := counters.Put(ck, u64(n)); err != nil {
			return err
		}
		r := rec
		r.PortalRef = fmt.Sprintf("%s/%06d", year, n)
		seq, err := subs.NextSequence()
		if err != nil {
			return err
		}
		ak := append(append([]byte(rec.Municipality), 0), u64(seq)...)
		if err := tx.Bucket([]byte(bArrivals)).Put(ak, []byte(r.ID)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bPending)).Put(ak, []byte(r.ID)); err != nil {
			return err
		}
		if err := indexRef(tx, r.Ref, r.Municipality, u64(seq), r.ID); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bInbox)).Put(ak, encodeInboxRow(r, len(r.Ciphertext), StatusReceived)); err != nil {
			return err
		}
		if err := putJSON(subs, []byte(r.ID), r); err != nil {
			return err
		}
		if err := addUsage(tx, r.Device, int64(len(r.Ciphertext))); err != nil {
			return err
		}
		out, created = r, true
		return nil
	})
	if err != nil {
		return Record{}, false, fmt.Errorf("store submission %s: %w", rec.ID, err)
	}
	if conflict {
		return Record{}, false, ErrConflict
	}
	out.Ciphertext = nil // the caller has it; don't hand stored ciphertext around
	return out, created, nil
}

// HasSubmission implements Storage.
func (b *Bolt) HasSubmission(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := b.view(ctx, func(tx *bolt.Tx) error {
		ok = tx.Bucket([]byte(bSubmissions)).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// Submissions implements Storage.
func (b *Bolt) Submissions(ctx context.Context, municipality string, all bool) ([]Record, error) {
	index := bPending
	if all {
		index = bArrivals
	}
	var out []Record
	err := b.view(ctx, func(tx *bolt.Tx) error {
		subs := tx.Bucket([]byte(bSubmissions))
		prefix := append([]byte(municipality), 0)
		c := tx.Bucket([]byte(index)).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
			var r Record
			ok, err := getJSON(subs, id, &r)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: index names missing submission %s", ErrCorrupt, id)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// CountSubmissions implements Storage.
func (b *Bolt) CountSubmissions(ctx context.Context, municipality string) (int, error) {
	n := 0
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if municipality == "" {
			n = tx.Bucket([]byte(bSubmissions)).Stats().KeyN
			return nil
		}
		prefix := append([]byte(municipality), 0)
		c := tx.Bucket([]byte(bArrivals)).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// MarkExported implements Storage.
func (b *Bolt) MarkExported(ctx context.Context, ids []string, at time.Time) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		subs := tx.Bucket([]byte(bSubmissions))
		pending := tx.Bucket([]byte(bPending))
		munis := map[string]bool{}
		for _, id := range ids {
			var r Record
			ok, err := getJSON(subs, []byte(id), &r)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("submission %s: %w", id, ErrNotFound)
			}
			if r.Exported.IsZero() {
				r.Exported = at
				if err := putJSON(subs, []byte(id), r); err != nil {
					return err
				}
				if r.Quarantined.IsZero() { // a quarantined one no longer counts
					if err := addUsage(tx, r.Device, -int64(len(r.Ciphertext))); err != nil {
						return err
					}
				}
			}
			munis[r.Municipality] = true
		}
		want := make(map[string]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		var del [][]byte
		c := pending.Cursor()
		for m := range munis {
			prefix := append([]byte(m), 0)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if want[string(v)] {
					del = append(del, bytes.Clone(k))
				}
			}
		}
		for _, k := range del {
			if err := pending.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutHeartbeat implements Storage.
func (b *Bolt) PutHeartbeat(ctx context.Context, device string, beat Beat) error {
	return b.batch(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bHeartbeats))
		var hist []Beat
		if _, err := getJSON(bk, []byte(device), &hist); err != nil {
			return err
		}
		hist = append(hist, beat)
		if len(hist) > HeartbeatHistory {
			hist = hist[len(hist)-HeartbeatHistory:]
		}
		return putJSON(bk, []byte(device), hist)
	})
}

// Heartbeats implements Storage.
func (b *Bolt) Heartbeats(ctx context.Context, device string) ([]Beat, error) {
	var hist []Beat
	err := b.view(ctx, func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket([]byte(bHeartbeats)), []byte(device), &hist)
		return err
	})
	return hist, err
}

// PendingBytes implements Storage.
func (b *Bolt) PendingBytes(ctx context.Context, device string) (int64, error) {
	var n int64
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if raw := tx.Bucket([]byte(bUsage)).Get([]byte(device)); len(raw) == 8 {
			n = int64(binary.BigEndian.Uint64(raw))
		}
		return nil
	})
	return n, err
}

// findKey returns the key under municipality's prefix in bk whose value is id.
func findKey(bk *bolt.Bucket, municipality, id string) []byte {
	prefix := append([]byte(municipality), 0)
	c := bk.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if string(v) == id {
			return bytes.Clone(k)
		}
	}
	return nil
}

// moveSubmission moves id's arrival key from bucket from to bucket to and updates its record.
func (b *Bolt) moveSubmission(ctx context.Context, id, from, to string, change func(*Record)) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		subs := tx.Bucket([]byte(bSubmissions))
		var r Record
		ok, err := getJSON(subs, []byte(id), &r)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("submission %s: %w", id, ErrNotFound)
		}
		src, dst := tx.Bucket([]byte(from)), tx.Bucket([]byte(to))
		k := findKey(src, r.Municipality, id)
		if k == nil {
			return fmt.Errorf("submission %s is not %s: %w", id, from, ErrNotFound)
		}
		if err := src.Delete(k); err != nil {
			return err
		}
		if err := dst.Put(k, []byte(id)); err != nil {
			return err
		}
		change(&r)
		// A submission in quarantine waits for the operator, not for the device: it does not
		// count toward the device's quota, or one poisoned submission would end in 429s.
		delta := int64(len(r.Ciphertext))
		if to == bQuarantine {
			delta = -delta
		}
		if err := addUsage(tx, r.Device, delta); err != nil {
			return err
		}
		return putJSON(subs, []byte(id), r)
	})
}

// Quarantine implements Storage.
func (b *Bolt) Quarantine(ctx context.Context, id, reason string, at time.Time) error {
	return b.moveSubmission(ctx, id, bPending, bQuarantine, func(r *Record) {
		r.Quarantined, r.QuarantineReason = at.UTC(), reason
	})
}

// Release implements Storage.
func (b *Bolt) Release(ctx context.Context, id string) error {
	return b.moveSubmission(ctx, id, bQuarantine, bPending, func(r *Record) {
		r.Quarantined, r.QuarantineReason = time.Time{}, ""
	})
}

// Quarantined implements Storage.
func (b *Bolt) Quarantined(ctx context.Context, municipality string) ([]Record, error) {
	var out []Record
	err := b.view(ctx, func(tx *bolt.Tx) error {
		subs := tx.Bucket([]byte(bSubmissions))
		var prefix []byte
		if municipality != "" {
			prefix = append([]byte(municipality), 0)
		}
		c := tx.Bucket([]byte(bQuarantine)).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
			var r Record
			ok, err := getJSON(subs, id, &r)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: quarantine names missing submission %s", ErrCorrupt, id)
			}
			r.CiphertextSize, r.Ciphertext = len(r.Ciphertext), nil
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// RenewManifest implements Storage.
func (b *Bolt) RenewManifest(ctx context.Context, municipality string, version uint64, signed protocol.SignedManifest) error {
	return b.update(ctx, func(tx *bolt.Tx) error {
		mb := tx.Bucket([]byte(bManifests))
		prefix := append([]byte(municipality), 0)
		latest, ok := lastWithPrefix(mb.Cursor(), prefix)
		if !ok || latest != version {
			return fmt.Errorf("%w: renewing %d, latest is %d", ErrStaleVersion, version, latest)
		}
		return putJSON(mb, append(prefix, u64(version)...), signed)
	})
}

// KeyMunicipalities implements KeyStore.
func (b *Bolt) KeyMunicipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bKeys)).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Municipalities implements Storage.
func (b *Bolt) Municipalities(ctx context.Context) ([]string, error) {
	var out []string
	err := b.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bManifests)).Cursor()
		for k, _ := c.First(); k != nil; {
			m, _, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("%w: manifest key %q", ErrCorrupt, k)
			}
			out = append(out, string(m))
			k, _ = c.Seek(append(bytes.Clone(m), 1)) // past this municipality's versions
		}
		return nil
	})
	return out, err
}

// Check reads every page of the database with bbolt's own consistency check
// (boltfile.Check). Damage gives an error wrapping ErrCorrupt that lists what bbolt found
// (at most 20 problems).
func (b *Bolt) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("check portal store: %w", err)
	}
	err := boltfile.Check(b.db)
	var corrupt *boltfile.CorruptError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &corrupt):
		return fmt.Errorf("%w: %v", ErrCorrupt, corrupt.Cause)
	default:
		return fmt.Errorf("check portal store: %w", err)
	}
}
