package client

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"infomat/sync/protocol"
)

func TestBackoffAndRetryAfter(t *testing.T) {
	for n := 1; n <= 40; n++ {
		ceil := min(backoffCap, backoffBase<<min(n-1, 20))
		for range 50 {
			if d := backoff(n, rand.Int64N); d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", n, d, ceil)
			}
		}
		if d := backoff(n, func(m int64) int64 { return m - 1 }); d != ceil {
			t.Errorf("backoff(%d) ceiling = %v, want %v", n, d, ceil)
		}
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"0":                             0,
		"-5":                            0,
		"junk":                          0,
		"999999999":                     maxRetryAfter,
		"Sun, 01 Mar 2026 12:02:00 GMT": 2 * time.Minute,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

type runHarness struct {
	p      *testPortal
	k      *kiosk
	c      *Client
	clock  *fakeClock
	kick   chan struct{}
	loaded atomic.Uint64
	cancel context.CancelFunc
	done   chan error
}

func startRun(t *testing.T, p *testPortal, k *kiosk) *runHarness {
	t.Helper()
	h := &runHarness{p: p, k: k, c: p.client(t), clock: newFakeClock(), kick: make(chan struct{}, 1), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.done <- h.c.Run(ctx, RunDeps{
			Outbox: k.ob, Store: k.st, Kick: h.kick, Clock: h.clock,
			Heartbeat: func() protocol.Heartbeat { return protocol.Heartbeat{Queued: 1, AppVersion: "test"} },
			OnContent: func(v uint64) { h.loaded.Store(v) },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not stop")
		}
	})
	return h
}

// idle waits until Run is blocked waiting for its clock again.
func (h *runHarness) idle(t *testing.T, afters int) int {
	t.Helper()
	eventually(t, "Run to wait", func() bool { return h.clock.Afters() > afters })
	return h.clock.Afters()
}

func TestRunPushesPullsAndBeats(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	items := k.enqueue(t, 2)
	p.publish(t, 3, embedded(t), nil)
	h := startRun(t, p, k)
	eventually(t, "content", func() bool { return h.loaded.Load() == 3 })
	h.idle(t, 0)
	delivered(t, k, items)
	st := h.c.Status()
	if st.ContentVersion != 3 || st.LastPush.IsZero() || st.LastPull.IsZero() || st.LastSync.IsZero() || st.LastError != "" || st.Revoked {
		t.Errorf("status %+v", st)
	}
	if beats := len(p.heartbeats(t)); beats != 1 {
		t.Errorf("%d heartbeats, want 1", beats)
	}
	// A kick after a new submission sends it at once.
	more := k.enqueue(t, 1)
	n := h.clock.Afters()
	h.kick <- struct{}{}
	h.idle(t, n)
	delivered(t, k, more)
}

func TestRunHonoursRetryAfter(t *testing.T) {
	for _, fault := range []string{"429:120", "429date:120"} {
		t.Run(fault, func(t *testing.T) {
			p := newPortal(t)
			k := newKiosk(t)
			items := k.enqueue(t, 1)
			p.faults = []string{fault}
			h := startRun(t, p, k)
			n := h.idle(t, 0)
			st := h.c.Status()
			start := h.clock.Now()
			wait := st.NextPush.Sub(start)
			if wait < 118*time.Second || wait > 121*time.Second {
				t.Fatalf("next push in %v, want the 120 s Retry-After (status %+v)", wait, st)
			}
			if st.LastError == "" {
				t.Error("no LastError after a 429")
			}
			// A kick does not override the portal's Retry-After.
			h.kick <- struct{}{}
			n = h.idle(t, n)
			h.clock.Advance(110 * time.Second) // heartbeats are due, the push is not
			n = h.idle(t, n)
			if _, _, puts := p.snapshot(); puts[items[0].ID] != 1 {
				t.Fatalf("pushed %d times before Retry-After passed", puts[items[0].ID])
			}
			h.clock.Advance(11 * time.Second)
			h.idle(t, n)
			eventually(t, "delivery", func() bool {
				_, _, puts := p.snapshot()
				return puts[items[0].ID] == 2
			})
			delivered(t, k, items)
			if st := h.c.Status(); st.LastError != "" {
				t.Errorf("LastError after recovery: %q", st.LastError)
			}
		})
	}
}

func TestRunBacksOffExponentially(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	k.enqueue(t, 1)
	p.faults = []string{"500", "500", "500", "500"}
	h := startRun(t, p, k)
	n := h.idle(t, 0)
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		got := h.c.Status().NextPush.Sub(h.clock.Now())
		if got != want {
			t.Fatalf("after failure %d: next push in %v, want %v", i+1, got, want)
		}
		h.clock.Advance(want)
		n = h.idle(t, n)
	}
	if pend, _ := k.ob.Pending(0); len(pend) != 0 {
		t.Errorf("%d still pending after the portal recovered", len(pend))
	}
}

func TestRunRevokedStopsPushing(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	items := k.enqueue(t, 1)
	p.revoke(t)
	h := startRun(t, p, k)
	n := h.idle(t, 0)
	_, _, before := p.snapshot()
	st := h.c.Status()
	if !st.Revoked || st.NextPush.Sub(h.clock.Now()) < revokedProbe-time.Second {
		t.Fatalf("status %+v", st)
	}
	h.kick <- struct{}{}
	h.idle(t, n)
	// The first PUT met the revocation; the kick sends no other.
	if accepted, _, puts := p.snapshot(); len(accepted) != 0 || len(puts) > 1 || !maps.Equal(puts, before) {
		t.Errorf("portal stored %v from a revoked device, PUTs %v then %v", accepted, before, puts)
	}
	if got, _ := k.ob.Get(items[0].ID); got.Ciphertext == nil {
		t.Error("ciphertext lost")
	}
}
