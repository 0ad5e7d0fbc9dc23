// Package outbox is the kiosk's durable queue of residents' submissions. A
// submission is written here, encrypted, before the kiosk shows its
// confirmation, waits until the pusher has delivered it to the central
// portal, and then has its personal data purged.
//
// # Life of a submission
//
//	Enqueue        → queued
//	MarkSending    queued, sending → sending
//	MarkFailed     queued, sending → queued (Attempts+1, LastError)
//	MarkDelivered  queued, sending → delivered (with the portal's Receipt)
//	Purge          delivered → purged (ciphertext deleted)
//
// Pending returns queued and sending items, oldest first: an item left in
// "sending" by a crash or power cut mid-send is sent again, and the portal
// recognises the repeat by Item.ID (the idempotency key). Repeating
// MarkSending, MarkDelivered with the same receipt, or Purge is harmless;
// any other move (e.g. MarkDelivered on a purged item, Purge on an item the
// portal does not have yet) fails with ErrInvalidTransition.
//
// # Privacy
//
// Answers are encrypted with age to the portal's recipient (public key)
// before anything is written; the kiosk never needs, and must not hold, the
// matching identity. Plain text in the database is limited to the routing
// metadata (Meta: no personal data may go there), the reference, state,
// counters, the portal's receipt and LastError. Purge deletes the ciphertext;
// bbolt may keep the freed page's old bytes in the file until reused, which is
// acceptable only because they are ciphertext for a key the device lacks.
//
// # Layout
//
// One top-level bucket, "outbox", in the store's file (see package store),
// with nested buckets:
//
//	items   key → JSON record (everything but the ciphertext)
//	bodies  key → age ciphertext; deleted by Purge
//	ids     ID (16 bytes) → key
//	refs    canonical reference → ID (16 bytes)
//	queue   key → empty, for queued and sending items only
//	counts  state → count (uint64 big-endian)
//
// key is the 8-byte big-endian enqueue sequence number (bbolt's
// NextSequence, committed with the item) followed by the 16-byte ID, so
// bucket order is enqueue order regardless of wall-clock jumps, and Pending
// walks only the queue, not the delivered history.
//
// # Durability
//
// Every write method is one bbolt read-write transaction, which bbolt
// fsyncs on commit (the store keeps bbolt's safe defaults). A method that
// returned nil is on disk; after a crash the file holds either all of a
// transaction or none of it.
package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// State is where a submission is in its life.
type State string

// The states.
const (
	Queued    State = "queued"
	Sending   State = "sending"
	Delivered State = "delivered"
	Purged    State = "purged"
)

// Meta is the routing metadata of a submission. It is stored in plain text
// and must hold no personal data.
type Meta struct {
	Procedure      string    `json:"procedure,omitempty"`       // procedure card ID
	Office         string    `json:"office,omitempty"`          // receiving office
	ContentVersion string    `json:"content_version,omitempty"` // content bundle the form came from
	Created        time.Time `json:"created"`                   // set by Enqueue when zero
	// ClockSuspect: the kiosk's clock was not trusted when it filed this (see package
	// trustedtime), so Created is only a lower bound.
	ClockSuspect bool `json:"clock_suspect,omitempty"`
}

// Receipt is the portal's acknowledgement of a delivered submission.
type Receipt struct {
	PortalRef string    `json:"portal_ref"`
	At        time.Time `json:"at"`
}

func (r Receipt) equal(o Receipt) bool { return r.PortalRef == o.PortalRef && r.At.Equal(o.At) }

// Item is one submission.
type Item struct {
	ID  string // 128-bit random, lower-case hex; the idempotency key for the portal
	Ref string // short human reference, e.g. "PRZ-7K4M-Q2"
	Meta
	State     State
	Attempts  int      // failed send attempts
	LastError string   // last send failure, no personal data
	Receipt   *Receipt // set once delivered
	// Ciphertext is the age-encrypted answers (binary, not armored); nil once
	// purged.
	Ciphertext []byte
	Updated    time.Time
}

// Stats counts the items per state.
type Stats struct {
	Queued, Sending, Delivered, Purged int
	// Oldest is the earliest Created among queued and sending items; zero
	// when there are none.
	Oldest time.Time
}

