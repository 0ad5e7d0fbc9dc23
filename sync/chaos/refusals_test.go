package chaos

// Refusals seen through the wire. The portal-side refusals of unknown and revoked devices,
// huge and malformed bodies are covered request by request in sync/portal (TestAuthRefusals,
// TestRevokedRefusedEverywhere, TestSubmissionRefusedNothingStored) and the client's manifest
// checks against the real portal with scripted faults in sync/client (TestPullRefusesBadManifests,
// TestPullRefusesTamperedBlob). Here a real kiosk meets them through the proxy, with the
// tampering done on the wire.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/client"
	"infomat/sync/faultproxy"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

func TestTamperedContentOnTheWire(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	c, err := client.New(pe.enroll(t, px.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v1 := embedded(t)
	pe.publish(t, v1)

	// Record v1's manifest as it crosses the wire, for the replay.
	var recorded []byte
	px.SetHooks(faultproxy.Hooks{Response: func(r *http.Request, resp *faultproxy.Response) {
		if r.URL.Path == protocol.PathManifest && resp.Status == 200 {
			recorded = bytes.Clone(resp.Body)
		}
	}})
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	px.Heal()
	v2 := changed(t, v1, "v2")
	pe.publish(t, v2)

	blobReqs := 0
	onManifest := func(edit func(sm *protocol.SignedManifest, body []byte) []byte) faultproxy.Hooks {
		return faultproxy.Hooks{Response: func(r *http.Request, resp *faultproxy.Response) {
			if strings.HasPrefix(r.URL.Path, protocol.PathBlob) {
				blobReqs++
			}
			if r.URL.Path != protocol.PathManifest || resp.Status != 200 {
				return
			}
			var sm protocol.SignedManifest
			if err := json.Unmarshal(resp.Body, &sm); err != nil {
				t.Errorf("manifest on the wire: %v", err)
				return
			}
			resp.Body = edit(&sm, resp.Body)
		}}
	}
	reencode := func(sm *protocol.SignedManifest) []byte { b, _ := json.Marshal(sm); return b }
	cardSHA := shas(v2)[card]

	for _, tc := range []struct {
		name  string
		hooks faultproxy.Hooks
		want  error
	}{
		{"manifest payload byte flipped", onManifest(func(sm *protocol.SignedManifest, _ []byte) []byte {
			raw, _ := base64.StdEncoding.DecodeString(sm.Payload)
			raw[len(raw)/2] ^= 0x01
			sm.Payload = base64.StdEncoding.EncodeToString(raw)
			return reencode(sm)
		}), protocol.ErrBadSignature},
		{"manifest signature byte flipped", onManifest(func(sm *protocol.SignedManifest, _ []byte) []byte {
			sig, _ := base64.StdEncoding.DecodeString(sm.Signature)
			sig[3] ^= 0x80
			sm.Signature = base64.StdEncoding.EncodeToString(sig)
			return reencode(sm)
		}), protocol.ErrBadSignature},
		{"manifest version raised without re-signing", onManifest(func(sm *protocol.SignedManifest, _ []byte) []byte {
			raw, _ := base64.StdEncoding.DecodeString(sm.Payload)
			raw = bytes.Replace(raw, []byte(`"version":2`), []byte(`"version":9`), 1)
			sm.Payload = base64.StdEncoding.EncodeToString(raw)
			return reencode(sm)
		}), protocol.ErrBadSignature},
		{"blob byte flipped", faultproxy.Hooks{Response: func(r *http.Request, resp *faultproxy.Response) {
			if r.URL.Path == protocol.PathBlob+cardSHA && len(resp.Body) > 0 {
				resp.Body = bytes.Clone(resp.Body)
				resp.Body[len(resp.Body)/2] ^= 0x20
			}
		}}, client.ErrBadBlob},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := k.st.ActiveFiles()
			blobReqs = 0
			px.SetHooks(tc.hooks)
			updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
			px.Heal()
			if !errors.Is(err, tc.want) || updated || v != 1 {
				t.Fatalf("Pull = %v, %d, %v; want %v", updated, v, err, tc.want)
			}
			t.Logf("refused: %v", err)
			if after, _ := k.st.ActiveFiles(); !maps.Equal(before, after) {
				t.Error("active content changed")
			}
			if errors.Is(tc.want, protocol.ErrBadSignature) && blobReqs != 0 {
				t.Errorf("%d blobs fetched for a manifest that does not verify", blobReqs)
			}
			if has, _ := k.st.HasBlob(cardSHA); has {
				t.Error("the changed card's blob is stored")
			}
		})
	}

	// The honest manifest goes through.
	if updated, v, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil || !updated || v != 2 {
		t.Fatalf("clean pull = %v, %d, %v", updated, v, err)
	}
	// Replay: the proxy serves the recorded, validly signed v1 manifest.
	px.SetHooks(faultproxy.Hooks{Response: func(r *http.Request, resp *faultproxy.Response) {
		if r.URL.Path == protocol.PathManifest {
			resp.Status, resp.Body = 200, recorded
		}
	}})
	updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
	px.Heal()
	if !errors.Is(err, protocol.ErrRollback) || updated || v != 2 {
		t.Fatalf("replayed v1: Pull = %v, %d, %v; want ErrRollback", updated, v, err)
	}
	t.Logf("replay refused: %v", err)
	if got, _ := k.st.ActiveFiles(); !maps.Equal(got, shas(v2)) {
		t.Error("a replayed manifest changed the active content")
	}
}

