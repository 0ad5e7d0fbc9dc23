package access

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
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
func (a *Guard) SetPIN(pin string) error {
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
func (a *Guard) LockedUntil() time.Time {
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
func (a *Guard) CheckPIN(pin string) error { return a.checkPIN(pin, "", ActionPINOK) }

// errRetry rolls back a transaction that needs the PIN hashed first.
var errRetry = errors.New("retry")

// checkPIN is CheckPIN with the audit detail prefix tag (the session's card)
// and the action recorded on success. The argon2id work runs outside the
// write transaction so that it does not hold bbolt's writer lock; the state
// is re-read in the transaction that records the result, and the hash is
// redone if the PIN changed in between.
func (a *Guard) checkPIN(pin, tag, okAction string) error {
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
func (a *Guard) PINDigits() (n int, set bool, err error) {
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
func (a *Guard) ShortPIN() (bool, error) {
	n, _, err := a.PINDigits()
	return n > 0 && n < MinPINDigits, err
}
