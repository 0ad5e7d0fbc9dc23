package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"syscall"
	"time"

	"infomat/buildinfo"
	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/kiosk/cardreader"
	"infomat/outbox"
	"infomat/receipt"
	"infomat/store"
)

// checkResult is one line of the self-test's table.
type checkResult struct {
	Check   string `json:"check"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"`
	Message string `json:"message"`
}

// selftestCmd checks each part of the device in turn, printing progress as it goes, and ends
// with a pass/fail table (or JSON). Exit status 1 when anything failed.
func selftestCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store")
	asJSON := fl.Bool("json", false, "print the results as JSON (for automation)")
	cardWait := fl.Duration("card-timeout", 20*time.Second, "how long to wait for a card on the reader")
	noPrint := fl.Bool("no-print", false, "check the printer's status without printing the test page")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	progress := stdout
	if *asJSON {
		progress = stderr // keep stdout clean for the JSON
	}
	var results []checkResult
	step := func(n int, name string) { fmt.Fprintf(progress, "[%d/5] %s… ", n, name) }
	done := func(r checkResult) {
		results = append(results, r)
		switch {
		case r.Skipped:
			fmt.Fprintln(progress, "pominięto:", r.Message)
		case r.OK:
			fmt.Fprintln(progress, "OK:", r.Message)
		default:
			fmt.Fprintln(progress, "BŁĄD:", r.Message)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	step(1, "Magazyn danych")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, rec, err := store.Open(ctx, *dataDir)
	cancel()
	if err != nil {
		msg := failure(err)
		if errors.Is(err, store.ErrLocked) {
			msg = "kiosk działa na tym katalogu danych — zatrzymaj go (systemctl stop infomat) albo użyj ekranu serwisowego"
		}
		done(checkResult{Check: "Magazyn danych", Message: msg})
		return report(results, *asJSON, stdout)
	}
	defer st.Close()
	free, problem := kiosk.DiskState(*dataDir)
	switch {
	case problem != "":
		done(checkResult{Check: "Magazyn danych", Message: problem})
	case rec != nil:
		done(checkResult{Check: "Magazyn danych", OK: true, Message: "uszkodzony plik przeniesiono do " + rec.AsidePath})
	default:
		done(checkResult{Check: "Magazyn danych", OK: true, Message: fmt.Sprintf("%s, wolne %.1f GB", *dataDir, float64(free)/1e9)})
	}

	// Part of the store check: what a moved-aside store held, and whether the clock can be
	// trusted (the kiosk salvages on start as well; doing it here makes the count current).
	if ob, err := outbox.Open(st.Bolt()); err == nil {
		sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
		tot, serr := kiosk.SalvageAside(sctx, *dataDir, st, ob, log)
		scancel()
		const check = "Wnioski z uszkodzonego magazynu"
		switch {
		case serr != nil:
			fmt.Fprint(progress, "      "+check+"… ")
			done(checkResult{Check: check, Message: serr.Error()})
		case tot.Salvaged+tot.Unrecoverable > 0:
			fmt.Fprint(progress, "      "+check+"… ")
			done(checkResult{Check: check, OK: tot.Unrecoverable == 0,
				Message: fmt.Sprintf("odzyskane: %d, nie do odzyskania: %d", tot.Salvaged, tot.Unrecoverable)})
		}
	}
	fmt.Fprint(progress, "      Zegar… ")
	clock, cerr := kiosk.NewClock(st, os.Getenv)
	switch p := clock.Problem(); {
	case cerr != nil:
		done(checkResult{Check: "Zegar", Message: cerr.Error()})
	case p != "":
		done(checkResult{Check: "Zegar", Message: p})
	default:
		done(checkResult{Check: "Zegar", OK: true, Message: clock.Now().Local().Format("2006-01-02 15:04") + ", nie wcześniej niż ostatni zaufany czas (zegar daleko w przód wykrywa dopiero synchronizacja z portalem)"})
	}

	step(2, "Treść")
	enrolled := provisioned(*dataDir)
	b, src, err := kiosk.LoadContent(kiosk.WithOfficeFile(st, *dataDir), "", kiosk.Policy{Provisioned: enrolled}, log)
	switch {
	case errors.Is(err, kiosk.ErrOutOfService):
		done(checkResult{Check: "Treść", Message: "brak ważnej treści gminy — mieszkańcy widzą ekran „Kiosk chwilowo nieczynny”; sprawdź połączenie z portalem: infomat sync --once"})
	case err != nil:
		done(checkResult{Check: "Treść", Message: err.Error()})
	case kiosk.IsSampleKey(b.Municipality.SubmissionKey):
		// The sample's key is published: its forms are refused outside --demo.
		msg := fmt.Sprintf("%s, wersja %s (%s) — klucz wniosków to publiczny klucz przykładowy: wnioski wyłączone (poza trybem --demo)", b.Municipality.Name, b.Version, src)
		done(checkResult{Check: "Treść", OK: !enrolled, Message: msg})
	default:
		done(checkResult{Check: "Treść", OK: true, Message: fmt.Sprintf("%s, wersja %s (%s)", b.Municipality.Name, b.Version, src)})
	}
	// A portal version given up after a start without a first frame is skipped by sync
	// until a newer one is published: the technician should know.
	if v, err := st.FailedPortalVersion(); err == nil && v > 0 {
		fmt.Fprint(progress, "      Treść z portalu… ")
		done(checkResult{Check: "Treść z portalu", Message: fmt.Sprintf("wersja %d nie wyświetliła się przy starcie i została wycofana; synchronizacja ją pomija do czasu nowszej wersji", v)})
	}

	// A service PIN from before the 6-digit rule still works; the technician should replace it.
	if guard, _, err := openAccess(st); err == nil {
		switch n, set, _ := guard.PINDigits(); {
		case n > 0 && n < access.MinPINDigits:
			fmt.Fprint(progress, "PIN serwisowy… ")
			done(checkResult{Check: "PIN serwisowy", Message: fmt.Sprintf("krótszy niż %d cyfr — ustaw nowy: infomat service set-pin", access.MinPINDigits)})
		case set && n == 0:
			fmt.Fprint(progress, "PIN serwisowy… ")
			done(checkResult{Check: "PIN serwisowy", OK: true, Message: fmt.Sprintf("ustawiony przed wymogiem %d cyfr; jeśli jest krótszy, ustaw nowy: infomat service set-pin", access.MinPINDigits)})
		}
	}

	cfg := kiosk.DeviceSettings(st)
	rctx, rstop := context.WithCancel(context.Background())
	defer rstop()
	cards := make(chan cardreader.Card, 1)
	devices := kiosk.OpenDevices(rctx, cfg, cards, log)
	defer devices.Close()

	step(3, "Drukarka")
	switch {
	case !devices.HasPrinter():
		done(checkResult{Check: "Drukarka", Skipped: true, Message: "nieskonfigurowana (infomat settings set printer_port /dev/…)"})
	default:
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var state string
		var ok bool
		if *noPrint {
			if state, ok = devices.PrinterState(ctx); !ok {
				state = "Drukarka: " + state + portFix(cfg.PrinterPort)
			}
		} else {
			name := ""
			if b != nil {
				name = b.Municipality.Name
			}
			state, ok = printTestPage(ctx, devices, name, func() { fmt.Fprint(progress, "drukuję stronę testową… ") })
		}
		cancel()
		done(checkResult{Check: "Drukarka", OK: ok, Message: state})
	}

	step(4, "Czytnik kart")
	switch state, ok := devices.ReaderState(); {
	case cfg.ReaderPort == "":
		done(checkResult{Check: "Czytnik kart", Skipped: true, Message: "nieskonfigurowany (infomat settings set reader_port /dev/…)"})
	case !ok:
		done(checkResult{Check: "Czytnik kart", Message: "Czytnik: " + state + portFix(cfg.ReaderPort)})
	default:
		fmt.Fprintf(progress, "przyłóż kartę do czytnika (czekam %s)… ", *cardWait)
		select {
		case c := <-cards:
			done(checkResult{Check: "Czytnik kart", OK: true, Message: "odczytano kartę " + c.String()})
		case <-time.After(*cardWait):
			done(checkResult{Check: "Czytnik kart", Message: "Czytnik: brak odpowiedzi na " + cfg.ReaderPort + " (nie odczytano karty)"})
		}
	}

	step(5, "Ekran")
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		done(checkResult{Check: "Ekran", Skipped: true, Message: "brak DISPLAY/WAYLAND_DISPLAY w tej sesji (sprawdź na ekranie kiosku)"})
	} else {
		done(checkResult{Check: "Ekran", OK: true, Message: "sesja graficzna dostępna"})
	}
	return report(results, *asJSON, stdout)
}

