package access

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

const (
	bucketAudit = "audit"

	maxActionLen = 64
	maxDetailLen = 200
)

// Audit is the device's append-only log of service actions, in its own
// top-level bucket "audit" of the store's file.
//
// Keys are bbolt's NextSequence of the bucket (8 bytes, big-endian), so
// bucket order is recording order regardless of wall-clock jumps; values are
// JSON {"time", "action", "detail"}. Nothing is ever rewritten or deleted.
//
// Entries must not carry personal data or secrets: callers pass an action
// such as "service.login" or "print.test" and a detail such as
// "card a1b2c3d4" (a card's hash prefix, see Guard.Cards), never a card ID
// or a PIN. As a safety net Record replaces control characters with spaces
// and cuts action to 64 and detail to 200 bytes.
//
// An Audit is safe for concurrent use.
type Audit struct {
	db  *bolt.DB
	now func() time.Time
}

// Entry is one audit record.
type Entry struct {
	Seq    uint64    `json:"-"` // the bbolt sequence (the key); 1 for the first entry
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// OpenAudit creates the "audit" bucket if needed. now is the clock for entry
// times (time.Now when nil).
func OpenAudit(db *bolt.DB, now func() time.Time) (*Audit, error) {
	if db == nil {
		return nil, errors.New("open audit log: nil database")
	}
	if now == nil {
		now = time.Now
	}
	err := db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte(bucketAudit)); err != nil {
			return fmt.Errorf("create bucket %q: %w", bucketAudit, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return &Audit{db: db, now: now}, nil
}

// Record appends an entry in one fsynced transaction. action must not be
// empty.
func (a *Audit) Record(action, detail string) error {
	err := a.db.Update(func(tx *bolt.Tx) error { return a.record(tx, action, detail) })
	if err != nil {
		return fmt.Errorf("audit %s: %w", clean(action, maxActionLen), err)
	}
	return nil
}

// record appends an entry inside the caller's write transaction, so that a
// state change and its audit entry commit together.
func (a *Audit) record(tx *bolt.Tx, action, detail string) error {
	action, detail = clean(action, maxActionLen), clean(detail, maxDetailLen)
	if action == "" {
		return errors.New("empty audit action")
	}
	b := tx.Bucket([]byte(bucketAudit))
	if b == nil {
		return fmt.Errorf("bucket %q missing", bucketAudit)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("next sequence: %w", err)
	}
	raw, err := json.Marshal(Entry{Time: a.now().Round(0), Action: action, Detail: detail})
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), raw)
}

// Recent returns up to n entries (all when n <= 0), newest first.
func (a *Audit) Recent(n int) ([]Entry, error) {
	var out []Entry
	err := a.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketAudit))
		if b == nil {
			return fmt.Errorf("bucket %q missing", bucketAudit)
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && (n <= 0 || len(out) < n); k, v = c.Prev() {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode entry %x: %w", k, err)
			}
			if len(k) == 8 {
				e.Seq = binary.BigEndian.Uint64(k)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// clean makes s valid UTF-8 without control characters, trimmed and cut to
// max bytes on a rune boundary.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.TrimSpace(s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