// Errors, returned wrapped with context.
var (
	ErrNotFound          = errors.New("submission not found")
	ErrInvalidTransition = errors.New("invalid submission state transition")
	// ErrReceiptMismatch: MarkDelivered on a delivered item with a different
	// receipt. The portal acknowledged the same ID twice differently.
	ErrReceiptMismatch = errors.New("submission already delivered with a different receipt")
)

const (
	bucketOutbox = "outbox"

	subItems  = "items"
	subBodies = "bodies"
	subIDs    = "ids"
	subRefs   = "refs"
	subQueue  = "queue"
	subCounts = "counts"

	recordVersion = 1
	idLen         = 16
	keyLen        = 8 + idLen

	// maxRefTries bounds the retries on a reference collision. With 29^5
	// (about 20.5 million) references per prefix, needing more than a few
	// means the prefix is nearly full or the random source is broken.
	maxRefTries = 32

	maxReasonLen = 300
)

var subBuckets = []string{subItems, subBodies, subIDs, subRefs, subQueue, subCounts, subSalvaged}

// Outbox is the submission queue in a store's bbolt file. It is safe for
// concurrent use. It does not own the database: close the store, not the
// Outbox.
type Outbox struct {
	db   *bolt.DB
	rand io.Reader        // IDs and references
	now  func() time.Time // Updated and default Created
}

// Open returns the outbox in db, creating its buckets if missing. db is
// (*store.Store).Bolt().
func Open(db *bolt.DB) (*Outbox, error) {
	if db == nil {
		return nil, errors.New("open outbox: nil database")
	}
	err := db.Update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists([]byte(bucketOutbox))
		if err != nil {
			return fmt.Errorf("create bucket %q: %w", bucketOutbox, err)
		}
		for _, name := range subBuckets {
			if _, err := top.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("create bucket %s/%s: %w", bucketOutbox, name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	return &Outbox{db: db, rand: rand.Reader, now: time.Now}, nil
}

// record is the stored form of an Item without its ciphertext.
type record struct {
	V   int    `json:"v"`
	ID  string `json:"id"`
	Ref string `json:"ref"`
	Meta
	State     State     `json:"state"`
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	Receipt   *Receipt  `json:"receipt,omitempty"`
	Updated   time.Time `json:"updated"`
}

func (r *record) item(body []byte) Item {
	it := Item{
		ID: r.ID, Ref: r.Ref, Meta: r.Meta, State: r.State, Attempts: r.Attempts,
		LastError: r.LastError, Updated: r.Updated,
	}
	if r.Receipt != nil {
		rc := *r.Receipt
		it.Receipt = &rc
	}
	if body != nil {
		// bbolt's memory is only valid inside the transaction.
		it.Ciphertext = bytes.Clone(body)
	}
	return it
}

// buckets are the nested buckets of one transaction.
type buckets struct {
	items, bodies, ids, refs, queue, counts *bolt.Bucket
}

func open(tx *bolt.Tx) (*buckets, error) {
	top := tx.Bucket([]byte(bucketOutbox))
	if top == nil {
		return nil, fmt.Errorf("bucket %q missing", bucketOutbox)
	}
	b := &buckets{}
	for _, s := range []struct {
		name string
		dst  **bolt.Bucket
	}{
		{subItems, &b.items}, {subBodies, &b.bodies}, {subIDs, &b.ids},
		{subRefs, &b.refs}, {subQueue, &b.queue}, {subCounts, &b.counts},
	} {
		if *s.dst = top.Bucket([]byte(s.name)); *s.dst == nil {
			return nil, fmt.Errorf("bucket %s/%s missing", bucketOutbox, s.name)
		}
	}
	return b, nil
}

func (b *buckets) load(key []byte) (*record, error) {
	raw := b.items.Get(key)
	if raw == nil {
		return nil, fmt.Errorf("index points to missing item %x: %w", key, ErrNotFound)
	}
	r := &record{}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, fmt.Errorf("decode item %x: %w", key, err)
	}
	return r, nil
}

func (b *buckets) save(key []byte, r *record) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode item %s: %w", r.ID, err)
	}
	return b.items.Put(key, raw)
}

// keyOf looks an ID up in the index.
func (b *buckets) keyOf(id string) ([]byte, error) {
	raw, err := parseID(id)
	if err != nil {
		return nil, err
	}
	key := b.ids.Get(raw)
	if key == nil {
		return nil, fmt.Errorf("id %s: %w", id, ErrNotFound)
	}
	return key, nil
}

