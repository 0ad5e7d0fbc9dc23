package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"infomat/sync/client"
	"infomat/sync/protocol"
)

// serve's pin is its certificate's key's, and a kiosk holding it enrols over TLS with no CA
// file; another pin is refused before the token is sent.
func TestServePinEnrols(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa", "--count", "2")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	tokens := strings.Fields(out)
	certFile, keyFile, _ := selfSigned(t, t.TempDir())
	raw, _ := os.ReadFile(certFile)
	blk, _ := pem.Decode(raw)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pin, err := pinOf(pair)
	if err != nil || pin != protocol.CertPin(cert) {
		t.Fatalf("pinOf: %q %v, want %q", pin, err, protocol.CertPin(cert))
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready, done := make(chan string, 1), make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- serveCmd(ctx, []string{"--data", data, "--addr", "127.0.0.1:0", "--cert", certFile, "--key", keyFile}, &bytes.Buffer{}, &logs, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	url := "https://" + addr
	var pe *client.PinError
	if _, err := client.EnrollWith(t.Context(), url, tokens[0], client.Trust{CertPin: "sha256:" + strings.Repeat("00", 32)}); !errors.As(err, &pe) || pe.Got != pin {
		t.Fatalf("a wrong pin: %v", err)
	}
	creds, err := client.EnrollWith(t.Context(), url, tokens[0], client.Trust{CertPin: pin})
	if err != nil || creds.Municipality != "przykladowa" || creds.CertPin != pin {
		t.Fatalf("enrol with serve's pin: %v", err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(35 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}
