package main

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
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
	"infomat/sync/portal/panel"
	"infomat/sync/protocol"
)

// getRaw GETs url with the device's credentials and returns the body of a 200 answer.
func getRaw(t *testing.T, url, auth string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	req.Header.Set("Authorization", auth)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %s", url, resp.StatusCode, err, body)
	}
	return body
}

// fetchContent is what a kiosk downloads: the signed manifest and every blob it names, the
// index shards and the files they list, each checked against its SHA-256.
func fetchContent(t *testing.T, base, auth string) (protocol.SignedManifest, map[string]bool) {
	t.Helper()
	var sm protocol.SignedManifest
	if err := json.Unmarshal(getRaw(t, base+protocol.PathManifest, auth), &sm); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(sm.Payload)
	var m protocol.Manifest
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	blobs := map[string]bool{}
	get := func(sha string) []byte {
		data := getRaw(t, base+protocol.PathBlob+sha, auth)
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != sha {
			t.Fatalf("blob %s: the bytes hash to %x", sha, sum)
		}
		blobs[sha] = true
		return data
	}
	files := map[string]protocol.File{}
	for p, f := range m.Files {
		files[p] = f
	}
	for _, shard := range m.Index {
		var part map[string]protocol.File
		if err := json.Unmarshal(get(shard.SHA256), &part); err != nil {
			t.Fatal(err)
		}
		for p, f := range part {
			files[p] = f
		}
	}
	for _, f := range files {
		get(f.SHA256)
	}
	if len(blobs) < 10 {
		t.Fatalf("only %d blobs in the manifest", len(blobs))
	}
	return sm, blobs
}

func putSubmission(t *testing.T, base, auth string, sub protocol.Submission) protocol.Receipt {
	t.Helper()
	var r protocol.Receipt
	if st := apiCall(t, http.MethodPut, base+protocol.PathSubmission+sub.ID, auth, sub, &r); st != 200 || r.PortalRef == "" {
		t.Fatalf("submission %s: %d %+v", sub.ID, st, r)
	}
	return r
}

