package portal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"infomat/sync/protocol"
)

// bigBlob publishes a bundle with a 24 MiB attachment and returns its bytes and hash.
func bigBlob(t *testing.T, f *fixture) ([]byte, string) {
	t.Helper()
	data := make([]byte, 24<<20)
	rand.New(rand.NewSource(1)).Read(data)
	dir := copyContent(t)
	if err := os.WriteFile(filepath.Join(dir, "pliki", "duzy.pdf"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:])
}

// discard is a ResponseWriter that hashes the body and keeps nothing.
type discard struct {
	hdr    http.Header
	status int
	h      hash.Hash
}

func (d *discard) Header() http.Header         { return d.hdr }
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(p []byte) (int, error) { return d.h.Write(p) }

// The portal serves a blob from the store in pieces: it used to copy each blob whole into
// memory per request, so parallel downloads of a big attachment multiplied it.
func TestBlobStreamsFromTheStore(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	data, sha := bigBlob(t, f)

	req := httptest.NewRequest(http.MethodGet, protocol.PathBlob+sha, nil)
	req.Header.Set("Authorization", c.auth())
	w := &discard{hdr: http.Header{}, status: 200, h: sha256.New()}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f.api.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	if w.status != 200 || hex.EncodeToString(w.h.Sum(nil)) != sha {
		t.Fatalf("GET blob: status %d, wrong bytes", w.status)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(len(data))/4 {
		t.Errorf("serving a %d-byte blob allocated %d bytes: not streamed", len(data), alloc)
	}
}

func TestBlobServedWholeAndInRanges(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	data, sha := bigBlob(t, f)
	resp, got := f.do(http.MethodGet, protocol.PathBlob+sha, c.auth(), nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("GET blob: %d, %d bytes", resp.StatusCode, len(got))
	}
	resp, got = f.do(http.MethodGet, protocol.PathBlob+sha, c.auth(), nil, map[string]string{"Range": "bytes=1000-1999"})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[1000:2000]) {
		t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(got))
	}
	// Another municipality's device gets 404 (TestPublishAndFetch); that the store keeps
	// blobs per municipality is the Storage contract: storagetest BlobsServedOnlyWhenAManifestReferencesThem.
}
