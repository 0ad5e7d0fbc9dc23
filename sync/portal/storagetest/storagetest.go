// Package storagetest is the conformance suite of portal.Storage: what the server, the
// operator's commands and the admin API rely on a store to do. Every backend (bbolt,
// PostgreSQL) runs Run and must pass all of it; a sub-test per group (Devices, Content,
// Submissions, Fleet, Status) names the interface a failure is about.
package storagetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// Run runs the suite. open must return a fresh, empty store, and close it when t ends
// (t.Cleanup); every sub-test opens its own.
func Run(t *testing.T, open func(t *testing.T) portal.Storage) {
	t.Run("Devices", func(t *testing.T) { devices(t, open) })
	t.Run("Content", func(t *testing.T) { contentStore(t, open) })
	t.Run("Submissions", func(t *testing.T) { submissions(t, open) })
	t.Run("Fleet", func(t *testing.T) { fleet(t, open) })
	t.Run("Status", func(t *testing.T) { statuses(t, open) }) // status.go
	t.Run("Inbox", func(t *testing.T) { inbox(t, open) })     // inbox.go
	t.Run("Accounts", func(t *testing.T) { accounts(t, open) })
	t.Run("Drafts", func(t *testing.T) { drafts(t, open) })                 // drafts.go
	t.Run("Dues", func(t *testing.T) { duesStore(t, open) })                // dues.go
	t.Run("Municipalities", func(t *testing.T) { municipalities(t, open) }) // municipalities.go
	t.Run("CancelledContext", func(t *testing.T) { cancelled(t, open) })
}

// t0 is the suite's "now": times are UTC so a backend may store them in any form that keeps
// the instant.
var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

const muni = "przykladowa"

func hash(s string) []byte { sum := sha256.Sum256([]byte(s)); return sum[:] }

func deviceID(n int) string { return fmt.Sprintf("k-%016x", n) }

// submissionID makes a 32-hex-digit ID; seeds chosen out of order make arrival order differ
// from ID order.
func submissionID(n int) string { return fmt.Sprintf("%032x", n) }

func token(t *testing.T, st portal.DeviceStore, name, municipality string, expires time.Time) []byte {
	t.Helper()
	h := hash(name)
	if err := st.CreateToken(t.Context(), portal.Token{Hash: h, Municipality: municipality, Created: t0, Expires: expires}); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	return h
}

func enroll(t *testing.T, st portal.DeviceStore, n int, municipality string) portal.Device {
	t.Helper()
	h := token(t, st, fmt.Sprint("token-", n), municipality, t0.Add(time.Hour))
	d, err := st.Enroll(t.Context(), h, portal.Device{ID: deviceID(n), Hostname: fmt.Sprint("kiosk-", n), AppVersion: "1.0", SecretHash: hash(fmt.Sprint("secret-", n)), Enrolled: t0}, t0)
	if err != nil {
		t.Fatalf("Enroll %d: %v", n, err)
	}
	return d
}

