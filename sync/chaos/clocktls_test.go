package chaos

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"infomat/sync/client"
	"infomat/sync/protocol"
	"infomat/trustedtime"
)

// tlsPortal serves the real portal's handler over TLS with a certificate valid from an
// hour ago for a day (as a freshly renewed one is), from its own CA. It returns the URL and
// the CA file.
func tlsPortal(t *testing.T, h http.Handler, from, to time.Time) (string, string) {
	t.Helper()
	now := time.Now()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: from, NotAfter: to,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

// TestClockWrongTLS: over TLS a wrong device clock also breaks the certificate check —
// at 2031 the portal's certificate has expired, at the kiosk's last trusted time a renewed
// one is not valid yet. The time probe learns the portal's time without sending the device
// secret, and the kiosk installs content.
func TestClockWrongTLS(t *testing.T) {
	build := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		local time.Time
	}{
		{"1970", time.Unix(0, 0).UTC()},
		{"2031", time.Now().AddDate(5, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			pe := newPortal(t)
			var secretsToProbe atomic.Int32
			url, caFile := tlsPortal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead && r.Header.Get(protocol.HeaderDevice) != "" {
					secretsToProbe.Add(1)
				}
				pe.srv.Config.Handler.ServeHTTP(w, r)
			}), time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
			creds := pe.enroll(t, pe.srv.URL)
			creds.Portal, creds.CAFile = url, caFile
			pe.publish(t, embedded(t))
			k := openKiosk(t, t.TempDir())

			c, err := client.New(creds)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clock := trustedtime.New(k.st, build, func() time.Time { return tc.local })
			c.UseTrustedTime(clock)
			updated, _, err := c.Pull(ctx, k.st, tc.local, nil)
			if err != nil || !updated {
				t.Fatalf("pull over TLS with the clock at %s: updated %v, %v", tc.name, updated, err)
			}
			if !clock.Suspect() {
				t.Error("clock not reported as suspect")
			}
			if n := secretsToProbe.Load(); n != 0 {
				t.Errorf("the time probe sent the device secret %d time(s)", n)
			}
		})
	}
}

// A certificate that has really expired stays refused: the portal's time, which the probe
// reads, is outside the certificate's validity.
func TestClockTLSExpiredCertificate(t *testing.T) {
	pe := newPortal(t)
	url, caFile := tlsPortal(t, pe.srv.Config.Handler, time.Now().AddDate(0, -3, 0), time.Now().Add(-time.Hour))
	creds := pe.enroll(t, pe.srv.URL)
	creds.Portal, creds.CAFile = url, caFile
	pe.publish(t, embedded(t))
	k := openKiosk(t, t.TempDir())
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	clock := trustedtime.New(k.st, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), nil)
	c.UseTrustedTime(clock)
	if _, _, err := c.Pull(context.Background(), k.st, time.Now(), nil); err == nil {
		t.Fatal("pull accepted a portal whose certificate has expired")
	} else {
		t.Log(err)
	}
	if clock.Suspect() {
		t.Error("a right clock became suspect")
	}
}
