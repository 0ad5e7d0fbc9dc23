package portal

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The inbox bucket of portal.db (InboxStore), set up by setUpInbox on every read-write open:
//
//	inbox  municipality 0x00 arrival seq (8 bytes BE) -> inbox row (below)
//
// A row is a submission's summary in a small binary form, so a listing filters a hundred
// thousand of them without decoding JSON: version 1, the status's index in StatusCodes,
// Received and Created (Unix nanoseconds, 8 bytes BE each), the ciphertext's size (4 bytes
// BE), then ID, Ref, PortalRef, Procedure and Device, each behind its length (uvarint).
// PutSubmission writes the row and SetStatus rewrites its status byte, in their
// transactions. meta "inbox_indexed" = "1" once every stored submission has a row.
const bInbox = "inbox"

const inboxRowVersion = 1

// setUpInbox makes the inbox bucket and fills it for submissions stored before it existed.
func setUpInbox(tx *bolt.Tx) error {
	bk, err := tx.CreateBucketIfNotExists([]byte(bInbox))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bInbox, err)
	}
	meta := tx.Bucket([]byte(bMeta))
	if string(meta.Get([]byte("inbox_indexed"))) == "1" {
		return nil
	}
	subs := tx.Bucket([]byte(bSubmissions))
	c := tx.Bucket([]byte(bArrivals)).Cursor()
	for k, id := c.First(); k != nil; k, id = c.Next() {
		r, found, err := getRecordMeta(subs, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: arrivals name missing submission %s", ErrCorrupt, id)
		}
		s, err := latestStatus(tx, r)
		if err != nil {
			return err
		}
		if err := bk.Put(bytes.Clone(k), encodeInboxRow(r, r.CiphertextSize, s.Code)); err != nil {
			return err
		}
	}
	return meta.Put([]byte("inbox_indexed"), []byte("1"))
}

func encodeInboxRow(r Record, size int, code StatusCode) []byte {
	b := make([]byte, 0, 22+len(r.ID)+len(r.Ref)+len(r.PortalRef)+len(r.Procedure)+len(r.Device)+5)
	b = append(b, inboxRowVersion, byte(max(slices.Index(StatusCodes, code), 0)))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Received.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Created.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, uint32(size))
	for _, s := range []string{r.ID, r.Ref, r.PortalRef, r.Procedure, r.Device} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// inboxRow is a row read in place: its byte slices point into the page, valid only inside
// the transaction.
type inboxRow struct {
	status                             byte
	received, created                  int64
	size                               uint32
	id, ref, portalRef, procedure, dev []byte
}

func decodeInboxRow(v []byte) (inboxRow, error) {
	var r inboxRow
	if len(v) < 22 || v[0] != inboxRowVersion {
		return r, fmt.Errorf("%w: inbox row of %d bytes, version %d", ErrCorrupt, len(v), v[0])
	}
	r.status = v[1]
	r.received = int64(binary.BigEndian.Uint64(v[2:]))
	r.created = int64(binary.BigEndian.Uint64(v[10:]))
	r.size = binary.BigEndian.Uint32(v[18:])
	rest := v[22:]
	for _, f := range []*[]byte{&r.id, &r.ref, &r.portalRef, &r.procedure, &r.dev} {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return r, fmt.Errorf("%w: truncated inbox row", ErrCorrupt)
		}
		*f, rest = rest[w:w+int(n)], rest[w+int(n):]
	}
	return r, nil
}

func (r inboxRow) code() StatusCode {
	if int(r.status) < len(StatusCodes) {
		return StatusCodes[r.status]
	}
	return ""
}

func (r inboxRow) entry() InboxEntry {
	return InboxEntry{ID: string(r.id), Ref: string(r.ref), PortalRef: string(r.portalRef),
		Procedure: string(r.procedure), Device: string(r.dev),
		Received: time.Unix(0, r.received).UTC(), Created: time.Unix(0, r.created).UTC(),
		Status: r.code(), Size: int(r.size)}
}

// inboxFilter is a query compiled for rows: times as Unix nanoseconds, no allocation per row.
type inboxFilter struct {
	q        InboxQuery
	from, to int64
	status   int // -1: any
}

