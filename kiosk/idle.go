package kiosk

import (
	"sync"
	"time"
)

// MinWarning is the least time a resident gets to answer the "are you still there?" warning:
// EN 301 549 asks for at least 20 s to extend a timeout with one action.
const MinWarning = 20 * time.Second

// DefaultIdleTimeout is how long a session may sit untouched before it resets.
const DefaultIdleTimeout = 90 * time.Second

// IdleState is where a session is on its way to an idle reset.
type IdleState int

const (
	Active  IdleState = iota // in use
	Warning                  // the warning with a countdown is due
	Expired                  // reset the session now
)

// Idle tracks inactivity. The UI calls Touch on every interaction and Poll once a second;
// the clock is injected so tests advance time instead of sleeping.
type Idle struct {
	timeout time.Duration
	warning time.Duration
	now     func() time.Time

	mu   sync.Mutex
	last time.Time
}

// NewIdle returns a tracker that warns MinWarning (or the whole timeout, if shorter) before
// the timeout runs out. now is time.Now outside tests.
func NewIdle(timeout time.Duration, now func() time.Time) *Idle {
	if timeout <= 0 {
		timeout = DefaultIdleTimeout
	}
	warn := min(MinWarning, timeout)
	return &Idle{timeout: timeout, warning: warn, now: now, last: now()}
}

// Timeout is the whole idle time before a reset.
func (i *Idle) Timeout() time.Duration { return i.timeout }

// Touch records an interaction; it also answers "Więcej czasu", which restores the whole
// timeout (never less than MinWarning).
func (i *Idle) Touch() {
	i.mu.Lock()
	i.last = i.now()
	i.mu.Unlock()
}

// Poll says whether to warn or reset, and how long is left until the reset.
func (i *Idle) Poll() (IdleState, time.Duration) {
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
