package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// serve's start-up failures a technician meets say the fix in Polish, the cause under it.
func TestServeSaysTheFix(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var errOut bytes.Buffer
	code := serveCmd(t.Context(), []string{"--data", t.TempDir(), "--addr", busy.Addr().String()}, &bytes.Buffer{}, &errOut, nil)
	if code != 1 || !strings.Contains(errOut.String(), "port zajęty — inny proces już na nim słucha") ||
		!strings.Contains(errOut.String(), "\n  przyczyna: ") || !strings.Contains(errOut.String(), "address already in use") {
		t.Fatalf("busy port: exit %d\n%s", code, errOut.String())
	}

	errOut.Reset()
	dir := t.TempDir()
	code = serveCmd(t.Context(), []string{"--data", dir, "--addr", "127.0.0.1:0", "--cert", filepath.Join(dir, "nie.pem"), "--key", filepath.Join(dir, "nie.key")}, &bytes.Buffer{}, &errOut, nil)
	if code != 2 || !strings.Contains(errOut.String(), "nie ma pliku certyfikatu lub klucza — podaj istniejące pliki PEM w --cert i --key") {
		t.Fatalf("missing certificate: exit %d\n%s", code, errOut.String())
	}

	// A data directory the technician may not read (tests run as root, who reads anything,
	// so the error is made as os.Open makes it).
	perm := fmt.Errorf("open portal store: %w", &fs.PathError{Op: "open", Path: "/var/lib/infomat-portal/portal.db", Err: syscall.EACCES})
	if got := advice(perm); !strings.Contains(got, "uruchom jako root (sudo) albo jako użytkownik usługi") {
		t.Fatalf("advice(%v) = %q", perm, got)
	}
}
