package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"infomat/content"
	"infomat/kiosk"
	"infomat/outbox"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/protocol"
)

// openForSync opens the store and the outbox for a technician's sync command.
func openForSync(dataDir string, stderr io.Writer) (*store.Store, *outbox.Outbox, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	st, rec, err := store.Open(ctx, dataDir)
	cancel()
	if rec != nil {
		fmt.Fprintf(stderr, "Magazyn danych był uszkodzony: %v\n", rec)
	}
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(stderr, "Kiosk działa na katalogu danych %s — użyj „Synchronizuj teraz” na ekranie serwisowym albo zatrzymaj kiosk.\n", dataDir)
		return nil, nil, false
	}
	if err != nil {
		fmt.Fprintln(stderr, "Nie można otworzyć magazynu danych: "+failure(err))
		return nil, nil, false
	}
	ob, err := outbox.Open(st.Bolt())
	if err != nil {
		st.Close()
		fmt.Fprintln(stderr, "Nie można otworzyć kolejki wniosków: "+failure(err))
		return nil, nil, false
	}
	return st, ob, true
}

// syncWith opens the store and a client for creds and syncs once, reporting on stdout and
// problems on stderr; false when anything failed.
func syncWith(ctx context.Context, creds client.Credentials, dataDir string, stdout, stderr io.Writer) bool {
	st, ob, ok := openForSync(dataDir, stderr)
	if !ok {
		return false
	}
	defer st.Close()
	c, err := client.New(creds)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return false
	}
	defer c.Close()
	c.SetLoader(budgeted(kiosk.ContentMemoryBudget(st)))
	clock, cerr := kiosk.NewClock(st, os.Getenv)
	if cerr != nil {
		fmt.Fprintln(stderr, cerr)
	}
	c.UseTrustedTime(clock)
	if tot, err := kiosk.SalvageAside(ctx, dataDir, st, ob, nil); err != nil {
		fmt.Fprintf(stderr, "Odzyskiwanie wniosków z uszkodzonego magazynu: %v\n", err)
	} else if tot.Salvaged+tot.Unrecoverable > 0 {
		fmt.Fprintf(stdout, "Wnioski odzyskane z uszkodzonego magazynu: %d, nie do odzyskania: %d\n", tot.Salvaged, tot.Unrecoverable)
	}
	err = syncOnce(ctx, c, st, ob, stdout)
	if p := clock.Problem(); p != "" {
		fmt.Fprintf(stderr, "Zegar: %s\n", p)
	}
	if err != nil {
		fmt.Fprintln(stderr, "Synchronizacja nie powiodła się: "+failure(err))
		return false
	}
	return true
}

// syncOnce pushes the queue and pulls content once, printing each step.
func syncOnce(ctx context.Context, c *client.Client, st *store.Store, ob *outbox.Outbox, out io.Writer) error {
	progress := func(s string) { fmt.Fprintln(out, "  "+s) }
	fmt.Fprintln(out, "Wysyłanie wniosków…")
	sent, perr := c.Push(ctx, ob, progress)
	fmt.Fprintf(out, "  wysłano: %d\n", sent)
	fmt.Fprintln(out, "Pobieranie treści…")
	updated, version, lerr := c.Pull(ctx, st, time.Now(), progress)
	switch {
	case lerr != nil:
	case updated:
		fmt.Fprintf(out, "  nowa treść aktywna: wersja %d\n", version)
	default:
		fmt.Fprintf(out, "  treść aktualna (wersja %d)\n", version)
	}
	return errors.Join(perr, lerr)
}

