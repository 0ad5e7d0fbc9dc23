package panel

import (
	"sync"
	"time"
)

// ThrottlePolicy is how failed logins slow an attacker down. Failures count per account
// (stored with the user, so a restart does not reset them) and per client address (in
// memory): a password guesser hits the account's lockout, a sprayer trying one password on
// many accounts hits the address's.
type ThrottlePolicy struct {
	AccountFailures int           // failures in a row that lock an account
	AccountLock     time.Duration // for this long
	IPFailures      int           // failures from one address within IPWindow that block it
	IPWindow        time.Duration // ... until the window ends
}

// DefaultThrottle: 5 wrong passwords (or TOTP codes) lock an account for 15 minutes; 20
// failures from one address in 15 minutes block the address for the rest of them.
var DefaultThrottle = ThrottlePolicy{AccountFailures: 5, AccountLock: 15 * time.Minute, IPFailures: 20, IPWindow: 15 * time.Minute}

// throttle counts failures per client address in fixed windows.
type throttle struct {
	p  ThrottlePolicy
	mu sync.Mutex
	ip map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newThrottle(p ThrottlePolicy) *throttle { return &throttle{p: p, ip: map[string]*window{}} }

// blocked reports whether addr may not try now, and until when.
func (t *throttle) blocked(addr string, now time.Time) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.ip[addr]
	if w == nil || now.Sub(w.start) >= t.p.IPWindow {
		return false, time.Time{}
	}
	return w.n >= t.p.IPFailures, w.start.Add(t.p.IPWindow)
}

// fail counts a failure from addr.
func (t *throttle) fail(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.ip[addr]
	if w == nil || now.Sub(w.start) >= t.p.IPWindow {
		w = &window{start: now}
		t.ip[addr] = w
	}
	w.n++
	// Forget old windows now and then, so the map stays the size of recent attackers.
	if len(t.ip) > 10000 {
		for a, w := range t.ip {
			if now.Sub(w.start) >= t.p.IPWindow {
				delete(t.ip, a)
			}
		}
	}
}
