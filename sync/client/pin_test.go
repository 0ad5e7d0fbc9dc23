package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"infomat/sync/protocol"
)

// A pinned portal is trusted by its key alone: httptest's certificate is signed by no CA the
// system knows and does not name "localhost", and the pin still connects; the pin is kept in
// the credentials, so the sync client trusts it too; another key is refused before any
// request is sent, naming both pins.
func TestTLSWithPin(t *testing.T) {
	ctx := context.Background()
	p := newPortal(t)
	tlsSrv := newTLSPortal(t, p)
	pin := protocol.CertPin(tlsSrv.Certificate())
	url := strings.Replace(tlsSrv.URL, "127.0.0.1", "localhost", 1)

	wrong := "sha256:" + strings.Repeat("ab", 32)
	_, err := EnrollWith(ctx, url, p.token, Trust{CertPin: wrong})
	var pe *PinError
	if !errors.As(err, &pe) || pe.Want != wrong || pe.Got != pin {
		t.Fatalf("a wrong pin: %v", err)
	}
	if _, err := EnrollWith(ctx, url, p.token, Trust{CertPin: "sha256:abcd"}); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("a short pin: %v", err)
	}
	if _, err := EnrollWith(ctx, url, p.token, Trust{CertPin: pin, CAFile: "/etc/ssl/ca.pem"}); err == nil {
		t.Fatal("a pin and a CA file together were taken")
	}

	// Upper case with colons, as fingerprints are often printed, is the same pin.
	hexPin := strings.TrimPrefix(pin, protocol.PinPrefix)
	var colons []string
	for i := 0; i < len(hexPin); i += 2 {
		colons = append(colons, strings.ToUpper(hexPin[i:i+2]))
	}
	c, err := EnrollWith(ctx, url, p.token, Trust{CertPin: "SHA256:" + strings.Join(colons, ":")})
	if err != nil {
		t.Fatalf("enrol with the right pin: %v", err)
	}
	if c.CertPin != pin || c.CAFile != "" {
		t.Fatalf("credentials keep pin %q, CA %q", c.CertPin, c.CAFile)
	}
	dir := t.TempDir()
	if err := SaveCredentials(dir, c); err != nil {
		t.Fatal(err)
	}
	c, err = LoadCredentials(dir)
	if err != nil || c.CertPin != pin {
		t.Fatalf("reloaded credentials: %v, pin %q", err, c.CertPin)
	}
	cl, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, _, err := cl.Pull(ctx, newKiosk(t).st, time.Now(), nil); err != nil {
		t.Fatalf("pull over the pinned connection: %v", err)
	}

	// The same credentials with another pin: the sync client refuses the portal too.
	c.CertPin = wrong
	cl2, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	if _, _, err := cl2.Pull(ctx, newKiosk(t).st, time.Now(), nil); !errors.As(err, &pe) {
		t.Fatalf("pull with a wrong pin: %v", err)
	}
}
