package client

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"infomat/store"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// failStart runs the two kiosk starts that give up the active unconfirmed bundle (the
// first never reached its first frame).
func failStart(t *testing.T, st *store.Store) store.StartCheck {
	t.Helper()
	if _, err := st.BeginContentStart(); err != nil {
		t.Fatal(err)
	}
	c, err := st.BeginContentStart()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func renamed(files map[string][]byte, name string) map[string][]byte {
	out := maps.Clone(files)
	out["gmina.yaml"] = []byte(strings.Replace(string(files["gmina.yaml"]), "nazwa: Gmina Przykładowa", "nazwa: "+name, 1))
	return out
}

// After a rollback the kiosk reports the version it shows again, skips the failed one
// (renewed or not), refuses older replays and installs the next newer version.
func TestPullAfterRollbackSkipsFailedVersion(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	now := time.Now()

	sm1 := p.publish(t, 1, renamed(embedded(t), "Gmina Jeden"), nil)
	if updated, _, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated {
		t.Fatalf("pull of version 1 = %v, %v", updated, err)
	}
	if err := k.st.ConfirmContent(); err != nil {
		t.Fatal(err)
	}
	p.publish(t, 2, renamed(embedded(t), "Gmina Dwa"), nil)
	if updated, _, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated {
		t.Fatalf("pull of version 2 = %v, %v", updated, err)
	}
	if check := failStart(t, k.st); !check.RolledBack || check.FailedPortalVersion != 2 {
		t.Fatalf("start check = %+v, want a rollback from version 2", check)
	}
	if b, _, v := active(t, k.st); v != 1 || b.Municipality.Name != "Gmina Jeden" {
		t.Fatalf("after the rollback: portal version %d (the heartbeat reports it), showing %q; want 1, Gmina Jeden", v, b.Municipality.Name)
	}

	// The failed version, as published and renewed (same version, later expiry): skipped.
	for i, renew := range []bool{false, true} {
		if renew {
			if r, err := portal.RenewManifests(ctx, p.st, now.Add(23*time.Hour)); err != nil || len(r) != 1 {
				t.Fatalf("renew = %v, %v", r, err)
			}
		}
		updated, v, err := c.Pull(ctx, k.st, now, nil)
		if !errors.Is(err, ErrFailedBundle) || updated || v != 1 {
			t.Fatalf("pull %d of the failed version = %v, %d, %v; want ErrFailedBundle, still 1", i, updated, v, err)
		}
	}
	// A replay of the version below the failed one is still a rollback.
	p.serveManifest(t, sm1)
	if _, _, err := c.Pull(ctx, k.st, now, nil); !errors.Is(err, protocol.ErrRollback) {
		t.Fatalf("replayed version 1 = %v, want ErrRollback", err)
	}
	p.serveManifest(t, p.publish(t, 3, renamed(embedded(t), "Gmina Trzy"), nil)) // no more replay
	if updated, v, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated || v != 3 {
		t.Fatalf("pull of version 3 = %v, %d, %v", updated, v, err)
	}
	if b, _, _ := active(t, k.st); b.Municipality.Name != "Gmina Trzy" {
		t.Fatalf("showing %q after version 3", b.Municipality.Name)
	}
}

// After a drop (the first bundle never showed a frame) the kiosk reports no portal
// version, so fleet sees it behind; the failed version is not installed again in a loop,
// and a newer one is installed.
func TestPullAfterDropSkipsFailedVersion(t *testing.T) {
	p := newPortal(t)
	k := newKiosk(t)
	c := p.client(t)
	ctx := context.Background()
	now := time.Now()

	p.publish(t, 5, renamed(embedded(t), "Gmina Pięć"), nil)
	if updated, _, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated {
		t.Fatalf("pull of version 5 = %v, %v", updated, err)
	}
	if check := failStart(t, k.st); !check.Dropped || check.FailedPortalVersion != 5 {
		t.Fatalf("start check = %+v, want a drop of version 5", check)
	}
	if v, err := k.st.PortalVersion(); err != nil || v != 0 {
		t.Fatalf("portal version after the drop = %d, %v; want 0 (nothing from the portal shown)", v, err)
	}
	updated, v, err := c.Pull(ctx, k.st, now, nil)
	if !errors.Is(err, ErrFailedBundle) || updated || v != 0 {
		t.Fatalf("pull of the failed version = %v, %d, %v; want ErrFailedBundle", updated, v, err)
	}
	if _, _, err := k.st.ActiveContent(); !errors.Is(err, store.ErrNoContent) {
		t.Fatalf("active content after skipping the failed version: %v, want none", err)
	}
	p.publish(t, 6, renamed(embedded(t), "Gmina Sześć"), nil)
	if updated, v, err := c.Pull(ctx, k.st, now, nil); err != nil || !updated || v != 6 {
		t.Fatalf("pull of version 6 = %v, %d, %v", updated, v, err)
	}
}