func devices(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("EnrollConsumesTheTokenOnce", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		h := token(t, st, "t1", muni, t0.Add(time.Hour))
		in := portal.Device{ID: deviceID(1), Municipality: "ignored", Hostname: "kiosk-1", AppVersion: "1.0", SecretHash: hash("s1"), Enrolled: t0}
		got, err := st.Enroll(ctx, h, in, t0)
		if err != nil || got.Municipality != muni || got.ID != in.ID || got.Hostname != in.Hostname {
			t.Fatalf("Enroll: %+v, %v; want the device with the token's municipality", got, err)
		}
		stored, err := st.Device(ctx, in.ID)
		if err != nil || stored.Municipality != muni || stored.Hostname != "kiosk-1" || stored.AppVersion != "1.0" ||
			!bytes.Equal(stored.SecretHash, in.SecretHash) || !stored.Enrolled.Equal(t0) || stored.IsRevoked() {
			t.Fatalf("Device: %+v, %v", stored, err)
		}
		if _, err := st.Enroll(ctx, h, portal.Device{ID: deviceID(2), Enrolled: t0}, t0); !errors.Is(err, portal.ErrBadToken) {
			t.Fatalf("second use of a token: %v, want ErrBadToken", err)
		}
		if devs, err := st.Devices(ctx); err != nil || len(devs) != 1 {
			t.Fatalf("Devices after a refused second use: %d, %v", len(devs), err)
		}
	})
	t.Run("EnrollRefusesUnknownAndExpiredTokens", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		h := token(t, st, "t1", muni, t0.Add(time.Hour))
		if _, err := st.Enroll(ctx, hash("never made"), portal.Device{ID: deviceID(1)}, t0); !errors.Is(err, portal.ErrBadToken) {
			t.Fatalf("unknown token: %v, want ErrBadToken", err)
		}
		if _, err := st.Enroll(ctx, h, portal.Device{ID: deviceID(1)}, t0.Add(time.Hour)); !errors.Is(err, portal.ErrBadToken) {
			t.Fatalf("token at its expiry: %v, want ErrBadToken", err)
		}
		if devs, _ := st.Devices(ctx); len(devs) != 0 {
			t.Fatalf("%d devices after refused enrolments", len(devs))
		}
		// A refusal consumed nothing: the token still works before its expiry.
		if _, err := st.Enroll(ctx, h, portal.Device{ID: deviceID(1)}, t0.Add(time.Hour-time.Second)); err != nil {
			t.Fatalf("token just before its expiry: %v", err)
		}
	})
	t.Run("EnrollFailureChangesNothing", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		enroll(t, st, 1, muni)
		h := token(t, st, "t2", muni, t0.Add(time.Hour))
		if _, err := st.Enroll(ctx, h, portal.Device{ID: deviceID(1), Hostname: "impostor"}, t0); err == nil {
			t.Fatal("enrolled a second device under an existing ID")
		}
		if d, _ := st.Device(ctx, deviceID(1)); d.Hostname != "kiosk-1" {
			t.Fatalf("the existing device changed: %+v", d)
		}
		if _, err := st.Enroll(ctx, h, portal.Device{ID: deviceID(2)}, t0); err != nil {
			t.Fatalf("the token was consumed by the failed enrolment: %v", err)
		}
	})
	t.Run("CreateTokenRefusesBadMunicipality", func(t *testing.T) {
		st := open(t)
		err := st.CreateToken(t.Context(), portal.Token{Hash: hash("t"), Municipality: "Zła Gmina", Created: t0, Expires: t0.Add(time.Hour)})
		if !errors.Is(err, portal.ErrBadMunicipal) {
			t.Fatalf("CreateToken: %v, want ErrBadMunicipal", err)
		}
	})
	t.Run("DevicesOrderedByID", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if devs, err := st.Devices(ctx); err != nil || len(devs) != 0 {
			t.Fatalf("empty store: %v, %v", devs, err)
		}
		for _, n := range []int{3, 1, 2} {
			enroll(t, st, n, muni)
		}
		devs, err := st.Devices(ctx)
		if err != nil || len(devs) != 3 || devs[0].ID != deviceID(1) || devs[1].ID != deviceID(2) || devs[2].ID != deviceID(3) {
			t.Fatalf("Devices: %+v, %v", devs, err)
		}
		if _, err := st.Device(ctx, deviceID(9)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("unknown device: %v, want ErrNotFound", err)
		}
	})
	t.Run("RevokeKeepsTheFirstTime", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		enroll(t, st, 1, muni)
		if err := st.Revoke(ctx, deviceID(9), t0); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("revoke unknown: %v, want ErrNotFound", err)
		}
		t1 := t0.Add(time.Hour)
		if err := st.Revoke(ctx, deviceID(1), t1); err != nil {
			t.Fatal(err)
		}
		if err := st.Revoke(ctx, deviceID(1), t1.Add(time.Hour)); err != nil {
			t.Fatalf("revoke twice: %v", err)
		}
		d, err := st.Device(ctx, deviceID(1))
		if err != nil || !d.IsRevoked() || !d.Revoked.Equal(t1) {
			t.Fatalf("revoked device: %+v, %v; want revoked at %s", d, err, t1)
		}
	})
}

