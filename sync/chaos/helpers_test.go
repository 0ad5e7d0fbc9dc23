// Package chaos holds the fault-tolerance tests of the kiosk ↔ portal sync: a real portal
// (portal.NewServer on a bbolt file) and real kiosks (store + outbox on disk, the sync
// client) talking through sync/faultproxy, and SIGKILLed processes. Test files only.
package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"infomat/assets"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/faultproxy"
	"infomat/sync/portal"
)

const muni = "przykladowa"

// seed is the fault seed: CHAOS_SEED or a fixed default, so a failure can be repeated.
func seed(t *testing.T) int64 {
	t.Helper()
	s := int64(20260310)
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED: %v", err)
		}
		s = n
	}
	t.Logf("fault seed %d (set CHAOS_SEED to change)", s)
	return s
}

// syncBuf is a goroutine-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *syncBuf) String() string              { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// portalEnv is a real portal: bbolt in a temporary directory (or a PostgreSQL database),
// served on loopback.
type portalEnv struct {
	dir  string
	st   portal.Backend
	srv  *httptest.Server
	logs *syncBuf
}

func newPortal(t *testing.T) *portalEnv { return newPortalOn(t, "") }

// newPortalOn is newPortal on the store db names (portal.Open: "" for bbolt).
func newPortalOn(t *testing.T, db string) *portalEnv {
	t.Helper()
	pe := &portalEnv{dir: t.TempDir(), logs: &syncBuf{}}
	st, err := portal.Open(context.Background(), db, pe.dir, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pe.st = st
	pe.srv = httptest.NewServer(portal.NewServer(st, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(pe.logs, nil)),
		// These tests are about exactly-once delivery under faults, not the portal's limits.
		Limits: portal.Limits{SubmitRate: -1, DeviceQuota: -1}}))
	t.Cleanup(func() {
		pe.srv.Close()
		_ = st.Close()
	})
	return pe
}

// enroll makes a token and enrols a kiosk through url (the proxy, healthy at that moment).
func (pe *portalEnv) enroll(t *testing.T, url string) client.Credentials {
	t.Helper()
	ctx := context.Background()
	tok, err := portal.CreateToken(ctx, pe.st, muni, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Enroll(ctx, url, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// publish publishes files as the municipality's next manifest.
func (pe *portalEnv) publish(t *testing.T, files map[string][]byte) portal.PublishResult {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	res, err := portal.Publish(context.Background(), pe.st, muni, fsys, portal.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func newProxy(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// kiosk is a store and outbox on disk.
type kiosk struct {
	dir string
	st  *store.Store
	ob  *outbox.Outbox
}

func openKiosk(t *testing.T, dir string) *kiosk {
	t.Helper()
	st, rec, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		t.Fatalf("kiosk store was corrupt and moved aside: %s", rec)
	}
	t.Cleanup(func() { _ = st.Close() })
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	return &kiosk{dir: dir, st: st, ob: ob}
}

func newIdentity(t *testing.T) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// embedded returns the embedded "Gmina Przykładowa" bundle.
func embedded(t *testing.T) map[string][]byte {
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

const card = "procedury/zameldowanie-pobyt-staly.yaml"

// changed returns a copy of files with one card retitled and one more page.
func changed(t *testing.T, files map[string][]byte, note string) map[string][]byte {
	t.Helper()
	out := maps.Clone(files)
	old := string(files[card])
	nw := strings.Replace(old, "nazwa: Zameldowanie na pobyt stały", "nazwa: Zameldowanie na pobyt stały ("+note+")", 1)
	if nw == old {
		t.Fatal("the card to change was not found")
	}
	out[card] = []byte(nw)
	// Fifteen more announcements, so the update is more than one download.
	const src = "bip/ogloszenia/sesja-rady-gminy-xxviii.md"
	base, ok := files[src]
	if !ok {
		t.Fatal(src + " not in the bundle")
	}
	for i := range 15 {
		page := strings.Replace(string(base), "Zawiadomienie o XXVIII sesji", fmt.Sprintf("Zawiadomienie (%s, %d) o XXVIII sesji", note, i), 1)
		out[fmt.Sprintf("bip/ogloszenia/chaos-%02d.md", i)] = []byte(page)
	}
	return out
}

// shas is path → sha256 hex.
func shas(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for p, data := range files {
		sum := sha256.Sum256(data)
		out[p] = hex.EncodeToString(sum[:])
	}
	return out
}

// fsShas reads every file of fsys.
func fsShas(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[p] = hex.EncodeToString(sum[:])
		return nil
	})
	return out, err
}

// checkBolt opens a bbolt file read-only and runs bbolt's consistency check (tx.Check).
// Done before store.Open / portal.OpenBolt, which might move a bad file aside.
func checkBolt(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s: %d integrity problem(s): %w", path, len(errs), errors.Join(errs...))
		}
		return nil
	})
}

// pushUntilEmpty pushes with a healthy link until nothing waits, bounded.
func pushUntilEmpty(t *testing.T, c *client.Client, ob *outbox.Outbox) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for passes := 1; ; passes++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.Push(ctx, ob, nil)
		cancel()
		st, serr := ob.Stats()
		if serr != nil {
			t.Fatal(serr)
		}
		if err == nil && st.Queued+st.Sending == 0 {
			return passes
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not empty after healing (%d passes): %+v, last error %v", passes, st, err)
		}
	}
}

// countLines counts log lines containing s.
func countLines(logs, s string) int { return strings.Count(logs, s) }

func slogTo(w *syncBuf) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
