package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/assets"
	"infomat/kiosk"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/enrolcode"
	"infomat/sync/portal"
	"infomat/sync/protocol"
)

// setupPortal is a real portal over TLS on loopback (its own self-signed certificate) with
// content published, and a function making enrolment codes as token create does.
func setupPortal(t *testing.T) (*httptest.Server, *portal.Bolt, func(label string) string) {
	t.Helper()
	ctx := context.Background()
	pst, err := portal.OpenBolt(ctx, t.TempDir(), portal.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pst.Close() })
	srv := httptest.NewTLSServer(portal.NewServer(pst, portal.ServerOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	t.Cleanup(srv.Close)
	if _, err := portal.Publish(ctx, pst, "przykladowa", assets.DefaultContent(), portal.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	code := func(label string) string {
		toks, err := portal.CreateTokens(ctx, pst, "przykladowa", portal.TokenOptions{TTL: time.Hour, Count: 1, Label: label}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		c, err := enrolcode.Encode(enrolcode.Code{Portal: srv.URL, Token: toks[0], Fingerprint: sha256.Sum256(srv.Certificate().Raw)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return srv, pst, code
}

// simulatedDevices starts a printer simulator and a card reader that presents the card
// every 300 ms (a technician holding it), on ptys, until the test ends.
func simulatedDevices(t *testing.T, cardID string) (printer, reader string, sim *printersim.Sim) {
	t.Helper()
	pp, rp := ptytest.New(t), ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sim = printersim.New(pp.Device, 576)
	go sim.Run(ctx)
	go holdCard(ctx, rp.Device, cardreader.Frame(cardreader.KindRDM6300, cardID), 300*time.Millisecond)
	return pp.Name, rp.Name, sim
}

// holdCard writes a card's frame to a reader's device every period until ctx ends: a
// technician holding the card to the reader until it is read.
func holdCard(ctx context.Context, dev io.Writer, frame []byte, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			dev.Write(frame)
		}
	}
}

// The technician's one command, against a real TLS portal on loopback and simulated
// devices: every step's progress line, then a device that syncs with what setup stored
// alone, its ports and service card and PIN kept, a test page on paper, and the portal's
// fleet showing it with its label. A second run resumes without repeating anything.
func TestSetupEndToEnd(t *testing.T) {
	srv, pst, newCode := setupPortal(t)
	printerPort, readerPort, sim := simulatedDevices(t, "0F00A1B2C3")
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--data", data, "--label", "Biblioteka, parter", "--ports", printerPort + "," + readerPort, "--listen", "5s", "--card-timeout", "10s", "--no-start"}

	var out, errOut bytes.Buffer
	code1 := newCode("")
	if code := setupCmd(append(args, code1), strings.NewReader("12345678\n"), &out, &errOut); code != 0 {
		t.Fatalf("setup: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	t.Logf("setup printed:\n%s", out.String())
	for _, want := range []string{
		"[1/9] Odczytuję kod rejestracyjny… OK: portal " + srv.URL,
		"[2/9] Łączę z portalem " + srv.URL + "… OK: certyfikat zgodny z kodem",
		"[3/9] Rejestruję urządzenie i pobieram treść… OK: urządzenie k-",
		", treść pobrana",
		"[4/9] Szukam drukarki i czytnika kart (przyłóż kartę do czytnika)… OK: drukarka " + printerPort + ", czytnik rdm6300 " + readerPort,
		"[5/9] Drukuję stronę testową… OK: strona testowa wydrukowana",
		"[6/9] Przeciągnij kartę serwisową przez czytnik (czekam 10 s)… OK: karta rdm6300:******B2C3 dodana",
		"[7/9] PIN serwisowy… OK: ustawiony",
		"[8/9] Zgłaszam urządzenie w portalu jako „Biblioteka, parter”… OK: portal widzi urządzenie k-",
		"[9/9] Uruchamiam kiosk… pominięto (--no-start); uruchom: infomat --data " + data,
		"Gotowe — kiosk skonfigurowany:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("setup output lacks %q", want)
		}
	}
	if strings.Contains(out.String()+errOut.String(), "0F00A1B2C3") {
		t.Error("the card's ID was printed whole")
	}

	// Credentials trust the portal by its certificate's key, pinned: not a path, a CA or the
	// system's roots.
	creds, err := client.LoadCredentials(data)
	if err != nil {
		t.Fatal(err)
	}
	if creds.CertPin != protocol.CertPin(srv.Certificate()) || creds.CAPEM != "" || creds.CAFile != "" {
		t.Fatalf("credentials' trust: ca_pem %q, pin %q, file %q", creds.CAPEM, creds.CertPin, creds.CAFile)
	}
	if code := syncCmd([]string{"--once", "--data", data}, &out, &errOut); code != 0 {
		t.Fatalf("sync after setup: exit %d\n%s", code, errOut.String())
	}

	st, _, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	cfg := kiosk.DeviceSettings(st)
	label, _, _ := st.Setting(kiosk.SettingLabel)
	st.Close()
	if cfg.PrinterPort != printerPort || cfg.ReaderPort != readerPort || cfg.ReaderKind != "rdm6300" || label != "Biblioteka, parter" {
		t.Fatalf("settings: %+v, label %q", cfg, label)
	}
	if !strings.Contains(sim.Text(), "Zażółć gęślą jaźń") {
		t.Fatalf("no test page on paper:\n%s", sim.Text())
	}
	if !cardAllowed(t, data, "0F00A1B2C3") {
		t.Fatal("the swiped service card is not allowed")
	}
	if !pinWorks(t, data, "12345678") {
		t.Fatal("the PIN from stdin was not set")
	}
	rows, err := portal.Fleet(context.Background(), pst, "przykladowa", time.Now())
	if err != nil || len(rows) != 1 || rows[0].Device != creds.DeviceID || rows[0].Label != "Biblioteka, parter" || rows[0].LastHeartbeat.IsZero() {
		t.Fatalf("fleet: %+v %v", rows, err)
	}

	// Run again with the same (now used) code: every step done is skipped, nothing breaks.
	out.Reset()
	errOut.Reset()
	pages := strings.Count(sim.Text(), "Zażółć gęślą jaźń")
	if code := setupCmd(append(args, code1), strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("setup again: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if n := strings.Count(out.String(), "już "); n != 5 || strings.Count(sim.Text(), "Zażółć gęślą jaźń") != pages {
		t.Fatalf("second run did not resume (%d steps skipped):\n%s", n, out.String())
	}
	if c, _ := client.LoadCredentials(data); c.DeviceID != creds.DeviceID {
		t.Fatal("the second run enrolled again")
	}

	// A new code on the enrolled device: refused without --force (a code given by mistake
	// must not re-enrol a working kiosk); with it, the old identity is retired first.
	out.Reset()
	errOut.Reset()
	code2 := newCode("")
	if code := setupCmd(append(args, code2), strings.NewReader(""), &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "Krok 3/9 „Rejestruję urządzenie i pobieram treść” nie powiódł się: urządzenie jest już zarejestrowane jako "+creds.DeviceID) ||
		!strings.Contains(errOut.String(), "uruchom setup z --force") {
		t.Fatalf("a new code without --force: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := setupCmd(append(args, "--force", code2), strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("setup with a new code: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "poprzednia tożsamość "+creds.DeviceID+" wycofana w portalu") {
		t.Fatalf("re-provisioning did not say it retired the old identity:\n%s", out.String())
	}
	if err := retire(context.Background(), creds); err == nil {
		t.Fatal("the portal still accepts the old identity")
	}
	if d, _ := pst.Device(context.Background(), creds.DeviceID); !d.IsRevoked() {
		t.Fatal("the old device is not revoked on the portal")
	}
}

func pinWorks(t *testing.T, dir, pin string) bool {
	t.Helper()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	guard, _, err := openAccess(st)
	if err != nil {
		t.Fatal(err)
	}
	return guard.CheckPIN(pin) == nil
}

// A code whose fingerprint is not the portal's certificate's is refused before anything is
// sent (the token stays usable), saying what to check; a bad code is refused in Polish with
// the fix, also when it comes on stdin (a scanner typing it).
func TestSetupRefuses(t *testing.T) {
	srv, _, newCode := setupPortal(t)
	good, _ := enrolcode.Decode(newCode(""))
	wrong := good
	wrong.Fingerprint[0] ^= 0xff
	wrongCode, _ := enrolcode.Encode(wrong)
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	if code := setupCmd([]string{"--data", data, "--no-start", wrongCode}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Fatalf("wrong fingerprint: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"[2/9] Łączę z portalem " + srv.URL + "… BŁĄD",
		"Krok 2/9 „Łączę z portalem” nie powiódł się: portal pod 127.0.0.1:",
		"przedstawił inny certyfikat niż ten w kodzie rejestracyjnym (odmawiam połączenia)",
		"w kodzie: " + enrolcode.FingerprintString(wrong.Fingerprint),
		"portal:   " + enrolcode.FingerprintString(good.Fingerprint),
		"Co zrobić: sprawdź, czy kiosk łączy się z właściwym serwerem",
	} {
		if !strings.Contains(out.String()+errOut.String(), want) {
			t.Errorf("wrong-fingerprint output lacks %q:\n%s%s", want, out.String(), errOut.String())
		}
	}
	if _, err := client.LoadCredentials(data); err == nil {
		t.Fatal("a refused portal left credentials")
	}
	// The token was never sent: the right code still enrols.
	out.Reset()
	errOut.Reset()
	goodCode, _ := enrolcode.Encode(good)
	if code := setupCmd([]string{"--data", data, "--no-start", "--ports", filepath.Join(t.TempDir(), "none")}, strings.NewReader(goodCode+"\n"), &out, &errOut); code != 1 ||
		!strings.Contains(out.String(), "[3/9] Rejestruję urządzenie i pobieram treść… OK") || !strings.Contains(errOut.String(), "Krok 4/9") ||
		!strings.Contains(errOut.String(), "setup pominie to, co już zrobione") {
		t.Fatalf("the right code from stdin, no devices: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	for input, want := range map[string]string{
		"INFOMAT1:ABCDEFGHIJKLMNOP": "kod rejestracyjny",
		"hasło123":                  enrolcode.ErrPrefix.Error(),
	} {
		out.Reset()
		errOut.Reset()
		if code := setupCmd([]string{"--data", t.TempDir(), "--no-start"}, strings.NewReader(input+"\n"), &out, &errOut); code != 1 ||
			!strings.Contains(out.String(), "[1/9] Odczytuję kod rejestracyjny… BŁĄD") ||
			!strings.Contains(errOut.String(), "Krok 1/9 „Odczytuję kod rejestracyjny” nie powiódł się: "+want) ||
			!strings.Contains(errOut.String(), "Co zrobić: zeskanuj kod QR z portalu") {
			t.Errorf("code %q: exit %d\n%s%s", input, code, out.String(), errOut.String())
		}
	}
}

// The last step starts the packaged unit only as root with the unit installed, and
// otherwise says how to start the kiosk.
func TestSetupStartStep(t *testing.T) {
	dir := t.TempDir()
	unit := filepath.Join(dir, "infomat.service")
	calls := filepath.Join(dir, "calls")
	systemctl := filepath.Join(dir, "systemctl")
	if err := os.WriteFile(systemctl, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := &setupRun{dataDir: "/var/lib/infomat", systemctl: systemctl, unitPaths: []string{unit}}
	if msg, err := r.start(); err != nil || msg != "pominięto (brak usługi infomat.service: program nie z pakietu .deb); uruchom: infomat --data /var/lib/infomat" {
		t.Fatalf("no unit: %q %v", msg, err)
	}
	if err := os.WriteFile(unit, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r.noStart = true
	if msg, _ := r.start(); msg != "pominięto (--no-start); uruchom: sudo systemctl start infomat" {
		t.Fatalf("--no-start: %q", msg)
	}
	r.noStart = false
	msg, err := r.start()
	if os.Geteuid() != 0 {
		if err != nil || msg != "pominięto (uruchomienie usługi wymaga roota); uruchom: sudo systemctl start infomat" {
			t.Fatalf("not root: %q %v", msg, err)
		}
		return
	}
	got, _ := os.ReadFile(calls)
	if err != nil || msg != "OK: systemctl start infomat" || string(got) != "start infomat\n" {
		t.Fatalf("root with the unit: %q %v, systemctl called with %q", msg, err, got)
	}
}

// A label given to the token in the portal (token create --label, the panel) is the device's
// when setup has none: said at step 8, kept for the kiosk's heartbeats.
func TestSetupTakesTheTokensLabel(t *testing.T) {
	_, _, newCode := setupPortal(t)
	printerPort, readerPort, _ := simulatedDevices(t, "0F00A1B2C3")
	data := filepath.Join(t.TempDir(), "data")
	var out, errOut bytes.Buffer
	args := []string{"--data", data, "--ports", printerPort + "," + readerPort, "--listen", "5s", "--card-timeout", "10s", "--no-start",
		newCode("Urząd, sala obsługi")}
	if code := setupCmd(args, strings.NewReader("12345678\n"), &out, &errOut); code != 0 {
		t.Fatalf("setup: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "jako „Urząd, sala obsługi”") {
		t.Errorf("step 8 does not name the token's label:\n%s", out.String())
	}
	st, _, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if label, _, _ := st.Setting(kiosk.SettingLabel); label != "Urząd, sala obsługi" {
		t.Errorf("label setting %q", label)
	}
}
