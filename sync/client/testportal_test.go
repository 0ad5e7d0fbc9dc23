package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/store"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// The kiosk's own store and outbox are what the client takes.
var (
	_ Queue        = (*outbox.Outbox)(nil)
	_ ContentStore = (*store.Store)(nil)
)

// testPortal is the real portal (portal.NewServer on a bbolt store in a temporary
// directory) behind a scripted fault injector for the faults a working portal never
// produces: a 5xx, a 429, a refusal or a lost answer on a chosen PUT, a dropped or tampered
// blob, a forged manifest. It also counts the traffic the tests assert on.
type testPortal struct {
	t     *testing.T
	st    *portal.Bolt
	real  http.Handler
	srv   *httptest.Server
	muni  string
	cr    Credentials // the enrolled device the tests' clients use
	token string      // an unused enrolment token

	mu sync.Mutex
	// faults are consumed one per submission PUT. Before the portal: "500", "429:N"
	// (Retry-After seconds), "429date:N" (an HTTP date N s ahead), "400", "401", "403",
	// "413". After the portal stored it: "drop" (no answer), "truncate" (half an answer).
	// On the way in: "damage" (one ciphertext byte flipped before the portal stores it).
	faults    []string
	puts      map[string]int                 // submission PUTs per ID, faulted ones included
	blobFault func(n int, sha string) string // n counts blob requests from 1: "", "drop", "tamper"
	manifest  []byte                         // when set, served instead of the portal's manifest (forged)
	blobReqs  []string
	blobBytes int64
	manBytes  int64
}

const testMuni = "gmina-przykladowa"

func newPortal(t *testing.T) *testPortal {
	t.Helper()
	ctx := context.Background()
	st, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPortal{t: t, st: st, muni: testMuni, puts: map[string]int{},
		// The portal's own rate limit and quota have their test (ratelimit_test.go).
		real: portal.NewServer(st, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Limits: portal.Limits{SubmitRate: -1, DeviceQuota: -1}})}
	p.srv = httptest.NewServer(p)
	t.Cleanup(func() {
		p.srv.Close()
		_ = st.Close()
	})
	p.cr, err = Enroll(ctx, p.srv.URL, p.newToken(t), "")
	if err != nil {
		t.Fatal(err)
	}
	p.token = p.newToken(t)
	return p
}

func (p *testPortal) newToken(t *testing.T) string {
	t.Helper()
	tok, err := portal.CreateToken(context.Background(), p.st, p.muni, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (p *testPortal) creds() Credentials { return p.cr }

func (p *testPortal) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(p.creds())
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func(n int64) int64 { return n - 1 } // deterministic: the ceiling
	t.Cleanup(c.Close)
	return c
}

// revoke revokes the test device on the portal, as `infomat-portal revoke` does.
func (p *testPortal) revoke(t *testing.T) {
	t.Helper()
	if err := p.st.Revoke(context.Background(), p.cr.DeviceID, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", protocol.ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(protocol.Error{Code: code, Message: "injected " + code})
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// replay writes a recorded answer of the real portal.
func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func (p *testPortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, protocol.PathSubmission):
		p.submission(w, r, strings.TrimPrefix(r.URL.Path, protocol.PathSubmission))
	case r.Method == http.MethodGet && r.URL.Path == protocol.PathManifest:
		p.mu.Lock()
		forged := p.manifest
		p.mu.Unlock()
		if forged != nil {
			sum := sha256.Sum256(forged)
			etag := `"` + hex.EncodeToString(sum[:8]) + `"`
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			p.mu.Lock()
			p.manBytes += int64(len(forged))
			p.mu.Unlock()
			w.Header().Set("ETag", etag)
			_, _ = w.Write(forged)
			return
		}
		rec := httptest.NewRecorder()
		p.real.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			p.mu.Lock()
			p.manBytes += int64(rec.Body.Len())
			p.mu.Unlock()
		}
		replay(w, rec, rec.Body.Bytes())
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, protocol.PathBlob):
		sha := strings.TrimPrefix(r.URL.Path, protocol.PathBlob)
		p.mu.Lock()
		p.blobReqs = append(p.blobReqs, sha)
		fault := ""
		if p.blobFault != nil {
			fault = p.blobFault(len(p.blobReqs), sha)
		}
		p.mu.Unlock()
		if fault == "drop" {
			hijackClose(w)
			return
		}
		rec := httptest.NewRecorder()
		p.real.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			if fault == "tamper" && len(body) > 0 {
				body = bytes.Clone(body)
				body[0] ^= 1
			} else {
				p.mu.Lock()
				p.blobBytes += int64(len(body))
				p.mu.Unlock()
			}
		}
		replay(w, rec, body)
	default:
		p.real.ServeHTTP(w, r)
	}
}