// provisionCmd is the technician's first command on a new device: enrol with the portal,
// keep the credentials (0600) and the pinned content signing key, and sync once. --pin (from
// the panel's enrolment command) trusts exactly the portal key it names, and is kept in the
// credentials, so a portal with a self-signed certificate needs no CA file on the device.
func provisionCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("provision", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store and credentials")
	portal := fl.String("portal", "", "portal URL, e.g. https://portal.gmina.example.pl")
	token := fl.String("token", "", "one-time enrolment token from 'infomat-portal token create'")
	ca := fl.String("ca", "", "CA certificate (PEM) the portal's certificate is issued by; empty: the system's")
	pin := fl.String("pin", "", "sha256:HEX of the portal's public key (from the panel's enrolment command): trust exactly that key instead of any CA")
	detect := fl.Bool("detect", false, "first find the printer and card reader ports and save them (infomat detect --save)")
	label := fl.String("label", "", "where the device stands, e.g. \"Biblioteka, parter\" (shown in the portal's fleet)")
	force := fl.Bool("force", false, "on a device enrolled before: enrol anew even when its old identity cannot be retired on the portal (revoke it in the panel afterwards)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *detect {
		if code := detectDevices(*dataDir, nil, 9600, 20*time.Second, true, stdout, stderr); code != 0 {
			return code
		}
	}
	if *portal == "" || *token == "" {
		fmt.Fprintln(stderr, "użycie: infomat provision --portal URL --token TOKEN [--pin sha256:HEX | --ca PLIK.pem] [--label MIEJSCE] [--force] [--data KATALOG]")
		return 2
	}
	if *pin != "" && *ca != "" {
		fmt.Fprintln(stderr, "infomat provision: podaj --pin albo --ca, nie oba (--pin ufa dokładnie jednemu kluczowi portalu, --ca urzędowi certyfikacji)")
		return 2
	}
	if *pin != "" {
		if _, err := protocol.ParsePin(*pin); err != nil {
			fmt.Fprintf(stderr, "infomat provision: --pin %q: oczekiwano sha256: i 64 znaków szesnastkowych (skopiuj całe polecenie z panelu portalu)\n", *pin)
			return 2
		}
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "Nie można utworzyć katalogu danych: "+failure(err))
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	fmt.Fprintf(stdout, "Rejestracja w portalu %s…\n", *portal)
	creds, err := enrolDevice(ctx, enrolment{DataDir: *dataDir, Portal: *portal, Token: *token, Label: *label,
		Trust: client.Trust{CAFile: *ca, CertPin: *pin}, Force: *force}, func(s string) { fmt.Fprintln(stdout, "  "+s) })
	var pe *client.PinError
	var nr *notRetiredError
	if errors.As(err, &nr) {
		fmt.Fprintln(stderr, "Rejestracja wstrzymana: "+nr.Error())
		return 1
	}
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "Rejestracja nie powiodła się: portal przedstawił inny certyfikat niż przypięty w poleceniu.\n"+
			"  oczekiwany odcisk klucza: %s\n  odcisk klucza portalu:    %s\n"+
			"Sprawdź adres portalu (czy łączysz się z właściwym serwerem, bez pośrednika) albo wygeneruj nowe polecenie w panelu portalu (Urządzenia → Nowy token rejestracyjny).\n",
			pe.Want, pe.Got)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "Rejestracja nie powiodła się: "+failure(err))
		return 1
	}
	fmt.Fprintf(stdout, "  urządzenie %s, gmina %s\n  poświadczenia: %s/credentials.json (0600)\n  klucz podpisu treści przypięty: %s\n",
		creds.DeviceID, creds.Municipality, *dataDir, creds.SigningKey)
	if creds.CertPin != "" {
		fmt.Fprintf(stdout, "  klucz certyfikatu portalu przypięty: %s\n", creds.CertPin)
	}
	fmt.Fprintln(stdout, "Pierwsza synchronizacja:")
	if !syncWith(ctx, creds, *dataDir, stdout, stderr) {
		fmt.Fprintln(stderr, "(Urządzenie jest zarejestrowane; kiosk spróbuje ponownie sam.)")
		return 1
	}
	fmt.Fprintln(stdout, "Gotowe. Uruchom kiosk (systemctl start infomat).")
	return 0
}

// syncCmd handles `infomat sync --once`.
func syncCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("sync", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data", kiosk.DefaultDataDir(), "data directory holding the store and credentials")
	once := fl.Bool("once", false, "push the queue and pull content once, then exit")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if !*once {
		fmt.Fprintln(stderr, "użycie: infomat sync --once [--data KATALOG] (kiosk synchronizuje się sam w tle)")
		return 2
	}
	creds, err := client.LoadCredentials(*dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "Urządzenie nie jest zarejestrowane — najpierw: infomat provision --portal URL --token TOKEN")
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if !syncWith(ctx, creds, *dataDir, stdout, stderr) {
		return 1
	}
	fmt.Fprintln(stdout, "Gotowe.")
	return 0
}

// startSync runs the background sync when the device is provisioned; it returns the client
// (nil when not provisioned) and a channel that asks for a sync now.
func startSync(ctx context.Context, dataDir string, load func(fs.FS) (*content.Bundle, error), deps client.RunDeps, log *slog.Logger) (*client.Client, chan struct{}) {
	creds, err := client.LoadCredentials(dataDir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Error("credentials unreadable, not syncing", "err", err)
		}
		return nil, nil
	}
	c, err := client.New(creds)
	if err != nil {
		log.Error("sync client", "err", err)
		return nil, nil
	}
	c.SetLoader(load)
	if deps.Trusted != nil {
		c.UseTrustedTime(deps.Trusted) // before any request
	}
	kick := make(chan struct{}, 1)
	deps.Kick, deps.Log = kick, log
	go c.Run(ctx, deps)
	log.Info("sync started", "portal", creds.Portal, "device", creds.DeviceID)
	return c, kick
}

// failure is a portal or data-directory error as the technician reads it: what to do, then
// the cause.
func failure(err error) string {
	if advice := client.Advice(err); advice != "" {
		return advice + "\n  przyczyna: " + err.Error()
	}
	return err.Error()
}
