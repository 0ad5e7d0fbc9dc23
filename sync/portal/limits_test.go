package portal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"infomat/outbox"
	"infomat/sync/protocol"

	bolt "go.etcd.io/bbolt"
)

// testRef is a well-formed kiosk reference (outbox's scheme), seeded per call site.
func testRef(t *testing.T, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 9))
	ref, err := outbox.NewRef("PRZ", readerFunc(func(p []byte) (int, error) {
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		return len(p), nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A malformed Authorization header (no ':' between device and secret, or another scheme)
// once put the whole credential — the device's secret — into the log as the "device".
func TestMalformedAuthNeverLogsTheSecret(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	for _, auth := range []string{
		"Bearer " + c.DeviceID + c.Secret,
		"Bearer " + c.DeviceID + " " + c.Secret,
		"Bearer " + c.DeviceID + ";" + c.Secret,
		"Basic " + c.DeviceID + c.Secret,
		"bearer " + c.DeviceID + ":" + c.Secret,
		c.Secret,
		"Bearer " + c.Secret + ":" + c.Secret,
	} {
		resp, data := f.do(http.MethodGet, protocol.PathManifest, auth, nil, nil)
		wantErr(t, resp, data, 401, protocol.CodeUnauthorized)
	}
	logs := f.logs.String()
	// Any 12 consecutive characters of the secret would be a leak.
	for i := 0; i+12 <= len(c.Secret); i++ {
		if strings.Contains(logs, c.Secret[i:i+12]) {
			t.Fatalf("the log holds part of the secret (%q):\n%s", c.Secret[i:i+12], logs)
		}
	}
	if !strings.Contains(logs, "missing or malformed device credentials") {
		t.Fatalf("refusals not logged:\n%s", logs)
	}
}

func postBeat(f *fixture, c creds, hb any) {
	f.t.Helper()
	body, _ := json.Marshal(hb)
	resp, data := f.do(http.MethodPost, protocol.PathHeartbeat, c.auth(), body, nil)
	if resp.StatusCode != 204 {
		f.t.Fatalf("heartbeat: %d %s", resp.StatusCode, data)
	}
}

// Heartbeat strings went into `fleet` as sent: escape codes repainted the operator's
// terminal. The portal strips control characters, bounds the length, and never stores a
// negative queue.
func TestHeartbeatSanitized(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	evil := "\x1b[2J\x1b[31mHACKED\x07\u202e\x00"
	postBeat(f, c, protocol.Heartbeat{
		ContentLabel: evil + "label", Printer: evil + "escpos", Reader: evil, AppVersion: strings.Repeat("9", 5000) + evil,
		Queued: -7, PrinterOK: true,
	})
	hist, err := f.st.Heartbeats(f.ctx, c.DeviceID)
	if err != nil || len(hist) != 1 {
		t.Fatal(hist, err)
	}
	hb := hist[0].Heartbeat
	for _, s := range []string{hb.ContentLabel, hb.Printer, hb.Reader, hb.AppVersion} {
		for _, r := range s {
			if !unicode.IsPrint(r) {
				t.Errorf("stored %q keeps %U", s, r)
			}
		}
		if len(s) > maxMetaLen {
			t.Errorf("stored %d bytes, limit %d", len(s), maxMetaLen)
		}
	}
	if hb.ContentLabel != "[2J[31mHACKEDlabel" || hb.Printer != "[2J[31mHACKEDescpos" {
		t.Errorf("label %q printer %q", hb.ContentLabel, hb.Printer)
	}
	if hb.Queued != 0 {
		t.Errorf("queued %d stored", hb.Queued)
	}
	// A hostname is shown in fleet too: one with control characters is refused at enrolment.
	body, _ := json.Marshal(protocol.EnrollRequest{Token: f.token("przykladowa", time.Hour), Hostname: "kiosk\x1b[2J"})
	resp, data := f.do(http.MethodPost, protocol.PathEnroll, "", body, nil)
	wantErr(t, resp, data, 400, protocol.CodeBadRequest)
	rows, err := Fleet(f.ctx, f.st, "", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	_ = WriteFleetTable(&table, rows, f.clock.Now())
	if strings.ContainsAny(table.String(), "\x1b\x07\x00\u202e") {
		t.Fatalf("fleet table carries control characters: %q", table.String())
	}
}

// PUT /submissions stored a ref with NUL and RLO characters and a creation time in year 1.
func TestSubmissionRefAndTimesValidated(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	good := testRef(t, 1)
	now := f.clock.Now()
	for _, tc := range []struct {
		name    string
		ref     string
		created time.Time
		other   string
	}{
		{"NUL in ref", good + "\x00", now, ""},
		{"RLO in ref", "\u202e" + good, now, ""},
		{"free text ref", "PRZ-ABC-123", now, ""},
		{"empty ref", "", now, ""},
		{"zero created", good, time.Time{}, ""},
		{"year 0001", good, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), ""},
		{"before 1970", good, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), ""},
		{"control in office", good, now, "ug\x1b[2J"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := putRaw(f, c, protocol.Submission{ID: newID(), Ref: tc.ref, Created: tc.created, Office: tc.other, Procedure: "zameldowanie", Ciphertext: []byte("x")})
			wantErr(t, resp, data, 400, protocol.CodeBadRequest)
		})
	}
	if n, _ := f.st.CountSubmissions(f.ctx, ""); n != 0 {
		t.Fatalf("%d refused submissions stored", n)
	}
	// A kiosk with a dead RTC (1970) or a clock years ahead still delivers: the portal keeps
	// its own receive time and flags the clock; so does a kiosk that flags itself.
	for i, tc := range []struct {
		created time.Time
		flagged bool
		suspect bool
	}{
		{time.Unix(0, 0).UTC(), false, true},
		{now.AddDate(5, 0, 0), false, true},
		{now.Add(-time.Hour), true, true},
		{now.Add(-time.Hour), false, false},
		{now.Add(2 * time.Minute), false, false}, // a little ahead is an ordinary clock
	} {
		id := newID()
		resp, data := putSub(f, c, protocol.Submission{ID: id, Ref: testRef(t, uint64(10+i)), Created: tc.created, ClockSuspect: tc.flagged, Procedure: "p", Ciphertext: []byte("x")})
		if resp.StatusCode != 200 {
			t.Fatalf("%v: %d %s", tc.created, resp.StatusCode, data)
		}
		var rc protocol.Receipt
		_ = json.Unmarshal(data, &rc)
		if !rc.Received.Equal(now) {
			t.Errorf("received %v, want the portal's %v", rc.Received, now)
		}
		recs, _ := f.st.Submissions(f.ctx, "przykladowa", false)
		r := recs[len(recs)-1]
		if r.ID != id || r.ClockSuspect != tc.suspect || !r.Created.Equal(tc.created) {
			t.Errorf("created %v flagged %v: stored suspect=%v created=%v", tc.created, tc.flagged, r.ClockSuspect, r.Created)
		}
	}
}

// A slow body to /enroll was held open 5 minutes (the server's ReadTimeout); now the body
// must arrive at a minimum rate, so a stalled one is cut off after the grace time.
func TestSlowBodyCutOff(t *testing.T) {
	f := newFixture(t)
	f.api.limits.BodyGrace = 200 * time.Millisecond
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A deadline far above the server's: a server that waits longer fails the test.
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"token\":", protocol.PathEnroll)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the portal still waited for the slow body after 20 s")
		}
		return // the connection was closed: cut off
	}
	if resp.StatusCode < 400 {
		t.Fatalf("status %d for a stalled body", resp.StatusCode)
	}
}