func TestRefusedSubmissionsOnTheWire(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	creds := pe.enroll(t, px.URL())
	id := newIdentity(t)
	enqueue := func() outbox.Item {
		t.Helper()
		it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p"}, "PRZ", []byte(`{"a":1}`), id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	stored := func() int { n, _ := pe.st.CountSubmissions(ctx, ""); return n }
	onPut := func(edit func([]byte) []byte) faultproxy.Hooks {
		return faultproxy.Hooks{Request: func(r *http.Request, body []byte) []byte {
			if r.Method == http.MethodPut {
				return edit(body)
			}
			return body
		}}
	}

	for _, tc := range []struct {
		name    string
		creds   func() client.Credentials
		hooks   faultproxy.Hooks
		status  int
		code    string
		logged  string
		revoked bool
	}{
		{"malformed body", nil, onPut(func(b []byte) []byte { return b[:len(b)/2] }), 400, protocol.CodeBadRequest, "malformed JSON body", false},
		{"huge body", nil, onPut(func(b []byte) []byte { return append(b, bytes.Repeat([]byte(" "), protocol.MaxBody)...) }), 413, protocol.CodeTooLarge, "exceeds the limit", false},
		{"id changed", nil, onPut(func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"id":"`), []byte(`"id":"0`), 1)
		}), 400, protocol.CodeBadRequest, "body id does not match", false},
		{"unknown device", func() client.Credentials { c := creds; c.DeviceID = "k-0000000000000000"; return c }, faultproxy.Hooks{}, 401, protocol.CodeUnauthorized, "unknown device", true},
		{"wrong secret", func() client.Credentials { c := creds; c.Secret = portal.NewSecret(32); return c }, faultproxy.Hooks{}, 401, protocol.CodeUnauthorized, "wrong device secret", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := creds
			if tc.creds != nil {
				cr = tc.creds()
			}
			c, err := client.New(cr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			base := stored()
			it := enqueue()
			px.SetHooks(tc.hooks)
			_, err = c.Push(ctx, k.ob, nil)
			px.Heal()
			got, _ := k.ob.Get(it.ID)
			if tc.revoked {
				var se *client.StatusError
				if !errors.Is(err, client.ErrRevoked) || !errors.As(err, &se) || se.Status != tc.status || se.Code != tc.code || !c.Status().Revoked {
					t.Fatalf("Push = %v; want %d %s wrapping ErrRevoked", err, tc.status, tc.code)
				}
			} else if err != nil || !strings.Contains(got.LastError, tc.code) {
				// A permanent refusal is recorded on the item and the pass goes on.
				t.Fatalf("Push = %v, item's LastError %q; want a recorded %s", err, got.LastError, tc.code)
			}
			t.Logf("refused: push error %v; item LastError %q", err, got.LastError)
			if got.State != outbox.Queued || got.Ciphertext == nil || got.Attempts != 1 {
				t.Errorf("refused item is %s with %d attempts (ciphertext kept: %v); want queued, kept", got.State, got.Attempts, got.Ciphertext != nil)
			}
			if n := stored() - base; n != 0 {
				t.Errorf("%d submissions stored after a refusal", n)
			}
			if !strings.Contains(pe.logs.String(), tc.logged) {
				t.Errorf("portal did not log %q", tc.logged)
			}
			// Healed, a restarted kiosk (a fresh client: no hold) delivers it exactly once.
			c2, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			defer c2.Close()
			pushUntilEmpty(t, c2, k.ob)
			if n := stored() - base; n != 1 {
				t.Errorf("%d stored after healing, want 1", n)
			}
		})
	}

	// Revoked: 403, the item is kept, nothing stored.
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	it := enqueue()
	before := stored()
	if err := pe.st.Revoke(ctx, creds.DeviceID, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err = c.Push(ctx, k.ob, nil)
	var se *client.StatusError
	if !errors.Is(err, client.ErrRevoked) || !errors.As(err, &se) || se.Status != 403 || se.Code != protocol.CodeRevoked {
		t.Fatalf("revoked: Push = %v", err)
	}
	if got, _ := k.ob.Get(it.ID); got.State != outbox.Queued || got.Ciphertext == nil {
		t.Errorf("revoked: item is %s", got.State)
	}
	if stored() != before || !strings.Contains(pe.logs.String(), "device was revoked") {
		t.Error("revoked: stored something or did not log the refusal")
	}
	t.Logf("revoked: %v", err)
}

// A ciphertext damaged on the wire is stored by the portal (it cannot read it) but the
// receipt's hash gives it away: the kiosk keeps its copy instead of purging it.
func TestDamagedCiphertextIsNotPurged(t *testing.T) {
	ctx := context.Background()
	pe := newPortal(t)
	px := newProxy(t, pe.srv.Listener.Addr().String())
	k := openKiosk(t, t.TempDir())
	creds := pe.enroll(t, px.URL())
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p"}, "PRZ", []byte(`{"a":1}`), newIdentity(t).Recipient())
	if err != nil {
		t.Fatal(err)
	}
	px.SetHooks(faultproxy.Hooks{Request: func(r *http.Request, body []byte) []byte {
		if r.Method != http.MethodPut {
			return body
		}
		var sub protocol.Submission
		if json.Unmarshal(body, &sub) != nil || len(sub.Ciphertext) == 0 {
			return body
		}
		sub.Ciphertext[len(sub.Ciphertext)/2] ^= 0x01 // one bit flipped in transit
		out, _ := json.Marshal(sub)
		return out
	}})
	if _, err := c.Push(ctx, k.ob, nil); err != nil {
		t.Fatalf("push: %v", err)
	}
	got, _ := k.ob.Get(it.ID)
	if got.State == outbox.Purged || got.Ciphertext == nil {
		t.Fatalf("the kiosk purged a submission the portal holds damaged: %+v", got)
	}
	if !strings.Contains(got.LastError, protocol.CodeConflict) {
		t.Fatalf("LastError %q, want a conflict a technician will see", got.LastError)
	}
}
