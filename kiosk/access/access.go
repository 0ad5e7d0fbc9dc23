// Package access guards the kiosk's service mode (the technician's screen):
// technicians present a service card whose ID is on the device's allowlist,
// then type the service PIN. The allowlist is in cards.go, the PIN and its
// lockout in pin.go, the login in session.go, the audit log in audit.go.
//
// # Storage
//
// Guard keeps everything in one top-level bucket, "service", of the store's
// file (see package store; pass store.Store.Bolt()):
//
//	card_key      32 random bytes, generated on first Open (per device)
//	pin           JSON {alg, v, t, m, p, salt, hash} (argon2id), absent until SetPIN
//	failures      wrong PINs in a row (uint64 big-endian)
//	locked_until  end of the lockout, Unix nanoseconds (int64 big-endian), 0 = none
//	cards/        nested bucket: HMAC-SHA256(card_key, card ID) → empty
//
// The audit log (Audit) has its own bucket, "audit". Every write is one bbolt
// transaction, fsynced on commit; when an Audit is attached (SetAudit) the
// entry for a login step commits in the same transaction as the step.
//
// # Secrets
//
// The PIN is stored only as an argon2id hash (RFC 9106; t=3, m=64 MiB, p=4,
// 16-byte random salt, 32-byte tag), its parameters stored alongside so they
// can be raised later without breaking stored PINs; comparison is constant
// time. A PIN has 6–8 digits, so a copy of the whole file still allows an
// offline guess of a PIN in days: the hash keeps the PIN out of plain
// sight, the lockout protects the device itself. Prefer 8 digits. A 4- or
// 5-digit PIN set before the 6-digit rule still logs in, so an update never
// locks a technician out; ShortPIN reports it (once it has been used) so the
// service screen and the self-test can ask for a new one.
//
// Card IDs are stored only as HMAC-SHA256 under the per-device card_key
// (a keyed SHA-256), so an exported or displayed allowlist reveals neither
// the IDs nor whether two devices share a card. The key lives in the same
// file: whoever copies the whole file can test guessed IDs, and card UIDs
// have little entropy, so the card is a first factor only; the PIN is what
// counts. Cards returns short hash prefixes for display, and the audit log
// names cards by the same prefix ("card a1b2c3d4").
//
// # Lockout
//
// After MaxAttempts wrong PINs in a row, CheckPIN refuses every PIN, right or
// wrong, with ErrLocked for LockDuration, without hashing it. When the lock
// expires the count starts again from zero; a correct PIN (or SetPIN) resets
// it. Count and lock end are persisted, so restarting the kiosk does not
// lift a lockout. The lock end is wall-clock time: if the clock is set back,
// a lock is shortened to at most LockDuration from the new now (so a clock
// reset cannot lock the service screen for ever); setting the clock forward
// ends it early, which needs access to the device anyway.
package access

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"infomat/kiosk/lockout"
)

// Lockout policy (see package lockout).
const (
	MaxAttempts  = lockout.MaxAttempts  // wrong PINs in a row before the lock
	LockDuration = lockout.LockDuration // how long the lock lasts
)

// PrefixLen is the number of hex digits of a card hash shown by Cards and
// written to the audit log.
const PrefixLen = 8

// Audit actions recorded by Guard and Session.
const (
	ActionPINSet       = "service.pin.set"
	ActionPINOK        = "service.pin.ok"     // CheckPIN called directly
	ActionLogin        = "service.login"      // Session: card and PIN ok
	ActionPINWrong     = "service.pin.wrong"  // detail: attempts left, lock
	ActionPINLocked    = "service.pin.locked" // attempt refused: locked
	ActionNoPIN        = "service.pin.none"   // attempt refused: no PIN set
	ActionCardAdded    = "service.card.added"
	ActionCardRemoved  = "service.card.removed"
	ActionCardAccepted = "service.card.accepted"
	ActionCardRefused  = "service.card.refused"
)

