package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"infomat/sync/protocol"
)

// Status is the sync state for the service screen. Times are zero until the event first
// happens.
type Status struct {
	LastSync       time.Time // last successful exchange of any kind with the portal
	LastPush       time.Time // last push pass that ended without error
	LastPull       time.Time // last pull that ended without error
	LastError      string    // the latest failure, "" once that activity succeeds again
	Revoked        bool      // the portal refuses the credentials: re-enrol the kiosk
	ContentVersion uint64    // active portal content version
	NextPush       time.Time // when Run pushes next (later than usual after failures)
	NextPull       time.Time // when Run pulls next
}

// Status returns a snapshot of the sync state.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// noteSync records a completed exchange with the portal.
func (c *Client) noteSync() {
	c.mu.Lock()
	c.status.LastSync = c.clock.Now()
	c.mu.Unlock()
}

// RunDeps is what Run needs from the kiosk.
type RunDeps struct {
	Outbox Queue
	Store  ContentStore
	// Heartbeat returns the figures to send; nil sends none.
	Heartbeat func() protocol.Heartbeat
	// OnContent is called (from Run's goroutine) after new content was activated; the
	// kiosk reloads its screens from the store.
	OnContent func(version uint64)
	// Kick asks for a sync now (a submission was queued, or "sync now" on the service
	// screen): push and pull run at once, except while the portal's Retry-After lasts.
	Kick <-chan struct{}
	// Clock defaults to the real one.
	Clock Clock
	// Trusted, when set, is the kiosk's trusted time (see UseTrustedTime); the caller should
	// rather call UseTrustedTime itself before Run when other goroutines use the client.
	Trusted TrustedTime
	// Log gets one line per failure and per delivered item or content update, with
	// references and IDs only. Nil discards.
	Log *slog.Logger

	// Intervals; zero means the default.
	PushEvery      time.Duration // how often the outbox is looked at (default 30 s)
	PullEvery      time.Duration // default 5 min
	HeartbeatEvery time.Duration // default 1 min
}

// While the portal refuses the credentials, each activity probes it this often.
const revokedProbe = time.Hour

// runner is Run's state; only Run's goroutine touches it.
type runner struct {
	c    *Client
	d    RunDeps
	log  *slog.Logger
	push struct {
		fails      int
		next       time.Time
		notBefore  time.Time // the portal's Retry-After: a kick doesn't override it
		errPending bool
	}
	pull struct {
		fails      int
		next       time.Time
		notBefore  time.Time
		errPending bool
	}
	hbNext       time.Time
	hbErrPending bool
}

// Run is the background loop the kiosk runs until ctx is done: it pushes the outbox (at
// once, on a kick, and every PushEvery while items wait), pulls content every PullEvery
// and sends a heartbeat every HeartbeatEvery. Failures back off exponentially with full
// jitter (1 s to 5 min) and honour Retry-After; 401/403 suspend the activity that met
// them for an hour (Status says Revoked until anything gets through again). It never panics and returns ctx's
// error.
func (c *Client) Run(ctx context.Context, d RunDeps) error {
	if d.Outbox == nil || d.Store == nil {
		return errors.New("sync run: outbox and store are required")
	}
	if d.Clock != nil {
		c.clock = d.Clock
	}
	if d.Trusted != nil && c.trusted == nil {
		c.UseTrustedTime(d.Trusted)
	}
	if d.PushEvery <= 0 {
		d.PushEvery = 30 * time.Second
	}
	if d.PullEvery <= 0 {
		d.PullEvery = 5 * time.Minute
	}
	if d.HeartbeatEvery <= 0 {
		d.HeartbeatEvery = time.Minute
	}
	log := d.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &runner{c: c, d: d, log: log}
	if v, err := d.Store.PortalVersion(); err == nil {
		c.mu.Lock()
		c.status.ContentVersion = v
		c.mu.Unlock()
	}
	now := c.clock.Now()
	r.push.next, r.pull.next, r.hbNext = now, now, now

	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !c.clock.Now().Before(r.push.next) {
			r.doPush(ctx)
		}
		if !c.clock.Now().Before(r.pull.next) {
			r.doPull(ctx)
		}
		if d.Heartbeat != nil && !c.clock.Now().Before(r.hbNext) {
			r.doHeartbeat(ctx)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		due := r.push.next
		if r.pull.next.Before(due) {
			due = r.pull.next
		}
		if d.Heartbeat != nil && r.hbNext.Before(due) {
			due = r.hbNext
		}
		c.mu.Lock()
		c.status.NextPush, c.status.NextPull = r.push.next, r.pull.next
		c.mu.Unlock()
		wait := max(due.Sub(c.clock.Now()), 0)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.clock.After(wait):
		case <-d.Kick:
			now := c.clock.Now()
			r.push.next = laterOf(now, r.push.notBefore)
			r.pull.next = laterOf(now, r.pull.notBefore)
		}
	}
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// safely runs fn, turning a panic into an error: a bug in sync must not take the kiosk down.
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in sync: %v", p)
		}
	}()
	return fn()
}

