package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/sync/portal"
)

// The technician's first command against a real portal on loopback, then `sync --once`.
func TestProvisionAndSyncOnce(t *testing.T) {
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
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	if code := provisionCmd([]string{"--data", data, "--portal", srv.URL, "--token", token}, &out, &errOut); code != 0 {
		t.Fatalf("provision exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"gmina przykladowa", "credentials.json (0600)", "klucz podpisu treści przypięty", "nowa treść aktywna: wersja 1", "Gotowe"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("provision output lacks %q:\n%s", want, out.String())
		}
	}
	if fi, err := os.Stat(filepath.Join(data, "credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", fi, err)
	}
	// The token was single use.
	errOut.Reset()
	if code := provisionCmd([]string{"--data", t.TempDir(), "--portal", srv.URL, "--token", token}, io.Discard, &errOut); code != 1 {
		t.Fatalf("a used token enrolled again (exit %d)", code)
	}
	out.Reset()
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "treść aktualna (wersja 1)") {
		t.Fatalf("sync --once exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	errOut.Reset()
	if code := syncCmd([]string{"--once", "--data", t.TempDir()}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "nie jest zarejestrowane") {
		t.Fatalf("sync on an unprovisioned device: exit %d %s", code, errOut.String())
	}
}