func newSubmission(t *testing.T, id string) protocol.Submission {
	t.Helper()
	key, _ := age.GenerateX25519Identity()
	var ct bytes.Buffer
	w, _ := age.Encrypt(&ct, key.Recipient())
	w.Write([]byte(`{"procedure":"zameldowanie","answers":[{"field":"imie","question":"Imię","value":"Jan"}]}`))
	w.Close()
	ref, err := outbox.NewRef("PRZ", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.Submission{ID: id, Ref: ref, Procedure: "zameldowanie", Created: time.Now().UTC().Truncate(time.Second), Ciphertext: ct.Bytes()}
}

// A backup taken through the admin socket while serve answers kiosks, restored into another
// directory, serves the same: the device authenticates with its old secret and gets the same
// signed manifest and its blobs, the submission is there under its portal reference and
// sending it again gives the same receipt, and the panel key is the same.
func TestBackupWhileServingRestores(t *testing.T) {
	data := t.TempDir()
	addr, stop := startServe(t, data)
	base := "http://" + addr

	code, out, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	var er protocol.EnrollResponse
	if st := apiCall(t, http.MethodPost, base+protocol.PathEnroll, "", protocol.EnrollRequest{Token: strings.TrimSpace(out), Hostname: "kiosk1"}, &er); st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	auth := "Bearer " + er.DeviceID + ":" + er.Secret
	dir := filepath.Join(t.TempDir(), "tresc")
	if err := os.CopyFS(dir, assets.DefaultContent()); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, "publish", "--new-municipality", dir, "--data", data, "--municipality", "przykladowa", "--label", "marzec"); code != 0 {
		t.Fatalf("publish: %d %s%s", code, out, errOut)
	}
	sub := newSubmission(t, strings.Repeat("ab", 16))
	receipt := putSubmission(t, base, auth, sub)
	manifest, blobs := fetchContent(t, base, auth)
	key, err := os.ReadFile(filepath.Join(data, panel.KeyFile))
	if err != nil {
		t.Fatal(err)
	}

	// The kiosk keeps reporting while the backup is taken; the portal answers it throughout.
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	beats := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if st := apiCall(t, http.MethodPost, base+protocol.PathHeartbeat, auth, protocol.Heartbeat{Printer: "escpos", PrinterOK: true}, nil); st != 204 {
				t.Errorf("heartbeat during the backup: %d", st)
				return
			}
			beats++
			time.Sleep(2 * time.Millisecond)
		}
	}()
	file := filepath.Join(t.TempDir(), "kopia.tar")
	code, out, errOut = runCmd(t, "backup", "--data", data, "--out", file)
	close(done)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "migawka przez gniazdo działającego portalu") ||
		!strings.Contains(out, "urządzenia 1, wnioski 1, manifesty 1 (gminy 1)") ||
		!strings.Contains(out, "sprawdzona: wszystkie strony spójne") || !strings.Contains(out, "panel.key: dołączony") {
		t.Fatalf("backup: %d\n%s%s", code, out, errOut)
	}
	t.Logf("%d heartbeats during the backup\n%s", beats, out)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	stop() // what answers from now on is the restored portal

	restored := filepath.Join(t.TempDir(), "odtworzony")
	code, out, errOut = runCmd(t, "restore", "--data", restored, file)
	if code != 0 || !strings.Contains(out, "sumy SHA-256 zgodne") || !strings.Contains(out, "urządzenia 1, wnioski 1") {
		t.Fatalf("restore: %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{portal.FileName, panel.KeyFile} {
		if fi, err := os.Stat(filepath.Join(restored, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("restored %s: %v %v", name, fi, err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(restored, panel.KeyFile)); !bytes.Equal(got, key) {
		t.Fatal("the restored panel key differs")
	}

	addr2, _ := startServe(t, restored)
	base2 := "http://" + addr2
	manifest2, blobs2 := fetchContent(t, base2, auth)
	if manifest2 != manifest {
		t.Fatalf("the restored portal signs another manifest:\n%+v\nwas\n%+v", manifest2, manifest)
	}
	pub, _ := base64.StdEncoding.DecodeString(er.SigningKey)
	if m, err := manifest2.Verify(ed25519.PublicKey(pub), "przykladowa", 1, time.Now()); err != nil || m.Version != 1 || m.Label != "marzec" {
		t.Fatalf("restored manifest: %+v %v", m, err)
	}
	if len(blobs2) != len(blobs) {
		t.Fatalf("%d blobs after the restore, %d before", len(blobs2), len(blobs))
	}
	if again := putSubmission(t, base2, auth, sub); again != receipt {
		t.Fatalf("the submission sent again got another receipt:\n%+v\nwas\n%+v", again, receipt)
	}
	code, out, errOut = runCmd(t, "status", "show", sub.Ref, "--data", restored, "--municipality", "przykladowa", "--json")
	if code != 0 || !strings.Contains(out, sub.ID) || !strings.Contains(out, `"`+receipt.PortalRef+`"`) {
		t.Fatalf("status show %s on the restored portal: %d\n%s%s", sub.Ref, code, out, errOut)
	}
	// The reference counter came along: the next submission gets the next number.
	next := putSubmission(t, base2, auth, newSubmission(t, strings.Repeat("cd", 16)))
	if next.PortalRef == receipt.PortalRef || next.PortalRef[:5] != receipt.PortalRef[:5] || next.PortalRef[5:] <= receipt.PortalRef[5:] {
		t.Fatalf("the next submission got %s after %s", next.PortalRef, receipt.PortalRef)
	}
}

// smallBackup is a small backup of a fresh portal, made with the store to itself.
func smallBackup(t *testing.T) (data, file string) {
	t.Helper()
	data = t.TempDir()
	if code, _, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", data, "--municipality", "przykladowa"); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := panel.LoadKey(data); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "kopia.tar")
	code, out, errOut := runCmd(t, "backup", "--data", data, "--out", file)
	if code != 0 || !strings.Contains(out, "bezpośrednio z") {
		t.Fatalf("backup: %d %s%s", code, out, errOut)
	}
	return data, file
}

// Restore refuses what would lose data or serve a damaged store, and says what to do; a
// refusal changes nothing.
func TestRestoreRefuses(t *testing.T) {
	_, file := smallBackup(t)

	// An existing store is not overwritten without --force.
	target := t.TempDir()
	if code, _, errOut := runCmd(t, "token", "create", "--plain", "--new-municipality", "--data", target, "--municipality", "inna"); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(filepath.Join(target, portal.FileName))
	code, _, errOut := runCmd(t, "restore", "--data", target, file)
	if code != 1 || !strings.Contains(errOut, "już istnieje") || !strings.Contains(errOut, "--force") || !strings.Contains(errOut, "Nic nie zmieniono") {
		t.Fatalf("restore over a store: %d %q", code, errOut)
	}
	unchanged := func() {
		t.Helper()
		if now, _ := os.ReadFile(filepath.Join(target, portal.FileName)); !bytes.Equal(now, before) {
			t.Fatal("the store changed")
		}
		if aside, _ := filepath.Glob(filepath.Join(target, "*before-restore*")); len(aside) != 0 {
			t.Fatalf("moved aside: %v", aside)
		}
		if tmp, _ := filepath.Glob(filepath.Join(target, ".restore-*")); len(tmp) != 0 {
			t.Fatalf("temporary files left: %v", tmp)
		}
	}
	unchanged()

	// A backup whose portal.db does not match its manifest is refused, with --force too.
	bad := filepath.Join(t.TempDir(), "uszkodzona.tar")
	rewriteBackup(t, file, bad, func(name string, body []byte) []byte {
		if name == portal.FileName {
			body[len(body)/2] ^= 1
		}
		return body
	})
	code, _, errOut = runCmd(t, "restore", "--force", "--data", target, bad)
	if code != 1 || !strings.Contains(errOut, "portal.db ma SHA-256") || !strings.Contains(errOut, "kopia jest uszkodzona") {
		t.Fatalf("damaged backup: %d %q", code, errOut)
	}
	unchanged()
	notBackup := filepath.Join(t.TempDir(), "x.tar")
	_ = os.WriteFile(notBackup, []byte("to nie tar"), 0o600)
	if code, _, errOut = runCmd(t, "restore", "--force", "--data", target, notBackup); code != 1 || !strings.Contains(errOut, "to nie jest kopia infomat-portal backup") {
		t.Fatalf("not a backup: %d %q", code, errOut)
	}
	unchanged()

	// A store another process holds is not replaced.
	st, err := portal.OpenBolt(t.Context(), target, portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, "restore", "--force", "--data", target, file)
	st.Close()
	if code != 1 || !strings.Contains(errOut, "otwarta przez inny proces") || !strings.Contains(errOut, "systemctl stop infomat-portal") {
		t.Fatalf("held store: %d %q", code, errOut)
	}
	before, _ = os.ReadFile(filepath.Join(target, portal.FileName)) // opening it wrote to it
	unchanged()

	// Nor one a serve holds: its admin socket answers.
	_, stop := startServe(t, target)
	code, _, errOut = runCmd(t, "restore", "--force", "--data", target, file)
	stop()
	if code != 1 || !strings.Contains(errOut, "portal działa na") {
		t.Fatalf("serving: %d %q", code, errOut)
	}
	before, _ = os.ReadFile(filepath.Join(target, portal.FileName)) // serve wrote to it
	oldKey, _ := os.ReadFile(filepath.Join(target, panel.KeyFile))
	unchanged()

	// --force moves both files aside and puts the backup's in place.
	code, out, errOut := runCmd(t, "restore", "--force", "--data", target, file)
	if code != 0 || strings.Count(out, "poprzedni plik odłożony") != 2 {
		t.Fatalf("restore --force: %d\n%s%s", code, out, errOut)
	}
	aside, _ := filepath.Glob(filepath.Join(target, portal.FileName+".before-restore-*"))
	if len(aside) != 1 {
		t.Fatalf("aside: %v", aside)
	}
	if got, _ := os.ReadFile(aside[0]); !bytes.Equal(got, before) {
		t.Fatal("the store moved aside is not the old one")
	}
	if got, _ := os.ReadFile(filepath.Join(target, panel.KeyFile)); bytes.Equal(got, oldKey) {
		t.Fatal("panel.key was not replaced")
	}
	if code, out, _ := runCmd(t, "check", "--data", target); code != 0 {
		t.Fatalf("check after restore: %s", out)
	}
}

// rewriteBackup copies a backup tar, passing each file's body through change.
func rewriteBackup(t *testing.T, from, to string, change func(name string, body []byte) []byte) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		body = change(h.Name, body)
		h.Size = int64(len(body))
		tw.WriteHeader(h)
		tw.Write(body)
	}
	tw.Close()
	if err := os.WriteFile(to, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBackupUsageAndPostgres(t *testing.T) {
	if code, _, errOut := runCmd(t, "backup", "--data", t.TempDir()); code != 2 || !strings.Contains(errOut, "przechowuj go jak klucze") {
		t.Fatalf("backup without --out: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "backup", "--data", t.TempDir(), "--out", filepath.Join(t.TempDir(), "k.tar")); code != 1 || !strings.Contains(errOut, "nie ma czego kopiować") {
		t.Fatalf("backup of nothing: %d %q", code, errOut)
	}
	code, _, errOut := runCmd(t, "backup", "--db", "postgres://infomat:tajne@db/infomat", "--out", "k.tar")
	if code != 1 || !strings.Contains(errOut, "pg_dump -Fc") || !strings.Contains(errOut, "Portal na PostgreSQL") || strings.Contains(errOut, "tajne") {
		t.Fatalf("backup of PostgreSQL: %d %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "restore", "--db", "postgres://infomat@db/infomat", "k.dump")
	if code != 1 || !strings.Contains(errOut, "pg_restore") {
		t.Fatalf("restore of PostgreSQL: %d %q", code, errOut)
	}
}
