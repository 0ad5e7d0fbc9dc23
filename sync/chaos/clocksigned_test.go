package chaos

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/client"
	"infomat/sync/protocol"
	"infomat/trustedtime"
)

// The reviewer's /tmp/review/probe: a server holding the key of the portal's old, expired
// certificate answers with a Date inside that certificate's validity, two days back. The
// kiosk's clock is right; its floor is a month old (a fresh store). The probe used to move
// the clock back into the old certificate's window, and the retried request sent the device
// secret; the server's receipts then made the kiosk purge queued submissions. Now no
// credential is sent, nothing is purged, and the clock stays right: whether the server
// knows no signed time (an impostor, or an older portal) or relays the real portal's.
func TestClockTLSLyingDate(t *testing.T) {
	for _, mode := range []string{"no signed time", "relays signed time"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			pe := newPortal(t)
			var secrets atomic.Int32
			lie := time.Now().Add(-48 * time.Hour).UTC().Format(http.TimeFormat)
			url, caFile := tlsPortal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get(protocol.HeaderDevice) != "" {
					secrets.Add(1)
				}
				w.Header()["Date"] = []string{lie}
				if mode == "relays signed time" && r.URL.Path == protocol.PathTime {
					pe.srv.Config.Handler.ServeHTTP(w, r)
					return
				}
				if r.Method == http.MethodPut {
					// What an impostor with the secret would answer: a receipt for exactly
					// the ciphertext sent, which makes the kiosk purge its copy.
					raw, _ := io.ReadAll(r.Body)
					var s protocol.Submission
					_ = json.Unmarshal(raw, &s)
					sum := sha256.Sum256(s.Ciphertext)
					w.Header().Set("Content-Type", protocol.ContentTypeJSON)
					_ = json.NewEncoder(w).Encode(protocol.Receipt{ID: s.ID, PortalRef: "2026/000001", Received: time.Now(), CiphertextSHA256: hex.EncodeToString(sum[:])})
					return
				}
				w.WriteHeader(http.StatusNotFound)
			}), time.Now().AddDate(0, 0, -90), time.Now().Add(-time.Hour))
			creds := pe.enroll(t, pe.srv.URL)
			creds.Portal, creds.CAFile = url, caFile
			pe.publish(t, embedded(t))
			k := openKiosk(t, t.TempDir())
			c, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clock := trustedtime.New(k.st, time.Now().AddDate(0, -1, 0), nil)
			c.UseTrustedTime(clock)

			if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err == nil {
				t.Fatal("pull accepted a server with an expired certificate")
			} else {
				t.Log(err)
			}
			id := newIdentity(t)
			if _, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p", Created: clock.Now()}, "PRZ", []byte("answers"), id.Recipient()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Push(ctx, k.ob, nil); err == nil {
				t.Fatal("push accepted a server with an expired certificate")
			}
			if n := secrets.Load(); n != 0 {
				t.Fatalf("the device secret went to the server with the expired certificate %d time(s)", n)
			}
			if st, err := k.ob.Stats(); err != nil || st.Queued+st.Sending != 1 {
				t.Fatalf("queue after push: %+v, %v; want the submission kept", st, err)
			}
			if clock.Suspect() || time.Since(clock.Now()).Abs() > time.Minute {
				t.Fatalf("a right clock was moved: now %s, %s", clock.Now(), clock.Problem())
			}
		})
	}
}

