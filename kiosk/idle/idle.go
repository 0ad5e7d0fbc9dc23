// Package idle is the kiosk session's inactivity clock: when to warn a resident that the
// session is about to end, and when to reset it. It imports only the standard library, so
// the UI and the device runtime share it.
package idle

import (
	"sync"
	"time"
)

// MinWarning is the least time a resident gets to answer the "are you still there?" warning:
// EN 301 549 asks for at least 20 s to extend a timeout with one action.
const MinWarning = 20 * time.Second

// DefaultTimeout is how long a session may sit untouched before it resets.
const DefaultTimeout = 90 * time.Second

// State is where a session is on its way to an idle reset.
type State int

const (
	Active  State = iota // in use
	Warning              // the warning with a countdown is due
	Expired              // reset the session now
)

// Timer tracks inactivity. The UI calls Touch on every interaction and Poll once a second;
// the clock is injected so tests advance time instead of sleeping.
type Timer struct {
	timeout time.Duration
	warning time.Duration
	now     func() time.Time

	mu   sync.Mutex
	last time.Time
}

// New returns a tracker that warns MinWarning (or the whole timeout, if shorter) before
// the timeout runs out. now is time.Now outside tests.
func New(timeout time.Duration, now func() time.Time) *Timer {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	warn := min(MinWarning, timeout)
	return &Timer{timeout: timeout, warning: warn, now: now, last: now()}
}

// Timeout is the whole idle time before a reset.
func (i *Timer) Timeout() time.Duration { return i.timeout }

// Touch records an interaction; it also answers "Więcej czasu", which restores the whole
// timeout (never less than MinWarning).
func (i *Timer) Touch() {
	i.mu.Lock()
	i.last = i.now()
	i.mu.Unlock()
}

// Poll says whether to warn or reset, and how long is left until the reset.
func (i *Timer) Poll() (State, time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	left := i.timeout - i.now().Sub(i.last)
	switch {
	case left <= 0:
		return Expired, 0
	case left <= i.warning:
		return Warning, left
	}
	return Active, left
}