func (p *testPortal) submission(w http.ResponseWriter, r *http.Request, id string) {
	p.mu.Lock()
	p.puts[id]++
	fault := ""
	if len(p.faults) > 0 {
		fault, p.faults = p.faults[0], p.faults[1:]
	}
	p.mu.Unlock()
	switch {
	case fault == "500":
		writeErr(w, http.StatusInternalServerError, protocol.CodeInternal)
		return
	case strings.HasPrefix(fault, "429date:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(fault, "429date:"))
		w.Header().Set("Retry-After", time.Now().Add(time.Duration(n)*time.Second).UTC().Format(http.TimeFormat))
		writeErr(w, http.StatusTooManyRequests, protocol.CodeRateLimited)
		return
	case strings.HasPrefix(fault, "429:"):
		w.Header().Set("Retry-After", strings.TrimPrefix(fault, "429:"))
		writeErr(w, http.StatusTooManyRequests, protocol.CodeRateLimited)
		return
	case fault == "400", fault == "401", fault == "403", fault == "413":
		code, _ := strconv.Atoi(fault)
		writeErr(w, code, "injected")
		return
	}
	if fault == "damage" {
		var sub protocol.Submission
		if err := json.NewDecoder(r.Body).Decode(&sub); err != nil || len(sub.Ciphertext) == 0 {
			p.t.Errorf("damage: %v", err)
		} else {
			sub.Ciphertext[len(sub.Ciphertext)-1] ^= 1
		}
		body, _ := json.Marshal(sub)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	rec := httptest.NewRecorder()
	p.real.ServeHTTP(rec, r) // the portal stores it (idempotently by ID) and answers
	switch fault {
	case "drop":
		hijackClose(w)
	case "truncate":
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		// Returning with fewer bytes than declared makes net/http close the connection.
	default:
		replay(w, rec, rec.Body.Bytes())
	}
}

// sign stores files as blobs on the portal and signs a manifest of them with the
// municipality's key, without publishing it.
func (p *testPortal) sign(t *testing.T, version uint64, files map[string][]byte, mutate func(*protocol.Manifest)) protocol.SignedManifest {
	t.Helper()
	ctx := context.Background()
	m := protocol.Manifest{
		Municipality: p.muni, Version: version, Created: time.Now().UTC(),
		Expires: time.Now().Add(24 * time.Hour).UTC(), Label: fmt.Sprintf("test %d", version),
		Files: map[string]protocol.File{},
	}
	for path, data := range files {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		m.Files[path] = protocol.File{SHA256: h, Size: int64(len(data))}
		if _, err := p.st.PutBlob(ctx, h, data); err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(&m)
	}
	key, err := p.st.SigningKey(ctx, p.muni)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := protocol.Sign(m, key)
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// publish signs a manifest of files (mutate may change it first) and makes it the portal's
// latest, as portal.Publish does for a bundle (which also validates it: tests publish
// broken bundles on purpose).
func (p *testPortal) publish(t *testing.T, version uint64, files map[string][]byte, mutate func(*protocol.Manifest)) protocol.SignedManifest {
	t.Helper()
	sm := p.sign(t, version, files, mutate)
	shas := make([]string, 0, len(files))
	for _, data := range files {
		sum := sha256.Sum256(data)
		shas = append(shas, hex.EncodeToString(sum[:]))
	}
	if err := p.st.AddManifest(context.Background(), p.muni, version, shas, sm); err != nil {
		t.Fatal(err)
	}
	return sm
}

// serveManifest serves sm instead of the portal's manifest: a forged or replayed one.
func (p *testPortal) serveManifest(t *testing.T, sm protocol.SignedManifest) {
	t.Helper()
	raw, err := json.Marshal(sm)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.manifest = raw
	p.mu.Unlock()
}

// traffic returns and resets the content counters.
func (p *testPortal) traffic() (blobReqs int, blobBytes, manifestBytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	blobReqs, blobBytes, manifestBytes = len(p.blobReqs), p.blobBytes, p.manBytes
	p.blobReqs, p.blobBytes, p.manBytes = nil, 0, 0
	return
}

// snapshot returns what the portal stored, in arrival order, with the receipts it gives,
// and the submission PUTs it saw per ID.
func (p *testPortal) snapshot() (accepted []string, receipts map[string]protocol.Receipt, puts map[string]int) {
	p.t.Helper()
	recs, err := p.st.Submissions(context.Background(), p.muni, true)
	if err != nil {
		p.t.Fatal(err)
	}
	receipts = map[string]protocol.Receipt{}
	for _, r := range recs {
		accepted = append(accepted, r.ID)
		receipts[r.ID] = protocol.Receipt{ID: r.ID, PortalRef: r.PortalRef, Received: r.Received}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	puts = map[string]int{}
	for k, v := range p.puts {
		puts[k] = v
	}
	return accepted, receipts, puts
}

// heartbeats returns the heartbeats the portal kept for the test device.
func (p *testPortal) heartbeats(t *testing.T) []portal.Beat {
	t.Helper()
	b, err := p.st.Heartbeats(context.Background(), p.cr.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTLSPortal serves p over TLS with httptest's own CA.
func newTLSPortal(t *testing.T, p *testPortal) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(p)
	t.Cleanup(srv.Close)
	return srv
}