// Errors. CheckPIN's wrong-PIN and locked errors are *WrongPINError and
// *LockedError, which match ErrWrongPIN and ErrLocked with errors.Is.
var (
	ErrWrongPIN    = lockout.ErrWrongPIN
	ErrLocked      = lockout.ErrLocked
	ErrNoPIN       = errors.New("no service PIN set")
	ErrPINFormat   = errors.New("service PIN must be 6 to 8 digits")
	ErrCardFormat  = errors.New("service card ID must be 1 to 128 printable ASCII characters")
	ErrUnknownCard = errors.New("unknown service card")
	ErrAmbiguous   = errors.New("card prefix matches more than one card")
	ErrNoCard      = errors.New("present a service card first")
)

// The PIN's refusals. They are package lockout's (as os's PathError is io/fs's), so the UI
// can explain a refused PIN without importing the store.
type (
	WrongPINError = lockout.WrongPINError
	LockedError   = lockout.LockedError
)

const (
	bucketService  = "service"
	subCards       = "cards"
	keyCardKey     = "card_key"
	keyPIN         = "pin"
	keyFailures    = "failures"
	keyLockedUntil = "locked_until"

	cardKeyLen = 32
	saltLen    = 16
	tagLen     = 32
	maxCardLen = 128
)

// Guard keeps the service allowlist, the PIN hash and the lockout, in its
// own bucket "service". It is safe for concurrent use; the lockout is also
// enforced across concurrent CheckPIN calls.
type Guard struct {
	db      *bolt.DB
	now     func() time.Time
	cardKey []byte
	audit   atomic.Pointer[Audit]
}

// Open creates the "service" bucket and the device's card key if needed.
// now is the clock for the lockout (time.Now when nil).
func Open(db *bolt.DB, now func() time.Time) (*Guard, error) {
	if db == nil {
		return nil, errors.New("open service access: nil database")
	}
	if now == nil {
		now = time.Now
	}
	a := &Guard{db: db, now: now}
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketService))
		if err != nil {
			return fmt.Errorf("create bucket %q: %w", bucketService, err)
		}
		if _, err := b.CreateBucketIfNotExists([]byte(subCards)); err != nil {
			return fmt.Errorf("create bucket %s/%s: %w", bucketService, subCards, err)
		}
		key := b.Get([]byte(keyCardKey))
		if key == nil {
			key = make([]byte, cardKeyLen)
			if _, err := rand.Read(key); err != nil {
				return fmt.Errorf("generate card key: %w", err)
			}
			if err := b.Put([]byte(keyCardKey), key); err != nil {
				return err
			}
		}
		if len(key) != cardKeyLen {
			return fmt.Errorf("card key has %d bytes, want %d", len(key), cardKeyLen)
		}
		a.cardKey = bytes.Clone(key)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open service access: %w", err)
	}
	return a, nil
}

// SetAudit makes Guard (and its Sessions) record every PIN and card change
// and every login step in au, in the same transaction as the step. au must
// use the same database; nil stops recording.
func (a *Guard) SetAudit(au *Audit) error {
	if au != nil && au.db != a.db {
		return errors.New("service audit log must be in the same database")
	}
	a.audit.Store(au)
	return nil
}

// log records an audit entry inside tx if an Audit is attached.
func (a *Guard) log(tx *bolt.Tx, action, detail string) error {
	if au := a.audit.Load(); au != nil {
		return au.record(tx, action, detail)
	}
	return nil
}

func bucket(tx *bolt.Tx) (*bolt.Bucket, *bolt.Bucket, error) {
	b := tx.Bucket([]byte(bucketService))
	if b == nil {
		return nil, nil, fmt.Errorf("bucket %q missing", bucketService)
	}
	c := b.Bucket([]byte(subCards))
	if c == nil {
		return nil, nil, fmt.Errorf("bucket %s/%s missing", bucketService, subCards)
	}
	return b, c, nil
}

func joinDetail(parts ...string) string {
	var nonEmpty []string
	for _, p := range parts {
		if p != "" {
			nonEmpty = append(nonEmpty, p)
		}
	}
	return strings.Join(nonEmpty, "; ")
}
