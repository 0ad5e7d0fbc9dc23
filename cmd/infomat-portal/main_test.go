package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/assets"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// selfSigned writes a certificate for 127.0.0.1 and the given host names, and its key, and
// returns a pool trusting it.
func selfSigned(t *testing.T, dir string, names ...string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "infomat-portal test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     names,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	token := strings.TrimSpace(out)
	certFile, keyFile, pool := selfSigned(t, t.TempDir())

	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan int, 1)
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
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: token, Hostname: "k1"})
	resp, err := client.Post("https://"+addr+protocol.PathEnroll, protocol.ContentTypeJSON, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var er protocol.EnrollResponse
	_ = json.NewDecoder(resp.Body).Decode(&er)
	resp.Body.Close()
	if resp.StatusCode != 200 || er.DeviceID == "" || resp.TLS == nil {
		t.Fatalf("enrol over TLS: %d %+v", resp.StatusCode, er)
	}
	// A client that does not trust the certificate gets nowhere.
	if _, err := http.Get("https://" + addr + protocol.PathManifest); err == nil {
		t.Fatal("an untrusting client connected")
	}
	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Get("http://" + addr + protocol.PathManifest); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP served on the TLS port")
	}
	cancel() // as SIGTERM does
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("shutdown exit %d: %s", code, logs.String())
		}
	case <-time.After(35 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	// The store was closed: another command can open it.
	if code, _, errOut := runCmd(t, "devices", "--data", data); code != 0 {
		t.Fatalf("devices after shutdown: %s", errOut)
	}
}

func TestServePlainHTTPOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{":8443", "0.0.0.0:0", "[::]:0", "192.0.2.10:8080", "example.org:80"} {
		code, _, errOut := runCmd(t, "serve", "--data", t.TempDir(), "--addr", addr)
		if code != 2 || !strings.Contains(errOut, "bez TLS nie nasłuchuję na") || !strings.Contains(errOut, "Podaj --cert PLIK --key PLIK (i --addr :8443)") {
			t.Errorf("%s: exit %d, %q", addr, code, errOut)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:80": true, "127.3.4.5:1": true, "[::1]:8080": true, "localhost:8080": true,
		":8080": false, "0.0.0.0:1": false, "10.0.0.1:1": false, "bad": false} {
		if isLoopback(addr) != want {
			t.Errorf("isLoopback(%q) = %v", addr, !want)
		}
	}
	// Plain HTTP on loopback starts.
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- serveCmd(ctx, []string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"}, &bytes.Buffer{}, &bytes.Buffer{}, ready)
	}()
	addr := <-ready
	resp, err := http.Get("http://" + addr + protocol.PathManifest)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("loopback plain: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestOperatorCommands(t *testing.T) {
	data := t.TempDir()
	code, out, _ := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa", "--ttl", "1h", "--count", "2")
	if code != 0 || len(strings.Fields(out)) != 2 {
		t.Fatalf("token create: %d %q", code, out)
	}
	if code, _, _ := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "Zła Gmina"); code != 1 {
		t.Fatalf("bad municipality: exit %d", code)
	}
	_, pub, _ := runCmd(t, "key", "show", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	if len(strings.TrimSpace(pub)) != 44 {
		t.Fatalf("key show: %q", pub)
	}

	// Publishing: a broken bundle lists its problems as file: field: reason.
	dir := filepath.Join(t.TempDir(), "tresc")
	_ = os.CopyFS(dir, assets.DefaultContent())
	card := filepath.Join(dir, "procedury", "zameldowanie-pobyt-staly.yaml")
	orig, _ := os.ReadFile(card)
	_ = os.WriteFile(card, bytes.Replace(orig, []byte("kategoria: meldunek"), []byte("kategoria: brak"), 1), 0o644)
	code, out, _ = runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 1 || !strings.Contains(out, "procedury/zameldowanie-pobyt-staly.yaml: kategoria: nieznana kategoria") || !strings.Contains(out, "Nic nie opublikowano") {
		t.Fatalf("broken publish: %d\n%s", code, out)
	}
	_ = os.WriteFile(card, orig, 0o644)
	code, out, errOut := runCmd(t, "publish", "--new-municipality", dir, "--data", data, "--municipality", "przykladowa", "--label", "marzec")
	if code != 0 || !strings.Contains(out, "wersja 1 (marzec)") || !strings.Contains(out, strings.TrimSpace(pub)) {
		t.Fatalf("publish: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 0 || !strings.Contains(out, "wersja 2") || !strings.Contains(out, "nowe bloby: 0") {
		t.Fatalf("republish: %d\n%s", code, out)
	}

	// Submissions arrive (through the storage here), then export them with an identity file.
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "klucz.txt")
	_ = os.WriteFile(idFile, []byte("# created: now\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600)
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := portal.CreateToken(t.Context(), st, "przykladowa", time.Hour, time.Now())
	dev, err := st.Enroll(t.Context(), portal.HashToken(tok), portal.Device{ID: "k-test", Hostname: "kiosk1", SecretHash: portal.HashToken("s")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ct bytes.Buffer
	w, _ := age.Encrypt(&ct, id.Recipient())
	w.Write([]byte(`{"procedure":"zameldowanie","answers":[{"field":"imie","question":"Imię","value":"Jan"}]}`))
	w.Close()
	if _, _, err := st.PutSubmission(t.Context(), portal.Record{ID: strings.Repeat("1", 32), Ciphertext: ct.Bytes(), Device: dev.ID, Municipality: "przykladowa", Received: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	_ = st.PutHeartbeat(t.Context(), dev.ID, portal.Beat{Received: time.Now().Add(-20 * time.Minute), Heartbeat: protocol.Heartbeat{PaperOut: true, Printer: "escpos"}})
	st.Close()

	wrongFile := filepath.Join(t.TempDir(), "zly.txt")
	wrong, _ := age.GenerateX25519Identity()
	_ = os.WriteFile(wrongFile, []byte(wrong.String()+"\n"), 0o600)
	code, out, errOut = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", wrongFile)
	if code != 1 || out != "" || !strings.Contains(errOut, "do not decrypt") {
		t.Fatalf("wrong identity: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile)
	var exp []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &exp) != nil || len(exp) != 1 || exp[0]["payload"].(map[string]any)["procedure"] != "zameldowanie" {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	if _, out, _ = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile); strings.TrimSpace(out) != "[]" {
		t.Fatalf("second export: %s", out)
	}
	if _, out, _ = runCmd(t, "export", "--all", "--data", data, "--municipality", "przykladowa", "--identity", idFile); !strings.Contains(out, `"portal_ref"`) {
		t.Fatalf("export --all: %s", out)
	}

	// Fleet and revocation.
	code, out, _ = runCmd(t, "fleet", "--data", data)
	if code != 0 || !strings.Contains(out, "cisza od 20 min") || !strings.Contains(out, "brak papieru") || !strings.Contains(out, "kiosk1") ||
		!strings.Contains(out, "\n1 urządzenie, z problemami: 1.\n") {
		t.Fatalf("fleet: %d\n%s", code, out)
	}
	if code, out, _ = runCmd(t, "revoke", "--data", data, "k-test"); code != 0 {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if code, _, _ = runCmd(t, "revoke", "--data", data, "k-nope"); code != 1 {
		t.Fatalf("revoke unknown: %d", code)
	}
	code, out, _ = runCmd(t, "fleet", "--json", "--data", data, "--municipality", "przykladowa")
	var rows []portal.FleetRow
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].Problems[0] != "odwołane" {
		t.Fatalf("fleet --json: %d %s", code, out)
	}
	if _, out, _ = runCmd(t, "devices", "--data", data); !strings.Contains(out, "k-test") || !strings.Contains(out, "odwołane") {
		t.Fatalf("devices: %s", out)
	}
}

// The load generator shipped inside the portal binary; it is cmd/infomat-loadgen now, and
// the old command says where it went.
func TestLoadGeneratorNotShipped(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "infomat/sync/loadgen" {
			t.Fatal("infomat-portal imports infomat/sync/loadgen")
		}
	}
	code, _, errOut := runCmd(t, "loadgen", "--kiosks", "10")
	if code != 2 || !strings.Contains(errOut, "infomat-loadgen") {
		t.Fatalf("loadgen: %d %s", code, errOut)
	}
}