func contentStore(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("SigningKeyIsMadeOnce", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		keys := make([]ed25519.PrivateKey, 8)
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i := range keys { // concurrent first uses
			wg.Go(func() { keys[i], errs[i] = st.SigningKey(ctx, muni) })
		}
		wg.Wait()
		for i := range keys {
			if errs[i] != nil || len(keys[i]) != ed25519.PrivateKeySize || !keys[i].Equal(keys[0]) {
				t.Fatalf("concurrent first use %d: %d-byte key, %v; want one key for all", i, len(keys[i]), errs[i])
			}
		}
		again, err := st.SigningKey(ctx, muni)
		if err != nil || !again.Equal(keys[0]) {
			t.Fatalf("second use: another key (%v)", err)
		}
		other, err := st.SigningKey(ctx, "inna")
		if err != nil || other.Equal(keys[0]) {
			t.Fatalf("another municipality: the same key (%v)", err)
		}
		if _, err := st.SigningKey(ctx, "Zła Gmina"); !errors.Is(err, portal.ErrBadMunicipal) {
			t.Fatalf("bad municipality: %v, want ErrBadMunicipal", err)
		}
	})
	t.Run("BlobsServedOnlyWhenAManifestReferencesThem", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		data := []byte("# Strona\n")
		sha := hexSHA(data)
		if isNew, err := st.PutBlob(ctx, sha, data); err != nil || !isNew {
			t.Fatalf("PutBlob: %v, %v; want new", isNew, err)
		}
		if isNew, err := st.PutBlob(ctx, sha, data); err != nil || isNew {
			t.Fatalf("PutBlob again: %v, %v; want not new", isNew, err)
		}
		if _, err := st.PutBlob(ctx, hexSHA([]byte("other")), data); err == nil {
			t.Fatal("PutBlob took bytes under another hash")
		}
		if _, err := st.Blob(ctx, muni, sha); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("blob no manifest references: %v, want ErrNotFound", err)
		}
		if _, _, err := st.OpenBlob(ctx, muni, sha); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("OpenBlob no manifest references: %v, want ErrNotFound", err)
		}
		if err := st.AddManifest(ctx, muni, 1, []string{sha}, signed(1)); err != nil {
			t.Fatal(err)
		}
		got, err := st.Blob(ctx, muni, sha)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Blob: %q, %v", got, err)
		}
		clear(got) // the caller's copy
		if again, _ := st.Blob(ctx, muni, sha); !bytes.Equal(again, data) {
			t.Fatal("changing a returned blob changed the stored one")
		}
		if _, err := st.Blob(ctx, "inna", sha); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("another municipality's blob: %v, want ErrNotFound", err)
		}
		if _, _, err := st.OpenBlob(ctx, "inna", sha); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("OpenBlob of another municipality's blob: %v, want ErrNotFound", err)
		}
		if _, err := st.Blob(ctx, muni, hexSHA([]byte("never stored"))); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("unknown blob: %v, want ErrNotFound", err)
		}
	})
	t.Run("OpenBlobReadsAndSeeks", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		data := make([]byte, 300<<10)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		sha := hexSHA(data)
		if _, err := st.PutBlob(ctx, sha, data); err != nil {
			t.Fatal(err)
		}
		if err := st.AddManifest(ctx, muni, 1, []string{sha}, signed(1)); err != nil {
			t.Fatal(err)
		}
		r, size, err := st.OpenBlob(ctx, muni, sha)
		if err != nil || size != int64(len(data)) {
			t.Fatalf("OpenBlob: size %d, %v; want %d", size, err, len(data))
		}
		// Reads of every size, and Seek from start, current and end, as http.ServeContent does.
		if err := iotest.TestReader(r, data); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ManifestVersionsIncrease", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if _, err := st.LatestManifest(ctx, muni); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("nothing published: %v, want ErrNotFound", err)
		}
		for _, v := range []uint64{1, 3} { // gaps are fine
			if err := st.AddManifest(ctx, muni, v, nil, signed(v)); err != nil {
				t.Fatalf("AddManifest %d: %v", v, err)
			}
		}
		for _, v := range []uint64{3, 2, 1} {
			if err := st.AddManifest(ctx, muni, v, nil, signed(100+v)); !errors.Is(err, portal.ErrStaleVersion) {
				t.Fatalf("AddManifest %d after 3: %v, want ErrStaleVersion", v, err)
			}
		}
		p, err := st.LatestManifest(ctx, muni)
		if err != nil || p.Version != 3 || p.Signed != signed(3) {
			t.Fatalf("LatestManifest: %+v, %v; want version 3 as stored", p, err)
		}
		// Versions are per municipality.
		if err := st.AddManifest(ctx, "inna", 1, nil, signed(1)); err != nil {
			t.Fatalf("another municipality's first manifest: %v", err)
		}
		if p, _ := st.LatestManifest(ctx, muni); p.Version != 3 {
			t.Fatalf("another municipality's manifest changed this one's latest to %d", p.Version)
		}
		hist, err := st.Manifests(ctx, muni)
		if err != nil || len(hist) != 2 || hist[0].Version != 1 || hist[1].Version != 3 || hist[0].Signed != signed(1) || hist[1].Signed != signed(3) {
			t.Fatalf("Manifests: %+v, %v; want versions 1 and 3 as stored, oldest first", hist, err)
		}
		if hist, err := st.Manifests(ctx, "nikt"); err != nil || len(hist) != 0 {
			t.Fatalf("Manifests of a municipality that published nothing: %+v, %v", hist, err)
		}
	})
	t.Run("ManifestWithMissingBlobStoresNothing", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		data := []byte("plik")
		sha := hexSHA(data)
		if _, err := st.PutBlob(ctx, sha, data); err != nil {
			t.Fatal(err)
		}
		if err := st.AddManifest(ctx, muni, 1, []string{sha, hexSHA([]byte("missing"))}, signed(1)); err == nil {
			t.Fatal("AddManifest took a manifest referencing a missing blob")
		}
		if _, err := st.LatestManifest(ctx, muni); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("the refused manifest was stored: %v", err)
		}
		if _, err := st.Blob(ctx, muni, sha); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("the refused manifest's blobs became served: %v", err)
		}
	})
	t.Run("RenewOnlyTheLatest", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if err := st.RenewManifest(ctx, muni, 1, signed(1)); !errors.Is(err, portal.ErrStaleVersion) {
			t.Fatalf("renew with nothing published: %v, want ErrStaleVersion", err)
		}
		for _, v := range []uint64{1, 2} {
			if err := st.AddManifest(ctx, muni, v, nil, signed(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.RenewManifest(ctx, muni, 1, signed(11)); !errors.Is(err, portal.ErrStaleVersion) {
			t.Fatalf("renew an older version: %v, want ErrStaleVersion", err)
		}
		if err := st.RenewManifest(ctx, muni, 2, signed(12)); err != nil {
			t.Fatalf("renew the latest: %v", err)
		}
		p, err := st.LatestManifest(ctx, muni)
		if err != nil || p.Version != 2 || p.Signed != signed(12) {
			t.Fatalf("after renewal: %+v, %v; want version 2 with the new signature", p, err)
		}
		if err := st.AddManifest(ctx, muni, 2, nil, signed(2)); !errors.Is(err, portal.ErrStaleVersion) {
			t.Fatalf("add the renewed version again: %v, want ErrStaleVersion", err)
		}
	})
	t.Run("MunicipalitiesWithContent", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if _, err := st.SigningKey(ctx, "bez-tresci"); err != nil { // a key alone is not content
			t.Fatal(err)
		}
		for _, m := range []string{"zielona", muni, "inna"} {
			for v := uint64(1); v <= 2; v++ {
				if err := st.AddManifest(ctx, m, v, nil, signed(v)); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, err := st.Municipalities(ctx)
		if want := []string{"inna", muni, "zielona"}; err != nil || !slices.Equal(got, want) {
			t.Fatalf("Municipalities: %q, %v; want %q", got, err, want)
		}
	})
}

func hexSHA(b []byte) string { sum := sha256.Sum256(b); return hex.EncodeToString(sum[:]) }

// signed is a distinct stand-in for a signed manifest: the store keeps it as it is.
func signed(n uint64) protocol.SignedManifest {
	return protocol.SignedManifest{Payload: fmt.Sprintf("payload-%d", n), Signature: fmt.Sprintf("signature-%d", n)}
}

func record(id int, municipality string, device int, ciphertext string, received time.Time) portal.Record {
	return portal.Record{
		ID: submissionID(id), Ref: fmt.Sprintf("ref-%d", id), Procedure: "zameldowanie", Office: "ug", ContentVersion: "v1",
		Created: received.Add(-time.Minute), Ciphertext: []byte(ciphertext), Device: deviceID(device),
		Municipality: municipality, Received: received,
	}
}

func put(t *testing.T, st portal.SubmissionStore, rec portal.Record, loc *time.Location) portal.Record {
	t.Helper()
	stored, created, err := st.PutSubmission(t.Context(), rec, loc)
	if err != nil || !created {
		t.Fatalf("PutSubmission %s: created %v, %v", rec.ID, created, err)
	}
	return stored
}

func ids(recs []portal.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func submissions(t *testing.T, open func(*testing.T) portal.Storage) {
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		warsaw = time.FixedZone("CET", 3600) // the same on 31 December
	}
	t.Run("PortalRefsPerMunicipalityAndYear", func(t *testing.T) {
		st := open(t)
		first := put(t, st, record(1, muni, 1, "c1", t0), warsaw)
		if first.PortalRef != "2026/000001" || !bytes.Equal(first.CipherSHA256, hash("c1")) || !first.Received.Equal(t0) {
			t.Fatalf("first submission: ref %q, sha %x, received %s", first.PortalRef, first.CipherSHA256, first.Received)
		}
		if r := put(t, st, record(2, muni, 1, "c2", t0), warsaw); r.PortalRef != "2026/000002" {
			t.Fatalf("second ref %q", r.PortalRef)
		}
		if r := put(t, st, record(3, "inna", 2, "c3", t0), warsaw); r.PortalRef != "2026/000001" {
			t.Fatalf("another municipality's first ref %q", r.PortalRef)
		}
		// 23:30 UTC on 31 December is already the new year in Warsaw, not in UTC.
		eve := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
		if r := put(t, st, record(4, muni, 1, "c4", eve), warsaw); r.PortalRef != "2027/000001" {
			t.Fatalf("new year's ref in Warsaw %q", r.PortalRef)
		}
		if r := put(t, st, record(5, muni, 1, "c5", eve), nil); r.PortalRef != "2026/000003" {
			t.Fatalf("ref with a nil location (UTC) %q", r.PortalRef)
		}
	})
	t.Run("PutIsIdempotentByID", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		rec := record(1, muni, 1, "ciphertext", t0)
		first := put(t, st, rec, nil)
		again := rec
		again.Received = t0.Add(time.Hour) // a retry arrives later
		stored, created, err := st.PutSubmission(ctx, again, nil)
		if err != nil || created || stored.PortalRef != first.PortalRef || !stored.Received.Equal(t0) || !bytes.Equal(stored.CipherSHA256, first.CipherSHA256) {
			t.Fatalf("repeat: %+v created %v, %v; want the first receipt", stored, created, err)
		}
		if stored.Receipt() != first.Receipt() {
			t.Fatalf("repeat's receipt %+v, first %+v", stored.Receipt(), first.Receipt())
		}
		changed := rec
		changed.Ciphertext = []byte("other bytes")
		if _, _, err := st.PutSubmission(ctx, changed, nil); !errors.Is(err, portal.ErrConflict) {
			t.Fatalf("same ID, other ciphertext: %v, want ErrConflict", err)
		}
		otherDevice := rec
		otherDevice.Device = deviceID(2)
		if _, _, err := st.PutSubmission(ctx, otherDevice, nil); !errors.Is(err, portal.ErrConflict) {
			t.Fatalf("same ID, other device: %v, want ErrConflict", err)
		}
		recs, err := st.Submissions(ctx, muni, true)
		if err != nil || len(recs) != 1 || string(recs[0].Ciphertext) != "ciphertext" || recs[0].Device != deviceID(1) {
			t.Fatalf("stored after conflicts: %+v, %v", recs, err)
		}
		if n, _ := st.PendingBytes(ctx, deviceID(1)); n != int64(len("ciphertext")) {
			t.Fatalf("PendingBytes %d after repeats, want %d", n, len("ciphertext"))
		}
	})
	t.Run("ConcurrentPuts", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		const n = 20
		refs := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, _, err := st.PutSubmission(ctx, record(i+1, muni, 1, fmt.Sprint("c", i), t0), nil)
				refs[i], errs[i] = r.PortalRef, err
			})
		}
		wg.Wait()
		slices.Sort(refs)
		for i := range n {
			if errs[i] != nil || refs[i] != fmt.Sprintf("2026/%06d", i+1) {
				t.Fatalf("concurrent distinct puts: refs %q, error %v; want 000001…%06d once each", refs, errs[i], n)
			}
		}
		// The same submission from many retries at once: stored once, one receipt.
		created := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				r, c, err := st.PutSubmission(ctx, record(999, muni, 1, "retried", t0), nil)
				refs[i], created[i], errs[i] = r.PortalRef, c, err
			})
		}
		wg.Wait()
		count := 0
		for i := range n {
			if errs[i] != nil || refs[i] != refs[0] {
				t.Fatalf("concurrent retries: refs %q, error %v", refs, errs[i])
			}
			if created[i] {
				count++
			}
		}
		if total, _ := st.CountSubmissions(ctx, muni); count != 1 || total != n+1 {
			t.Fatalf("concurrent retries: created %d times, %d stored; want once, %d", count, total, n+1)
		}
	})
	t.Run("ListExportAndCount", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		// Arrival order is not ID order.
		order := []int{0xff, 0x01, 0xaa}
		for i, id := range order {
			put(t, st, record(id, muni, 1, fmt.Sprint("c", id), t0.Add(time.Duration(i)*time.Minute)), nil)
		}
		elsewhere := record(0x50, "inna", 2, "c50", t0)
		elsewhere.ClockSuspect = true
		put(t, st, elsewhere, nil)
		want := []string{submissionID(0xff), submissionID(0x01), submissionID(0xaa)}
		recs, err := st.Submissions(ctx, muni, false)
		if err != nil || !slices.Equal(ids(recs), want) {
			t.Fatalf("pending: %q, %v; want %q (arrival order)", ids(recs), err, want)
		}
		r := recs[0]
		if r.Ref != "ref-255" || r.Procedure != "zameldowanie" || r.Office != "ug" || r.ContentVersion != "v1" || r.Device != deviceID(1) ||
			r.Municipality != muni || !r.Created.Equal(t0.Add(-time.Minute)) || !r.Received.Equal(t0) || string(r.Ciphertext) != "c255" ||
			r.PortalRef != "2026/000001" || !bytes.Equal(r.CipherSHA256, hash("c255")) || r.ClockSuspect || !r.Exported.IsZero() {
			t.Fatalf("stored record %+v", r)
		}
		if other, _ := st.Submissions(ctx, "inna", false); len(other) != 1 || !other[0].ClockSuspect {
			t.Fatalf("ClockSuspect lost: %+v", other)
		}
		for m, n := range map[string]int{muni: 3, "inna": 1, "": 4, "zadna": 0} {
			if got, err := st.CountSubmissions(ctx, m); err != nil || got != n {
				t.Fatalf("CountSubmissions(%q) = %d, %v; want %d", m, got, err, n)
			}
		}
		if ok, err := st.HasSubmission(ctx, submissionID(0x01)); err != nil || !ok {
			t.Fatalf("HasSubmission of a stored one: %v, %v", ok, err)
		}
		if ok, err := st.HasSubmission(ctx, submissionID(0x02)); err != nil || ok {
			t.Fatalf("HasSubmission of an unknown one: %v, %v", ok, err)
		}

		t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
		if err := st.MarkExported(ctx, []string{submissionID(0x01)}, t1); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkExported(ctx, []string{submissionID(0x01)}, t2); err != nil {
			t.Fatalf("marking again: %v", err)
		}
		if err := st.MarkExported(ctx, []string{submissionID(0xaa), submissionID(0x02)}, t1); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("marking an unknown ID: %v, want ErrNotFound", err)
		}
		recs, _ = st.Submissions(ctx, muni, false)
		if want := []string{submissionID(0xff), submissionID(0xaa)}; !slices.Equal(ids(recs), want) {
			t.Fatalf("pending after export: %q, want %q (a failed mark marks none)", ids(recs), want)
		}
		all, _ := st.Submissions(ctx, muni, true)
		if !slices.Equal(ids(all), []string{submissionID(0xff), submissionID(0x01), submissionID(0xaa)}) || !all[1].Exported.Equal(t1) {
			t.Fatalf("all after export: %q, exported %s; want everything, exported at the first mark", ids(all), all[1].Exported)
		}
		if n, _ := st.CountSubmissions(ctx, muni); n != 3 {
			t.Fatalf("CountSubmissions after export %d, want 3 (exported ones count)", n)
		}
	})
	t.Run("QuarantineAndRelease", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		for i, id := range []int{3, 1, 2} {
			put(t, st, record(id, muni, 1, fmt.Sprint("cipher-", id), t0.Add(time.Duration(i)*time.Minute)), nil)
		}
		put(t, st, record(9, "inna", 2, "cipher-9", t0), nil)
		if err := st.Quarantine(ctx, submissionID(1), "nie odszyfrowuje się", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.Quarantine(ctx, submissionID(9), "uszkodzony", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		pending, _ := st.Submissions(ctx, muni, false)
		if want := []string{submissionID(3), submissionID(2)}; !slices.Equal(ids(pending), want) {
			t.Fatalf("pending with one in quarantine: %q, want %q", ids(pending), want)
		}
		q, err := st.Quarantined(ctx, muni)
		if err != nil || len(q) != 1 {
			t.Fatalf("Quarantined: %+v, %v", q, err)
		}
		if r := q[0]; r.ID != submissionID(1) || r.QuarantineReason != "nie odszyfrowuje się" || !r.Quarantined.Equal(t0.Add(time.Hour)) ||
			r.Ciphertext != nil || r.CiphertextSize != len("cipher-1") || r.PortalRef != "2026/000002" || r.Device != deviceID(1) {
			t.Fatalf("quarantined record %+v; want reason, time, no ciphertext but its size", r)
		}
		if all, _ := st.Quarantined(ctx, ""); len(all) != 2 {
			t.Fatalf("Quarantined of all: %q", ids(all))
		}
		if all, _ := st.Submissions(ctx, muni, true); len(all) != 3 || all[1].Quarantined.IsZero() {
			t.Fatalf("Submissions(all) leaves out or hides the quarantined one: %+v", all)
		}
		if n, _ := st.PendingBytes(ctx, deviceID(1)); n != int64(2*len("cipher-1")) {
			t.Fatalf("PendingBytes %d, want %d: a quarantined submission still counts", n, 2*len("cipher-1"))
		}
		for _, id := range []string{submissionID(1), submissionID(7)} {
			if err := st.Quarantine(ctx, id, "again", t0); !errors.Is(err, portal.ErrNotFound) {
				t.Fatalf("quarantine %s (not pending): %v, want ErrNotFound", id, err)
			}
		}
		if err := st.Release(ctx, submissionID(3)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("release of a pending one: %v, want ErrNotFound", err)
		}

		if err := st.Release(ctx, submissionID(1)); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.PendingBytes(ctx, deviceID(1)); n != int64(3*len("cipher-1")) {
			t.Fatalf("PendingBytes %d after release, want %d: it counts again", n, 3*len("cipher-1"))
		}
		pending, _ = st.Submissions(ctx, muni, false)
		if want := []string{submissionID(3), submissionID(1), submissionID(2)}; !slices.Equal(ids(pending), want) {
			t.Fatalf("pending after release: %q, want %q (its place of arrival)", ids(pending), want)
		}
		if r := pending[1]; !r.Quarantined.IsZero() || r.QuarantineReason != "" {
			t.Fatalf("released record still marked: %+v", r)
		}
		if q, _ := st.Quarantined(ctx, muni); len(q) != 0 {
			t.Fatalf("still in quarantine: %q", ids(q))
		}
		if err := st.Release(ctx, submissionID(1)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("release twice: %v, want ErrNotFound", err)
		}
		// An exported submission cannot be set aside.
		if err := st.MarkExported(ctx, []string{submissionID(2)}, t0); err != nil {
			t.Fatal(err)
		}
		if err := st.Quarantine(ctx, submissionID(2), "late", t0); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("quarantine an exported one: %v, want ErrNotFound", err)
		}
	})
	t.Run("PendingBytesPerDevice", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if n, err := st.PendingBytes(ctx, deviceID(1)); err != nil || n != 0 {
			t.Fatalf("device with nothing: %d, %v", n, err)
		}
		put(t, st, record(1, muni, 1, string(make([]byte, 100)), t0), nil)
		put(t, st, record(2, muni, 1, string(make([]byte, 50)), t0), nil)
		put(t, st, record(3, muni, 2, string(make([]byte, 7)), t0), nil)
		if n, _ := st.PendingBytes(ctx, deviceID(1)); n != 150 {
			t.Fatalf("PendingBytes %d, want 150", n)
		}
		if err := st.MarkExported(ctx, []string{submissionID(1)}, t0); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.PendingBytes(ctx, deviceID(1)); n != 50 {
			t.Fatalf("PendingBytes after export %d, want 50", n)
		}
		if n, _ := st.PendingBytes(ctx, deviceID(2)); n != 7 {
			t.Fatalf("other device %d, want 7", n)
		}
	})
}