func (r *runner) setError(err error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.status.LastError = ""
		return
	}
	c.status.LastError = err.Error()
}

func (r *runner) doPush(ctx context.Context) {
	c := r.c
	now := c.clock.Now()
	var sent int
	err := safely(func() error {
		st, err := r.d.Outbox.Stats()
		if err != nil {
			return err
		}
		if st.Queued+st.Sending == 0 {
			return nil
		}
		sent, err = c.Push(ctx, r.d.Outbox, func(s string) { r.log.Info("sync push", "item", s) })
		return err
	})
	if ctx.Err() != nil {
		return
	}
	now = laterOf(now, c.clock.Now())
	if err == nil {
		r.push.fails = 0
		r.push.notBefore = time.Time{}
		r.push.next = now.Add(r.d.PushEvery)
		c.mu.Lock()
		c.status.LastPush = now
		c.mu.Unlock()
		if r.push.errPending {
			r.push.errPending = false
			r.setError(nil)
		}
		if sent > 0 {
			r.log.Info("sync: submissions delivered", "count", sent)
		}
		return
	}
	r.push.fails++
	r.push.errPending = true
	r.setError(err)
	wait := backoff(r.push.fails, c.jitter)
	if ra := retryAfter(err); ra > 0 {
		r.push.notBefore = now.Add(ra)
		wait = max(wait, ra)
	}
	if errors.Is(err, ErrRevoked) {
		// Stop pushing: the next try is a probe an hour from now, kick or not.
		wait = revokedProbe
		r.push.notBefore = now.Add(wait)
	}
	r.push.next = now.Add(wait)
	r.log.Warn("sync: push failed", "err", err, "retry_in", wait.Round(time.Millisecond))
}

func (r *runner) doPull(ctx context.Context) {
	c := r.c
	var (
		updated bool
		version uint64
	)
	err := safely(func() error {
		var err error
		updated, version, err = c.Pull(ctx, r.d.Store, c.clock.Now(), func(s string) { r.log.Info("sync pull", "step", s) })
		return err
	})
	if ctx.Err() != nil {
		return
	}
	now := c.clock.Now()
	if err == nil {
		r.pull.fails = 0
		r.pull.notBefore = time.Time{}
		r.pull.next = now.Add(r.d.PullEvery)
		c.mu.Lock()
		c.status.LastPull = now
		c.status.ContentVersion = version
		c.mu.Unlock()
		if r.pull.errPending {
			r.pull.errPending = false
			r.setError(nil)
		}
		if updated && r.d.OnContent != nil {
			if perr := safely(func() error { r.d.OnContent(version); return nil }); perr != nil {
				r.log.Error("sync: content reload failed", "err", perr)
			}
		}
		return
	}
	r.pull.fails++
	r.pull.errPending = true
	r.setError(err)
	wait := min(max(backoff(r.pull.fails, c.jitter), retryAfter(err)), max(r.d.PullEvery, retryAfter(err)))
	r.pull.notBefore = now.Add(retryAfter(err))
	if errors.Is(err, ErrRevoked) {
		wait = revokedProbe
		r.pull.notBefore = now.Add(wait)
	}
	r.pull.next = now.Add(wait)
	r.log.Warn("sync: pull failed", "err", err, "retry_in", wait.Round(time.Millisecond))
}

func (r *runner) doHeartbeat(ctx context.Context) {
	c := r.c
	wasRevoked := c.Status().Revoked
	err := safely(func() error {
		hb := r.d.Heartbeat()
		return c.Heartbeat(ctx, hb)
	})
	if ctx.Err() != nil {
		return
	}
	now := c.clock.Now()
	if err == nil {
		if wasRevoked {
			// The credentials work again: resume at once.
			r.push.next, r.pull.next = now, now
			r.push.notBefore, r.pull.notBefore = time.Time{}, time.Time{}
			r.log.Info("sync: portal accepts the credentials again")
		}
		if r.hbErrPending {
			r.hbErrPending = false
			r.setError(nil)
		}
		r.hbNext = now.Add(r.d.HeartbeatEvery)
		return
	}
	r.hbErrPending = true
	r.setError(err)
	r.log.Warn("sync: heartbeat failed", "err", err)
	if c.Status().Revoked {
		r.hbNext = now.Add(revokedProbe)
		return
	}
	r.hbNext = now.Add(max(r.d.HeartbeatEvery, retryAfter(err)))
}
