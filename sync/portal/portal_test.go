package portal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/assets"
	"infomat/content"
	"infomat/sync/protocol"
)

// clock is an injectable, settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time                { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration)           { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func (c *clock) Set(t time.Time)               { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func newClock() *clock                         { return &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)} }
func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    *Bolt
	api   *Server
	srv   *httptest.Server
	clock *clock
	logs  *syncBuf
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := OpenBolt(ctx, t.TempDir(), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, st: st, clock: newClock(), logs: &syncBuf{}}
	f.api = NewServer(st, ServerOptions{Log: slog.New(slog.NewTextHandler(f.logs, nil)), Now: f.clock.Now})
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(func() {
		f.srv.Close()
		_ = st.Close()
	})
	return f
}

func (f *fixture) token(muni string, ttl time.Duration) string {
	f.t.Helper()
	tok, err := CreateToken(f.ctx, f.st, muni, ttl, f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

type creds struct {
	protocol.EnrollResponse
}

func (c creds) auth() string { return "Bearer " + c.DeviceID + ":" + c.Secret }

func (f *fixture) enroll(muni string) creds {
	f.t.Helper()
	body, _ := json.Marshal(protocol.EnrollRequest{Token: f.token(muni, time.Hour), Hostname: "kiosk-" + muni, AppVersion: "1.0"})
	resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
	if resp.StatusCode != 200 {
		f.t.Fatalf("enroll: %d %s", resp.StatusCode, data)
	}
	var er protocol.EnrollResponse
	if err := json.Unmarshal(data, &er); err != nil {
		f.t.Fatal(err)
	}
	return creds{er}
}

func (f *fixture) do(method, path, auth string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, data
}

// wantErr checks a JSON protocol.Error answer.
func wantErr(t *testing.T, resp *http.Response, data []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, data)
	}
	var e protocol.Error
	if err := json.Unmarshal(data, &e); err != nil || e.Code != code || e.Message == "" {
		t.Fatalf("error body %s (%v), want code %q", data, err, code)
	}
	if ct := resp.Header.Get("Content-Type"); ct != protocol.ContentTypeJSON {
		t.Fatalf("content type %q", ct)
	}
}

func TestEnrollHappyPath(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	if c.DeviceID == "" || len(c.Secret) != 64 || c.Municipality != "przykladowa" {
		t.Fatalf("enrol response %+v", c)
	}
	key, _ := f.st.SigningKey(f.ctx, "przykladowa")
	if c.SigningKey != PublicKeyString(key) {
		t.Fatal("enrolment gives a different signing key than the municipality's")
	}
	dev, err := f.st.Device(f.ctx, c.DeviceID)
	if err != nil || dev.Hostname != "kiosk-przykladowa" || dev.AppVersion != "1.0" || bytes.Contains(dev.SecretHash, []byte(c.Secret)) {
		t.Fatalf("stored device %+v, %v", dev, err)
	}
	if sum := sha256.Sum256([]byte(c.Secret)); !bytes.Equal(dev.SecretHash, sum[:]) {
		t.Fatal("secret is not stored as its SHA-256")
	}
	// The credentials work; nothing is published yet.
	resp, data := f.do(http.MethodGet, protocol.PathManifest, c.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	// The raw secret is nowhere in the database file.
	raw, _ := os.ReadFile(f.st.Path())
	if bytes.Contains(raw, []byte(c.Secret)) {
		t.Fatal("the device secret is stored in clear")
	}
}

func TestEnrollTokenRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token("przykladowa", time.Hour)
	body, _ := json.Marshal(protocol.EnrollRequest{Token: tok})
	if resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil); resp.StatusCode != 200 {
		t.Fatalf("first use: %d %s", resp.StatusCode, data)
	}
	resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
	wantErr(t, resp, data, 401, protocol.CodeBadToken) // reuse

	expiring := f.token("przykladowa", time.Hour)
	f.clock.Add(time.Hour)
	body, _ = json.Marshal(protocol.EnrollRequest{Token: expiring})
	resp, data = f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
	wantErr(t, resp, data, 401, protocol.CodeBadToken) // expired

	body, _ = json.Marshal(protocol.EnrollRequest{Token: NewSecret(32)})
	resp, data = f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
	wantErr(t, resp, data, 401, protocol.CodeBadToken) // unknown

	resp, data = f.do(http.MethodPost, protocol.PathEnroll, "", []byte(`{"token":`), nil)
	wantErr(t, resp, data, 400, protocol.CodeBadRequest)

	devs, _ := f.st.Devices(f.ctx)
	if len(devs) != 1 {
		t.Fatalf("%d devices after one good enrolment", len(devs))
	}
	if strings.Contains(f.logs.String(), tok) {
		t.Fatal("a token was logged")
	}
}

