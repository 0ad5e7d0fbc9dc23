package client

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

func TestEnrollSaveLoad(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	var se *StatusError
	if _, err := Enroll(ctx, p.srv.URL, "WRONG", ""); !errors.As(err, &se) || se.Code != protocol.CodeBadToken {
		t.Fatalf("Enroll with a bad token: %v", err)
	}
	c, err := Enroll(ctx, p.srv.URL+"/", p.token, "")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := p.st.Device(ctx, c.DeviceID)
	if err != nil || dev.Municipality != p.muni || c.DeviceID == p.cr.DeviceID || c.Secret == "" || c.Municipality != p.muni ||
		c.SigningKey != p.cr.SigningKey || c.Enrolled.IsZero() || c.Portal != p.srv.URL {
		t.Fatalf("credentials = %+v", c)
	}
	dir := filepath.Join(t.TempDir(), "etc")
	if _, err := LoadCredentials(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadCredentials before enrolment: %v, want ErrNotExist", err)
	}
	if err := SaveCredentials(dir, c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, CredentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v", err, fi.Mode())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the credentials (no temp files)", len(ents))
	}
	got, err := LoadCredentials(dir)
	if err != nil || got != c {
		t.Fatalf("LoadCredentials = %+v, %v; want %+v", got, err, c)
	}
	// Overwrite: still atomic, still 0600.
	c.Secret = "rotated"
	if err := SaveCredentials(dir, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadCredentials(dir); got.Secret != "rotated" {
		t.Errorf("secret after overwrite = %q", got.Secret)
	}
	if _, err := New(c); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestHTTPSRequiredUnlessLoopback(t *testing.T) {
	for _, u := range []string{"http://portal.gmina.pl", "http://10.0.0.5:8080", "ftp://portal.gmina.pl"} {
		_, err := Enroll(context.Background(), u, "t", "")
		if err == nil || !strings.Contains(err.Error(), "https is required") {
			t.Errorf("Enroll(%s): %v, want an https error", u, err)
		}
		c := newPortal(t).creds()
		c.Portal = u
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), "https is required") {
			t.Errorf("New(%s): %v", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1", "http://localhost:8080/x", "http://[::1]:9", "https://portal.gmina.pl"} {
		if _, err := parsePortalURL(u); err != nil {
			t.Errorf("parsePortalURL(%s): %v", u, err)
		}
	}
}

func TestTLSWithCAFile(t *testing.T) {
	p := newPortal(t)
	tlsSrv := newTLSPortal(t, p)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, certPEM(tlsSrv.Certificate().Raw), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Enroll(context.Background(), tlsSrv.URL, p.token, ""); err == nil {
		t.Fatal("Enroll trusted a certificate from an unknown CA")
	}
	c, err := Enroll(context.Background(), tlsSrv.URL, p.token, caFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, _, err := cl.Pull(context.Background(), newKiosk(t).st, time.Now(), nil); err != nil {
		t.Fatalf("pull over TLS: %v", err)
	}
}

func delivered(t *testing.T, k *kiosk, items []outbox.Item) {
	t.Helper()
	for _, it := range items {
		got, err := k.ob.Get(it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != outbox.Purged || got.Ciphertext != nil || got.Receipt == nil || got.Ref != it.Ref {
			t.Errorf("%s: state %s, ciphertext %d bytes, receipt %v", it.Ref, got.State, len(got.Ciphertext), got.Receipt)
		}
	}
	if pend, _ := k.ob.Pending(0); len(pend) != 0 {
		t.Errorf("%d items still pending", len(pend))
	}
}

// pushUntilDone runs passes like Run would, without the waits, and returns the errors.
func pushUntilDone(t *testing.T, c *Client, k *kiosk) []error {
	t.Helper()
	var errs []error
	for range 10 {
		_, err := c.Push(context.Background(), k.ob, nil)
		if err == nil {
			return errs
		}
		errs = append(errs, err)
	}
	t.Fatalf("push never succeeded: %v", errs)
	return nil
}

func TestPushDeliversOldestFirstAndPurges(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	items := k.enqueue(t, 5)
	var lines []string
	sent, err := c.Push(context.Background(), k.ob, func(s string) { lines = append(lines, s) })
	if err != nil || sent != 5 {
		t.Fatalf("Push = %d, %v", sent, err)
	}
	var want []string
	for _, it := range items {
		want = append(want, it.ID)
	}
	if accepted, _, _ := p.snapshot(); !slices.Equal(accepted, want) {
		t.Errorf("portal order %v, want %v", accepted, want)
	}
	delivered(t, k, items)
	for _, l := range lines {
		if strings.Contains(l, "Jan") {
			t.Errorf("progress line leaks answers: %q", l)
		}
	}
	if sent, err := c.Push(context.Background(), k.ob, nil); sent != 0 || err != nil {
		t.Errorf("second push = %d, %v", sent, err)
	}
}

func TestPushRetriesAreIdempotent(t *testing.T) {
	for _, fault := range []string{"500", "drop", "truncate", "429:3"} {
		t.Run(fault, func(t *testing.T) {
			p := newPortal(t)
			k := newKiosk(t)
			c := p.client(t)
			items := k.enqueue(t, 3)
			p.faults = []string{"", fault, fault} // item 2 fails twice
			errs := pushUntilDone(t, c, k)
			if len(errs) != 2 {
				t.Fatalf("failed passes = %d (%v), want 2", len(errs), errs)
			}
			delivered(t, k, items)
			accepted, receipts, _ := p.snapshot()
			if len(accepted) != 3 || len(receipts) != 3 {
				t.Fatalf("portal stored %d submissions", len(accepted))
			}
			for _, it := range items {
				got, _ := k.ob.Get(it.ID)
				if got.Receipt.PortalRef != receipts[it.ID].PortalRef {
					t.Errorf("%s: kiosk receipt %s, portal %s", it.Ref, got.Receipt.PortalRef, receipts[it.ID].PortalRef)
				}
			}
			// The failures were recorded on the item, then it was delivered.
			got, _ := k.ob.Get(items[1].ID)
			if got.Attempts != 2 || got.LastError == "" {
				t.Errorf("item 2: attempts %d, last error %q", got.Attempts, got.LastError)
			}
			if fault == "429:3" {
				if ra := retryAfter(errs[0]); ra != 3*time.Second {
					t.Errorf("Retry-After = %v, want 3s", ra)
				}
			}
		})
	}
}

func TestPushAfterCrashInSendingGetsSameReceipt(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	items := k.enqueue(t, 2)
	// The kiosk marked item 1 sending and the portal stored it, then the power went.
	p.faults = []string{"drop"}
	if _, err := c.Push(context.Background(), k.ob, nil); err == nil {
		t.Fatal("push with a dropped answer succeeded")
	}
	if err := k.ob.MarkSending(items[0].ID); err != nil {
		t.Fatal(err)
	}
	_, receipts, _ := p.snapshot()
	first := receipts[items[0].ID]
	_ = k.st.Close()
	k.open(t)
	c = p.client(t)
	if sent, err := c.Push(context.Background(), k.ob, nil); err != nil || sent != 2 {
		t.Fatalf("push after restart = %d, %v", sent, err)
	}
	got, _ := k.ob.Get(items[0].ID)
	if got.Receipt.PortalRef != first.PortalRef || !got.Receipt.At.Equal(first.Received) {
		t.Errorf("receipt %+v, portal's first %+v", got.Receipt, first)
	}
	if accepted, _, puts := p.snapshot(); puts[items[0].ID] != 2 || len(accepted) != 2 {
		t.Errorf("puts %d, stored %d", puts[items[0].ID], len(accepted))
	}
}

func TestPushStopsOnRevokedCredentials(t *testing.T) {
	for _, code := range []string{"401", "403"} {
		t.Run(code, func(t *testing.T) {
			p := newPortal(t)
			k := newKiosk(t)
			c := p.client(t)
			k.enqueue(t, 3)
			p.faults = []string{code}
			sent, err := c.Push(context.Background(), k.ob, nil)
			if sent != 0 || !errors.Is(err, ErrRevoked) {
				t.Fatalf("Push = %d, %v; want ErrRevoked", sent, err)
			}
			if !c.Status().Revoked {
				t.Error("Status().Revoked is false")
			}
			if _, _, puts := p.snapshot(); len(puts) != 1 {
				t.Errorf("portal saw %d items; the pass should stop at the first", len(puts))
			}
			if pend, _ := k.ob.Pending(0); len(pend) != 3 {
				t.Errorf("%d pending, want 3", len(pend))
			}
			// Wrong secret: the real thing.
			c2 := p.creds()
			c2.Secret = "nope"
			cl, _ := New(c2)
			if _, err := cl.Push(context.Background(), k.ob, nil); !errors.Is(err, ErrRevoked) {
				t.Errorf("bad secret: %v", err)
			}
			// Accepted again once the portal accepts the device.
			if _, err := c.Push(context.Background(), k.ob, nil); err != nil || c.Status().Revoked {
				t.Errorf("after re-acceptance: %v, revoked %v", err, c.Status().Revoked)
			}
		})
	}
}

func TestPushRefusedItemIsKeptAndSkipped(t *testing.T) {
	for _, code := range []string{"413", "400"} {
		t.Run(code, func(t *testing.T) {
			p := newPortal(t)
			k := newKiosk(t)
			c := p.client(t)
			clock := newFakeClock()
			c.clock = clock
			items := k.enqueue(t, 3)
			p.faults = []string{code}
			sent, err := c.Push(context.Background(), k.ob, nil)
			if err != nil || sent != 2 {
				t.Fatalf("Push = %d, %v; want the other two sent", sent, err)
			}
			got, err := k.ob.Get(items[0].ID)
			if err != nil || got.State != outbox.Queued || got.Ciphertext == nil || !strings.Contains(got.LastError, code) {
				t.Fatalf("refused item: %v, %+v", err, got)
			}
			// Held back: the next passes don't send it.
			sent, err = c.Push(context.Background(), k.ob, nil)
			if _, _, puts := p.snapshot(); sent != 0 || err != nil || puts[items[0].ID] != 1 {
				t.Errorf("second pass = %d, %v, puts %d", sent, err, puts[items[0].ID])
			}
			// After the long hold it is tried again (and now accepted); never deleted.
			clock.Advance(holdRefused + time.Second)
			if sent, err := c.Push(context.Background(), k.ob, nil); sent != 1 || err != nil {
				t.Errorf("after hold = %d, %v", sent, err)
			}
			delivered(t, k, items)
		})
	}
}

func TestPushConflictIsKept(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	items := k.enqueue(t, 1)
	// The portal already has this ID with other bytes: 409.
	if _, _, err := p.st.PutSubmission(context.Background(), portal.Record{ID: items[0].ID, Ref: items[0].Ref, Ciphertext: []byte("other"),
		Device: p.cr.DeviceID, Municipality: p.muni, Received: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	if sent, err := c.Push(context.Background(), k.ob, nil); sent != 0 || err != nil {
		t.Fatalf("Push = %d, %v", sent, err)
	}
	got, _ := k.ob.Get(items[0].ID)
	if got.State != outbox.Queued || got.Ciphertext == nil || !strings.Contains(got.LastError, "409") {
		t.Errorf("conflicting item: %+v", got)
	}
	if _, ok := c.hold[items[0].ID]; !ok {
		t.Error("conflicting item not held back")
	}
}

// Bytes damaged on the way in: the portal stores them and its receipt names their hash,
// which is not the hash of what the kiosk sent. The kiosk keeps its copy (never purged on
// such a receipt) and holds it back like a conflict, for a technician.
func TestPushKeepsItemOnReceiptHashMismatch(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	items := k.enqueue(t, 2)
	p.faults = []string{"damage"}
	if sent, err := c.Push(context.Background(), k.ob, nil); sent != 1 || err != nil {
		t.Fatalf("Push = %d, %v; want the other one sent", sent, err)
	}
	got, _ := k.ob.Get(items[0].ID)
	if got.State != outbox.Queued || got.Ciphertext == nil || got.Receipt != nil || !strings.Contains(got.LastError, "different bytes") {
		t.Errorf("damaged item: %+v", got)
	}
	if _, ok := c.hold[items[0].ID]; !ok {
		t.Error("damaged item not held back")
	}
	if accepted, _, _ := p.snapshot(); len(accepted) != 2 {
		t.Errorf("portal stored %d", len(accepted))
	}
	if got, _ := k.ob.Get(items[1].ID); got.State != outbox.Purged || got.Receipt == nil {
		t.Errorf("undamaged item: %+v", got)
	}
}
