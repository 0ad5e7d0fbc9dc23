package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/assets"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/protocol"
)

// fakePortal implements just enough of the protocol, with faults to inject.
type fakePortal struct {
	t   *testing.T
	srv *httptest.Server

	deviceID, secret, muni, token string
	key                           ed25519.PrivateKey

	revoked atomic.Bool // answer 401 to everything

	mu sync.Mutex
	// submissions
	subs     map[string]protocol.Submission
	receipts map[string]protocol.Receipt
	accepted []string       // IDs in the order they were first stored
	puts     map[string]int // PUT requests per ID
	faults   []string       // consumed one per PUT: 500, drop, truncate, 429:N, 429date:N, 4xx
	nextRef  int
	// content
	manifest      []byte // JSON of the SignedManifest; nil = 404
	blobs         map[string][]byte
	blobReqs      []string
	blobBytes     int64
	manifestBytes int64
	blobFault     func(n int, sha string) string // n counts blob requests from 1: "", "drop", "tamper"
	// heartbeat
	heartbeats []protocol.Heartbeat
	hbStatus   int
}

func newPortal(t *testing.T) *fakePortal {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePortal{
		t: t, deviceID: "dev-1", secret: "s3cret-bearer", muni: "gmina-przykladowa", token: "TOKEN-1",
		key: priv, subs: map[string]protocol.Submission{}, receipts: map[string]protocol.Receipt{},
		puts: map[string]int{}, blobs: map[string][]byte{},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePortal) creds() Credentials {
	return Credentials{
		Portal: p.srv.URL, DeviceID: p.deviceID, Secret: p.secret, Municipality: p.muni,
		SigningKey: base64.StdEncoding.EncodeToString(p.key.Public().(ed25519.PublicKey)),
	}
}

func (p *fakePortal) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(p.creds())
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func(n int64) int64 { return n - 1 } // deterministic: the ceiling
	t.Cleanup(c.Close)
	return c
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", protocol.ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(protocol.Error{Code: code, Message: "fake portal says " + code})
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func (p *fakePortal) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == protocol.PathEnroll {
		var req protocol.EnrollRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Token != p.token {
			writeErr(w, http.StatusForbidden, protocol.CodeBadToken)
			return
		}
		_ = json.NewEncoder(w).Encode(protocol.EnrollResponse{
			DeviceID: p.deviceID, Secret: p.secret, Municipality: p.muni,
			SigningKey: base64.StdEncoding.EncodeToString(p.key.Public().(ed25519.PublicKey)),
		})
		return
	}
	if p.revoked.Load() || r.Header.Get(protocol.HeaderDevice) != "Bearer "+p.deviceID+":"+p.secret {
		writeErr(w, http.StatusUnauthorized, protocol.CodeUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, protocol.PathSubmission):
		p.submission(w, r, strings.TrimPrefix(r.URL.Path, protocol.PathSubmission))
	case r.Method == http.MethodGet && r.URL.Path == protocol.PathManifest:
		p.mu.Lock()
		m := p.manifest
		sum := sha256.Sum256(m)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		match := r.Header.Get("If-None-Match") == etag
		if !match {
			p.manifestBytes += int64(len(m))
		}
		p.mu.Unlock()
		if m == nil {
			writeErr(w, http.StatusNotFound, protocol.CodeNotFound)
			return
		}
		if match {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		_, _ = w.Write(m)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, protocol.PathBlob):
		sha := strings.TrimPrefix(r.URL.Path, protocol.PathBlob)
		p.mu.Lock()
		p.blobReqs = append(p.blobReqs, sha)
		n := len(p.blobReqs)
		data, ok := p.blobs[sha]
		fault := ""
		if p.blobFault != nil {
			fault = p.blobFault(n, sha)
		}
		if ok && fault == "" {
			p.blobBytes += int64(len(data))
		}
		p.mu.Unlock()
		switch {
		case !ok:
			writeErr(w, http.StatusNotFound, protocol.CodeNotFound)
		case fault == "drop":
			hijackClose(w)
		case fault == "tamper":
			bad := bytes.Clone(data)
			bad[0] ^= 1
			_, _ = w.Write(bad)
		default:
			_, _ = w.Write(data)
		}
	case r.Method == http.MethodPost && r.URL.Path == protocol.PathHeartbeat:
		var hb protocol.Heartbeat
		if err := json.NewDecoder(r.Body).Decode(&hb); err != nil {
			writeErr(w, http.StatusBadRequest, protocol.CodeBadRequest)
			return
		}
		p.mu.Lock()
		p.heartbeats = append(p.heartbeats, hb)
		status := p.hbStatus
		p.mu.Unlock()
		if status != 0 {
			writeErr(w, status, "fault")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErr(w, http.StatusNotFound, protocol.CodeNotFound)
	}
}

func (p *fakePortal) submission(w http.ResponseWriter, r *http.Request, id string) {
	var sub protocol.Submission
	if err := json.NewDecoder(io.LimitReader(r.Body, protocol.MaxBody)).Decode(&sub); err != nil || sub.ID != id {
		writeErr(w, http.StatusBadRequest, protocol.CodeBadRequest)
		return
	}
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
		writeErr(w, http.StatusTooManyRequests, "slow_down")
		return
	case strings.HasPrefix(fault, "429:"):
		w.Header().Set("Retry-After", strings.TrimPrefix(fault, "429:"))
		writeErr(w, http.StatusTooManyRequests, "slow_down")
		return
	case fault == "400", fault == "401", fault == "403", fault == "413":
		code, _ := strconv.Atoi(fault)
		writeErr(w, code, "fault")
		return
	}

	// Store idempotently by ID, then answer (or fail to, per the fault).
	p.mu.Lock()
	rc, seen := p.receipts[id]
	if seen {
		old := p.subs[id]
		if !bytes.Equal(old.Ciphertext, sub.Ciphertext) || old.Ref != sub.Ref {
			p.mu.Unlock()
			writeErr(w, http.StatusConflict, protocol.CodeConflict)
			return
		}
	} else {
		p.nextRef++
		rc = protocol.Receipt{ID: id, PortalRef: fmt.Sprintf("2026/%06d", p.nextRef), Received: time.Now().UTC().Round(time.Millisecond)}
		p.receipts[id] = rc
		p.subs[id] = sub
		p.accepted = append(p.accepted, id)
	}
	p.mu.Unlock()
	body, _ := json.Marshal(rc)
	switch fault {
	case "drop":
		hijackClose(w)
	case "truncate":
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		_, _ = w.Write(body[:len(body)/2])
		// Returning with fewer bytes than declared makes net/http close the connection.
	default:
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		_, _ = w.Write(body)
	}
}

