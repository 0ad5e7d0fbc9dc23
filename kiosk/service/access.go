// Package service guards the kiosk's service screen: technicians present a
// service card whose ID is on the device's allowlist, then type the service
// PIN.
//
// # Storage
//
// Access keeps everything in one top-level bucket, "service", of the store's
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
package service

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// Lockout policy.
const (
	MaxAttempts  = 5               // wrong PINs in a row before the lock
	LockDuration = 5 * time.Minute // how long the lock lasts
)

// PrefixLen is the number of hex digits of a card hash shown by Cards and
// written to the audit log.
const PrefixLen = 8

// Audit actions recorded by Access and Session.
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
	ErrWrongPIN    = errors.New("wrong service PIN")
	ErrLocked      = errors.New("service PIN locked after too many wrong attempts")
	ErrNoPIN       = errors.New("no service PIN set")
	ErrPINFormat   = errors.New("service PIN must be 6 to 8 digits")
	ErrCardFormat  = errors.New("service card ID must be 1 to 128 printable ASCII characters")
	ErrUnknownCard = errors.New("unknown service card")
	ErrAmbiguous   = errors.New("card prefix matches more than one card")
	ErrNoCard      = errors.New("present a service card first")
)

// WrongPINError is returned by CheckPIN for a wrong PIN.
type WrongPINError struct {
	// Left is how many wrong PINs remain before the lock; 0 means this
	// attempt locked the PIN.
	Left int
	// LockedUntil is set when this attempt locked the PIN.
	LockedUntil time.Time
}