// count adds delta to a state's counter.
func (b *buckets) count(s State, delta int) error {
	var n uint64
	if raw := b.counts.Get([]byte(s)); len(raw) == 8 {
		n = binary.BigEndian.Uint64(raw)
	}
	// Never below zero: counters that lost track (a salvaged store) must not wrap around.
	n = uint64(max(0, int64(n)+int64(delta)))
	return b.counts.Put([]byte(s), binary.BigEndian.AppendUint64(nil, n))
}

func (b *buckets) counter(s State) int {
	if raw := b.counts.Get([]byte(s)); len(raw) == 8 {
		return int(binary.BigEndian.Uint64(raw))
	}
	return 0
}

func parseID(id string) ([]byte, error) {
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != idLen {
		return nil, fmt.Errorf("malformed id %q: %w", id, ErrNotFound)
	}
	return raw, nil
}

// Enqueue encrypts answers to the recipient `to` (the portal's age public
// key) and commits the submission, state queued, in one fsynced
// transaction. Only when it returns nil may the kiosk show the confirmation
// with Item.Ref: the submission then survives a power cut.
//
// prefix (2–4 letters) starts the reference; meta.Created defaults to
// now. answers are never written anywhere in plain text: the caller owns
// them and should drop (and clear) them as soon as Enqueue returns,
// whatever the outcome. Enqueue checks ctx before writing; a cancelled ctx
// writes nothing.
func (o *Outbox) Enqueue(ctx context.Context, meta Meta, prefix string, answers []byte, to age.Recipient) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, fmt.Errorf("enqueue submission: %w", err)
	}
	if to == nil {
		return Item{}, errors.New("enqueue submission: no recipient")
	}
	if len(answers) == 0 {
		return Item{}, errors.New("enqueue submission: empty answers")
	}
	if _, err := refPrefix(prefix); err != nil {
		return Item{}, fmt.Errorf("enqueue submission: %w", err)
	}

	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, to)
	if err != nil {
		return Item{}, fmt.Errorf("enqueue submission: encrypt: %w", err)
	}
	if _, err := w.Write(answers); err != nil {
		return Item{}, fmt.Errorf("enqueue submission: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return Item{}, fmt.Errorf("enqueue submission: encrypt: %w", err)
	}

	now := o.now().Round(0)
	if meta.Created.IsZero() {
		meta.Created = now
	} else {
		meta.Created = meta.Created.Round(0)
	}
	var it Item
	err = o.db.Update(func(tx *bolt.Tx) error {
		// Checked again inside: the wait for the writer lock can be long.
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := open(tx)
		if err != nil {
			return err
		}
		id := make([]byte, idLen)
		for try := 0; ; try++ {
			if try == maxRefTries {
				return errors.New("random source keeps repeating IDs")
			}
			if _, err := io.ReadFull(o.rand, id); err != nil {
				return fmt.Errorf("read random id: %w", err)
			}
			if b.ids.Get(id) == nil {
				break
			}
		}
		var ref string
		for try := 0; ; try++ {
			if try == maxRefTries {
				return fmt.Errorf("no free reference with prefix %q after %d tries", prefix, maxRefTries)
			}
			if ref, err = NewRef(prefix, o.rand); err != nil {
				return err
			}
			if b.refs.Get([]byte(ref)) == nil {
				break
			}
		}
		seq, err := b.items.NextSequence()
		if err != nil {
			return fmt.Errorf("next sequence: %w", err)
		}
		key := binary.BigEndian.AppendUint64(make([]byte, 0, keyLen), seq)
		key = append(key, id...)
		r := &record{
			V: recordVersion, ID: hex.EncodeToString(id), Ref: ref, Meta: meta,
			State: Queued, Updated: now,
		}
		if err := b.save(key, r); err != nil {
			return err
		}
		for _, put := range []struct {
			b    *bolt.Bucket
			k, v []byte
		}{
			{b.bodies, key, ct.Bytes()},
			{b.ids, id, key},
			{b.refs, []byte(ref), id},
			{b.queue, key, []byte{}},
		} {
			if err := put.b.Put(put.k, put.v); err != nil {
				return err
			}
		}
		if err := b.count(Queued, 1); err != nil {
			return err
		}
		it = r.item(ct.Bytes())
		return nil
	})
	if err != nil {
		return Item{}, fmt.Errorf("enqueue submission: %w", err)
	}
	return it, nil
}

