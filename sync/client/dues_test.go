package client

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"infomat/dues"
	"infomat/sync/protocol"
)

// duesStub is a portal that answers only the dues lookup, as the contract in
// sync/protocol/dues.go says: card 0A1B2C3D4E with PIN 2468, or code AB12CD34 with 4321.
type duesStub struct {
	srv   *httptest.Server
	calls int
	got   protocol.DuesRequest
	auth  string
	// answer, when set, replaces the scripted answers.
	answer func(w http.ResponseWriter)
}

var stubResponse = protocol.DuesResponse{
	Name: "J*** K*******", AsOf: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC),
	Recipient: "Gmina Przykładowa", NIP: "8567346215",
	Items: []protocol.DueItem{{Item: "Podatek od nieruchomości", Year: 2026, Instalment: 4, Due: 31200, Paid: 0,
		DueDate: "2026-11-15", Account: "61109010140000071219812874", Decision: "FN.3120.15.2026"}},
}

func newDuesStub(t *testing.T) (*duesStub, *Client) {
	t.Helper()
	s := &duesStub{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != protocol.PathDues {
			http.NotFound(w, r)
			return
		}
		s.calls++
		s.auth = r.Header.Get(protocol.HeaderDevice)
		s.got = protocol.DuesRequest{}
		_ = json.NewDecoder(r.Body).Decode(&s.got)
		if s.answer != nil {
			s.answer(w)
			return
		}
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		if s.got.Card == "0A1B2C3D4E" && s.got.PIN == "2468" || s.got.Code == "AB12CD34" && s.got.PESEL4 == "4321" {
			_ = json.NewEncoder(w).Encode(stubResponse)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(protocol.DuesRefusal{Error: protocol.Error{Code: protocol.CodeDuesRefused}, Remaining: 2})
	}))
	t.Cleanup(s.srv.Close)
	pub, _, _ := ed25519.GenerateKey(nil)
	c, err := New(Credentials{Portal: s.srv.URL, DeviceID: "dev1", Secret: "s3cret", Municipality: "gmina-przykladowa",
		SigningKey: base64.StdEncoding.EncodeToString(pub)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return s, c
}

func TestDuesAnswerAndRefusal(t *testing.T) {
	s, c := newDuesStub(t)
	ctx := context.Background()
	st, err := c.Lookup(ctx, dues.Request{Code: "AB12CD34", PESEL4: "4321"})
	if err != nil {
		t.Fatal(err)
	}
	if s.auth != "Bearer dev1:s3cret" {
		t.Errorf("asked without the device's credentials: %q", s.auth)
	}
	want := stubResponse.Items[0]
	if st.Name != stubResponse.Name || len(st.Items) != 1 || st.Items[0] != dues.Item(want) || st.NIP != "8567346215" || !st.AsOf.Equal(stubResponse.AsOf) {
		t.Errorf("statement %+v", st)
	}

	_, err = c.Lookup(ctx, dues.Request{Card: "0A1B2C3D4E", PIN: "1111"})
	var re *dues.RefusedError
	if !errors.As(err, &re) || re.Remaining != 2 || !errors.Is(err, dues.ErrRefused) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if s.got.Card != "0A1B2C3D4E" || s.got.PIN != "1111" || s.got.Code != "" {
		t.Errorf("the portal got %+v", s.got)
	}
	// A resident's refusal is a 403 too, but says nothing about the device.
	if c.Status().Revoked {
		t.Error("a refused PIN marked the device revoked")
	}
}

func TestDuesLockedUnavailableOffline(t *testing.T) {
	s, c := newDuesStub(t)
	ctx := context.Background()
	req := dues.Request{Code: "AB12CD34", PESEL4: "4321"}

	s.answer = func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "5400") // longer than the hour other answers are held to
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(protocol.Error{Code: protocol.CodeDuesLocked})
	}
	before := time.Now()
	_, err := c.Lookup(ctx, req)
	var le *dues.LockedError
	if !errors.As(err, &le) || le.Until.Before(before.Add(89*time.Minute)) || le.Until.After(time.Now().Add(91*time.Minute)) {
		t.Fatalf("locked: %v", err)
	}

	s.answer = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(protocol.Error{Code: protocol.CodeDuesUnavailable})
	}
	if _, err := c.Lookup(ctx, req); !errors.Is(err, dues.ErrUnavailable) {
		t.Fatalf("unavailable: %v", err)
	}

	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		s.answer = func(w http.ResponseWriter) { w.WriteHeader(status) }
		n := s.calls
		if _, err := c.Lookup(ctx, req); !errors.Is(err, dues.ErrOffline) {
			t.Fatalf("%d: %v", status, err)
		}
		if s.calls != n+1 {
			t.Errorf("%d: %d attempts, want one", status, s.calls-n)
		}
	}

	// Revoked device credentials: the service is out of reach, and the service screen
	// learns why.
	s.answer = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(protocol.Error{Code: protocol.CodeRevoked})
	}
	if _, err := c.Lookup(ctx, req); !errors.Is(err, dues.ErrOffline) || !c.Status().Revoked {
		t.Fatalf("revoked: %v, status %+v", err, c.Status())
	}

	// No portal at all.
	s.srv.Close()
	if _, err := c.Lookup(ctx, req); !errors.Is(err, dues.ErrOffline) {
		t.Fatalf("no portal: %v", err)
	}
}

// A portal that never answers costs the resident duesTimeout, not the transport's minute.
func TestDuesTimesOut(t *testing.T) {
	s, c := newDuesStub(t)
	release := make(chan struct{})
	defer close(release)
	s.answer = func(w http.ResponseWriter) { <-release }
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // stands in for duesTimeout
	defer cancel()
	start := time.Now()
	if _, err := c.Lookup(ctx, dues.Request{Code: "AB12CD34", PESEL4: "4321"}); !errors.Is(err, dues.ErrOffline) {
		t.Fatalf("hanging portal: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if duesTimeout > 15*time.Second {
		t.Errorf("duesTimeout %v: a resident waits at the screen", duesTimeout)
	}
}
