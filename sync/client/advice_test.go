package client

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"infomat/sync/protocol"
)

// Each way a technician's enrolment goes wrong, against a real loopback server, gets the
// Polish fix.
func TestAdvice(t *testing.T) {
	tlsPortal := httptest.NewTLSServer(http.NotFoundHandler()) // self-signed: no CA knows it
	defer tlsPortal.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	badToken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"code":"bad_token","message":"unknown or used token"}`))
	}))
	defer badToken.Close()
	closed := refusingAddr(t)

	for _, tc := range []struct {
		name, url, want string
	}{
		{"http on the network", "http://portal.gmina.example:8443", "użyj https:// i portu 8443"},
		{"other scheme", "ftp://portal.gmina.example", "użyj https:// i portu 8443"},
		{"self-signed certificate", tlsPortal.URL, "certyfikat nieznany — uruchom setup z kodem z panelu"},
		{"http to the TLS port", "http://" + tlsPortal.Listener.Addr().String(), "użyj https:// i portu 8443"},
		{"https to a plain port", "https://" + plain.Listener.Addr().String(), "użyj https:// i portu 8443"},
		{"nothing listening", "https://" + closed, "sprawdź port (domyślnie 8443)"},
		{"bad token", badToken.URL, "wygeneruj nowy w panelu"},
		{"not the API", plain.URL, "pod tym adresem nie ma API portalu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EnrollWith(t.Context(), tc.url, "tok", Trust{})
			if err == nil {
				t.Fatal("enrolled")
			}
			if got := Advice(err); !strings.Contains(got, tc.want) {
				t.Fatalf("Advice(%v) = %q, want …%q…", err, got, tc.want)
			}
		})
	}

	// A data directory the technician cannot write (tests run as root, who can write anywhere,
	// so the error is made as os.MkdirAll makes it).
	perm := fmt.Errorf("save credentials: %w", &fs.PathError{Op: "mkdir", Path: "/var/lib/infomat", Err: syscall.EACCES})
	if got := Advice(perm); !strings.Contains(got, "uruchom jako root (sudo) albo jako użytkownik usługi") {
		t.Errorf("Advice(%v) = %q", perm, got)
	}
	if Advice(nil) != "" {
		t.Error("advice for no error")
	}
}

// refusingAddr is a loopback address where connections are refused for the rest of the
// test: a socket bound there but not listening holds the port, so no other process of a
// busy test run can start listening on it (as it could on a port listened on and closed).
func refusingAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
}