func TestBodyDeadlineSizedToBody(t *testing.T) {
	l := Limits{MinBodyRate: 16 << 10, BodyGrace: 10 * time.Second}
	for _, tc := range []struct {
		length, limit int64
		want          time.Duration
	}{
		{-1, maxSmallBody, 14 * time.Second},                  // unknown length: the route's limit
		{2 << 10, protocol.MaxBody, 10125 * time.Millisecond}, // the declared length
		{1 << 30, protocol.MaxBody, 522 * time.Second},        // never more than the limit
		{0, 0, 10 * time.Second},
	} {
		if got := l.bodyDeadline(tc.length, tc.limit); got != tc.want {
			t.Errorf("length %d limit %d: %v, want %v", tc.length, tc.limit, got, tc.want)
		}
	}
}

func newLimitedFixture(t *testing.T, l Limits) *fixture {
	f := newFixture(t)
	f.api.limits = l.withDefaults()
	f.api.buckets = map[string]*bucket{}
	return f
}

// One device can no longer flood the portal: past its burst it gets 429 with Retry-After
// and the rate_limited code, and is served again once the wait passed.
func TestSubmissionRateLimit(t *testing.T) {
	f := newLimitedFixture(t, Limits{SubmitRate: 6, SubmitBurst: 3})
	c, other := f.enroll("przykladowa"), f.enroll("przykladowa")
	put := func(c creds, seed uint64) (*http.Response, []byte) {
		return putSub(f, c, protocol.Submission{ID: newID(), Ref: testRef(t, seed), Created: f.clock.Now(), Procedure: "p", Ciphertext: []byte("x")})
	}
	for i := range 3 {
		if resp, data := put(c, uint64(i)); resp.StatusCode != 200 {
			t.Fatalf("%d: %d %s", i, resp.StatusCode, data)
		}
	}
	resp, data := put(c, 4)
	wantErr(t, resp, data, 429, protocol.CodeRateLimited)
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra != 10 {
		t.Fatalf("Retry-After %q, want 10 (6 a minute)", resp.Header.Get("Retry-After"))
	}
	if resp, data := put(other, 5); resp.StatusCode != 200 {
		t.Fatalf("another device was limited: %d %s", resp.StatusCode, data)
	}
	f.clock.Add(10 * time.Second)
	if resp, data := put(c, 6); resp.StatusCode != 200 {
		t.Fatalf("after Retry-After: %d %s", resp.StatusCode, data)
	}
	if n, _ := f.st.CountSubmissions(f.ctx, ""); n != 5 {
		t.Fatalf("%d stored, want 5", n)
	}
}

