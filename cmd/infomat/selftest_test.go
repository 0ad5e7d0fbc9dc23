package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/kiosk"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/store"
	"infomat/sync/client"
)

type selftestJSON struct {
	OK      bool          `json:"ok"`
	Results []checkResult `json:"results"`
}

// deviceDir prepares a data directory whose settings point at the given ports.
func deviceDir(t *testing.T, settings map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	st, _, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range settings {
		if err := st.SetSetting(k, v); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	return dir
}

func runSelftest(t *testing.T, args ...string) (selftestJSON, string, int) {
	t.Helper()
	var out, progress bytes.Buffer
	code := selftestCmd(append(args, "--json"), &out, &progress)
	var res selftestJSON
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("selftest --json printed %q: %v", out.String(), err)
	}
	return res, progress.String(), code
}

func result(res selftestJSON, check string) checkResult {
	for _, r := range res.Results {
		if r.Check == check {
			return r
		}
	}
	return checkResult{}
}

// The technician's self-test against a simulated printer and card reader on real ptys.
func TestSelftestWithSimulators(t *testing.T) {
	printerPTY, readerPTY := ptytest.New(t), ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := printersim.New(printerPTY.Device, 576)
	go sim.Run(ctx)
	dir := deviceDir(t, map[string]string{
		kiosk.SettingPrinterPort: printerPTY.Name,
		kiosk.SettingReaderPort:  readerPTY.Name,
		kiosk.SettingReaderKind:  "rdm6300",
	})
	// The technician swipes a card once the self-test asks for one.
	go func() {
		time.Sleep(1500 * time.Millisecond)
		readerPTY.Device.Write(cardreader.Frame(cardreader.KindRDM6300, "0F00A1B2C3"))
	}()
	res, progress, code := runSelftest(t, "--data", dir, "--card-timeout", "10s")
	if code != 0 || !res.OK {
		t.Fatalf("selftest failed (%d): %+v\n%s", code, res, progress)
	}
	if r := result(res, "Drukarka"); !r.OK || !strings.Contains(r.Message, "strona testowa wydrukowana") {
		t.Fatalf("printer: %+v", r)
	}
	if !strings.Contains(sim.Text(), "Zażółć gęślą jaźń") {
		t.Fatalf("test page not on paper:\n%s", sim.Text())
	}
	if r := result(res, "Czytnik kart"); !r.OK || !strings.Contains(r.Message, "C3") || strings.Contains(r.Message, "0F00A1B2C3") {
		t.Fatalf("reader (the ID must be masked): %+v", r)
	}
	for _, step := range []string{"[1/5]", "[3/5] Drukarka… drukuję stronę testową…", "przyłóż kartę do czytnika"} {
		if !strings.Contains(progress, step) {
			t.Errorf("progress lacks %q:\n%s", step, progress)
		}
	}
}

func TestSelftestReportsPlainFailures(t *testing.T) {
	printerPTY := ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := printersim.New(printerPTY.Device, 384)
	sim.SetState(printersim.State{PaperOut: true})
	go sim.Run(ctx)
	missing := filepath.Join(t.TempDir(), "ttyUSB1")
	dir := deviceDir(t, map[string]string{
		kiosk.SettingPrinterPort: printerPTY.Name,
		kiosk.SettingReaderPort:  missing,
	})
	res, _, code := runSelftest(t, "--data", dir, "--card-timeout", "1s")
	if code != 1 || res.OK {
		t.Fatalf("selftest passed with paper out and no reader: %+v", res)
	}
	if r := result(res, "Drukarka"); r.OK || r.Message != "Drukarka: brak papieru" {
		t.Fatalf("printer: %+v", r)
	}
	if r := result(res, "Czytnik kart"); r.OK || !strings.HasPrefix(r.Message, "Czytnik: ") || !strings.Contains(r.Message, missing) ||
		!strings.Contains(r.Message, "— nie ma portu "+missing+": sprawdź kabel USB i zasilanie urządzenia, potem znajdź port: infomat detect --save") {
		t.Fatalf("reader: %+v", r)
	}

	// A reader that is there but never sends a card.
	quiet := ptytest.New(t)
	dir = deviceDir(t, map[string]string{kiosk.SettingReaderPort: quiet.Name})
	res, _, _ = runSelftest(t, "--data", dir, "--card-timeout", "500ms")
	if r := result(res, "Czytnik kart"); r.OK || r.Message != "Czytnik: brak odpowiedzi na "+quiet.Name+" (nie odczytano karty)" {
		t.Fatalf("quiet reader: %+v", r)
	}
	if r := result(res, "Drukarka"); !r.Skipped {
		t.Fatalf("unconfigured printer should be skipped: %+v", r)
	}
}

// An enrolled kiosk without content of its own fails the content check in plain Polish;
// an unenrolled one shows the sample and passes, saying forms need --demo.
func TestSelftestReportsOutOfService(t *testing.T) {
	dir := deviceDir(t, nil)
	res, _, _ := runSelftest(t, "--data", dir, "--card-timeout", "1ms")
	if r := result(res, "Treść"); !r.OK || !strings.Contains(r.Message, "(embedded)") || !strings.Contains(r.Message, "--demo") {
		t.Fatalf("unenrolled kiosk: %+v", r)
	}
	enrol(t, dir)
	res, _, code := runSelftest(t, "--data", dir, "--card-timeout", "1ms")
	r := result(res, "Treść")
	if code != 1 || r.OK || !strings.Contains(r.Message, "brak ważnej treści gminy") || !strings.Contains(r.Message, "Kiosk chwilowo nieczynny") {
		t.Fatalf("enrolled kiosk without content: exit %d, %+v", code, r)
	}
}

// enrol writes credentials into a data directory, as `infomat provision` leaves them.
func enrol(t *testing.T, dir string) {
	t.Helper()
	err := client.SaveCredentials(dir, client.Credentials{Portal: "https://portal.example.pl", DeviceID: "dev-1",
		Secret: "s3cret", Municipality: "testowa", SigningKey: base64.StdEncoding.EncodeToString(make([]byte, 32)), Enrolled: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

// A kiosk with a dead RTC battery whose store was set aside as corrupt: the self-test names
// the distrusted clock and the submissions salvaged from the old store.
func TestSelftestClockAndSalvage(t *testing.T) {
	dir := resetFixture(t, 3) // a store with 3 queued submissions
	if err := os.Rename(filepath.Join(dir, "infomat.db"), filepath.Join(dir, "infomat.db.corrupt-20261102-080000")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(kiosk.DebugClockEnv, "1970-01-01T00:00:00Z")
	res, progress, _ := runSelftest(t, "--data", dir, "--no-print", "--card-timeout", "1ms")
	if r := result(res, "Zegar"); r.OK || !strings.Contains(r.Message, "1970-01-01") {
		t.Fatalf("clock: %+v\n%s", r, progress)
	}
	if r := result(res, "Wnioski z uszkodzonego magazynu"); !r.OK || !strings.Contains(r.Message, "odzyskane: 3, nie do odzyskania: 0") {
		t.Fatalf("salvage: %+v\n%s", r, progress)
	}
}
