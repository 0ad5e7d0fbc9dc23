package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"infomat/buildinfo"
	"infomat/kiosk"
	"infomat/kiosk/access"
	"infomat/store"
	"infomat/sync/client"
	"infomat/sync/enrolcode"
	"infomat/sync/protocol"
)

const setupUsage = `użycie: infomat setup [--data KATALOG] [--label "Biblioteka, parter"] [--no-start] [--force] [--ports P1,P2] [--code-timeout 5m] [KOD]
  KOD: kod rejestracyjny z portalu (INFOMAT1:…); bez niego setup czeka na kod (najwyżej --code-timeout)
  ze standardowego wejścia (czytnik działający jak klawiatura albo przepisany kod i Enter)
  albo z czytnika kodów na porcie szeregowym (te same porty co wykrywanie, albo --ports)
`

// setupSteps names setup's steps, in order, as the progress lines show them.
var setupSteps = [...]string{
	"Odczytuję kod rejestracyjny",
	"Łączę z portalem",
	"Rejestruję urządzenie i pobieram treść",
	"Szukam drukarki i czytnika kart",
	"Drukuję stronę testową",
	"Karta serwisowa",
	"PIN serwisowy",
	"Zgłaszam urządzenie w portalu",
	"Uruchamiam kiosk",
}

// setupState is what setup keeps in the data directory between runs, so a run after a failed
// step resumes instead of repeating (or breaking) what was done: the enrolment's token is
// single use, and the test page need not be printed twice.
type setupState struct {
	TokenSHA256 string `json:"token_sha256,omitempty"` // the code whose enrolment is done
	DeviceID    string `json:"device_id,omitempty"`
	TestPage    bool   `json:"test_page,omitempty"`
}

const setupStateFile = "setup.json"

func loadSetupState(dir string) setupState {
	var s setupState
	if raw, err := os.ReadFile(filepath.Join(dir, setupStateFile)); err == nil {
		_ = json.Unmarshal(raw, &s) // an unreadable state only costs repeating steps
	}
	return s
}