// Get returns the item with the given ID, or an error wrapping ErrNotFound.
func (o *Outbox) Get(id string) (Item, error) {
	var it Item
	err := o.db.View(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		key, err := b.keyOf(id)
		if err != nil {
			return err
		}
		r, err := b.load(key)
		if err != nil {
			return err
		}
		it = r.item(b.bodies.Get(key))
		return nil
	})
	if err != nil {
		return Item{}, fmt.Errorf("get submission: %w", err)
	}
	return it, nil
}

// ByRef returns the item with the given reference, typed in any form
// ValidRef accepts, or an error wrapping ErrNotFound.
func (o *Outbox) ByRef(ref string) (Item, error) {
	canon, ok := NormalizeRef(ref)
	if !ok {
		return Item{}, fmt.Errorf("get submission by reference %q: not a valid reference: %w", ref, ErrNotFound)
	}
	var it Item
	err := o.db.View(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		id := b.refs.Get([]byte(canon))
		if id == nil {
			return ErrNotFound
		}
		key := b.ids.Get(id)
		if key == nil {
			return fmt.Errorf("reference index points to missing id %x: %w", id, ErrNotFound)
		}
		r, err := b.load(key)
		if err != nil {
			return err
		}
		it = r.item(b.bodies.Get(key))
		return nil
	})
	if err != nil {
		return Item{}, fmt.Errorf("get submission by reference %s: %w", canon, err)
	}
	return it, nil
}