func TestAuthRefusals(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	for _, tc := range []struct{ name, auth string }{
		{"no header", ""},
		{"not bearer", "Basic " + c.DeviceID + ":" + c.Secret},
		{"unknown device", "Bearer k-0000000000000000:" + c.Secret},
		{"wrong secret", "Bearer " + c.DeviceID + ":" + NewSecret(32)},
		{"no secret", "Bearer " + c.DeviceID},
	} {
		resp, data := f.do(http.MethodGet, protocol.PathManifest, tc.auth, nil, nil)
		wantErr(t, resp, data, 401, protocol.CodeUnauthorized)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "device="+c.DeviceID) || !strings.Contains(logs, "wrong device secret") || !strings.Contains(logs, "unknown device") {
		t.Fatalf("refusals not logged with device and reason:\n%s", logs)
	}
	if strings.Contains(logs, c.Secret) {
		t.Fatal("the secret was logged")
	}
}

func TestRevokedRefusedEverywhere(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	if _, err := Publish(f.ctx, f.st, "przykladowa", assets.DefaultContent(), PublishOptions{Now: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	pub, _ := f.st.LatestManifest(f.ctx, "przykladowa")
	m := openManifest(t, pub.Signed)
	sha := m.Index[0].SHA256 // an index shard is a blob like any file
	sub, _ := json.Marshal(protocol.Submission{ID: strings.Repeat("ab", 16), Ref: testRef(t, 1), Created: f.clock.Now(), Ciphertext: []byte("x")})
	hb, _ := json.Marshal(protocol.Heartbeat{Queued: 1})
	endpoints := []struct {
		method, path string
		body         []byte
	}{
		{http.MethodGet, protocol.PathManifest, nil},
		{http.MethodGet, protocol.PathBlob + sha, nil},
		{http.MethodPut, protocol.PathSubmission + strings.Repeat("ab", 16), sub},
		{http.MethodPost, protocol.PathHeartbeat, hb},
	}
	for _, e := range endpoints { // all fine before
		if resp, data := f.do(e.method, e.path, c.auth(), e.body, nil); resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s before revoke: %d %s", e.method, e.path, resp.StatusCode, data)
		}
	}
	if err := f.st.Revoke(f.ctx, c.DeviceID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, e := range endpoints {
		resp, data := f.do(e.method, e.path, c.auth(), e.body, nil)
		wantErr(t, resp, data, 403, protocol.CodeRevoked)
	}
	// A wrong secret for a revoked device is still "unauthorized": revocation is not revealed
	// to someone who does not hold the secret.
	resp, data := f.do(http.MethodGet, protocol.PathManifest, "Bearer "+c.DeviceID+":nope", nil, nil)
	wantErr(t, resp, data, 401, protocol.CodeUnauthorized)
	if !strings.Contains(f.logs.String(), "device was revoked") {
		t.Fatal("revoked refusal not logged")
	}
}

func openManifest(t *testing.T, s protocol.SignedManifest) protocol.Manifest {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(s.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var m protocol.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// putSub PUTs a submission, giving it a valid ref and creation time when it has none.
func putSub(f *fixture, c creds, s protocol.Submission) (*http.Response, []byte) {
	f.t.Helper()
	if s.Ref == "" {
		s.Ref = testRef(f.t, uint64(len(s.ID))+uint64(s.ID[0]))
	}
	if s.Created.IsZero() {
		s.Created = f.clock.Now()
	}
	return putRaw(f, c, s)
}

// putRaw PUTs a submission as it is.
func putRaw(f *fixture, c creds, s protocol.Submission) (*http.Response, []byte) {
	f.t.Helper()
	body, _ := json.Marshal(s)
	return f.do(http.MethodPut, protocol.PathSubmission+s.ID, c.auth(), body, nil)
}

func newID() string { return NewSecret(16) }

func TestSubmissionIdempotent(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	s := protocol.Submission{ID: newID(), Ref: testRef(t, 3), Procedure: "zameldowanie", Office: "ug", Created: f.clock.Now(), Ciphertext: []byte("age ciphertext 1")}
	resp, data := putSub(f, c, s)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	var r1, r2 protocol.Receipt
	_ = json.Unmarshal(data, &r1)
	if r1.ID != s.ID || r1.PortalRef != "2026/000001" || !r1.Received.Equal(f.clock.Now()) {
		t.Fatalf("receipt %+v", r1)
	}
	f.clock.Add(time.Minute)
	resp, data = putSub(f, c, s)
	_ = json.Unmarshal(data, &r2)
	if resp.StatusCode != 200 || r2 != r1 {
		t.Fatalf("repeat: %d %+v, first %+v", resp.StatusCode, r2, r1)
	}
	if n, _ := f.st.CountSubmissions(f.ctx, "przykladowa"); n != 1 {
		t.Fatalf("%d records after a repeat", n)
	}
	// Same ID, different content: conflict, nothing changes.
	s2 := s
	s2.Ciphertext = []byte("something else")
	resp, data = putSub(f, c, s2)
	wantErr(t, resp, data, 409, protocol.CodeConflict)
	// Same ID and bytes from another device: conflict too.
	other := f.enroll("przykladowa")
	resp, data = putSub(f, other, s)
	wantErr(t, resp, data, 409, protocol.CodeConflict)
	recs, _ := f.st.Submissions(f.ctx, "przykladowa", true)
	if len(recs) != 1 || string(recs[0].Ciphertext) != "age ciphertext 1" || recs[0].Device != c.DeviceID || recs[0].Ref != testRef(t, 3) {
		t.Fatalf("stored %+v", recs)
	}
	// References count per municipality and per year (Warsaw time: 23:30 UTC on 31 Dec is
	// already the new year there).
	s3 := protocol.Submission{ID: newID(), Ciphertext: []byte("c")}
	_, data = putSub(f, c, s3)
	_ = json.Unmarshal(data, &r2)
	if r2.PortalRef != "2026/000002" {
		t.Fatalf("second ref %s", r2.PortalRef)
	}
	elsewhere := f.enroll("inna")
	_, data = putSub(f, elsewhere, protocol.Submission{ID: newID(), Ciphertext: []byte("c")})
	_ = json.Unmarshal(data, &r2)
	if r2.PortalRef != "2026/000001" {
		t.Fatalf("other municipality's first ref %s", r2.PortalRef)
	}
	f.clock.Set(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC))
	_, data = putSub(f, c, protocol.Submission{ID: newID(), Ciphertext: []byte("c")})
	_ = json.Unmarshal(data, &r2)
	if r2.PortalRef != "2027/000001" {
		t.Fatalf("new year's ref %s", r2.PortalRef)
	}
}

func TestSubmissionRefusedNothingStored(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	id := newID()
	huge := protocol.Submission{ID: id, Ciphertext: bytes.Repeat([]byte{1}, protocol.MaxBody)}
	hugeBody, _ := json.Marshal(huge)
	overCipher, _ := json.Marshal(protocol.Submission{ID: id, Ciphertext: bytes.Repeat([]byte{1}, protocol.MaxCiphertext+1)})
	for _, tc := range []struct {
		name   string
		path   string
		body   io.Reader
		status int
		code   string
	}{
		{"huge body with length", id, bytes.NewReader(hugeBody), 413, protocol.CodeTooLarge},
		{"huge body chunked", id, io.MultiReader(bytes.NewReader(hugeBody)), 413, protocol.CodeTooLarge},
		{"ciphertext over its limit", id, bytes.NewReader(overCipher), 413, protocol.CodeTooLarge},
		{"malformed JSON", id, strings.NewReader(`{"id":"` + id + `","ciphertext":`), 400, protocol.CodeBadRequest},
		{"not JSON", id, strings.NewReader(`hello`), 400, protocol.CodeBadRequest},
		{"trailing data", id, strings.NewReader(`{"id":"` + id + `","ciphertext":"eA=="} {}`), 400, protocol.CodeBadRequest},
		{"ciphertext not base64", id, strings.NewReader(`{"id":"` + id + `","ciphertext":"***"}`), 400, protocol.CodeBadRequest},
		{"empty ciphertext", id, strings.NewReader(`{"id":"` + id + `"}`), 400, protocol.CodeBadRequest},
		{"id mismatch", id, strings.NewReader(`{"id":"` + newID() + `","ciphertext":"eA=="}`), 400, protocol.CodeBadRequest},
		{"short id", "abc", strings.NewReader(`{"id":"abc","ciphertext":"eA=="}`), 400, protocol.CodeBadRequest},
		{"upper-case id", strings.ToUpper(id), strings.NewReader(`{"id":"` + strings.ToUpper(id) + `","ciphertext":"eA=="}`), 400, protocol.CodeBadRequest},
		{"non-hex id", strings.Repeat("zz", 16), strings.NewReader(`{"id":"` + strings.Repeat("zz", 16) + `","ciphertext":"eA=="}`), 400, protocol.CodeBadRequest},
		{"long ref", id, strings.NewReader(`{"id":"` + id + `","ref":"` + strings.Repeat("r", 300) + `","ciphertext":"eA=="}`), 400, protocol.CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, f.srv.URL+protocol.PathSubmission+tc.path, tc.body)
			req.Header.Set("Authorization", c.auth())
			resp, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			wantErr(t, resp, data, tc.status, tc.code)
			if n, _ := f.st.CountSubmissions(f.ctx, ""); n != 0 {
				t.Fatalf("%d submissions stored", n)
			}
		})
	}
	// Heartbeats and enrolment have small limits.
	resp, data := f.do(http.MethodPost, protocol.PathHeartbeat, c.auth(), bytes.Repeat([]byte(" "), 100<<10), nil)
	wantErr(t, resp, data, 413, protocol.CodeTooLarge)
	resp, data = f.do(http.MethodPost, protocol.PathHeartbeat, c.auth(), []byte(`{"queued":"many"}`), nil)
	wantErr(t, resp, data, 400, protocol.CodeBadRequest)
	if hist, _ := f.st.Heartbeats(f.ctx, c.DeviceID); len(hist) != 0 {
		t.Fatal("a refused heartbeat was stored")
	}
}

func TestRoutingErrors(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	resp, data := f.do(http.MethodGet, "/api/v1/nothing", c.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	resp, data = f.do(http.MethodGet, protocol.PathHeartbeat, c.auth(), nil, nil)
	wantErr(t, resp, data, 405, protocol.CodeBadRequest)
	if resp.Header.Get("Allow") != http.MethodPost {
		t.Fatalf("Allow %q", resp.Header.Get("Allow"))
	}
	f.api.Drain()
	resp, data = f.do(http.MethodGet, protocol.PathManifest, c.auth(), nil, nil)
	wantErr(t, resp, data, 503, "unavailable")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

func TestHeartbeatHistory(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	for i := range 15 {
		body, _ := json.Marshal(protocol.Heartbeat{Queued: i})
		resp, data := f.do(http.MethodPost, protocol.PathHeartbeat, c.auth(), body, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
	}
	hist, err := f.st.Heartbeats(f.ctx, c.DeviceID)
	if err != nil || len(hist) != HeartbeatHistory || hist[0].Heartbeat.Queued != 5 || hist[9].Heartbeat.Queued != 14 {
		t.Fatalf("history %+v %v", hist, err)
	}
}

// copyContent copies the sample bundle to a folder the test may change.
func copyContent(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPublishAndFetch(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	pub, err := base64.StdEncoding.DecodeString(c.SigningKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := copyContent(t)
	res, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now(), Expires: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != 1 || res.Files == 0 || res.NewBlobs == 0 || res.NewBytes == 0 || res.PublicKey != c.SigningKey {
		t.Fatalf("result %+v", res)
	}
	resp, data := f.do(http.MethodGet, protocol.PathManifest, c.auth(), nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	var sm protocol.SignedManifest
	_ = json.Unmarshal(data, &sm)
	m, err := sm.Verify(ed25519.PublicKey(pub), "przykladowa", 0, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The file list comes in signed-by-hash index shards, fetched like any blob.
	if len(m.Files) != 0 || len(m.Index) == 0 {
		t.Fatalf("manifest should list files through its index: %+v", m)
	}
	m.Files = map[string]protocol.File{}
	for _, shard := range m.Index {
		resp, data := f.do(http.MethodGet, protocol.PathBlob+shard.SHA256, c.auth(), nil, nil)
		sum := sha256.Sum256(data)
		if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != shard.SHA256 {
			t.Fatalf("index shard %s: %d", shard.SHA256, resp.StatusCode)
		}
		var part map[string]protocol.File
		if err := json.Unmarshal(data, &part); err != nil {
			t.Fatal(err)
		}
		for p, file := range part {
			m.Files[p] = file
		}
	}
	version, _ := content.Version(os.DirFS(dir))
	if m.Version != 1 || m.Label != version || !m.Expires.Equal(f.clock.Now().Add(48*time.Hour)) || len(m.Files) != res.Files {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := sm.Verify(ed25519.PublicKey(pub), "inna", 0, f.clock.Now()); !errors.Is(err, protocol.ErrWrongPlace) {
		t.Fatalf("other municipality: %v", err)
	}
	if _, err := sm.Verify(ed25519.PublicKey(pub), "przykladowa", 0, f.clock.Now().Add(49*time.Hour)); !errors.Is(err, protocol.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}

	// Every blob comes back with its hash and length.
	for p, file := range m.Files {
		resp, data := f.do(http.MethodGet, protocol.PathBlob+file.SHA256, c.auth(), nil, nil)
		sum := sha256.Sum256(data)
		if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != file.SHA256 || resp.ContentLength != file.Size {
			t.Fatalf("%s: %d, %d bytes, length %d", p, resp.StatusCode, len(data), resp.ContentLength)
		}
		want, _ := os.ReadFile(filepath.Join(dir, p))
		if !bytes.Equal(want, data) {
			t.Fatalf("%s: bytes differ", p)
		}
	}
	// Range: a kiosk resumes a download.
	var big protocol.File
	for _, file := range m.Files {
		if file.Size > big.Size {
			big = file
		}
	}
	_, whole := f.do(http.MethodGet, protocol.PathBlob+big.SHA256, c.auth(), nil, nil)
	resp, data = f.do(http.MethodGet, protocol.PathBlob+big.SHA256, c.auth(), nil, map[string]string{"Range": "bytes=100-"})
	if resp.StatusCode != 206 || !bytes.Equal(data, whole[100:]) || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-%d/%d", big.Size-1, big.Size) {
		t.Fatalf("range: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(data))
	}
	resp, _ = f.do(http.MethodGet, protocol.PathBlob+big.SHA256, c.auth(), nil, map[string]string{"Range": "bytes=0-9", "If-Range": `"` + big.SHA256 + `"`})
	if resp.StatusCode != 206 || resp.ContentLength != 10 {
		t.Fatalf("range with If-Range: %d, %d", resp.StatusCode, resp.ContentLength)
	}

	// Publish again: the version goes up, no new blobs for the same files.
	res2, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{Now: f.clock.Now(), Label: "druga"})
	if err != nil || res2.Version != 2 || res2.NewBlobs != 0 {
		t.Fatalf("second publish %+v %v", res2, err)
	}
	_, data = f.do(http.MethodGet, protocol.PathManifest, c.auth(), nil, nil)
	_ = json.Unmarshal(data, &sm)
	if m2, err := sm.Verify(ed25519.PublicKey(pub), "przykladowa", 1, f.clock.Now()); err != nil || m2.Version != 2 || m2.Label != "druga" {
		t.Fatalf("second manifest %+v %v", m2, err)
	}
	// That the store refuses the same version again is the Storage contract:
	// storagetest ManifestVersionsIncrease.

	// Another municipality's device sees none of these blobs; an unknown hash is 404 too.
	other := f.enroll("inna")
	resp, data = f.do(http.MethodGet, protocol.PathBlob+big.SHA256, other.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	resp, data = f.do(http.MethodGet, protocol.PathManifest, other.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	resp, data = f.do(http.MethodGet, protocol.PathBlob+strings.Repeat("0", 64), c.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	resp, data = f.do(http.MethodGet, protocol.PathBlob+"..%2f..%2fetc", c.auth(), nil, nil)
	wantErr(t, resp, data, 404, protocol.CodeNotFound)
	// Its own manifest is signed by its own key, not przykladowa's.
	if _, err := Publish(f.ctx, f.st, "inna", os.DirFS(dir), PublishOptions{Now: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	_, data = f.do(http.MethodGet, protocol.PathManifest, other.auth(), nil, nil)
	_ = json.Unmarshal(data, &sm)
	if _, err := sm.Verify(ed25519.PublicKey(pub), "inna", 0, f.clock.Now()); !errors.Is(err, protocol.ErrBadSignature) {
		t.Fatalf("another municipality's manifest verifies with przykladowa's key: %v", err)
	}
}

func TestPublishRefusesBrokenBundle(t *testing.T) {
	f := newFixture(t)
	dir := copyContent(t)
	card := filepath.Join(dir, "procedury", "zameldowanie-pobyt-staly.yaml")
	data, _ := os.ReadFile(card)
	_ = os.WriteFile(card, bytes.Replace(data, []byte("kategoria: meldunek"), []byte("kategoria: brak"), 1), 0o644)
	_, err := Publish(f.ctx, f.st, "przykladowa", os.DirFS(dir), PublishOptions{})
	var ps content.Problems
	if !errors.As(err, &ps) || !strings.Contains(err.Error(), "procedury/zameldowanie-pobyt-staly.yaml: kategoria:") {
		t.Fatalf("broken bundle: %v", err)
	}
	if _, err := f.st.LatestManifest(f.ctx, "przykladowa"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a manifest was stored: %v", err)
	}
	if _, err := Publish(f.ctx, f.st, "Zła Gmina", os.DirFS(dir), PublishOptions{}); !errors.Is(err, ErrBadMunicipal) {
		t.Fatalf("bad municipality name: %v", err)
	}
}

func TestStoreLockedAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenBolt(t.Context(), dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = OpenBolt(t.Context(), dir, BoltOptions{})
	if !errors.Is(err, ErrLocked) || time.Since(start) > 5*time.Second {
		t.Fatalf("second open: %v after %s", err, time.Since(start))
	}
	st.Close()

	bad := t.TempDir()
	_ = os.WriteFile(filepath.Join(bad, FileName), bytes.Repeat([]byte("garbage!"), 4096), 0o600)
	if _, err := OpenBolt(t.Context(), bad, BoltOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt file: %v", err)
	}
	st, err = OpenBolt(t.Context(), bad, BoltOptions{MoveCorruptAside: true})
	if err != nil || st.Aside == "" {
		t.Fatalf("move aside: %v", err)
	}
	st.Close()
	if kept, _ := os.ReadFile(st.Aside); len(kept) != 8*4096 {
		t.Fatal("the corrupt bytes were not kept")
	}
}

// A portal.db cut short (a partial copy or restore) has sound meta pages: bbolt opens it,
// and its page check then read past the end of the file in a goroutine of its own, where the
// fault killed the whole portal instead of refusing to start. `check` must report it too.
func TestOpenRefusesTruncatedFile(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenBolt(t.Context(), dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		rec := Record{ID: NewSecret(16), Ciphertext: bytes.Repeat([]byte{byte(i)}, 900), Device: "k-0000000000000001", Municipality: "przykladowa", Received: time.Now()}
		if _, _, err := st.PutSubmission(t.Context(), rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	path := filepath.Join(dir, FileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}

	_, err = OpenBolt(t.Context(), dir, BoltOptions{})
	t.Log(err)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "restore it from a backup") {
		t.Fatalf("open of a truncated store: %v", err)
	}
	st, err = OpenBolt(t.Context(), dir, BoltOptions{ForCheck: true})
	if err != nil {
		t.Fatalf("open for check: %v", err)
	}
	defer st.Close()
	if err := st.Check(t.Context()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("check: %v", err)
	}
	if fi2, _ := os.Stat(path); fi2.Size() != fi.Size()/2 {
		t.Error("the refused file was changed")
	}
}