func (s setupState) save(dir string) error {
	raw, _ := json.Marshal(s)
	tmp := filepath.Join(dir, "."+setupStateFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("zapis stanu setup: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, setupStateFile))
}

// setupRun is one run of `infomat setup`: its options and what the steps found, for the
// summary.
type setupRun struct {
	dataDir, label string
	noStart        bool
	force          bool
	ports          []string
	listen, swipe  time.Duration
	stdin          io.Reader
	stdout, stderr io.Writer
	systemctl      string // the command that starts the unit; "" finds systemctl on PATH
	unitPaths      []string
	code           enrolcode.Code
	creds          client.Credentials
	summary        [][2]string
}

// setupCmd handles `infomat setup CODE`: from an enrolment code to a working kiosk in one
// command, one Polish progress line a step and a plain summary at the end.
func setupCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("setup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, setupUsage) }
	r := &setupRun{stdin: stdin, stdout: stdout, stderr: stderr,
		unitPaths: []string{"/usr/lib/systemd/system/infomat.service", "/lib/systemd/system/infomat.service", "/etc/systemd/system/infomat.service"}}
	fl.StringVar(&r.dataDir, "data", kiosk.DefaultDataDir(), "data directory holding the store and credentials")
	fl.StringVar(&r.label, "label", "", "where the device stands, e.g. \"Biblioteka, parter\" (shown in the portal's fleet)")
	fl.BoolVar(&r.noStart, "no-start", false, "do not start the kiosk at the end")
	fl.BoolVar(&r.force, "force", false, "on a device enrolled before: enrol anew with this code, retiring the old identity on the portal (and going on when that portal cannot be reached)")
	ports := fl.String("ports", "", "comma-separated serial ports to probe (default: /dev/infomat-*, /dev/ttyUSB*, /dev/ttyACM*, /dev/ttyS0-3)")
	fl.DurationVar(&r.listen, "listen", 20*time.Second, "how long to wait on each port for a card while detecting the reader")
	fl.DurationVar(&r.swipe, "card-timeout", swipeWait, "how long to wait for the service card")
	var codeWait time.Duration
	fl.DurationVar(&codeWait, "code-timeout", 5*time.Minute, "with no CODE: how long to wait for the code on stdin or from a serial QR scanner")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *ports != "" {
		r.ports = strings.Split(*ports, ",")
	}
	if err := kiosk.CheckLabel(r.label); err != nil {
		fmt.Fprintf(stderr, "--label: %v\n", err)
		return 2
	}
	raw := strings.Join(fl.Args(), " ") // a code typed in groups arrives as several arguments
	if raw == "" {
		ports := r.ports
		if len(ports) == 0 {
			ports = kiosk.SerialCandidates()
		}
		in := newStdinLines(stdin)
		r.stdin = in.reader() // the PIN, later, with nothing of it taken by the wait
		line, err := waitCode(context.Background(), in, ports, codeWait, stderr)
		var te *codeTimeoutError
		switch {
		case errors.As(err, &te):
			listened := "żaden port szeregowy nie dał się otworzyć"
			if len(te.ports) > 0 {
				listened = "słuchałem czytnika na: " + strings.Join(te.ports, ", ")
			}
			fmt.Fprintf(stderr, "\nNie otrzymano kodu rejestracyjnego w ciągu %s (%s).\n", seconds(te.wait), listened)
			fmt.Fprintln(stderr, "Co zrobić: uruchom setup ponownie i zeskanuj kod QR z panelu (Urządzenia → Nowy token rejestracyjny) czytnikiem kiosku albo wpisz go; "+
				"kod podasz też jako argument: infomat setup INFOMAT1:…; czytnik na innym porcie wskażesz opcją --ports, dłuższe czekanie: --code-timeout 10m")
			return 1
		case err != nil:
			fmt.Fprintln(stderr, "\nBrak kodu rejestracyjnego: podaj go jako argument (infomat setup INFOMAT1:…) albo na wejściu, albo zeskanuj kod QR czytnikiem kiosku.")
			return 2
		}
		raw = line
	}
	return r.run(raw)
}

// stepError is a step that failed: why, and what to do about it.
type stepError struct{ why, fix string }

func (e *stepError) Error() string { return e.why }

func failStep(why, fix string) error { return &stepError{why: why, fix: fix} }

func (r *setupRun) run(raw string) int {
	decode := func() (string, error) { return r.decodeCode(raw) }
	steps := []func() (string, error){decode, r.connect, r.enrol, r.detect, r.testPage, r.card, r.pin, r.announce, r.start}
	for i, step := range steps {
		fmt.Fprintf(r.stdout, "[%d/%d] %s… ", i+1, len(steps), r.title(i))
		msg, err := step()
		if err != nil {
			fmt.Fprintln(r.stdout, "BŁĄD")
			why, fix := err.Error(), ""
			var se *stepError
			if errors.As(err, &se) {
				why, fix = se.why, se.fix
			}
			fmt.Fprintf(r.stderr, "\nKrok %d/%d „%s” nie powiódł się: %s\n", i+1, len(steps), setupSteps[i], why)
			if fix != "" {
				fmt.Fprintf(r.stderr, "Co zrobić: %s\n", fix)
			}
			if i > 2 { // the enrolment and what follows are kept
				fmt.Fprintln(r.stderr, "Wykonane kroki są zapisane: po naprawie uruchom to samo polecenie jeszcze raz — setup pominie to, co już zrobione.")
			}
			return 1
		}
		fmt.Fprintln(r.stdout, msg)
	}
	fmt.Fprintln(r.stdout, "\nGotowe — kiosk skonfigurowany:")
	for _, kv := range r.summary {
		fmt.Fprintf(r.stdout, "  %-16s %s\n", kv[0]+":", kv[1])
	}
	return 0
}

// title is step i's progress title; the connection step names the portal.
func (r *setupRun) title(i int) string {
	switch i {
	case 1:
		return "Łączę z portalem " + r.code.Portal
	case 3:
		return "Szukam drukarki i czytnika kart (przyłóż kartę do czytnika)"
	case 5:
		return fmt.Sprintf("Przeciągnij kartę serwisową przez czytnik (czekam %s)", seconds(r.swipe))
	case 7:
		if r.label != "" {
			return fmt.Sprintf("Zgłaszam urządzenie w portalu jako „%s”", r.label)
		}
	}
	return setupSteps[i]
}

func (r *setupRun) note(k, v string) { r.summary = append(r.summary, [2]string{k, v}) }

func (r *setupRun) decodeCode(raw string) (string, error) {
	c, err := enrolcode.Decode(raw)
	if err != nil {
		return "", failStep(err.Error(), "zeskanuj kod QR z portalu (Urządzenia → Nowy token rejestracyjny) albo przepisz cały kod jeszcze raz; kod wygenerujesz też poleceniem infomat-portal token create --municipality GMINA")
	}
	r.code = c
	return "OK: portal " + c.Portal, nil
}

// connect reaches the portal, checks that its certificate is the one the code names and
// keeps how to trust it for every later sync: the presented chain's certificates as CA
// content (never a path), or, for a certificate that does not name the host the code gives,
// the pin of its key.
func (r *setupRun) connect() (string, error) {
	u, _ := url.Parse(r.code.Portal)
	if u.Scheme == "http" {
		r.note("portal", r.code.Portal+" (bez TLS: tylko na pętli zwrotnej)")
		return "OK (bez TLS: portal na tym komputerze)", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got [32]byte
	var chain []*x509.Certificate
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 15 * time.Second}, Config: &tls.Config{
		MinVersion: tls.VersionTLS12, ServerName: u.Hostname(),
		// The fingerprint in the code decides, checked in VerifyConnection; the chain is
		// checked below for what sync will need.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("portal nie przedstawił certyfikatu")
			}
			got, chain = sha256.Sum256(cs.PeerCertificates[0].Raw), cs.PeerCertificates
			if got != r.code.Fingerprint {
				return errFingerprint
			}
			return nil
		},
	}}
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	switch {
	case errors.Is(err, errFingerprint):
		return "", failStep(fmt.Sprintf("portal pod %s przedstawił inny certyfikat niż ten w kodzie rejestracyjnym (odmawiam połączenia)\n  w kodzie: %s\n  portal:   %s",
			u.Host, enrolcode.FingerprintString(r.code.Fingerprint), enrolcode.FingerprintString(got)),
			"sprawdź, czy kiosk łączy się z właściwym serwerem: adres i DNS (nslookup "+u.Hostname()+"), czy po drodze nie ma serwera pośredniczącego (proxy) przechwytującego TLS; "+
				"jeśli certyfikat portalu wymieniono, wygeneruj nowy kod w panelu (Urządzenia → Nowy token rejestracyjny) albo infomat-portal token create; "+
				"odcisk certyfikatu na serwerze portalu: openssl x509 -in cert.pem -noout -fingerprint -sha256")
	case err != nil:
		return "", failStep("nie mogę połączyć się z portalem "+u.Host+": "+err.Error(),
			"sprawdź sieć kiosku (ping "+u.Hostname()+"), adres i port w kodzie, czy portal działa (systemctl status infomat-portal) i czy zapora przepuszcza port "+u.Port()+" (użyj https:// i portu, na którym słucha infomat-portal serve)")
	}
	conn.Close()

	fp := enrolcode.FingerprintString(got)
	short := fp[:11] + "…" + fp[len(fp)-8:]
	r.note("portal", fmt.Sprintf("%s (certyfikat SHA-256 %s)", r.code.Portal, fp))
	// The key is pinned, not the certificate or its issuer: a certificate renewed with the
	// same key (certbot --reuse-key, the same CSR, a self-signed one re-made from its key)
	// keeps working with no visit to the kiosk, and a pinned key is never refused for dates
	// a kiosk's wrong clock would put outside the certificate's. A new key needs a new code
	// (docs/technician-guide.md, 4.1).
	r.creds.CertPin, r.creds.CAPEM = protocol.CertPin(chain[0]), ""
	return fmt.Sprintf("OK: certyfikat zgodny z kodem (%s), jego klucz przypięty", short), nil
}