// Pending returns up to limit queued and sending items (all if limit <= 0),
// oldest first, with their ciphertext. Items left in "sending" by a crash
// are included: send them again.
func (o *Outbox) Pending(limit int) ([]Item, error) {
	var out []Item
	err := o.db.View(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		c := b.queue.Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			r, err := b.load(k)
			if err != nil {
				return err
			}
			out = append(out, r.item(b.bodies.Get(k)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pending submissions: %w", err)
	}
	return out, nil
}

// transition runs fn on the item's record inside one write transaction and
// saves the record if fn returns true. fn sees the current state and decides.
func (o *Outbox) transition(op, id string, fn func(b *buckets, key []byte, r *record) (bool, error)) error {
	err := o.db.Update(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		key, err := b.keyOf(id)
		if err != nil {
			return err
		}
		r, err := b.load(key)
		if err != nil {
			return err
		}
		from := r.State
		changed, err := fn(b, key, r)
		if err != nil || !changed {
			return err
		}
		r.Updated = o.now().Round(0)
		if from != r.State {
			if err := b.count(from, -1); err != nil {
				return err
			}
			if err := b.count(r.State, 1); err != nil {
				return err
			}
		}
		return b.save(key, r)
	})
	if err != nil {
		return fmt.Errorf("%s submission %s: %w", op, id, err)
	}
	return nil
}

func refuse(r *record, to State) error {
	return fmt.Errorf("%s is %s, cannot become %s: %w", r.Ref, r.State, to, ErrInvalidTransition)
}

// MarkSending records that the pusher is about to send the item. Allowed
// from queued and (again, after a crash) from sending.
func (o *Outbox) MarkSending(id string) error {
	return o.transition("mark sending", id, func(_ *buckets, _ []byte, r *record) (bool, error) {
		switch r.State {
		case Queued, Sending:
			r.State = Sending
			return true, nil
		}
		return false, refuse(r, Sending)
	})
}

// MarkFailed records a failed send: the item goes back to queued with
// Attempts incremented and reason kept as LastError. reason must not carry
// personal data; as a safety net, runs of 9 or more digits (PESEL, NIP,
// phone and account numbers) and words containing '@' are replaced by "…",
// control characters by spaces, and the text is cut to 300 bytes.
func (o *Outbox) MarkFailed(id string, reason string) error {
	reason = sanitizeReason(reason)
	return o.transition("mark failed", id, func(_ *buckets, _ []byte, r *record) (bool, error) {
		switch r.State {
		case Queued, Sending:
			r.State = Queued
			r.Attempts++
			r.LastError = reason
			return true, nil
		}
		return false, refuse(r, Queued)
	})
}

// MarkDelivered records the portal's receipt: the item leaves the queue.
// Repeating it with an equal receipt is a no-op; a different receipt fails
// with ErrReceiptMismatch, and a purged item with ErrInvalidTransition.
func (o *Outbox) MarkDelivered(id string, rc Receipt) error {
	if rc.PortalRef == "" {
		return fmt.Errorf("mark delivered submission %s: receipt without portal reference", id)
	}
	rc.At = rc.At.Round(0)
	return o.transition("mark delivered", id, func(b *buckets, key []byte, r *record) (bool, error) {
		switch r.State {
		case Queued, Sending:
			if err := b.queue.Delete(key); err != nil {
				return false, err
			}
			r.State = Delivered
			r.Receipt = &rc
			return true, nil
		case Delivered:
			if r.Receipt != nil && r.Receipt.equal(rc) {
				return false, nil
			}
			return false, fmt.Errorf("%s: %w", r.Ref, ErrReceiptMismatch)
		}
		return false, refuse(r, Delivered)
	})
}

// Purge deletes a delivered item's ciphertext, keeping its metadata,
// reference and receipt. Purging a purged item is a no-op; purging an item
// the portal has not acknowledged fails with ErrInvalidTransition.
func (o *Outbox) Purge(id string) error {
	return o.transition("purge", id, func(b *buckets, key []byte, r *record) (bool, error) {
		switch r.State {
		case Delivered:
			if err := b.bodies.Delete(key); err != nil {
				return false, err
			}
			r.State = Purged
			return true, nil
		case Purged:
			return false, nil
		}
		return false, refuse(r, Purged)
	})
}

// PurgeDelivered purges every delivered item that still holds its ciphertext, in one
// transaction, and returns how many. Delivery and purge are two steps; a crash between them
// would otherwise leave a resident's encrypted answers on the kiosk for good, because a
// delivered item is no longer pending. The pusher calls it before each pass. It walks only
// the bodies bucket: items not yet purged.
func (o *Outbox) PurgeDelivered() (int, error) {
	n := 0
	err := o.db.Update(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		var keys [][]byte
		c := b.bodies.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, key := range keys {
			r, err := b.load(key)
			if err != nil {
				return err
			}
			if r.State != Delivered {
				continue
			}
			if err := b.bodies.Delete(key); err != nil {
				return err
			}
			r.State, r.Updated = Purged, o.now().Round(0)
			if err := b.count(Delivered, -1); err != nil {
				return err
			}
			if err := b.count(Purged, 1); err != nil {
				return err
			}
			if err := b.save(key, r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge delivered submissions: %w", err)
	}
	return n, nil
}

// Stats returns the number of items per state and the creation time of the
// oldest undelivered one. It reads the counters and walks only the queue.
func (o *Outbox) Stats() (Stats, error) {
	var s Stats
	err := o.db.View(func(tx *bolt.Tx) error {
		b, err := open(tx)
		if err != nil {
			return err
		}
		// Queued and sending are counted from the queue itself, which is walked anyway
		// for Oldest; the counters are a cache that a salvaged store may lack.
		s.Delivered, s.Purged = max(0, b.counter(Delivered)), max(0, b.counter(Purged))
		c := b.queue.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			r, err := b.load(k)
			if err != nil {
				return err
			}
			switch r.State {
			case Queued:
				s.Queued++
			case Sending:
				s.Sending++
			}
			if s.Oldest.IsZero() || r.Created.Before(s.Oldest) {
				s.Oldest = r.Created
			}
		}
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("outbox stats: %w", err)
	}
	return s, nil
}

// sanitizeReason is MarkFailed's safety net; see there.
func sanitizeReason(s string) string {
	s = strings.ToValidUTF8(s, "?")
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || unicode.IsControl(r) })
	var out strings.Builder
	for i, w := range words {
		if i > 0 {
			out.WriteByte(' ')
		}
		if strings.Contains(w, "@") {
			out.WriteString("…")
			continue
		}
		run := 0
		start := 0
		flush := func(end int) {
			if run >= 9 {
				out.WriteString("…")
			} else {
				out.WriteString(w[start:end])
			}
		}
		for j, r := range w {
			if r >= '0' && r <= '9' {
				if run == 0 {
					start = j
				}
				run++
				continue
			}
			if run > 0 {
				flush(j)
				run = 0
			}
			out.WriteRune(r)
		}
		if run > 0 {
			flush(len(w))
		}
	}
	res := out.String()
	if len(res) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && !utf8.RuneStart(res[cut]) {
			cut--
		}
		res = res[:cut]
	}
	return res
}
