package portal_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"infomat/sync/portal"
	"infomat/sync/protocol"
)

var enrolT0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// atOnce runs fn(0) … fn(n-1) in goroutines released together, so that they overlap as much
// as they can, and waits for them.
func atOnce(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func blobSHA(b []byte) string { sum := sha256.Sum256(b); return hex.EncodeToString(sum[:]) }

// Both portals enrolling with one token at once: one device per token, the other refused.
func TestPostgresDevicesTokenEnrolsOnceAcrossInstances(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	const tokens = 20
	for i := range tokens {
		tok := portal.Token{Hash: []byte(fmt.Sprint("token-", i)), Municipality: "przykladowa", Created: enrolT0, Expires: enrolT0.Add(time.Hour)}
		if err := sts[i%2].CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	var errs [tokens][2]error
	atOnce(2*tokens, func(k int) {
		i, j := k/2, k%2
		dev := portal.Device{ID: fmt.Sprintf("k-%d-%d", i, j), Hostname: "kiosk", SecretHash: []byte("s"), Enrolled: enrolT0}
		_, errs[i][j] = sts[j].Enroll(ctx, []byte(fmt.Sprint("token-", i)), dev, enrolT0)
	})
	for i, e := range errs {
		won := 0
		for _, err := range e {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, portal.ErrBadToken):
				t.Fatalf("token %d: %v, want nil or ErrBadToken", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("token %d enrolled %d devices (errors %v), want 1", i, won, e)
		}
	}
	devs, err := sts[0].Devices(ctx)
	if err != nil || len(devs) != tokens {
		t.Fatalf("Devices: %d, %v; want %d", len(devs), err, tokens)
	}
	var mismatched int
	err = sts[1].Pool().QueryRow(ctx, `SELECT count(*) FROM tokens t LEFT JOIN devices d ON d.id = t.device
		WHERE t.used IS NULL OR d.id IS NULL`).Scan(&mismatched)
	if err != nil || mismatched != 0 {
		t.Fatalf("%d tokens not used by exactly the device they enrolled (%v)", mismatched, err)
	}
}

// First uses of a municipality's key from both portals at once give one key.
func TestPostgresKeysSameAcrossInstances(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	const municipalities, each = 10, 3
	keys := make([][]ed25519.PrivateKey, municipalities)
	errs := make([][]error, municipalities)
	for m := range municipalities {
		keys[m], errs[m] = make([]ed25519.PrivateKey, 2*each), make([]error, 2*each)
	}
	atOnce(municipalities*2*each, func(k int) {
		m, i := k/(2*each), k%(2*each)
		keys[m][i], errs[m][i] = sts[i%2].SigningKey(ctx, fmt.Sprint("gmina-", m))
	})
	for m := range municipalities {
		for i, k := range keys[m] {
			if errs[m][i] != nil || !k.Equal(keys[m][0]) {
				t.Fatalf("municipality %d, use %d: %v; want one key from both portals", m, i, errs[m][i])
			}
		}
	}
	var n int
	if err := sts[0].Pool().QueryRow(ctx, `SELECT count(*) FROM signing_keys`).Scan(&n); err != nil || n != municipalities {
		t.Fatalf("%d keys stored (%v), want %d", n, err, municipalities)
	}
}

func signedAs(who string, v uint64) protocol.SignedManifest {
	return protocol.SignedManifest{Payload: fmt.Sprintf("%s-%d", who, v), Signature: "sig-" + who}
}

// Both portals publishing the same next version at once: one wins, the other is told its
// version is stale, and the winner's manifest is the latest.
func TestPostgresManifestOneWinnerAcrossInstances(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	data := []byte("# Strona\n")
	if _, err := sts[0].PutBlob(ctx, blobSHA(data), data); err != nil {
		t.Fatal(err)
	}
	for v := uint64(1); v <= 50; v++ {
		var errs [2]error
		atOnce(2, func(i int) {
			errs[i] = sts[i].AddManifest(ctx, "przykladowa", v, []string{blobSHA(data)}, signedAs(fmt.Sprint(i), v))
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner < 0:
				winner = i
			case !errors.Is(err, portal.ErrStaleVersion):
				t.Fatalf("version %d: %v; want one success and one ErrStaleVersion", v, errs)
			}
		}
		if winner < 0 {
			t.Fatalf("version %d: nobody won: %v", v, errs)
		}
		p, err := sts[1-winner].LatestManifest(ctx, "przykladowa")
		if err != nil || p.Version != v || p.Signed != signedAs(fmt.Sprint(winner), v) {
			t.Fatalf("version %d: latest %+v, %v; want the winner's", v, p, err)
		}
	}
	if hist, err := sts[0].Manifests(ctx, "przykladowa"); err != nil || len(hist) != 50 {
		t.Fatalf("history: %d manifests, %v; want 50", len(hist), err)
	}
	if got, err := sts[1].Blob(ctx, "przykladowa", blobSHA(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob through the other portal: %q, %v", got, err)
	}
}

// A renewal racing a publish from the other portal: the renewal is either of the version
// still latest (before the publish) or refused; the new version stays the latest with its
// own signature, and an older version is renewed only when the renewal succeeded.
func TestPostgresManifestRenewVersusAddAcrossInstances(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	const muni = "przykladowa"
	if err := sts[0].AddManifest(ctx, muni, 1, nil, signedAs("add", 1)); err != nil {
		t.Fatal(err)
	}
	renewed := 0
	for v := uint64(1); v <= 30; v++ {
		renewer, adder := sts[v%2], sts[1-v%2]
		var renewErr, addErr error
		atOnce(2, func(i int) {
			if i == 0 {
				renewErr = renewer.RenewManifest(ctx, muni, v, signedAs("renew", v))
			} else {
				addErr = adder.AddManifest(ctx, muni, v+1, nil, signedAs("add", v+1))
			}
		})
		if addErr != nil {
			t.Fatalf("round %d: add: %v", v, addErr)
		}
		if renewErr != nil && !errors.Is(renewErr, portal.ErrStaleVersion) {
			t.Fatalf("round %d: renew: %v, want nil or ErrStaleVersion", v, renewErr)
		}
		hist, err := renewer.Manifests(ctx, muni)
		if err != nil || len(hist) != int(v+1) {
			t.Fatalf("round %d: %d manifests, %v", v, len(hist), err)
		}
		if last := hist[v]; last.Version != v+1 || last.Signed != signedAs("add", v+1) {
			t.Fatalf("round %d: latest %+v; want version %d as published", v, last, v+1)
		}
		want := signedAs("add", v)
		if renewErr == nil {
			want = signedAs("renew", v)
			renewed++
		}
		if prev := hist[v-1]; prev.Signed != want {
			t.Fatalf("round %d: version %d holds %+v, want %+v (renewal error %v)", v, v, prev.Signed, want, renewErr)
		}
	}
	t.Logf("%d of 30 renewals came before the publish", renewed)
}

// Blobs bigger than a chunk: stored once when both portals put them at once, read back
// whole and in every read and seek pattern (also at the sizes where the chunking changes),
// and streamed a chunk at a time.
func TestPostgresContentBlobsInChunks(t *testing.T) {
	sts := twoInstances(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 5<<20/2+3) // two chunks and a half, plus an odd end
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	h := blobSHA(data)
	var isNew [2]bool
	var errs [2]error
	atOnce(2, func(i int) { isNew[i], errs[i] = sts[i].PutBlob(ctx, h, data) })
	if errs[0] != nil || errs[1] != nil || isNew[0] == isNew[1] {
		t.Fatalf("concurrent puts: new %v, errors %v; want one new", isNew, errs)
	}
	var chunks int
	if err := sts[0].Pool().QueryRow(ctx, `SELECT count(*) FROM blob_chunks WHERE sha = $1`, h).Scan(&chunks); err != nil || chunks != 3 {
		t.Fatalf("%d chunks (%v), want 3", chunks, err)
	}
	if err := sts[0].AddManifest(ctx, "przykladowa", 1, []string{h}, signedAs("add", 1)); err != nil {
		t.Fatal(err)
	}
	got, err := sts[1].Blob(ctx, "przykladowa", h)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Blob: %d bytes, %v", len(got), err)
	}
	r, size, err := sts[1].OpenBlob(ctx, "przykladowa", h)
	if err != nil || size != int64(len(data)) {
		t.Fatalf("OpenBlob: %d, %v", size, err)
	}
	if err := iotest.TestReader(r, data); err != nil {
		t.Fatal(err)
	}

	// The edges: no chunk, one byte, exactly one chunk, a chunk and a byte.
	for v, size := range []int{0, 1, 1 << 20, 1<<20 + 1} {
		edge := data[len(data)-size:]
		if _, err := sts[0].PutBlob(ctx, blobSHA(edge), edge); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if err := sts[0].AddManifest(ctx, "edges", uint64(v+1), []string{blobSHA(edge)}, signedAs("add", uint64(v+1))); err != nil {
			t.Fatal(err)
		}
		if got, err := sts[1].Blob(ctx, "edges", blobSHA(edge)); err != nil || !bytes.Equal(got, edge) {
			t.Fatalf("Blob of %d bytes: %d, %v", size, len(got), err)
		}
		r, n, err := sts[1].OpenBlob(ctx, "edges", blobSHA(edge))
		if err != nil || n != int64(size) {
			t.Fatalf("OpenBlob of %d bytes: %d, %v", size, n, err)
		}
		if err := iotest.TestReader(r, edge); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
	}

	// Streaming: reading a 16 MiB blob allocates a few chunks' worth, not the blob.
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	if _, err := sts[0].PutBlob(ctx, blobSHA(big), big); err != nil {
		t.Fatal(err)
	}
	if err := sts[0].AddManifest(ctx, "przykladowa", 2, []string{blobSHA(big)}, signedAs("add", 2)); err != nil {
		t.Fatal(err)
	}
	r, _, err = sts[1].OpenBlob(ctx, "przykladowa", blobSHA(big))
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.New()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = io.CopyBuffer(hash, r, make([]byte, 32<<10))
	runtime.ReadMemStats(&after)
	if err != nil || hex.EncodeToString(hash.Sum(nil)) != blobSHA(big) {
		t.Fatalf("streamed blob: %v, or wrong bytes", err)
	}
	// Whole, it would be at least the blob's size; a chunk at a time it is the reader's
	// buffer and pgx's message buffer, each taken again when a collection empties pgx's pool.
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > uint64(len(big))/2 && !raceDetector {
		t.Errorf("reading a %d-byte blob allocated %d bytes: not streamed", len(big), alloc)
	}
	t.Logf("reading a %d MiB blob allocated %.1f MiB", len(big)>>20, float64(alloc)/(1<<20))
}