func (e *WrongPINError) Error() string {
	if e.Left == 0 {
		return fmt.Sprintf("%v; locked until %s", ErrWrongPIN, e.LockedUntil.Format(time.TimeOnly))
	}
	return fmt.Sprintf("%v; %d attempt(s) left", ErrWrongPIN, e.Left)
}

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// LockedError is returned by CheckPIN while the PIN is locked.
type LockedError struct {
	Until time.Time
	Left  time.Duration // Until minus now
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v; try again in %s", ErrLocked, e.Left.Round(time.Second))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

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

// kdf is the argon2id cost. defaultKDF follows RFC 9106's second
// recommended option; tests lower hashKDF.
type kdf struct {
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
}

var (
	defaultKDF = kdf{Time: 3, Memory: 64 * 1024, Threads: 4}
	hashKDF    = defaultKDF
)

// pinRecord is the stored PIN hash.
type pinRecord struct {
	Alg string `json:"alg"` // "argon2id"
	V   int    `json:"v"`   // argon2.Version
	kdf
	Salt []byte `json:"salt"`
	Hash []byte `json:"hash"`
	// Digits is the PIN's length; 0 in records written before it was kept, until the
	// PIN is next used.
	Digits int `json:"digits,omitempty"`
}

// Access keeps the service allowlist, the PIN hash and the lockout, in its
// own bucket "service". It is safe for concurrent use; the lockout is also
// enforced across concurrent CheckPIN calls.
type Access struct {
	db      *bolt.DB
	now     func() time.Time
	cardKey []byte
	audit   atomic.Pointer[Audit]
}

// Open creates the "service" bucket and the device's card key if needed.
// now is the clock for the lockout (time.Now when nil).
func Open(db *bolt.DB, now func() time.Time) (*Access, error) {
	if db == nil {
		return nil, errors.New("open service access: nil database")
	}
	if now == nil {
		now = time.Now
	}
	a := &Access{db: db, now: now}
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

// SetAudit makes Access (and its Sessions) record every PIN and card change
// and every login step in au, in the same transaction as the step. au must
// use the same database; nil stops recording.
func (a *Access) SetAudit(au *Audit) error {
	if au != nil && au.db != a.db {
		return errors.New("service audit log must be in the same database")
	}
	a.audit.Store(au)
	return nil
}

// log records an audit entry inside tx if an Audit is attached.
func (a *Access) log(tx *bolt.Tx, action, detail string) error {
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

// PIN lengths: SetPIN takes MinPINDigits to MaxPINDigits digits; a login also accepts the
// shorter PINs (from oldMinPINDigits) that SetPIN took before.
const (
	MinPINDigits    = 6
	MaxPINDigits    = 8
	oldMinPINDigits = 4
)

// ValidPIN reports whether pin has the required form: 6 to 8 ASCII digits.
func ValidPIN(pin string) bool { return digits(pin, MinPINDigits, MaxPINDigits) }

// digits reports whether pin is min to max ASCII digits.
func digits(pin string, min, max int) bool {
	if len(pin) < min || len(pin) > max {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}

// SetPIN replaces the service PIN (6–8 digits) and clears the wrong-PIN
// count and any lockout: whoever can call it already controls the device.
func (a *Access) SetPIN(pin string) error {
	if !ValidPIN(pin) {
		return ErrPINFormat
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("set service PIN: salt: %w", err)
	}
	p := hashKDF
	rec := pinRecord{
		Alg: "argon2id", V: argon2.Version, kdf: p, Salt: salt,
		Hash:   argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, tagLen),
		Digits: len(pin),
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("set service PIN: %w", err)
	}
	err = a.db.Update(func(tx *bolt.Tx) error {
		b, _, err := bucket(tx)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(keyPIN), raw); err != nil {
			return err
		}
		if err := saveLock(b, lockState{}); err != nil {
			return err
		}
		return a.log(tx, ActionPINSet, "")
	})
	if err != nil {
		return fmt.Errorf("set service PIN: %w", err)
	}
	return nil
}

// matches hashes pin with the stored record's salt and parameters and
// compares in constant time.
func matches(raw []byte, pin string) (bool, error) {
	var r pinRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return false, fmt.Errorf("decode stored PIN: %w", err)
	}
	// Bounds keep a damaged or tampered record from asking for absurd work.
	if r.Alg != "argon2id" || r.V != argon2.Version ||
		r.Time < 1 || r.Time > 16 || r.Threads < 1 || r.Threads > 64 ||
		r.Memory < 8*uint32(r.Threads) || r.Memory > 1<<20 ||
		len(r.Salt) < 8 || len(r.Salt) > 64 || len(r.Hash) < 16 || len(r.Hash) > 64 {
		return false, errors.New("stored PIN has unsupported parameters")
	}
	if !digits(pin, oldMinPINDigits, MaxPINDigits) {
		// Counted as wrong; no need to hash what cannot be a PIN.
		return false, nil
	}
	got := argon2.IDKey([]byte(pin), r.Salt, r.Time, r.Memory, r.Threads, uint32(len(r.Hash)))
	return subtle.ConstantTimeCompare(got, r.Hash) == 1, nil
}

// lockState is the persisted lockout.
type lockState struct {
	failures uint64
	until    time.Time // zero: not locked
}

func (s lockState) locked(now time.Time) bool { return !s.until.IsZero() && now.Before(s.until) }

// loadLock reads the lockout as of now: an expired lock is cleared (with its
// count) and a lock ending more than LockDuration after now (the clock went
// back) is shortened.
func loadLock(b *bolt.Bucket, now time.Time) lockState {
	var s lockState
	if raw := b.Get([]byte(keyFailures)); len(raw) == 8 {
		s.failures = binary.BigEndian.Uint64(raw)
	}
	if raw := b.Get([]byte(keyLockedUntil)); len(raw) == 8 {
		if n := int64(binary.BigEndian.Uint64(raw)); n != 0 {
			s.until = time.Unix(0, n)
		}
	}
	switch {
	case s.until.IsZero():
	case !now.Before(s.until):
		s = lockState{}
	case s.until.Sub(now) > LockDuration:
		s.until = now.Add(LockDuration)
	}
	if s.until.IsZero() && s.failures >= MaxAttempts {
		// A count at the limit without a lock (damaged value): lock now
		// rather than allow more guesses.
		s.until = now.Add(LockDuration)
	}
	return s
}

func saveLock(b *bolt.Bucket, s lockState) error {
	var n int64
	if !s.until.IsZero() {
		n = s.until.UnixNano()
	}
	if err := b.Put([]byte(keyFailures), binary.BigEndian.AppendUint64(nil, s.failures)); err != nil {
		return err
	}
	return b.Put([]byte(keyLockedUntil), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// LockedUntil returns when the current lockout ends, or the zero time when
// the PIN is not locked (or the state cannot be read).
func (a *Access) LockedUntil() time.Time {
	var until time.Time
	_ = a.db.View(func(tx *bolt.Tx) error {
		b, _, err := bucket(tx)
		if err != nil {
			return err
		}
		now := a.now()
		if s := loadLock(b, now); s.locked(now) {
			until = s.until
		}
		return nil
	})
	return until
}

// CheckPIN checks pin against the stored hash. It returns nil for the right
// PIN, a *WrongPINError (errors.Is ErrWrongPIN) for a wrong one, a
// *LockedError (errors.Is ErrLocked) while locked, whatever pin is, and
// ErrNoPIN when no PIN is set. Any other error means the check could not be
// made; treat every non-nil error as "not authenticated".
func (a *Access) CheckPIN(pin string) error { return a.checkPIN(pin, "", ActionPINOK) }

// errRetry rolls back a transaction that needs the PIN hashed first.
var errRetry = errors.New("retry")

// checkPIN is CheckPIN with the audit detail prefix tag (the session's card)
// and the action recorded on success. The argon2id work runs outside the
// write transaction so that it does not hold bbolt's writer lock; the state
// is re-read in the transaction that records the result, and the hash is
// redone if the PIN changed in between.
func (a *Access) checkPIN(pin, tag, okAction string) error {
	var (
		hashedRec []byte // the record `matched` was computed against
		matched   bool
	)
	for range 4 {
		var (
			result error
			rec    []byte
		)
		err := a.db.Update(func(tx *bolt.Tx) error {
			b, _, err := bucket(tx)
			if err != nil {
				return err
			}
			now := a.now()
			st := loadLock(b, now)
			stored := b.Get([]byte(keyPIN))
			var action, detail string
			switch {
			case stored == nil:
				result, action = ErrNoPIN, ActionNoPIN
			case st.locked(now):
				left := st.until.Sub(now)
				result = &LockedError{Until: st.until, Left: left}
				action, detail = ActionPINLocked, "locked for "+left.Round(time.Second).String()
			case hashedRec == nil || !bytes.Equal(stored, hashedRec):
				rec = bytes.Clone(stored)
				return errRetry
			case matched:
				st = lockState{}
				action = okAction
				if err := noteDigits(b, stored, len(pin)); err != nil {
					return err
				}
			default:
				st.failures++
				left := MaxAttempts - int(st.failures)
				if left <= 0 {
					left = 0
					st.until = now.Add(LockDuration)
					detail = "0 attempts left; locked for " + LockDuration.String()
				} else {
					detail = strconv.Itoa(left) + " attempt(s) left"
				}
				result = &WrongPINError{Left: left, LockedUntil: st.until}
				action = ActionPINWrong
			}
			if err := saveLock(b, st); err != nil {
				return err
			}
			return a.log(tx, action, joinDetail(tag, detail))
		})
		if errors.Is(err, errRetry) {
			if matched, err = matches(rec, pin); err != nil {
				return fmt.Errorf("check service PIN: %w", err)
			}
			hashedRec = rec
			continue
		}
		if err != nil {
			return fmt.Errorf("check service PIN: %w", err)
		}
		return result
	}
	return errors.New("check service PIN: PIN kept changing during the check")
}

// noteDigits records the length of the PIN that just matched in a record written before
// lengths were kept, so ShortPIN can tell.
func noteDigits(b *bolt.Bucket, stored []byte, n int) error {
	var r pinRecord
	if err := json.Unmarshal(stored, &r); err != nil || r.Digits != 0 {
		return nil // matches decoded it; nothing to learn
	}
	r.Digits = n
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(keyPIN), raw)
}

// PINDigits returns the service PIN's length: 0 when no PIN is set or when it was set
// before lengths were kept and has not been used since (its length is not known).
func (a *Access) PINDigits() (n int, set bool, err error) {
	err = a.db.View(func(tx *bolt.Tx) error {
		b, _, err := bucket(tx)
		if err != nil {
			return err
		}
		raw := b.Get([]byte(keyPIN))
		if raw == nil {
			return nil
		}
		set = true
		var r pinRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode stored PIN: %w", err)
		}
		n = r.Digits
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("service PIN length: %w", err)
	}
	return n, set, nil
}

// ShortPIN reports whether the service PIN is known to have fewer than MinPINDigits
// digits (set before the 6-digit rule): it still logs in, but should be replaced with
// `infomat service set-pin`. A PIN from before that has not been used since is not known.
func (a *Access) ShortPIN() (bool, error) {
	n, _, err := a.PINDigits()
	return n > 0 && n < MinPINDigits, err
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

// normCard canonicalises a card ID as read from the reader: surrounding
// white space (CR/LF from serial readers) is dropped and letters are
// upper-cased, so "04a1b2\r\n" and "04A1B2" are the same card.
func normCard(id string) (string, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if id == "" || len(id) > maxCardLen {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return "", false
		}
	}
	return id, true
}

// cardHash is HMAC-SHA256(card key, normalised ID), or nil for input that
// cannot be a card ID.
func (a *Access) cardHash(id string) []byte {
	id, ok := normCard(id)
	if !ok {
		return nil
	}
	m := hmac.New(sha256.New, a.cardKey)
	m.Write([]byte(id))
	return m.Sum(nil)
}

// cardTag names a card hash in the audit log.
func cardTag(h []byte) string { return "card " + hex.EncodeToString(h)[:PrefixLen] }

// AddCard puts a card on the allowlist. Adding a listed card is a no-op.
func (a *Access) AddCard(id string) error {
	h := a.cardHash(id)
	if h == nil {
		return ErrCardFormat
	}
	err := a.db.Update(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		if c.Get(h) != nil {
			return nil
		}
		if err := c.Put(h, []byte{}); err != nil {
			return err
		}
		return a.log(tx, ActionCardAdded, cardTag(h))
	})
	if err != nil {
		return fmt.Errorf("add service card: %w", err)
	}
	return nil
}

// RemoveCard takes a card off the allowlist; an error wrapping
// ErrUnknownCard if it is not listed.
func (a *Access) RemoveCard(id string) error {
	h := a.cardHash(id)
	if h == nil {
		return fmt.Errorf("remove service card: %w", ErrUnknownCard)
	}
	return a.removeHash("remove service card", func(c *bolt.Bucket) ([]byte, error) {
		if c.Get(h) == nil {
			return nil, ErrUnknownCard
		}
		return h, nil
	})
}

// RemoveCardPrefix takes off the allowlist the card whose hash starts with
// prefix (as shown by Cards, at least 4 hex digits), for a lost card whose
// ID nobody has any more. It fails with ErrUnknownCard when no card matches
// and ErrAmbiguous when several do.
func (a *Access) RemoveCardPrefix(prefix string) error {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if len(prefix) < 4 {
		return fmt.Errorf("remove service card: prefix %q too short: %w", prefix, ErrAmbiguous)
	}
	return a.removeHash("remove service card "+prefix, func(c *bolt.Bucket) ([]byte, error) {
		var found []byte
		err := c.ForEach(func(k, _ []byte) error {
			if !strings.HasPrefix(hex.EncodeToString(k), prefix) {
				return nil
			}
			if found != nil {
				return ErrAmbiguous
			}
			found = bytes.Clone(k)
			return nil
		})
		if err == nil && found == nil {
			err = ErrUnknownCard
		}
		return found, err
	})
}

func (a *Access) removeHash(op string, find func(c *bolt.Bucket) ([]byte, error)) error {
	err := a.db.Update(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		h, err := find(c)
		if err != nil {
			return err
		}
		if err := c.Delete(h); err != nil {
			return err
		}
		return a.log(tx, ActionCardRemoved, cardTag(h))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// Cards lists the allowlist for display: not the card IDs, which are not
// stored, but the first PrefixLen hex digits of each card's hash, in hash
// order. The same prefix names the card in the audit log and is accepted by
// RemoveCardPrefix. To find a given card's prefix, CardPrefix.
func (a *Access) Cards() ([]string, error) {
	var out []string
	err := a.db.View(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		return c.ForEach(func(k, _ []byte) error {
			out = append(out, hex.EncodeToString(k)[:PrefixLen])
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list service cards: %w", err)
	}
	return out, nil
}

// CardPrefix returns the display prefix Cards would show for id (whether or
// not it is listed), or "" if id cannot be a card ID.
func (a *Access) CardPrefix(id string) string {
	h := a.cardHash(id)
	if h == nil {
		return ""
	}
	return hex.EncodeToString(h)[:PrefixLen]
}

// CardAllowed reports whether id is on the allowlist. It is false for
// anything that cannot be read (fail closed).
func (a *Access) CardAllowed(id string) bool {
	h := a.cardHash(id)
	if h == nil {
		return false
	}
	ok := false
	_ = a.db.View(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err == nil {
			ok = c.Get(h) != nil
		}
		return err
	})
	return ok
}
