package client_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"infomat/assets"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
)

// counting counts the response bytes the portal sends.
type counting struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c counting) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// TestContentDeltaThroughRealPortal: what a kiosk downloads when one card changes in a
// 5,000-card bundle published by the real portal, as a fraction of the first full pull.
// The goal is under 1%.
func TestContentDeltaThroughRealPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and publishes a 5,000-card bundle")
	}
	ctx := context.Background()
	pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	var sent atomic.Int64
	h := portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(counting{w, &sent}, r)
	}))
	defer srv.Close()

	bundle := fstest.MapFS{}
	fs.WalkDir(assets.DefaultContent(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(assets.DefaultContent(), p)
			bundle[p] = &fstest.MapFile{Data: data}
		}
		return err
	})
	tmpl := string(bundle["procedury/zameldowanie-pobyt-staly.yaml"].Data)
	r := rand.New(rand.NewSource(1))
	words := strings.Fields("wniosek zaświadczenie decyzja opłata podatek nieruchomość gmina urząd odpady budowa")
	for i := range 5000 {
		name := fmt.Sprintf("%s %s %s", words[r.Intn(len(words))], words[r.Intn(len(words))], words[r.Intn(len(words))])
		c := strings.Replace(tmpl, "nazwa: Zameldowanie na pobyt stały", "nazwa: "+name, 1)
		c = strings.Replace(c, "symbol: SO-1", fmt.Sprintf("symbol: GEN-%d", i), 1)
		bundle[fmt.Sprintf("procedury/gen-%05d.yaml", i)] = &fstest.MapFile{Data: []byte(c)}
	}
	var bundleBytes int64
	for _, f := range bundle {
		bundleBytes += int64(len(f.Data))
	}

	token, err := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portal.Publish(ctx, pst, "przykladowa", bundle, portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	creds, err := client.Enroll(ctx, srv.URL, token, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	sent.Store(0)
	if updated, _, err := c.Pull(ctx, st, time.Now(), nil); err != nil || !updated {
		t.Fatalf("first pull: %v %v", updated, err)
	}
	full := sent.Load()

	one := "procedury/gen-02500.yaml"
	bundle[one] = &fstest.MapFile{Data: []byte(strings.Replace(string(bundle[one].Data), "symbol: GEN-2500", "symbol: GEN-2500-ZM", 1))}
	if _, err := portal.Publish(ctx, pst, "przykladowa", bundle, portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	sent.Store(0)
	if updated, v, err := c.Pull(ctx, st, time.Now(), nil); err != nil || !updated || v != 2 {
		t.Fatalf("delta pull: %v %d %v", updated, v, err)
	}
	delta := sent.Load()
	fsys, _, err := st.ActiveContent()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.ReadFile(fsys, one); string(got) != string(bundle[one].Data) {
		t.Fatal("the changed card is not the active one")
	}

	// An unchanged manifest costs nothing but the conditional request.
	sent.Store(0)
	if updated, _, err := c.Pull(ctx, st, time.Now(), nil); err != nil || updated {
		t.Fatalf("idle pull: %v %v", updated, err)
	}
	idle := sent.Load()

	frac := float64(delta) / float64(full)
	t.Logf("content delta: one card changed in %d files (%d B): first pull %d B, delta pull %d B = %.3f%%; idle poll %d B",
		len(bundle), bundleBytes, full, delta, 100*frac, idle)
	if idle != 0 {
		t.Errorf("an unchanged manifest was downloaded again (%d B): ETag/304 not working", idle)
	}
	if frac >= 0.01 {
		t.Errorf("delta pull is %.2f%% of the full pull, goal under 1%%", 100*frac)
	}
}
