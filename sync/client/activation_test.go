package client

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"infomat/content"
	kioskpkg "infomat/kiosk"
	"infomat/sync/protocol"
)

// Expiry only stops installing a stale manifest: content a kiosk already shows stays, also
// across a restart long after its manifest expired.
func TestExpiredActiveContentStaysAfterRestart(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	now := time.Now()
	files := embedded(t)
	files["gmina.yaml"] = []byte(strings.Replace(string(files["gmina.yaml"]), "nazwa: Gmina Przykładowa", "nazwa: Gmina Testowa", 1))
	p.publish(t, 1, files, func(m *protocol.Manifest) { m.Expires = now.Add(time.Hour) })
	if updated, _, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated {
		t.Fatalf("pull = %v, %v", updated, err)
	}

	// A month later, the manifest long expired and nothing newer: the kiosk restarts.
	later := now.Add(30 * 24 * time.Hour)
	_ = k.st.Close()
	k.open(t)
	if _, _, err := p.client(t).Pull(ctx, k.st, later, nil); !errors.Is(err, protocol.ErrExpired) {
		t.Fatalf("pull of the expired manifest = %v, want ErrExpired", err)
	}
	b, src, err := kioskpkg.LoadContent(k.st, "", kioskpkg.Policy{Provisioned: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || src != kioskpkg.FromStore || b.Municipality.Name != "Gmina Testowa" {
		t.Fatalf("after restart with an expired manifest: %v %v, want the stored Gmina Testowa", src, err)
	}
}

// A bundle the kiosk's loader refuses (over the memory budget) is never activated, and the
// same manifest is not tried again.
func TestPullRefusesBundleOverMemoryBudget(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	files := embedded(t)
	p.publish(t, 1, files, nil)
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := k.st.ActiveFiles()

	c.SetLoader(func(fsys fs.FS) (*content.Bundle, error) { return kioskpkg.LoadWithin(fsys, 1) })
	changed := maps.Clone(files)
	changed[card] = append(changed[card], "\n# zmiana\n"...)
	p.publish(t, 2, changed, nil)
	updated, v, err := c.Pull(ctx, k.st, time.Now(), nil)
	if !errors.Is(err, ErrBadBundle) || !errors.Is(err, kioskpkg.ErrOverBudget) || updated || v != 1 {
		t.Fatalf("Pull over budget = %v, %d, %v; want ErrBadBundle and ErrOverBudget", updated, v, err)
	}
	if after, _ := k.st.ActiveFiles(); !maps.Equal(before, after) {
		t.Error("active content changed")
	}
	if _, _, err := c.Pull(ctx, k.st, time.Now(), nil); !errors.Is(err, ErrBadBundle) || !strings.Contains(err.Error(), "refused before") {
		t.Errorf("second pull of the same manifest: %v, want refused before", err)
	}
}
