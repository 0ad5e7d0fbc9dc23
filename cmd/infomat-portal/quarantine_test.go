package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"infomat/assets"
	"infomat/outbox"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// A poisoned submission no longer blocks the export: it is quarantined, listed, shown
// without content and released, all through the serving portal's admin socket.
func TestQuarantineCommandsWhileServing(t *testing.T) {
	data := t.TempDir()
	addr, _ := startServe(t, data)
	base := "http://" + addr
	_, out, _ := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	var er protocol.EnrollResponse
	if st := apiCall(t, http.MethodPost, base+protocol.PathEnroll, "", protocol.EnrollRequest{Token: strings.TrimSpace(out), Hostname: "kiosk1"}, &er); st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	auth := "Bearer " + er.DeviceID + ":" + er.Secret
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "klucz.txt")
	_ = os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	send := func(plain string, to age.Recipient) string {
		t.Helper()
		var ct bytes.Buffer
		w, _ := age.Encrypt(&ct, to)
		w.Write([]byte(plain))
		w.Close()
		ref, _ := outbox.NewRef("PRZ", rand.Reader)
		sub := protocol.Submission{ID: portal.NewSecret(16), Ref: ref, Procedure: "zameldowanie", Created: time.Now(), Ciphertext: ct.Bytes()}
		if st := apiCall(t, http.MethodPut, base+protocol.PathSubmission+sub.ID, auth, sub, nil); st != 200 {
			t.Fatalf("submission: %d", st)
		}
		return sub.ID
	}
	other, _ := age.GenerateX25519Identity()
	send(`{"a":1}`, id.Recipient())
	poisoned := send(`{"imie":"Tajne Nazwisko"}`, other.Recipient())
	send(`{"a":2}`, id.Recipient())

	code, out, errOut := runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile)
	if code != 0 || strings.Count(out, `"payload"`) != 2 || !strings.Contains(errOut, "kwarantanna: ") || !strings.Contains(errOut, "Odłożono do kwarantanny: 1 wniosek") ||
		!strings.Contains(errOut, poisoned) || !strings.Contains(errOut, "Wyeksportowano 2 wnioski (przykladowa)") {
		t.Fatalf("export: %d %s %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, "quarantine", "list", "--data", data)
	if code != 0 || !strings.Contains(out, poisoned) || !strings.Contains(out, "W kwarantannie: 1.") {
		t.Fatalf("list: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "quarantine", "show", "--data", data, poisoned)
	if code != 0 || !strings.Contains(out, "nie odszyfrowuje się") || !strings.Contains(out, er.DeviceID) || strings.Contains(out, "Tajne") {
		t.Fatalf("show: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "fleet", "--data", data)
	if code != 0 || !strings.Contains(out, "1 wniosek w kwarantannie") {
		t.Fatalf("fleet: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "quarantine", "release", "--data", data, poisoned)
	if code != 0 || !strings.Contains(out, "wraca do eksportu") {
		t.Fatalf("release: %d %s", code, out)
	}
	_ = os.WriteFile(idFile, []byte(id.String()+"\n"+other.String()+"\n"), 0o600)
	code, out, errOut = runCmd(t, "export", "--data", data, "--municipality", "przykladowa", "--identity", idFile)
	if code != 0 || !strings.Contains(out, "Tajne Nazwisko") || !strings.Contains(errOut, "Wyeksportowano 1 wniosek (przykladowa)") {
		t.Fatalf("export after release: %d %s %q", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "check", "--data", data); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("check while serving: %d %s", code, out)
	}
}

// `check` finds damaged pages with bbolt's own check and exits 1; serve refuses the file.
func TestCheckDamagedStore(t *testing.T) {
	data := t.TempDir()
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		rec := portal.Record{ID: portal.NewSecret(16), Ciphertext: bytes.Repeat([]byte{7}, 900), Device: "k-0000000000000001", Municipality: "przykladowa", Received: time.Now()}
		if _, _, err := st.PutSubmission(t.Context(), rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if code, out, _ := runCmd(t, "check", "--data", data); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("check of a sound store: %d %s", code, out)
	}
	path := filepath.Join(data, portal.FileName)
	// Find a leaf page in use and overwrite it.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf, size := 0, db.Info().PageSize
	_ = db.View(func(tx *bolt.Tx) error {
		for i := 2; ; i++ {
			p, err := tx.Page(i)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" && leaf == 0 && i > 4 {
				leaf = i
			}
		}
	})
	db.Close()
	raw, _ := os.ReadFile(path)
	copy(raw[leaf*size:(leaf+1)*size], bytes.Repeat([]byte{0xA5}, size))
	_ = os.WriteFile(path, raw, 0o600)

	code, out, _ := runCmd(t, "check", "--data", data)
	if code != 1 || !strings.Contains(out, "USZKODZONA") || !strings.Contains(out, "damaged page") {
		t.Fatalf("check of a damaged store: %d %s", code, out)
	}
	code, _, errOut := runCmd(t, "serve", "--data", data, "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "corrupt") {
		t.Fatalf("serve on a damaged store: %d %s", code, errOut)
	}
}

// serve caps open connections (--max-conns): past the cap a connection waits to be
// accepted until another one closes.
func TestServeConnectionCap(t *testing.T) {
	addr, _ := startServe(t, t.TempDir(), "--max-conns", "1")
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The first connection is accepted (it gets an answer), and kept open.
	fmt.Fprintf(first, "GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	r1 := bufio.NewReader(first)
	if resp, err := http.ReadResponse(r1, nil); err != nil || resp.StatusCode != 404 {
		t.Fatalf("first: %v %v", resp, err)
	}
	second, err := net.Dial("tcp", addr) // the kernel completes the handshake; serve does not accept
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	fmt.Fprintf(second, "GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = second.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	r2 := bufio.NewReader(second)
	if _, err := r2.Peek(1); err == nil {
		t.Fatal("a second connection was served past --max-conns 1")
	}
	first.Close()
	_ = second.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(r2, nil); err != nil || resp.StatusCode != 404 {
		t.Fatalf("second after the first closed: %v %v", resp, err)
	}
}

// serve renews a manifest with less than half its validity left when it starts (and hourly).
func TestServeRenewsManifests(t *testing.T) {
	data := t.TempDir()
	st, err := portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	published := time.Now().Add(-20 * time.Hour)
	res, err := portal.Publish(t.Context(), st, "przykladowa", assets.DefaultContent(), portal.PublishOptions{Now: published, Expires: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	start := time.Now()
	_, stop := startServe(t, data)
	stop()
	st, err = portal.OpenBolt(t.Context(), data, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.LatestManifest(t.Context(), "przykladowa")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(p.Signed.Payload)
	var m protocol.Manifest
	_ = json.Unmarshal(raw, &m)
	if p.Version != res.Version || m.Created.Before(start) || m.Expires.Sub(m.Created) != 24*time.Hour {
		t.Fatalf("after serve: version %d (published %d), created %v, expires %v", p.Version, res.Version, m.Created, m.Expires)
	}
}