// printTestPage prints the test page on the configured printer (printing is called just
// before, once the printer said it is ready) and returns what happened, in Polish, and
// whether it worked.
func printTestPage(ctx context.Context, devices *kiosk.Devices, municipality string, printing func()) (string, bool) {
	cfg := devices.Config()
	state, ok := devices.PrinterState(ctx)
	if !ok {
		return "Drukarka: " + state + portFix(cfg.PrinterPort), false
	}
	printing()
	page := receipt.TestPage(receipt.TestPageInfo{Municipality: municipality, Device: cfg.PrinterPort,
		Profile: cfg.Profile().Name + qrMode(cfg.Profile().NativeQR), Version: buildinfo.Version(), Printed: time.Now()}, testPageText)
	if err := devices.Print(ctx, page); err != nil {
		return "Drukarka: " + kiosk.PrinterProblem(err), false
	}
	return "strona testowa wydrukowana; " + state, true
}

// testPageText gives the test page Polish headings without loading the translations.
func testPageText(id string, _ ...any) string {
	return map[string]string{
		receipt.MsgTestTitle: "Strona testowa", receipt.MsgTestLetters: "Polskie litery",
		receipt.MsgTestQR: "Testowy kod QR", receipt.MsgTestEnd: "Jeśli to czytasz, drukarka działa.",
	}[id]
}

