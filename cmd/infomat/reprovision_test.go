package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/sync/client"
	"infomat/sync/portal"
)

// loopbackPortal is a real portal (bbolt store, HTTP on loopback) with content published
// for przykladowa.
func loopbackPortal(t *testing.T) (*httptest.Server, *portal.Bolt) {
	t.Helper()
	pst, err := portal.OpenBolt(context.Background(), t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pst.Close() })
	srv := httptest.NewServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	if _, err := portal.Publish(context.Background(), pst, "przykladowa", assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	return srv, pst
}

// Provisioning a device that is enrolled already retires its old identity on the portal
// first; when the old portal cannot be reached it stops and says what to do, and enrols
// only with --force.
func TestProvisionAgainRetiresOldIdentity(t *testing.T) {
	ctx := context.Background()
	srv, pst := loopbackPortal(t)
	data := filepath.Join(t.TempDir(), "data")
	provision := func(args ...string) (int, string, string) {
		token, err := portal.CreateToken(ctx, pst, "przykladowa", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		code := provisionCmd(append([]string{"--data", data, "--portal", srv.URL, "--token", token}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := provision(); code != 0 {
		t.Fatalf("first provision: %d\n%s%s", code, out, errOut)
	}
	first, _ := client.LoadCredentials(data)
	// A mistyped address for the new enrolment: the old identity is kept, not retired.
	var out0, err0 bytes.Buffer
	if code := provisionCmd([]string{"--data", data, "--portal", "http://127.0.0.1:1", "--token", "x"}, &out0, &err0); code != 1 {
		t.Fatalf("provision to a dead address: exit %d\n%s%s", code, out0.String(), err0.String())
	}
	if d, _ := pst.Device(ctx, first.DeviceID); d.IsRevoked() {
		t.Fatal("a failed provision retired the working identity")
	}
	code, out, errOut := provision("--label", "Biblioteka, parter")
	if code != 0 {
		t.Fatalf("second provision: %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"urządzenie było już zarejestrowane jako " + first.DeviceID, "poprzednia tożsamość " + first.DeviceID + " wycofana w portalu"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if d, err := pst.Device(ctx, first.DeviceID); err != nil || !d.IsRevoked() {
		t.Fatalf("the old identity is still valid on the portal: %+v %v", d, err)
	}
	if err := retire(ctx, first); err == nil {
		t.Fatal("the portal still accepts the old credentials")
	}
	second, _ := client.LoadCredentials(data)
	if d, _ := pst.Device(ctx, second.DeviceID); second.DeviceID == first.DeviceID || d.IsRevoked() || d.Label != "Biblioteka, parter" {
		t.Fatalf("new identity: %+v", d)
	}

	// The old portal is gone (the device moves to another one): no enrolment without the flag.
	srv2, pst2 := loopbackPortal(t)
	srv.Close()
	enrolAt := func(args ...string) (int, string, string) {
		token, _ := portal.CreateToken(ctx, pst2, "przykladowa", time.Hour, time.Now())
		var out, errOut bytes.Buffer
		code := provisionCmd(append([]string{"--data", data, "--portal", srv2.URL, "--token", token}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut = enrolAt()
	if code != 1 || !strings.Contains(errOut, "Rejestracja wstrzymana: urządzenie jest już zarejestrowane ("+second.DeviceID) ||
		!strings.Contains(errOut, "--force") || !strings.Contains(errOut, "infomat-portal revoke "+second.DeviceID) {
		t.Fatalf("old portal down: exit %d\n%s%s", code, out, errOut)
	}
	if c, _ := client.LoadCredentials(data); c.DeviceID != second.DeviceID {
		t.Fatal("the refused provision replaced the credentials")
	}
	code, out, errOut = enrolAt("--force")
	if code != 0 || !strings.Contains(out, "nie udało się wycofać (--force)") {
		t.Fatalf("--force: exit %d\n%s%s", code, out, errOut)
	}
}
