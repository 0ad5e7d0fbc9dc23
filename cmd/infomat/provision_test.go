package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/sync/portal"
	"infomat/sync/protocol"
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

// A portal with a self-signed certificate, as the panel's enrolment command reaches it: the
// pin alone makes it trusted, it is kept for the later syncs, and a wrong one is refused in
// Polish with both fingerprints before the token is sent.
func TestProvisionWithPin(t *testing.T) {
	ctx := context.Background()
	pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	srv := httptest.NewTLSServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	defer srv.Close()
	if _, err := portal.Publish(ctx, pst, "przykladowa", assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	token, err := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pin := protocol.CertPin(srv.Certificate())
	wrong := "sha256:" + strings.Repeat("0f", 32)

	var out, errOut bytes.Buffer
	// Without the pin the system's CAs do not know the certificate.
	if code := provisionCmd([]string{"--data", t.TempDir(), "--portal", srv.URL, "--token", token}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "certificate") {
		t.Fatalf("no pin, self-signed portal: exit %d\n%s", code, errOut.String())
	}
	errOut.Reset()
	data := filepath.Join(t.TempDir(), "data")
	if code := provisionCmd([]string{"--data", data, "--portal", srv.URL, "--token", token, "--pin", wrong}, &out, &errOut); code != 1 {
		t.Fatalf("a wrong pin: exit %d\n%s", code, errOut.String())
	}
	for _, want := range []string{"inny certyfikat niż przypięty", "oczekiwany odcisk klucza: " + wrong, "odcisk klucza portalu:    " + pin, "wygeneruj nowe polecenie w panelu"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("wrong-pin message lacks %q:\n%s", want, errOut.String())
		}
	}
	if _, err := os.Stat(filepath.Join(data, "credentials.json")); err == nil {
		t.Fatal("a wrong pin left credentials")
	}
	for _, args := range [][]string{{"--pin", "sha256:1234"}, {"--pin", pin, "--ca", "/tmp/ca.pem"}} {
		errOut.Reset()
		if code := provisionCmd(append([]string{"--data", t.TempDir(), "--portal", srv.URL, "--token", token}, args...), io.Discard, &errOut); code != 2 {
			t.Errorf("%v: exit %d %s", args, code, errOut.String())
		}
	}

	// The token is still unused: the refused attempts never sent it.
	out.Reset()
	errOut.Reset()
	if code := provisionCmd([]string{"--data", data, "--portal", srv.URL, "--token", token, "--pin", pin}, &out, &errOut); code != 0 {
		t.Fatalf("provision with the pin: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"gmina przykladowa", "klucz certyfikatu portalu przypięty: " + pin, "nowa treść aktywna: wersja 1", "Gotowe"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("provision output lacks %q:\n%s", want, out.String())
		}
	}
	raw, err := os.ReadFile(filepath.Join(data, "credentials.json"))
	if err != nil || !strings.Contains(string(raw), `"cert_pin": "`+pin+`"`) {
		t.Fatalf("credentials do not keep the pin: %v\n%s", err, raw)
	}
	out.Reset()
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "treść aktualna (wersja 1)") {
		t.Fatalf("sync --once over the pinned connection: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// A technician who types the portal's address with http:// (or its TLS port with http) is
// told the fix in Polish, with the cause under it.
func TestProvisionSaysTheFix(t *testing.T) {
	tlsPortal := httptest.NewTLSServer(http.NotFoundHandler()) // self-signed
	defer tlsPortal.Close()
	for url, want := range map[string]string{
		"http://portal.gmina.example:8443": "użyj https:// i portu 8443",
		tlsPortal.URL:                      "certyfikat nieznany — uruchom setup z kodem z panelu",
	} {
		var out, errOut bytes.Buffer
		code := provisionCmd([]string{"--data", t.TempDir(), "--portal", url, "--token", "tok"}, &out, &errOut)
		if code != 1 || !strings.HasPrefix(errOut.String(), "Rejestracja nie powiodła się: ") ||
			!strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "\n  przyczyna: ") {
			t.Errorf("provision --portal %s: exit %d\n%s", url, code, errOut.String())
		}
	}
}

// --ca keeps the CA's content in the credentials, not its path: the file (on the
// technician's USB stick) can go and sync still works. Credentials from before, which name a
// path, get the content on their next load.
func TestProvisionKeepsCAContent(t *testing.T) {
	ctx := context.Background()
	pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	srv := httptest.NewTLSServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	if _, err := portal.Publish(ctx, pst, "przykladowa", assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "portal-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	token, _ := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	if code := provisionCmd([]string{"--data", data, "--portal", srv.URL, "--token", token, "--ca", caFile}, &out, &errOut); code != 0 {
		t.Fatalf("provision --ca: %d\n%s%s", code, out.String(), errOut.String())
	}
	raw, _ := os.ReadFile(filepath.Join(data, "credentials.json"))
	if strings.Contains(string(raw), "ca_file") || !strings.Contains(string(raw), `"ca_pem": "-----BEGIN CERTIFICATE-----`) {
		t.Fatalf("credentials:\n%s", raw)
	}
	if err := os.Remove(caFile); err != nil {
		t.Fatal(err)
	}
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 {
		t.Fatalf("sync without the CA file: %d\n%s", code, errOut.String())
	}

	// Old credentials naming a path: the first load keeps the content, then the file can go.
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	var creds map[string]any
	_ = json.Unmarshal(raw, &creds)
	delete(creds, "ca_pem")
	creds["ca_file"] = caFile
	old, _ := json.Marshal(creds)
	if err := os.WriteFile(filepath.Join(data, "credentials.json"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 {
		t.Fatalf("sync with old credentials: %d\n%s", code, errOut.String())
	}
	_ = os.Remove(caFile)
	raw, _ = os.ReadFile(filepath.Join(data, "credentials.json"))
	if strings.Contains(string(raw), "ca_file") || !strings.Contains(string(raw), "ca_pem") {
		t.Fatalf("old credentials not migrated:\n%s", raw)
	}
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 {
		t.Fatalf("sync after the migration, the file gone: %d\n%s", code, errOut.String())
	}
}
