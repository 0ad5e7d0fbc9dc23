package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/outbox"
	"infomat/sync/client"
	"infomat/sync/faultproxy"
	"infomat/sync/portal"
	"infomat/sync/portal/pgtest"
)

// mixedFaults is about 30% faults of every kind, half of them after the portal committed.
var mixedFaults = map[faultproxy.Fault]int{
	faultproxy.None:           70,
	faultproxy.Drop:           4,
	faultproxy.Delay:          5,
	faultproxy.Reset:          4,
	faultproxy.Status5xx:      4,
	faultproxy.Truncate:       4,
	faultproxy.DropAfter:      5,
	faultproxy.Status5xxAfter: 3,
	faultproxy.Down:           1,
}

// TestExactlyOnceUnderFaults: a resident enqueues 200 submissions while the pusher works
// through a proxy injecting ~30% mixed faults (including answers lost after the portal
// committed, and kiosk-side timeouts while a delayed request still reaches the portal); then
// the link heals and the queue drains. The portal must hold each submission exactly once,
// decryptable to the original answers, and the kiosk each receipt.
func TestExactlyOnceUnderFaults(t *testing.T) { exactlyOnceUnderFaults(t, newPortal(t)) }

// The same on PostgreSQL: the portal's transactions, not bbolt's, keep every submission once.
func TestExactlyOnceUnderFaultsPostgres(t *testing.T) {
	exactlyOnceUnderFaults(t, newPortalOn(t, pgtest.DB(t)))
}