// A signed time that does not verify — another key, or a captured answer to another nonce
// replayed — is refused: a 2031 kiosk then stays locked out rather than trust it, and sends
// no secret.
func TestClockSignedTimeRefused(t *testing.T) {
	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	for _, mode := range []string{"another key", "replayed nonce"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			pe := newPortal(t)
			var secrets, asked atomic.Int32
			real := time.Now()
			url, caFile := tlsPortal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == protocol.PathTime {
					asked.Add(1)
					// A time three months back: it would make the expired certificate pass.
					back := real.AddDate(0, -3, 0)
					var st protocol.SignedTime
					if mode == "another key" {
						st = protocol.SignTime(other, muni, r.URL.Query().Get("nonce"), back)
					} else {
						key, _ := pe.st.SigningKey(ctx, muni)
						st = protocol.SignTime(key, muni, strings.Repeat("0", 32), back)
						st.Nonce = r.URL.Query().Get("nonce")
					}
					w.Header().Set("Content-Type", protocol.ContentTypeJSON)
					_ = json.NewEncoder(w).Encode(st)
					return
				}
				if r.Header.Get(protocol.HeaderDevice) != "" {
					secrets.Add(1)
				}
				pe.srv.Config.Handler.ServeHTTP(w, r)
			}), real.AddDate(0, -6, 0), real.Add(-time.Hour))
			creds := pe.enroll(t, pe.srv.URL)
			creds.Portal, creds.CAFile = url, caFile
			pe.publish(t, embedded(t))
			k := openKiosk(t, t.TempDir())
			c, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clock := trustedtime.New(k.st, real.AddDate(0, -7, 0), nil)
			c.UseTrustedTime(clock)
			if _, _, err := c.Pull(ctx, k.st, real, nil); err == nil || !strings.Contains(err.Error(), "signed time does not verify") {
				t.Fatalf("pull: %v, want the signed time refused", err)
			}
			if asked.Load() == 0 || secrets.Load() != 0 {
				t.Fatalf("signed time asked %d time(s), secret sent %d time(s)", asked.Load(), secrets.Load())
			}
			if clock.Suspect() || time.Since(clock.Now()).Abs() > time.Minute {
				t.Fatalf("clock moved: now %s, %s", clock.Now(), clock.Problem())
			}
		})
	}
}

// A stored floor years in the future (an older version raised it from one wrong Date) used
// to lock the kiosk out for good: every manifest expired, the certificate expired at the
// floor. The portal's signed time lowers it, and the kiosk installs content.
func TestClockFutureFloorLowered(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	url, caFile := tlsPortal(t, pe.srv.Config.Handler, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	creds := pe.enroll(t, pe.srv.URL)
	creds.Portal, creds.CAFile = url, caFile
	pe.publish(t, embedded(t))
	k := openKiosk(t, t.TempDir())
	if err := k.st.RaiseTrustedTime(time.Now().AddDate(10, 0, 0)); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clock := trustedtime.New(k.st, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), nil)
	c.UseTrustedTime(clock)
	if updated, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil || !updated {
		t.Fatalf("pull with a floor 10 years ahead: updated %v, %v", updated, err)
	}
	floor, err := k.st.TrustedTime()
	if err != nil || time.Since(floor).Abs() > time.Minute || clock.Suspect() {
		t.Fatalf("stored floor %s (%v), suspect %v (%s)", floor, err, clock.Suspect(), clock.Problem())
	}
}

// A portal whose clock is ten years ahead for one answer does not raise the stored floor:
// the next pull, with the portal's clock right again, finds the kiosk's clock trusted.
func TestClockFutureDateNotStored(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	var wrong atomic.Bool
	wrong.Store(true)
	url, caFile := tlsPortal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wrong.Load() {
			w.Header()["Date"] = []string{time.Now().AddDate(10, 0, 0).UTC().Format(http.TimeFormat)}
		}
		pe.srv.Config.Handler.ServeHTTP(w, r)
	}), time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	creds := pe.enroll(t, pe.srv.URL)
	creds.Portal, creds.CAFile = url, caFile
	pe.publish(t, embedded(t))
	k := openKiosk(t, t.TempDir())
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clock := trustedtime.New(k.st, time.Now().AddDate(0, -1, 0), nil)
	c.UseTrustedTime(clock)
	_, _, _ = c.Pull(ctx, k.st, time.Now(), nil)
	wrong.Store(false)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatalf("pull after the portal's clock was put right: %v", err)
	}
	floor, err := k.st.TrustedTime()
	if err != nil || floor.After(time.Now().Add(trustedtime.Tolerance)) || clock.Suspect() {
		t.Fatalf("stored floor %s (%v), suspect %v (%s)", floor, err, clock.Suspect(), clock.Problem())
	}
}