func newInboxFilter(q InboxQuery) inboxFilter {
	f := inboxFilter{q: q, status: -1}
	if !q.From.IsZero() {
		f.from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		f.to = q.To.UnixNano()
	}
	if q.Status != "" {
		f.status = slices.Index(StatusCodes, q.Status)
		if f.status < 0 {
			f.status = 255 // an unknown code matches nothing
		}
	}
	return f
}

func (f inboxFilter) match(r inboxRow) bool {
	return (f.q.Procedure == "" || string(r.procedure) == f.q.Procedure) &&
		(f.status < 0 || int(r.status) == f.status) &&
		(f.q.Device == "" || string(r.dev) == f.q.Device) &&
		(f.from == 0 || r.received >= f.from) &&
		(f.to == 0 || r.received < f.to)
}

// Inbox implements InboxStore. It walks the municipality's rows newest first, counting every
// match and decoding only the page's.
func (b *Bolt) Inbox(ctx context.Context, municipality string, q InboxQuery) (InboxPage, error) {
	limit, f := q.limit(), newInboxFilter(q)
	var page InboxPage
	err := b.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(municipality), 0)
		c := tx.Bucket([]byte(bInbox)).Cursor()
		// The last key under the prefix: seek to the first key past it and step back.
		k, v := c.Seek(append([]byte(municipality), 1))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for n := 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if n++; n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			r, err := decodeInboxRow(v)
			if err != nil {
				return fmt.Errorf("inbox row %x: %w", k, err)
			}
			if !f.match(r) {
				continue
			}
			if page.Total >= q.Offset && len(page.Entries) < limit {
				page.Entries = append(page.Entries, r.entry())
			}
			page.Total++
		}
		return nil
	})
	if err != nil {
		return InboxPage{}, fmt.Errorf("inbox of %s: %w", municipality, err)
	}
	return page, nil
}

// Submission implements InboxStore.
func (b *Bolt) Submission(ctx context.Context, municipality, id string) (Record, error) {
	var r Record
	err := b.view(ctx, func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket([]byte(bSubmissions)), []byte(id), &r)
		if err != nil {
			return err
		}
		if !ok || r.Municipality != municipality {
			r = Record{}
			return fmt.Errorf("submission %s of %s: %w", id, municipality, ErrNotFound)
		}
		return nil
	})
	return r, err
}

// setInboxStatus rewrites the status byte of r's inbox row. The row is found through the
// reference index, whose key ends in the arrival sequence the row is keyed by.
func setInboxStatus(tx *bolt.Tx, r Record, code StatusCode) error {
	prefix := key([]byte(CanonicalRef(r.Ref)), []byte(r.Municipality), nil)
	c := tx.Bucket([]byte(bRefIndex)).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if string(v) != r.ID || len(k) != len(prefix)+8 {
			continue
		}
		ik := append(append([]byte(r.Municipality), 0), k[len(prefix):]...)
		bk := tx.Bucket([]byte(bInbox))
		row := bk.Get(ik)
		if len(row) < 2 {
			return fmt.Errorf("%w: no inbox row for submission %s", ErrCorrupt, r.ID)
		}
		row = bytes.Clone(row)
		row[1] = byte(max(slices.Index(StatusCodes, code), 0))
		return bk.Put(ik, row)
	}
	return fmt.Errorf("%w: submission %s is not in the reference index", ErrCorrupt, r.ID)
}

// latestStatus is the last status set on r, else StatusReceived at its arrival.
func latestStatus(tx *bolt.Tx, r Record) (Status, error) {
	s := Status{Code: StatusReceived, At: r.Received}
	prefix := append([]byte(r.ID), 0)
	c := tx.Bucket([]byte(bStatuses)).Cursor()
	k, v := c.Seek(append([]byte(r.ID), 1))
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k != nil && bytes.HasPrefix(k, prefix) {
		if err := json.Unmarshal(v, &s); err != nil {
			return s, fmt.Errorf("decode status %q: %w", k, err)
		}
	}
	return s, nil
}
