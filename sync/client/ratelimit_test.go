package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// The real portal's 429s (rate limit and quota) reach the kiosk as retryable errors that
// carry the portal's Retry-After (Run waits that long), and the refused item stays queued:
// it is neither held back as refused nor lost.
func TestPushHonoursPortal429(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits portal.Limits
		code   string
		wait   time.Duration
	}{
		{"rate", portal.Limits{SubmitRate: 2, SubmitBurst: 1, DeviceQuota: -1}, protocol.CodeRateLimited, 30 * time.Second},
		{"quota", portal.Limits{SubmitRate: -1, DeviceQuota: 300}, protocol.CodeQuotaExceeded, 15 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer pst.Close()
			srv := httptest.NewServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: tc.limits}))
			defer srv.Close()
			tok, err := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			creds, err := client.Enroll(ctx, srv.URL, tok, "")
			if err != nil {
				t.Fatal(err)
			}
			c, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			st, _, err := store.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ob, err := outbox.Open(st.Bolt())
			if err != nil {
				t.Fatal(err)
			}
			id, _ := age.GenerateX25519Identity()
			for range 2 {
				if _, err := ob.Enqueue(ctx, outbox.Meta{Procedure: "zameldowanie", Office: "uog"}, "PRZ", []byte(`{"imie":"Jan"}`), id.Recipient()); err != nil {
					t.Fatal(err)
				}
			}
			sent, err := c.Push(ctx, ob, nil)
			var se *client.StatusError
			if sent != 1 || !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || se.Code != tc.code || !se.Retryable() {
				t.Fatalf("push: sent %d, %v", sent, err)
			}
			if se.RetryAfter != tc.wait {
				t.Fatalf("Retry-After %v, want %v", se.RetryAfter, tc.wait)
			}
			pending, _ := ob.Pending(0)
			if len(pending) != 1 {
				t.Fatalf("%d queued after the 429, want 1", len(pending))
			}
		})
	}
}
