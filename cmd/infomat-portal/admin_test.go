package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"infomat/assets"
	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *lockedBuf) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// startServe runs serve on loopback in this process; stop shuts it down as SIGTERM does.
func startServe(t *testing.T, data string, extra ...string) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs := &lockedBuf{}
	go func() {
		done <- serveCmd(ctx, append([]string{"--data", data, "--addr", "127.0.0.1:0"}, extra...), &bytes.Buffer{}, logs, ready)
	}()
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("serve exit %d: %s", code, logs.String())
			}
		case <-time.After(35 * time.Second):
			t.Fatal("serve did not shut down")
		}
	}
	t.Cleanup(stop)
	return addr, stop
}

func apiCall(t *testing.T, method, url, auth string, in, out any) int {
	t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", protocol.ContentTypeJSON)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// While serve runs, every operator command works through DATA/admin.sock, prints what it
// would print with the store to itself, and the socket goes away with the portal.
func TestOperatorCommandsWhileServing(t *testing.T) {
	data := t.TempDir()
	addr, stop := startServe(t, data)
	base := "http://" + addr
	sock := filepath.Join(data, portal.AdminSocket)
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v %v", fi, err)
	}
	noLock := func(what, errOut string) {
		t.Helper()
		if strings.Contains(errOut, "already using") || strings.Contains(errOut, "admin socket") {
			t.Fatalf("%s mentions the lock or the socket: %s", what, errOut)
		}
	}

	// Tokens, and one of them enrols a kiosk through the API.
	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa", "--ttl", "1h", "--count", "2")
	if code != 0 || len(strings.Fields(out)) != 2 || !strings.Contains(errOut, "Tokeny (2) dla gminy przykladowa: jednorazowe, ważne do ") {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	noLock("token create", errOut)
	var er protocol.EnrollResponse
	if st := apiCall(t, http.MethodPost, base+protocol.PathEnroll, "", protocol.EnrollRequest{Token: strings.Fields(out)[0], Hostname: "kiosk1"}, &er); st != 200 || er.DeviceID == "" {
		t.Fatalf("enrol with the token: %d", st)
	}
	auth := "Bearer " + er.DeviceID + ":" + er.Secret
	if code, _, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "Zła Gmina"); code != 1 || !strings.Contains(errOut, "infomat-portal token create: identyfikator gminy to 1–63 znaki") {
		t.Fatalf("bad municipality: %d %q", code, errOut)
	}
	code, pub, errOut := runCmd(t, "key", "show", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	if code != 0 || strings.TrimSpace(pub) != er.SigningKey {
		t.Fatalf("key show: %d %q %q (enrolment gave %s)", code, pub, errOut, er.SigningKey)
	}

	// Publishing, twice: the manifest version goes up.
	dir := filepath.Join(t.TempDir(), "tresc")
	_ = os.CopyFS(dir, assets.DefaultContent())
	code, out, errOut = runCmd(t, "publish", "--new-municipality", dir, "--data", data, "--municipality", "przykladowa", "--label", "marzec")
	if code != 0 || !strings.Contains(out, "Opublikowano przykladowa: wersja 1 (marzec)") || !strings.Contains(out, er.SigningKey) {
		t.Fatalf("publish: %d\n%s%s", code, out, errOut)
	}
	noLock("publish", errOut)
	var m protocol.SignedManifest
	if st := apiCall(t, http.MethodGet, base+protocol.PathManifest, auth, nil, &m); st != 200 {
		t.Fatalf("manifest: %d", st)
	}
	code, out, _ = runCmd(t, "publish", "--new-municipality", "--data", data, "--municipality", "przykladowa", dir)
	if code != 0 || !strings.Contains(out, "wersja 2") || !strings.Contains(out, "nowe bloby: 0") {
		t.Fatalf("republish: %d\n%s", code, out)
	}
	var m2 protocol.SignedManifest
	apiCall(t, http.MethodGet, base+protocol.PathManifest, auth, nil, &m2)
	if m.Payload == m2.Payload {
		t.Fatal("the manifest did not change after the second publish")
	}
	pubKey, _ := base64.StdEncoding.DecodeString(er.SigningKey)
	if mv, err := m2.Verify(ed25519.PublicKey(pubKey), "przykladowa", 1, time.Now()); err != nil || mv.Version != 2 {
		t.Fatalf("manifest after republish: %+v %v", mv, err)
	}

	// A submission encrypted to our own key arrives through the API; export decrypts it.
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "klucz.txt")
	_ = os.WriteFile(idFile, []byte("# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600)
	var ct bytes.Buffer
	w, _ := age.Encrypt(&ct, id.Recipient())
	w.Write([]byte(`{"procedure":"zameldowanie","answers":[{"field":"imie","question":"Imię","value":"Jan"}]}`))
	w.Close()
	ref, err := outbox.NewRef("PRZ", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sub := protocol.Submission{ID: strings.Repeat("ab", 16), Ref: ref, Procedure: "zameldowanie", Created: time.Now(), Ciphertext: ct.Bytes()}
	if st := apiCall(t, http.MethodPut, base+protocol.PathSubmission+sub.ID, auth, sub, nil); st != 200 {
		t.Fatalf("submission: %d", st)
	}
	wrongFile := filepath.Join(t.TempDir(), "zly.txt")
	wrong, _ := age.GenerateX25519Identity()
	_ = os.WriteFile(wrongFile, []byte(wrong.String()+"\n"), 0o600)
	code, out, errOut = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", wrongFile)
	if code != 1 || out != "" || !strings.Contains(errOut, "infomat-portal export: 1 of 1 submissions do not decrypt") {
		t.Fatalf("wrong identity: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile)
	var exp []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &exp) != nil || len(exp) != 1 || exp[0]["payload"].(map[string]any)["procedure"] != "zameldowanie" ||
		exp[0]["device"] != er.DeviceID || errOut != "Wyeksportowano 1 wniosek (przykladowa).\n" {
		t.Fatalf("export: %d %s %q", code, out, errOut)
	}
	if code, out, _ = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("second export: %d %s", code, out)
	}
	_, exportAll, _ := runCmd(t, "export", "--all", "--data", data, "--municipality", "przykladowa", "--identity", idFile)

	// Fleet and devices, at a fixed time so the output can be compared with the direct one.
	if st := apiCall(t, http.MethodPost, base+protocol.PathHeartbeat, auth, protocol.Heartbeat{PaperOut: true, Printer: "escpos"}, nil); st != 204 {
		t.Fatalf("heartbeat: %d", st)
	}
	at := time.Now().Add(20 * time.Minute)
	fleetOut := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := fleetAt(t.Context(), append([]string{"--data", data}, args...), &o, &e, func() time.Time { return at })
		return code, o.String(), e.String()
	}
	code, fleetTable, errOut := fleetOut()
	if code != 0 || !strings.Contains(fleetTable, "cisza od 20 min") || !strings.Contains(fleetTable, "brak papieru") || !strings.Contains(fleetTable, "kiosk1") {
		t.Fatalf("fleet: %d\n%s%s", code, fleetTable, errOut)
	}
	code, fleetJSON, _ := fleetOut("--json", "--municipality", "przykladowa")
	var rows []portal.FleetRow
	if code != 0 || json.Unmarshal([]byte(fleetJSON), &rows) != nil || len(rows) != 1 || rows[0].Device != er.DeviceID {
		t.Fatalf("fleet --json: %d %s", code, fleetJSON)
	}

	// Revocation: the kiosk is refused from then on.
	if code, out, errOut = runCmd(t, "revoke", "--data", data, er.DeviceID); code != 0 || out != er.DeviceID+" odwołane: portal odrzuca je od teraz (403 revoked).\n" {
		t.Fatalf("revoke: %d %q %q", code, out, errOut)
	}
	if st := apiCall(t, http.MethodGet, base+protocol.PathManifest, auth, nil, nil); st != http.StatusForbidden {
		t.Fatalf("revoked kiosk got %d", st)
	}
	if code, _, errOut = runCmd(t, "revoke", "--data", data, "k-nope"); code != 1 || errOut != "infomat-portal revoke: device \"k-nope\": not found\n" {
		t.Fatalf("revoke unknown: %d %q", code, errOut)
	}
	_, devices, _ := runCmd(t, "devices", "--data", data)
	if !strings.Contains(devices, er.DeviceID) || !strings.Contains(devices, "odwołane") {
		t.Fatalf("devices: %s", devices)
	}
	_, fleetRevoked, _ := fleetOut("--json")

	stop()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Fatalf("admin socket left after shutdown: %v", err)
	}

	// With the portal stopped the commands open the store themselves and print the same.
	for name, c := range map[string]struct {
		want string
		run  func() (int, string, string)
	}{
		"key show": {pub, func() (int, string, string) {
			return runCmd(t, "key", "show", "--new-municipality", "--data", data, "--municipality", "przykladowa")
		}},
		"export --all": {exportAll, func() (int, string, string) {
			return runCmd(t, "export", "--all", "--data", data, "--municipality", "przykladowa", "--identity", idFile)
		}},
		"devices":      {devices, func() (int, string, string) { return runCmd(t, "devices", "--data", data) }},
		"fleet --json": {fleetRevoked, func() (int, string, string) { return fleetOut("--json") }},
	} {
		if code, got, errOut := c.run(); code != 0 || got != c.want {
			t.Errorf("%s differs without serve (%d %s):\n%s\nwhile serving:\n%s", name, code, errOut, got, c.want)
		}
	}
}

// Without a portal to answer, a locked store gives the old message (and the socket's error
// when a socket file is there but nobody listens).
func TestLockedWithoutAdminSocket(t *testing.T) {
	data := t.TempDir()
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, out, errOut := runCmd(t, "devices", "--data", data)
	if code != 1 || out != "" || !strings.Contains(errOut, "another infomat-portal is already using the data directory") || strings.Contains(errOut, "admin socket") {
		t.Fatalf("locked, no socket: %d %q %q", code, out, errOut)
	}
	ln, err := net.Listen("unix", filepath.Join(data, portal.AdminSocket))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	code, _, errOut = runCmd(t, "devices", "--data", data)
	if code != 1 || !strings.Contains(errOut, "already using the data directory") || !strings.Contains(errOut, "admin socket") {
		t.Fatalf("locked, stale socket: %d %q", code, errOut)
	}
}
