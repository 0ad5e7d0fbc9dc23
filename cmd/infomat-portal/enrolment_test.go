package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/sync/enrolcode"
	"infomat/sync/protocol"
)

// token create prints enrolment codes carrying what serve wrote to DATA/enrolment.json (its
// URL and certificate), refuses a municipality the portal does not have unless told it is
// new, and --plain keeps the bare tokens.
func TestTokenCreateCode(t *testing.T) {
	data := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, t.TempDir())
	raw, _ := os.ReadFile(certFile)
	block, _ := pem.Decode(raw)
	wantFP := sha256.Sum256(block.Bytes)

	// Without serve having run, nor options, there is nothing to put in a code.
	code, out, errOut := runCmd(t, "token", "create", "--data", data, "--municipality", "przykladowa", "--new-municipality")
	if code != 2 || out != "" || !strings.Contains(errOut, "--portal-url") || !strings.Contains(errOut, "--plain") {
		t.Fatalf("no URL known: %d %q %q", code, out, errOut)
	}
	// With the options, no serve needed.
	code, out, errOut = runCmd(t, "token", "create", "--data", data, "--municipality", "przykladowa", "--new-municipality",
		"--portal-url", "https://portal.gmina.example.pl:8443", "--cert", certFile)
	if code != 0 {
		t.Fatalf("token create with options: %d %s", code, errOut)
	}
	c, err := enrolcode.Decode(strings.TrimSpace(out))
	if err != nil || c.Portal != "https://portal.gmina.example.pl:8443" || c.Fingerprint != wantFP || len(c.Token) != 64 {
		t.Fatalf("code %q: %+v %v", out, c, err)
	}
	if !strings.Contains(errOut, "infomat setup KOD") || !strings.Contains(errOut, enrolcode.FingerprintString(wantFP)) {
		t.Errorf("stderr: %s", errOut)
	}

	addr, _ := startServe(t, data, "--cert", certFile, "--key", keyFile)
	info, err := readEnrolmentInfo(data)
	if err != nil || info.PortalURL != "https://"+addr {
		t.Fatalf("enrolment.json: %+v %v", info, err)
	}
	// A typo is refused, through the serving portal's socket, and nothing is printed.
	code, out, errOut = runCmd(t, "token", "create", "--data", data, "--municipality", "przykladwa")
	if code != 1 || out != "" || !strings.Contains(errOut, `gminy "przykladwa" nie ma w portalu (czy chodziło o "przykladowa"?)`) ||
		!strings.Contains(errOut, "--new-municipality") {
		t.Fatalf("unknown municipality: %d %q %q", code, out, errOut)
	}
	for _, args := range [][]string{{"key", "show"}, {"publish", "../../assets/content"}} {
		code, _, errOut := runCmd(t, append(args, "--data", data, "--municipality", "przykladwa")...)
		if code != 1 || !strings.Contains(errOut, "nie ma w portalu") {
			t.Errorf("%v for an unknown municipality: %d %s", args, code, errOut)
		}
	}
	code, out, errOut = runCmd(t, "token", "create", "--data", data, "--municipality", "przykladowa", "--label", "Biblioteka, parter", "--count", "2")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	lines := strings.Fields(out)
	if len(lines) != 2 {
		t.Fatalf("want two codes: %q", out)
	}
	// The name kiosks use differs from serve's listening address: the certificate is serve's.
	code, out, errOut = runCmd(t, "token", "create", "--data", data, "--municipality", "przykladowa",
		"--portal-url", "https://portal.gmina.example.pl:8443")
	if c, err := enrolcode.Decode(strings.TrimSpace(out)); code != 0 || err != nil || c.Fingerprint != wantFP ||
		c.Portal != "https://portal.gmina.example.pl:8443" {
		t.Fatalf("token create --portal-url with serve's certificate: %d %+v %v %s", code, c, err, errOut)
	}
	c, err = enrolcode.Decode(lines[1])
	if err != nil || c.Portal != "https://"+addr || c.Fingerprint != wantFP {
		t.Fatalf("code: %+v %v", c, err)
	}
	// The code's token enrols, and the device has the token's label.
	pool := trustCert(t, certFile)
	var er protocol.EnrollResponse
	if st := apiCallTLS(t, pool, c.Portal+protocol.PathEnroll, protocol.EnrollRequest{Token: c.Token, Hostname: "kiosk1"}, &er); st != http.StatusOK {
		t.Fatalf("enrol with the code's token: %d", st)
	}
	code, out, _ = runCmd(t, "fleet", "--data", data)
	if code != 0 || !strings.Contains(out, "MIEJSCE") || !strings.Contains(out, "Biblioteka, parter") {
		t.Fatalf("fleet: %s", out)
	}
	code, out, _ = runCmd(t, "token", "create", "--plain", "--data", data, "--municipality", "przykladowa")
	if code != 0 || len(strings.TrimSpace(out)) != 64 {
		t.Fatalf("--plain: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(data, enrolmentFile)); err != nil {
		t.Fatal(err)
	}
}

func trustCert(t *testing.T, certFile string) *x509.CertPool {
	t.Helper()
	raw, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		t.Fatal("no certificate")
	}
	return pool
}

func apiCallTLS(t *testing.T, pool *x509.CertPool, url string, in, out any) int {
	t.Helper()
	body, _ := json.Marshal(in)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Post(url, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
