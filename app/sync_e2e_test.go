package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/portal"
)

// The whole path of a submission: a real portal on loopback, the sample content published to
// it, a kiosk provisioned with a one-time token pulling that content, a resident filing the
// form through the screens, a sync, and the municipality exporting with its private key —
// where the resident's answers are found.
func TestSubmissionReachesPortalAndExports(t *testing.T) {
	ctx := context.Background()
	pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	srv := httptest.NewServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	token, err := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portal.Publish(ctx, pst, "przykladowa", assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}

	// Provisioning, as `infomat provision` does it.
	data := t.TempDir()
	creds, err := client.Enroll(ctx, srv.URL, token, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SaveCredentials(data, creds); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(data, "credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
	st, _, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if updated, _, err := c.Pull(ctx, st, time.Now(), nil); err != nil || !updated {
		t.Fatalf("first pull: updated=%v err=%v", updated, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, src, err := kiosk.LoadContent(st, "", kiosk.Policy{Provisioned: true}, log)
	if err != nil || src != kiosk.FromStore {
		t.Fatalf("content after pull: %v %v", src, err)
	}

	// A resident files the form on the kiosk.
	h := newHarness(t)
	h.ui.index() // the start's index is done before it is replaced
	h.ui.d.Content, h.ui.d.Index = b, BuildIndex(b)
	// The portal serves the sample bundle, whose key is the published one: demo mode.
	h.ui.d.Submit = &kiosk.Submitter{Outbox: ob, Content: b, Log: log, Demo: true}
	h.submitSampleForm()
	ref := h.ui.lastReceiptRef()

	if sent, err := c.Push(ctx, ob, nil); err != nil || sent != 1 {
		t.Fatalf("push: sent=%d err=%v", sent, err)
	}
	it, err := ob.ByRef(ref)
	if err != nil || it.State != outbox.Purged || it.Ciphertext != nil || it.Receipt == nil {
		t.Fatalf("kiosk item after delivery: %+v %v", it, err)
	}

	// The municipality exports with its key.
	keyFile, err := os.Open(filepath.Join("..", "testdata", "przykladowa.agekey"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := portal.ParseIdentities(keyFile)
	keyFile.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := portal.Export(ctx, pst, "przykladowa", ids, false, &out, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("export: n=%d err=%v", n, err)
	}
	var exported []map[string]any
	if err := json.Unmarshal(out.Bytes(), &exported); err != nil {
		t.Fatalf("export output %q: %v", out.String(), err)
	}
	if exported[0]["ref"] != ref || exported[0]["portal_ref"] != it.Receipt.PortalRef {
		t.Fatalf("exported %v, want ref %s and portal ref %s", exported[0], ref, it.Receipt.PortalRef)
	}
	for _, want := range []string{"44051401359", "Zażółć", "Gęślą", "Wynajmuję"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("export lacks %q:\n%s", want, out.String())
		}
	}
}