var errFingerprint = errors.New("certificate fingerprint differs from the enrolment code's")

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// enrol enrols with the code's token (the path provision takes), unless a run before did
// with this very code.
func (r *setupRun) enrol() (string, error) {
	if err := os.MkdirAll(r.dataDir, 0o700); err != nil {
		return "", failStep("nie można utworzyć katalogu danych "+r.dataDir+": "+err.Error(), "uruchom setup jako root (sudo) albo podaj --data KATALOG, do którego masz prawo zapisu")
	}
	st, err := openStore(r.dataDir) // also: no kiosk running on it
	if err != nil {
		return "", err
	}
	label := r.label
	if label == "" { // a run again without --label keeps the device's label
		label, _, _ = st.Setting(kiosk.SettingLabel)
	}
	st.Close()
	state := loadSetupState(r.dataDir)
	if creds, err := client.LoadCredentials(r.dataDir); err == nil {
		if state.TokenSHA256 == tokenHash(r.code.Token) && state.DeviceID == creds.DeviceID {
			r.creds = creds
			r.note("urządzenie", fmt.Sprintf("%s, gmina %s", creds.DeviceID, creds.Municipality))
			return fmt.Sprintf("już zrobione wcześniej (urządzenie %s, gmina %s)", creds.DeviceID, creds.Municipality), nil
		}
		// A working kiosk is not re-enrolled by a code given by mistake.
		if !r.force {
			return "", failStep(fmt.Sprintf("urządzenie jest już zarejestrowane jako %s (gmina %s, portal %s)", creds.DeviceID, creds.Municipality, creds.Portal),
				"aby zarejestrować je na nowo tym kodem, uruchom setup z --force: stara tożsamość zostanie wycofana w portalu, kolejka wniosków zostaje i zostanie wysłana; aby tylko dokończyć konfigurację, użyj kodu, którym je zarejestrowano")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var notes []string
	creds, err := enrolDevice(ctx, enrolment{DataDir: r.dataDir, Portal: r.code.Portal, Token: r.code.Token, Label: label,
		Trust: client.Trust{CAPEM: r.creds.CAPEM, CertPin: r.creds.CertPin}, Force: r.force}, func(s string) { notes = append(notes, s) })
	if err != nil {
		fix := client.Advice(err)
		if fix == "" {
			fix = "jeśli kod był już użyty albo wygasł, wygeneruj nowy w panelu (Urządzenia → Nowy token rejestracyjny) albo: infomat-portal token create --municipality GMINA"
		}
		return "", failStep("portal odmówił rejestracji: "+err.Error(), fix)
	}
	r.creds = creds
	if r.label == "" { // the label the token gave, kept by the kiosk for its heartbeats
		r.label = creds.Label
	}
	state.TokenSHA256, state.DeviceID = tokenHash(r.code.Token), creds.DeviceID
	if err := state.save(r.dataDir); err != nil {
		return "", failStep(err.Error(), "sprawdź miejsce i uprawnienia w "+r.dataDir)
	}
	r.note("urządzenie", fmt.Sprintf("%s, gmina %s", creds.DeviceID, creds.Municipality))
	msg := fmt.Sprintf("OK: urządzenie %s, gmina %s", creds.DeviceID, creds.Municipality)
	// The first sync, so the kiosk starts with its municipality's content; a failure is not
	// fatal (the kiosk syncs by itself) but is said.
	var serr bytes.Buffer
	if syncWith(ctx, creds, r.dataDir, io.Discard, &serr) {
		msg += ", treść pobrana"
	} else {
		first, _, _ := strings.Cut(strings.TrimSpace(serr.String()), "\n")
		msg += "; treści jeszcze nie pobrano (kiosk spróbuje sam): " + first
	}
	if len(notes) > 0 {
		msg += " (" + strings.Join(notes, "; ") + ")"
	}
	return msg, nil
}

// openStore opens the device's store, failing as a step does.
func openStore(dir string) (*store.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, _, err := store.Open(ctx, dir)
	if errors.Is(err, store.ErrLocked) {
		return nil, failStep("kiosk działa na katalogu danych "+dir, "zatrzymaj go (systemctl stop infomat) i uruchom setup ponownie")
	}
	if err != nil {
		return nil, failStep("nie można otworzyć magazynu danych: "+err.Error(), "sprawdź miejsce na dysku i uprawnienia do "+dir)
	}
	return st, nil
}

// detect finds the printer and card reader, as `infomat detect --save` does, unless the
// saved ports are still there.
func (r *setupRun) detect() (string, error) {
	st, err := openStore(r.dataDir)
	if err != nil {
		return "", err
	}
	defer st.Close()
	cfg := kiosk.DeviceSettings(st)
	if cfg.PrinterPort != "" && cfg.ReaderPort != "" && portFix(cfg.PrinterPort) == "" && portFix(cfg.ReaderPort) == "" && exists(cfg.PrinterPort) && exists(cfg.ReaderPort) {
		r.noteDevices(cfg)
		return fmt.Sprintf("już zrobione wcześniej: drukarka %s, czytnik %s na %s", cfg.PrinterPort, cfg.ReaderKind, cfg.ReaderPort), nil
	}
	ports := r.ports
	if len(ports) == 0 {
		ports = kiosk.SerialCandidates()
	}
	if len(ports) == 0 {
		return "", failStep(noPorts, "podłącz drukarkę i czytnik (USB), sprawdź zasilanie, potem uruchom setup ponownie")
	}
	d := kiosk.DetectDevices(context.Background(), ports, 9600, r.listen, nil)
	if d.PrinterPort == "" && d.ReaderPort == "" {
		return "", failStep(fmt.Sprintf("na portach %s nie znaleziono ani drukarki, ani czytnika kart", strings.Join(ports, ", ")),
			"sprawdź kable USB i zasilanie; trzymaj kartę przy czytniku podczas szukania; porty wskażesz też ręcznie: infomat settings set printer_port /dev/… (i reader_port)")
	}
	if _, err := saveDetection(st, d); err != nil {
		return "", failStep(err.Error(), "sprawdź miejsce na dysku w "+r.dataDir)
	}
	cfg = kiosk.DeviceSettings(st)
	r.noteDevices(cfg)
	found := func(port, what string) string {
		if port == "" {
			return "nie znaleziono " + what
		}
		return what + " " + port
	}
	msg := "OK: " + found(d.PrinterPort, "drukarka") + ", " + found(d.ReaderPort, "czytnik "+string(d.ReaderKind))
	return msg + " (zapisano w ustawieniach)", nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func (r *setupRun) noteDevices(cfg kiosk.DeviceConfig) {
	none := func(s string) string {
		if s == "" {
			return "nie znaleziono"
		}
		return s
	}
	r.note("drukarka", none(cfg.PrinterPort))
	if cfg.ReaderPort != "" {
		r.note("czytnik kart", cfg.ReaderKind+" na "+cfg.ReaderPort)
	} else {
		r.note("czytnik kart", "nie znaleziono")
	}
}

// testPage prints the self-test's page.
func (r *setupRun) testPage() (string, error) {
	state := loadSetupState(r.dataDir)
	if state.TestPage {
		return "już zrobione wcześniej", nil
	}
	st, err := openStore(r.dataDir)
	if err != nil {
		return "", err
	}
	defer st.Close()
	cfg := kiosk.DeviceSettings(st)
	cfg.ReaderPort = "" // the printer alone
	if cfg.PrinterPort == "" {
		return "", failStep("nie znaleziono drukarki", "sprawdź kabel USB i zasilanie drukarki (zielona lampka), papier i pokrywę, potem uruchom setup ponownie; port wskażesz też ręcznie: infomat settings set printer_port /dev/…")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	name := ""
	if b, _, err := kiosk.LoadContent(kiosk.WithOfficeFile(st, r.dataDir), "", kiosk.Policy{Provisioned: true}, log); err == nil {
		name = b.Municipality.Name
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dctx, dstop := context.WithCancel(ctx)
	defer dstop()
	devices := kiosk.OpenDevices(dctx, cfg, nil, log)
	defer devices.Close()
	msg, ok := printTestPage(ctx, devices, name, func() {})
	if !ok {
		return "", failStep(msg, "usuń przyczynę (papier, pokrywa, zasilanie, kabel) i uruchom setup ponownie")
	}
	state.TestPage = true
	_ = state.save(r.dataDir)
	return "OK: " + msg, nil
}

// openGuard opens the store and its service access (cards, PIN), failing as a step does.
func (r *setupRun) openGuard() (*store.Store, *access.Guard, error) {
	st, err := openStore(r.dataDir)
	if err != nil {
		return nil, nil, err
	}
	guard, _, err := openAccess(st)
	if err != nil {
		st.Close()
		return nil, nil, failStep(err.Error(), "sprawdź magazyn danych: infomat selftest")
	}
	return st, guard, nil
}

// card registers the first service card by swiping it (service add-card --swipe).
func (r *setupRun) card() (string, error) {
	st, guard, err := r.openGuard()
	if err != nil {
		return "", err
	}
	defer st.Close()
	if cards, err := guard.Cards(); err == nil && len(cards) > 0 {
		r.note("karty serwisowe", fmt.Sprint(len(cards)))
		return fmt.Sprintf("już zrobione wcześniej (kart serwisowych: %d; kolejne: infomat service add-card --swipe)", len(cards)), nil
	}
	card, err := swipeCard(context.Background(), kiosk.DeviceSettings(st), r.swipe)
	if err != nil {
		return "", failStep(err.Error(), "uruchom setup ponownie i przeciągnij kartę, gdy pojawi się prośba")
	}
	if err := guard.AddCard(card.ID); err != nil {
		return "", failStep(err.Error(), "spróbuj inną kartą")
	}
	r.note("karty serwisowe", "1 ("+card.String()+")")
	return fmt.Sprintf("OK: karta %s dodana", card), nil
}

// pin asks for the service PIN (twice on a terminal), as service set-pin does.
func (r *setupRun) pin() (string, error) {
	st, guard, err := r.openGuard()
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, set, _ := guard.PINDigits(); set {
		r.note("PIN serwisowy", "ustawiony")
		return "już ustawiony wcześniej (zmiana: infomat service set-pin)", nil
	}
	pin, err := readPIN(r.stdin, r.stderr)
	if err == nil {
		err = setPIN(guard, pin)
	}
	if err != nil {
		return "", failStep(err.Error(), fmt.Sprintf("uruchom setup ponownie i podaj PIN z %d–%d cyfr (dwa razy ten sam)", access.MinPINDigits, access.MaxPINDigits))
	}
	r.note("PIN serwisowy", "ustawiony")
	return "OK: ustawiony", nil
}

// announce keeps the label and sends the first heartbeat, so the fleet shows the device at
// once, with its label.
func (r *setupRun) announce() (string, error) {
	st, err := openStore(r.dataDir)
	if err != nil {
		return "", err
	}
	if r.label != "" {
		if err := st.SetSetting(kiosk.SettingLabel, r.label); err != nil {
			st.Close()
			return "", failStep(err.Error(), "sprawdź miejsce na dysku w "+r.dataDir)
		}
	}
	label, _, _ := st.Setting(kiosk.SettingLabel)
	cfg := kiosk.DeviceSettings(st)
	version, _ := st.PortalVersion()
	st.Close()
	free, _ := kiosk.DiskState(r.dataDir)
	hb := protocol.Heartbeat{ContentVersion: version, Label: label, AppVersion: buildinfo.Version(), DiskFree: free,
		Printer: cfg.PrinterPort, PrinterOK: cfg.PrinterPort != "", Reader: cfg.ReaderPort, ReaderOK: cfg.ReaderPort != ""}
	c, err := client.New(r.creds)
	if err != nil {
		return "", failStep(err.Error(), "uruchom setup ponownie z nowym kodem z panelu")
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Heartbeat(ctx, hb); err != nil {
		fix := client.Advice(err)
		if fix == "" {
			fix = "sprawdź połączenie z portalem i uruchom setup ponownie (kiosk i tak zgłasza się co minutę)"
		}
		return "", failStep("portal nie przyjął zgłoszenia: "+err.Error(), fix)
	}
	if label != "" {
		r.note("etykieta", label)
		return fmt.Sprintf("OK: portal widzi urządzenie %s jako „%s”", r.creds.DeviceID, label), nil
	}
	return fmt.Sprintf("OK: portal widzi urządzenie %s, bez etykiety (nadasz ją: infomat settings set label \"Biblioteka, parter\")", r.creds.DeviceID), nil
}

// start starts the kiosk's unit when this is a packaged device run as root; otherwise it
// says how to start the kiosk.
func (r *setupRun) start() (string, error) {
	r.note("dane", r.dataDir)
	manual := "infomat --data " + r.dataDir
	unit := ""
	for _, p := range r.unitPaths {
		if exists(p) {
			unit = p
			break
		}
	}
	if unit != "" {
		manual = "sudo systemctl start infomat"
	}
	if r.noStart {
		return "pominięto (--no-start); uruchom: " + manual, nil
	}
	systemctl := r.systemctl
	if systemctl == "" {
		systemctl, _ = exec.LookPath("systemctl")
	}
	switch {
	case unit == "" || systemctl == "":
		return "pominięto (brak usługi infomat.service: program nie z pakietu .deb); uruchom: " + manual, nil
	case os.Geteuid() != 0:
		return "pominięto (uruchomienie usługi wymaga roota); uruchom: " + manual, nil
	}
	out, err := exec.Command(systemctl, "start", "infomat").CombinedOutput()
	if err != nil {
		return "", failStep("systemctl start infomat: "+strings.TrimSpace(string(out))+" ("+err.Error()+")",
			"zobacz dziennik: journalctl -u infomat -b; ekran wyłączony przy starcie? kiosk ponawia start co 10 s")
	}
	return "OK: systemctl start infomat", nil
}