func exactlyOnceUnderFaults(t *testing.T, pe *portalEnv) {
	const total = 200
	ctx := context.Background()
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	c, err := client.New(pe.enroll(t, px.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := newIdentity(t)

	// Delays up to 400 ms against a pass deadline of 300 ms: some requests are given up by
	// the kiosk while the proxy still delivers them to the portal.
	px.Configure(faultproxy.Config{MaxDelay: 400 * time.Millisecond, DownFor: 30 * time.Millisecond, RetryAfter: 1})
	px.SetFaults(mixedFaults, seed(t))

	// The resident-facing path: Enqueue only. It must never fail, whatever the link does.
	var (
		mu         sync.Mutex
		answers    = map[string][]byte{} // ID → plaintext
		refs       = map[string]string{}
		enqErrs    []error
		maxEnqueue time.Duration
	)
	residentDone := make(chan struct{})
	go func() {
		defer close(residentDone)
		for i := range total {
			plain := fmt.Appendf(nil, `{"imie":"Jan","nazwisko":"Kowalski-%03d","pesel":"%011d"}`, i, 90010112345+i)
			start := time.Now()
			it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "zameldowanie-pobyt-staly", Office: "ug", ContentVersion: "test"}, "PRZ", plain, id.Recipient())
			d := time.Since(start)
			mu.Lock()
			maxEnqueue = max(maxEnqueue, d)
			if err != nil {
				enqErrs = append(enqErrs, err)
			} else {
				answers[it.ID] = plain
				refs[it.ID] = it.Ref
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()

	// The pusher under faults, until the resident is done and the queue is empty (or a
	// generous number of passes).
	var faultyPasses, failedPasses, timedOut int
	done := false
	for faultyPasses < 2000 {
		faultyPasses++
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err := c.Push(pctx, k.ob, nil)
		cancel()
		if err != nil {
			failedPasses++
			if errors.Is(err, context.DeadlineExceeded) {
				timedOut++
			}
		}
		select {
		case <-residentDone:
			st, err := k.ob.Stats()
			if err != nil {
				t.Fatal(err)
			}
			done = st.Queued+st.Sending == 0
		default:
			time.Sleep(time.Millisecond)
		}
		if done {
			break
		}
	}
	<-residentDone
	faulty := px.Summary()
	px.Heal()
	healedPasses := pushUntilEmpty(t, c, k.ob)

	mu.Lock()
	defer mu.Unlock()
	if len(enqErrs) > 0 {
		t.Fatalf("Enqueue (the resident's path) failed %d times, first: %v", len(enqErrs), enqErrs[0])
	}
	if len(answers) != total {
		t.Fatalf("%d submissions enqueued, want %d", len(answers), total)
	}

	// The portal: exactly one record per ID, nothing else.
	recs, err := pe.st.Submissions(ctx, muni, true)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := pe.st.CountSubmissions(ctx, "")
	if len(recs) != total || n != total {
		t.Fatalf("portal holds %d records (%d counted), want %d", len(recs), n, total)
	}
	byID := map[string]portal.Record{}
	portalRefs := map[string]bool{}
	for _, r := range recs {
		if _, dup := byID[r.ID]; dup {
			t.Errorf("submission %s stored twice", r.ID)
		}
		if portalRefs[r.PortalRef] {
			t.Errorf("portal reference %s given twice", r.PortalRef)
		}
		byID[r.ID], portalRefs[r.PortalRef] = r, true
		if _, ok := answers[r.ID]; !ok {
			t.Errorf("portal holds %s, which the kiosk never enqueued", r.ID)
		}
	}

	// The kiosk: every item delivered with the portal's receipt and purged.
	attempts := 0
	for sid := range answers {
		it, err := k.ob.Get(sid)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := byID[sid]
		switch {
		case !ok:
			t.Errorf("%s (%s) is not at the portal", sid, it.Ref)
		case it.State != outbox.Purged || it.Ciphertext != nil:
			t.Errorf("%s is %s, want purged", it.Ref, it.State)
		case it.Receipt == nil || it.Receipt.PortalRef != r.PortalRef || !it.Receipt.At.Equal(r.Received):
			t.Errorf("%s: kiosk receipt %+v, portal %s at %s", it.Ref, it.Receipt, r.PortalRef, r.Received)
		case r.Ref != refs[sid]:
			t.Errorf("%s: portal has reference %q", it.Ref, r.Ref)
		}
		attempts += it.Attempts
	}
	if st, _ := k.ob.Stats(); st.Purged != total || st.Queued+st.Sending+st.Delivered != 0 {
		t.Errorf("kiosk outbox stats %+v", st)
	}

	// Every submission decrypts to what the resident typed.
	var out bytes.Buffer
	exported, err := portal.Export(ctx, pe.st, muni, []age.Identity{id}, true, &out, time.Now())
	if err != nil || exported != total {
		t.Fatalf("export: %d, %v", exported, err)
	}
	var ex []portal.Exported
	if err := json.Unmarshal(out.Bytes(), &ex); err != nil {
		t.Fatal(err)
	}
	for _, e := range ex {
		var got, want bytes.Buffer
		_ = json.Compact(&got, e.Payload)
		_ = json.Compact(&want, answers[e.ID])
		if got.String() != want.String() {
			t.Errorf("%s decrypts to %s, want %s", e.ID, got.String(), want.String())
		}
	}

	logs := pe.logs.String()
	t.Logf("faults while pushing: %s", faulty)
	t.Logf("push passes: %d under faults (%d failed, %d hit the 300 ms pass deadline), %d after healing", faultyPasses, failedPasses, timedOut, healedPasses)
	t.Logf("portal: %d received, %d repeats answered with the stored receipt; kiosk: %d failed attempts recorded; slowest Enqueue %s",
		countLines(logs, "submission received"), countLines(logs, "submission repeated"), attempts, maxEnqueue.Round(time.Microsecond))
	if countLines(logs, "submission received") != total {
		t.Errorf("portal logged %d new submissions, want %d", countLines(logs, "submission received"), total)
	}
	if countLines(logs, "submission repeated") == 0 {
		t.Error("no repeated submission reached the portal: the faults did not exercise idempotency")
	}
}

// fastClock is Run's clock at about 6000× speed: After(d) fires after d/6000 of real time
// (at most 50 ms) and moves Now on by d. Only the latest After moves the clock: Run abandons
// a wait when kicked, and an abandoned timer must not move time.
type fastClock struct {
	mu     sync.Mutex
	now    time.Time
	afters int
}

func (f *fastClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fastClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	f.afters++
	gen := f.afters
	f.mu.Unlock()
	ch := make(chan time.Time, 1)
	time.AfterFunc(min(d/6000, 50*time.Millisecond), func() {
		f.mu.Lock()
		if gen == f.afters {
			f.now = f.now.Add(d)
		}
		now := f.now
		f.mu.Unlock()
		ch <- now
	})
	return ch
}

func (f *fastClock) wakeups() int { f.mu.Lock(); defer f.mu.Unlock(); return f.afters }

// TestPortalDownForMinutes: the portal is unreachable (connections refused) for 20 minutes
// of the kiosk's clock while residents keep submitting. Run backs off instead of hammering,
// Enqueue never fails, and once the portal is back everything is delivered within the
// backoff cap (5 min) plus the push interval.
func TestPortalDownForMinutes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pe := newPortal(t)
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	c, err := client.New(pe.enroll(t, px.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := newIdentity(t)
	clock := &fastClock{now: time.Now()}
	kick := make(chan struct{}, 1)
	logs := &syncBuf{}
	runDone := make(chan error, 1)

	px.Down(time.Hour)
	start := clock.Now()
	go func() {
		runDone <- c.Run(ctx, client.RunDeps{Outbox: k.ob, Store: k.st, Clock: clock, Kick: kick,
			Log: slogTo(logs)})
	}()

	const total = 20
	var ids []string
	for i := range total {
		it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p"}, "PRZ", fmt.Appendf(nil, `{"n":%d}`, i), id.Recipient())
		if err != nil {
			t.Fatalf("Enqueue while the portal is down: %v", err)
		}
		ids = append(ids, it.ID)
		select {
		case kick <- struct{}{}:
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
	// Wait until 20 virtual minutes have passed.
	realDeadline := time.Now().Add(20 * time.Second)
	for clock.Now().Sub(start) < 20*time.Minute {
		if time.Now().After(realDeadline) {
			t.Fatalf("the kiosk clock only reached %s", clock.Now().Sub(start))
		}
		time.Sleep(time.Millisecond)
	}
	wakeups := clock.wakeups()
	st := c.Status()
	if st.LastError == "" {
		t.Error("Status shows no error while the portal is down")
	}
	if n, _ := pe.st.CountSubmissions(ctx, ""); n != 0 {
		t.Fatalf("%d submissions reached a portal that was down", n)
	}
	healed := clock.Now()
	px.Heal()
	for {
		s, err := k.ob.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if s.Queued+s.Sending == 0 {
			break
		}
		if time.Now().After(realDeadline) {
			t.Fatalf("not delivered after the portal came back: %+v; status %+v", s, c.Status())
		}
		time.Sleep(time.Millisecond)
	}
	took := clock.Now().Sub(healed)
	cancel()
	<-runDone
	ctx = context.Background()
	if took > 5*time.Minute+30*time.Second+time.Minute {
		t.Errorf("delivery took %s of kiosk time after the portal came back; backoff is capped at 5 min", took)
	}
	// Without backoff, 20 minutes of 1-second retries would be over a thousand attempts.
	if wakeups > 150 {
		t.Errorf("Run woke %d times in 20 minutes of outage: not backing off", wakeups)
	}
	if n, _ := pe.st.CountSubmissions(ctx, ""); n != total {
		t.Fatalf("portal holds %d, want %d", n, total)
	}
	for _, sid := range ids {
		if it, _ := k.ob.Get(sid); it.State != outbox.Purged {
			t.Errorf("%s is %s", it.Ref, it.State)
		}
	}
	t.Logf("outage of %s (kiosk time): Run woke %d times, %d push failures logged; delivered %s after the portal returned",
		healed.Sub(start).Round(time.Second), wakeups, countLines(logs.String(), "sync: push failed"), took.Round(time.Second))
}