func report(results []checkResult, asJSON bool, w io.Writer) int {
	failed := 0
	for _, r := range results {
		if !r.OK && !r.Skipped {
			failed++
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			OK      bool          `json:"ok"`
			Results []checkResult `json:"results"`
		}{failed == 0, results})
	} else {
		fmt.Fprintln(w, "\nWynik autotestu:")
		for _, r := range results {
			mark := "OK       "
			switch {
			case r.Skipped:
				mark = "POMINIĘTO"
			case !r.OK:
				mark = "BŁĄD     "
			}
			fmt.Fprintf(w, "  %-16s %s  %s\n", r.Check, mark, r.Message)
		}
		if failed == 0 {
			fmt.Fprintln(w, "Wszystko działa.")
		} else {
			fmt.Fprintf(w, "Błędy: %d.\n", failed)
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// portFix is what to do about a serial port the device cannot open: "" when the port is
// there and may be opened (the fault is elsewhere).
func portFix(port string) string {
	f, err := os.OpenFile(port, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	switch {
	case err == nil:
		f.Close()
		return ""
	case errors.Is(err, fs.ErrNotExist):
		return " — nie ma portu " + port + ": sprawdź kabel USB i zasilanie urządzenia, potem znajdź port: infomat detect --save"
	case errors.Is(err, fs.ErrPermission):
		return " — brak uprawnień do " + port + ": uruchom jako root albo jako użytkownik usługi (infomat, w grupie dialout)"
	}
	return ""
}