// publish signs a manifest of files and serves it and its blobs.
func (p *fakePortal) publish(t *testing.T, version uint64, files map[string][]byte, mutate func(*protocol.Manifest)) protocol.SignedManifest {
	t.Helper()
	m := protocol.Manifest{
		Municipality: p.muni, Version: version, Created: time.Now().UTC(),
		Expires: time.Now().Add(24 * time.Hour).UTC(), Label: fmt.Sprintf("test %d", version),
		Files: map[string]protocol.File{},
	}
	p.mu.Lock()
	for path, data := range files {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		m.Files[path] = protocol.File{SHA256: h, Size: int64(len(data))}
		p.blobs[h] = data
	}
	p.mu.Unlock()
	if mutate != nil {
		mutate(&m)
	}
	sm, err := protocol.Sign(m, p.key)
	if err != nil {
		t.Fatal(err)
	}
	p.serveManifest(t, sm)
	return sm
}

func (p *fakePortal) serveManifest(t *testing.T, sm protocol.SignedManifest) {
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
func (p *fakePortal) traffic() (blobReqs int, blobBytes, manifestBytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	blobReqs, blobBytes, manifestBytes = len(p.blobReqs), p.blobBytes, p.manifestBytes
	p.blobReqs, p.blobBytes, p.manifestBytes = nil, 0, 0
	return
}

// embedded returns the embedded bundle's files.
func embedded(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	fsys := assets.DefaultContent()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// kiosk is a store and outbox in a temporary directory.
type kiosk struct {
	dir string
	st  *store.Store
	ob  *outbox.Outbox
	to  age.Recipient
}

func newKiosk(t *testing.T) *kiosk {
	t.Helper()
	k := &kiosk{dir: t.TempDir()}
	k.open(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k.to = id.Recipient()
	return k
}

func (k *kiosk) open(t *testing.T) {
	t.Helper()
	st, _, err := store.Open(context.Background(), k.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	k.st, k.ob = st, ob
}

func (k *kiosk) enqueue(t *testing.T, n int) []outbox.Item {
	t.Helper()
	var items []outbox.Item
	for i := range n {
		it, err := k.ob.Enqueue(context.Background(), outbox.Meta{Procedure: "zameldowanie", Office: "uog"},
			"PRZ", []byte(fmt.Sprintf(`{"imie":"Jan %d"}`, i)), k.to)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	return items
}

// fakeClock is a manual clock for Run.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	afters  int
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.afters++
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{f.now.Add(d), ch})
	return ch
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if !w.at.After(f.now) {
			w.ch <- f.now
		} else {
			keep = append(keep, w)
		}
	}
	f.waiters = keep
}

func (f *fakeClock) Afters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.afters
}

// eventually polls cond for up to 10 s of real time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// newTLSPortal serves p's handler over TLS with httptest's own CA.
func newTLSPortal(t *testing.T, p *fakePortal) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	return srv
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// snapshot returns copies of the portal's submission records, under its lock.
func (p *fakePortal) snapshot() (accepted []string, receipts map[string]protocol.Receipt, puts map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	receipts, puts = map[string]protocol.Receipt{}, map[string]int{}
	for k, v := range p.receipts {
		receipts[k] = v
	}
	for k, v := range p.puts {
		puts[k] = v
	}
	return slices.Clone(p.accepted), receipts, puts
}