func fleet(t *testing.T, open func(*testing.T) portal.Storage) {
	t.Run("HeartbeatHistoryKeepsTheNewest", func(t *testing.T) {
		st, ctx := open(t), t.Context()
		if beats, err := st.Heartbeats(ctx, deviceID(1)); err != nil || len(beats) != 0 {
			t.Fatalf("device that never sent one: %+v, %v", beats, err)
		}
		n := portal.HeartbeatHistory + 5
		for i := range n {
			hb := protocol.Heartbeat{ContentVersion: 3, ContentLabel: "v3", Queued: i, Oldest: t0.Add(-time.Hour), Printer: "tm-t20",
				PrinterOK: true, PaperOut: i%2 == 1, Reader: "rdm6300", ReaderOK: true, DiskFree: 1 << 30, Uptime: 12.5,
				AppVersion: "1.2", Sent: t0, OutOfService: true, ClockSuspect: true, Salvaged: 2, Unrecoverable: 1}
			if err := st.PutHeartbeat(ctx, deviceID(1), portal.Beat{Received: t0.Add(time.Duration(i) * time.Minute), Heartbeat: hb}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.PutHeartbeat(ctx, deviceID(2), portal.Beat{Received: t0, Heartbeat: protocol.Heartbeat{Queued: 99}}); err != nil {
			t.Fatal(err)
		}
		beats, err := st.Heartbeats(ctx, deviceID(1))
		if err != nil || len(beats) != portal.HeartbeatHistory {
			t.Fatalf("history: %d beats, %v; want %d", len(beats), err, portal.HeartbeatHistory)
		}
		for i, b := range beats {
			if want := n - portal.HeartbeatHistory + i; b.Heartbeat.Queued != want || !b.Received.Equal(t0.Add(time.Duration(want)*time.Minute)) {
				t.Fatalf("beat %d: queued %d received %s; want the newest %d, oldest first", i, b.Heartbeat.Queued, b.Received, portal.HeartbeatHistory)
			}
		}
		last := beats[len(beats)-1].Heartbeat
		if last.ContentVersion != 3 || last.ContentLabel != "v3" || !last.Oldest.Equal(t0.Add(-time.Hour)) || last.Printer != "tm-t20" ||
			!last.PrinterOK || last.PaperOut != ((n-1)%2 == 1) || last.Reader != "rdm6300" || !last.ReaderOK || last.DiskFree != 1<<30 ||
			last.Uptime != 12.5 || last.AppVersion != "1.2" || !last.Sent.Equal(t0) || !last.OutOfService || !last.ClockSuspect ||
			last.Salvaged != 2 || last.Unrecoverable != 1 {
			t.Fatalf("heartbeat did not round-trip: %+v", last)
		}
		if other, _ := st.Heartbeats(ctx, deviceID(2)); len(other) != 1 || other[0].Heartbeat.Queued != 99 {
			t.Fatalf("another device's history: %+v", other)
		}
	})
}

// cancelled: a store gives up with the context's error rather than block on a done context.
func cancelled(t *testing.T, open func(*testing.T) portal.Storage) {
	st := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, err := range map[string]error{
		"CreateToken":   st.CreateToken(ctx, portal.Token{Hash: hash("t"), Municipality: muni, Created: t0, Expires: t0.Add(time.Hour)}),
		"SigningKey":    second(st.SigningKey(ctx, muni)),
		"AddManifest":   st.AddManifest(ctx, muni, 1, nil, signed(1)),
		"PutSubmission": third(st.PutSubmission(ctx, record(1, muni, 1, "c", t0), nil)),
		"PutHeartbeat":  st.PutHeartbeat(ctx, deviceID(1), portal.Beat{Received: t0}),
		"Devices":       second(st.Devices(ctx)),
	} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	// and nothing was written
	if n, _ := st.CountSubmissions(t.Context(), ""); n != 0 {
		t.Errorf("%d submissions stored with a cancelled context", n)
	}
	if _, err := st.LatestManifest(t.Context(), muni); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("a manifest was stored with a cancelled context: %v", err)
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }
