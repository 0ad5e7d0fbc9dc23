package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/outbox"
	"infomat/sync/client"
	"infomat/sync/protocol"
	"infomat/trustedtime"
)

// wirePortal wraps the real portal's handler to record the submissions kiosks PUT.
type wirePortal struct {
	mu   sync.Mutex
	subs map[string]protocol.Submission
}

func (w *wirePortal) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, protocol.PathSubmission) {
			raw, _ := io.ReadAll(r.Body)
			var s protocol.Submission
			if json.Unmarshal(raw, &s) == nil {
				w.mu.Lock()
				w.subs[s.ID] = s
				w.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		h.ServeHTTP(rw, r)
	})
}

// TestClockWrong: kiosks with a dead RTC battery (1970) and with a clock set years ahead
// (2031), against a real portal. Both install the published content (the 2031 kiosk used to
// refuse every manifest as expired), report the clock as suspect, time-stamp submissions no
// earlier than the latest trusted time and flag them clock_suspect.
func TestClockWrong(t *testing.T) {
	build := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		local time.Time
	}{
		{"1970", time.Unix(0, 0).UTC()},
		{"2031", time.Now().AddDate(5, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			pe := newPortal(t)
			wire := &wirePortal{subs: map[string]protocol.Submission{}}
			srv := httptest.NewServer(wire.wrap(pe.srv.Config.Handler))
			defer srv.Close()
			k := openKiosk(t, t.TempDir())
			creds := pe.enroll(t, srv.URL)
			pe.publish(t, embedded(t))
			local := func() time.Time { return tc.local }

			// The fault: with the device clock as it is, 2031 refuses every manifest.
			plain, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = plain.Pull(ctx, k.st, local(), nil)
			plain.Close()
			if tc.name == "2031" && !errors.Is(err, protocol.ErrExpired) {
				t.Fatalf("pull with the clock at 2031 without trusted time: %v, want expired", err)
			}

			clock := trustedtime.New(k.st, build, local)
			c, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.UseTrustedTime(clock)
			if updated, _, err := c.Pull(ctx, k.st, local(), nil); err != nil && tc.name == "2031" || (err == nil && !updated && tc.name == "2031") {
				t.Fatalf("pull with trusted time: updated %v, %v", updated, err)
			}
			if _, _, err := k.st.ActiveContent(); err != nil {
				t.Fatalf("no content installed: %v", err)
			}
			if !clock.Suspect() || clock.Problem() == "" {
				t.Fatal("clock not reported as suspect")
			}
			now := clock.Now()
			if d := now.Sub(time.Now()); d > time.Minute || d < -trustedtime.Tolerance {
				t.Fatalf("trusted now %s, real time %s", now, time.Now())
			}
			floor, err := k.st.TrustedTime()
			if err != nil || floor.Before(build) || floor.After(time.Now().Add(time.Minute)) {
				t.Fatalf("stored trusted time %s, %v", floor, err)
			}

			// A submission: timestamped with the trusted time, flagged.
			id := newIdentity(t)
			it, err := k.ob.Enqueue(ctx, outbox.Meta{Procedure: "p", Created: clock.Now(), ClockSuspect: clock.Suspect()}, "PRZ", []byte("answers"), id.Recipient())
			if err != nil {
				t.Fatal(err)
			}
			pushUntilEmpty(t, c, k.ob)
			wire.mu.Lock()
			got, ok := wire.subs[it.ID]
			wire.mu.Unlock()
			if !ok || !got.ClockSuspect || got.Created.Before(floor.Add(-trustedtime.Tolerance)) {
				t.Fatalf("submission on the wire: found %v, clock_suspect %v, created %s (trusted floor %s)", ok, got.ClockSuspect, got.Created, floor)
			}

			// Restart without the portal: the stored floor still catches a 1970 clock.
			again := trustedtime.New(k.st, build, local)
			if tc.name == "1970" && (!again.Suspect() || again.Now().Before(floor)) {
				t.Fatalf("after restart: suspect %v, now %s, floor %s", again.Suspect(), again.Now(), floor)
			}
		})
	}
}