// A device's submissions not yet exported are limited in bytes; an export frees the quota.
func TestSubmissionQuota(t *testing.T) {
	f := newLimitedFixture(t, Limits{DeviceQuota: 100})
	c := f.enroll("przykladowa")
	put := func(seed uint64) (*http.Response, []byte) {
		return putSub(f, c, protocol.Submission{ID: newID(), Ref: testRef(t, seed), Created: f.clock.Now(), Procedure: "p", Ciphertext: bytes.Repeat([]byte{'c'}, 60)})
	}
	first := protocol.Submission{ID: newID(), Ref: testRef(t, 1), Created: f.clock.Now(), Procedure: "p", Ciphertext: bytes.Repeat([]byte{'c'}, 60)}
	resp, data := putSub(f, c, first)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	receipt := string(data)
	resp, data = put(2)
	wantErr(t, resp, data, 429, protocol.CodeQuotaExceeded)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("quota 429 without Retry-After")
	}
	// A kiosk that lost the receipt of a stored one gets it again, quota or not.
	if resp, data := putSub(f, c, first); resp.StatusCode != 200 || string(data) != receipt {
		t.Fatalf("repeat over quota: %d %s", resp.StatusCode, data)
	}
	recs, _ := f.st.Submissions(f.ctx, "przykladowa", false)
	if err := f.st.MarkExported(f.ctx, []string{recs[0].ID}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.st.PendingBytes(f.ctx, c.DeviceID); n != 0 {
		t.Fatalf("pending bytes %d after the export", n)
	}
	if resp, data := put(3); resp.StatusCode != 200 {
		t.Fatalf("after the export: %d %s", resp.StatusCode, data)
	}
}

// slowStore is a store whose manifest lookup takes a while and fails if the request's
// context was cancelled meanwhile.
type slowStore struct {
	*Bolt
	wait time.Duration
}

func (s slowStore) LatestManifest(ctx context.Context, municipality string) (Published, error) {
	time.Sleep(s.wait)
	if err := ctx.Err(); err != nil {
		return Published{}, err
	}
	return s.Bolt.LatestManifest(ctx, municipality)
}

// A body deadline must never apply to a request without a body: net/http reads ahead on
// such a connection at once, and a read deadline passing there cancels the request's
// context — a long manifest or blob download would be cut off.
func TestNoBodyDeadlineWithoutBody(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	api := NewServer(slowStore{f.st, 300 * time.Millisecond}, ServerOptions{Now: f.clock.Now, Limits: Limits{BodyGrace: 50 * time.Millisecond}})
	srv := httptest.NewServer(api)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+protocol.PathManifest, nil)
	req.Header.Set("Authorization", c.auth())
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound { // nothing published: 404, not a cancelled 500
		t.Fatalf("status %d: the handler's context was cancelled by a read deadline", resp.StatusCode)
	}
}

