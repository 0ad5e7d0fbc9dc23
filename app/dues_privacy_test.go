package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/protocol"
)

// A resident's lookup leaves nothing on the kiosk: after identifying by card and PIN and by
// code and PESEL digits, seeing the dues and printing a slip — through the real sync client,
// a real data directory with the service access list (which sees the resident's card), the
// real printer driver — no identifier, name, account or amount is in any file under the
// kiosk's directories or in its log.
func TestDuesLookupLeavesNoTrace(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := filepath.Join(tmp, "data")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// The portal: answers the fixture resident as the contract says.
	var asked []protocol.DuesRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req protocol.DuesRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		asked = append(asked, req)
		w.Header().Set("Content-Type", protocol.ContentTypeJSON)
		if req.Card == fixtureCard && req.PIN == privacyPIN || req.Code == fixtureCode && req.PESEL4 == fixturePESEL4 {
			st := fixtureStatement()
			resp := protocol.DuesResponse{Name: st.Name, AsOf: st.AsOf, Recipient: st.Recipient, NIP: st.NIP}
			for _, it := range st.Items {
				resp.Items = append(resp.Items, protocol.DueItem(it))
			}
			_ = json.NewEncoder(w).Encode(resp)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(protocol.DuesRefusal{Error: protocol.Error{Code: protocol.CodeDuesRefused}, Remaining: 2})
	}))
	defer srv.Close()
	pub, _, _ := ed25519.GenerateKey(nil)
	creds := client.Credentials{Portal: srv.URL, DeviceID: "kiosk-1", Secret: "s3cret", Municipality: "gmina-przykladowa",
		SigningKey: base64.StdEncoding.EncodeToString(pub), Enrolled: time.Now()}
	if err := client.SaveCredentials(data, creds); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(creds)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// The kiosk's store with the service access list and its audit log.
	st, _, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newDuesHarness(t)
	guard, err := access.Open(st.Bolt(), h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := access.OpenAudit(st.Bolt(), h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := guard.SetAudit(audit); err != nil {
		t.Fatal(err)
	}
	if err := guard.AddCard(serviceCard); err != nil {
		t.Fatal(err)
	}
	pair := ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := printersim.New(pair.Device, 576)
	go sim.Run(ctx)
	devices := kiosk.OpenDevices(ctx, kiosk.DeviceConfig{PrinterPort: pair.Name, PrinterBaud: 9600, PrinterPaper: 80, PrinterQR: "native"}, nil, log)
	defer devices.Close()
	h.ui.d.ServiceMode = &kiosk.ServiceMode{Guard: guard, Audit: audit, Outbox: ob, DataDir: data, Log: log, Devices: devices,
		Content: func() (string, kiosk.Source) { return "test", kiosk.FromEmbedded }}
	h.ui.d.Printer = devices
	h.ui.d.Dues = c

	// First resident: card, a wrong PIN, the right one, a slip.
	h.duesByCard(fixtureCard)
	h.tapKeys("5555")
	h.tap("Sprawdź")
	h.mustSee("Dane się nie zgadzają. Pozostałe próby: 2.")
	h.tapKeys(privacyPIN)
	h.tap("Sprawdź")
	h.mustSee(fixtureName)
	h.tapNth("Zapłać", 1)
	h.tap("Drukuj")
	h.mustSee("Wydrukowano")
	h.ui.Reset()
	// Second resident: code and PESEL digits.
	h.duesByCode(fixtureCode, fixturePESEL4)
	h.mustSee("Razem do zapłaty: 388,00 zł")
	h.tap("Start")
	if len(asked) != 3 {
		t.Fatalf("the portal was asked %d times", len(asked))
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := sim.WaitJobs(wctx, 1); err != nil {
		t.Fatal(err)
	}
	// The access list saw the resident's card and refused it as a service card: its audit
	// names cards by a keyed hash only (the walk below proves the number is not there).
	if entries, err := audit.Recent(50); err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v, %d entries", err, len(entries))
	}
	devices.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	secrets := []string{fixtureCard, strings.ToLower(fixtureCard), privacyPIN, "5555", fixtureCode, fixturePESEL4, fixtureName,
		accountTax, accountWaste, "1090 1014", "312,00", "031200", "31200", "388,00", "76,00", "007600", "FN.3120.15.2026"}
	files := 0
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%q readable in %s", s, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, store.FileName)); err != nil || files < 2 {
		t.Fatalf("the walk did not see the kiosk's files (%d): %v", files, err)
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("%q in the log", s)
		}
	}
}

// privacyPIN is the fixture card's PIN in the privacy test: longer than 4 digits, so finding
// it in a binary file by chance is out of the question.
const privacyPIN = "86420975"
