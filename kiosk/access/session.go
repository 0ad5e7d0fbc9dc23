package access

import (
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CardWindow is how long an accepted card stays good for typing the PIN.
const CardWindow = 2 * time.Minute

// Session is the two-step login the UI drives: Card(id) when the reader
// reports a card, then PIN(pin) when the technician has typed it.
//
// A card that is not on the allowlist, including reader noise, is ignored:
// Card returns an error wrapping ErrUnknownCard, the session keeps whatever
// state it had, and nothing counts as a PIN attempt. PIN without an accepted
// card (or more than CardWindow after it) returns ErrNoCard and is not
// counted either, so only someone holding a listed card can use up the
// attempts. Wrong PINs may be retried within the window; a correct PIN logs
// in and consumes the card. Each step is recorded in the Guard's audit log.
//
// A Session is safe for concurrent use.
type Session struct {
	a *Guard

	mu       sync.Mutex
	card     []byte    // hash of the accepted card, nil if none
	cardAt   time.Time // when it was accepted
	loggedIn bool
}

// NewSession starts a logged-out session.
func (a *Guard) NewSession() *Session { return &Session{a: a} }

// Card handles a card read. It returns nil when the card is on the
// allowlist (the UI then asks for the PIN), an error wrapping
// ErrUnknownCard when it is not, or a storage error.
func (s *Session) Card(id string) error {
	a := s.a
	h := a.cardHash(id)
	allowed := false
	err := a.db.Update(func(tx *bolt.Tx) error {
		_, c, err := bucket(tx)
		if err != nil {
			return err
		}
		if h == nil {
			return a.log(tx, ActionCardRefused, "malformed input")
		}
		allowed = c.Get(h) != nil
		if !allowed {
			return a.log(tx, ActionCardRefused, cardTag(h))
		}
		return a.log(tx, ActionCardAccepted, cardTag(h))
	})
	if err != nil {
		return fmt.Errorf("service card: %w", err)
	}
	if !allowed {
		return ErrUnknownCard
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.cardAt = h, a.now()
	return nil
}

// PIN checks the PIN for the accepted card. It returns nil when the session
// is now logged in, ErrNoCard without a (recent) accepted card, and
// otherwise whatever CheckPIN returns (ErrWrongPIN, ErrLocked, ErrNoPIN).
func (s *Session) PIN(pin string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.card == nil {
		return ErrNoCard
	}
	now := s.a.now()
	if age := now.Sub(s.cardAt); age < 0 || age > CardWindow {
		s.card = nil
		return ErrNoCard
	}
	err := s.a.checkPIN(pin, cardTag(s.card), ActionLogin)
	if err == nil {
		s.loggedIn = true
		s.card = nil
	}
	return err
}

// LoggedIn reports whether the session has passed both steps.
func (s *Session) LoggedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loggedIn
}

// Reset logs out and forgets the accepted card.
func (s *Session) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.loggedIn = nil, false
}