// rawRequest sends head (and nothing more of the declared body) and returns the response
// and whether the portal then closed the connection. A portal that waits for the body fails
// the test after 10 s: the body never comes.
func rawRequest(t *testing.T, f *fixture, head string) (*http.Response, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(conn, head)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer before the body came: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp, err == io.EOF
}

// A GET declaring a body the client trickles held a connection with no deadline at all
// (net/http reads a small unread body before answering): review finding 4. Now it is
// refused at once, and the connection closed, without reading the body.
func TestGetWithBodyRefusedUnread(t *testing.T) {
	f := newFixture(t)
	resp, closed := rawRequest(t, f, "GET "+protocol.PathManifest+" HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\nx")
	if resp.StatusCode != http.StatusBadRequest || !closed {
		t.Fatalf("status %d, closed %v; want 400 and the connection closed", resp.StatusCode, closed)
	}
}

// An unauthenticated chunked PUT got the deadline of an 8 MiB body (8.5 min) while net/http
// drained it after the 401: now the refusal closes the connection without reading on.
func TestUnauthenticatedPutClosedUnread(t *testing.T) {
	f := newFixture(t)
	resp, closed := rawRequest(t, f, "PUT "+protocol.PathSubmission+"0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n")
	if resp.StatusCode != http.StatusUnauthorized || !closed {
		t.Fatalf("status %d, closed %v; want 401 and the connection closed", resp.StatusCode, closed)
	}
}

// A submission read in full keeps its connection for the next one.
func TestAcceptedSubmissionKeepsConnection(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	resp, data := putSub(f, c, protocol.Submission{ID: newID(), Ref: testRef(t, 1), Created: f.clock.Now(), Procedure: "p", Ciphertext: []byte("x")})
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("status %d, Connection: close %v: %s", resp.StatusCode, resp.Close, data)
	}
}

// A quarantined submission waits for the operator, not for the device: it no longer holds
// the device's quota (review finding 8: one poisoned device got 429 on everything).
func TestQuarantinedSubmissionFreesQuota(t *testing.T) {
	f := newLimitedFixture(t, Limits{DeviceQuota: 100})
	c := f.enroll("przykladowa")
	put := func(seed uint64) (*http.Response, []byte) {
		return putSub(f, c, protocol.Submission{ID: newID(), Ref: testRef(t, seed), Created: f.clock.Now(), Procedure: "p", Ciphertext: bytes.Repeat([]byte{'c'}, 60)})
	}
	if resp, data := put(1); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	recs, _ := f.st.Submissions(f.ctx, "przykladowa", false)
	if err := f.st.Quarantine(f.ctx, recs[0].ID, "nie odszyfrowuje się", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, data := put(2); resp.StatusCode != 200 {
		t.Fatalf("with the first one in quarantine: %d %s", resp.StatusCode, data)
	}
	// Released, it counts again; exported, it frees its bytes once.
	if err := f.st.Release(f.ctx, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.st.PendingBytes(f.ctx, c.DeviceID); n != 120 {
		t.Fatalf("pending bytes %d after the release, want 120", n)
	}
	resp, data := put(3)
	wantErr(t, resp, data, 429, protocol.CodeQuotaExceeded)
}

// A store whose quota was counted with quarantined submissions in it is counted again on
// open: otherwise a release would count them twice.
func TestQuotaRecountedWithoutQuarantine(t *testing.T) {
	f := newFixture(t)
	c := f.enroll("przykladowa")
	for i := range 2 {
		if resp, data := putSub(f, c, protocol.Submission{ID: newID(), Ref: testRef(t, uint64(i)), Created: f.clock.Now(), Procedure: "p", Ciphertext: bytes.Repeat([]byte{'c'}, 60)}); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
	}
	recs, _ := f.st.Submissions(f.ctx, "przykladowa", false)
	if err := f.st.Quarantine(f.ctx, recs[0].ID, "uszkodzony", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// As the old code left it: the quarantined one counted, marked counted the old way.
	if err := f.st.update(f.ctx, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte(bUsage)).Put([]byte(c.DeviceID), u64(120)); err != nil {
			return err
		}
		return tx.Bucket([]byte(bMeta)).Put([]byte("usage_counted"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(f.st.Path())
	f.srv.Close()
	if err := f.st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := OpenBolt(f.ctx, dir, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, _ := st.PendingBytes(f.ctx, c.DeviceID); n != 60 {
		t.Fatalf("pending bytes %d after reopening, want 60 (the quarantined one not counted)", n)
	}
}
