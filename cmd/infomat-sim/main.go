// Command infomat-sim plays the kiosk's serial devices on a pseudo-terminal, so the kiosk,
// its tests and technicians can work with no hardware:
//
//	infomat-sim printer [--width 384|576] [--out DIR] [--link PATH] [--state ok|paper-out|cover-open|offline|near-end] [--drain B/s] [--chinese]
//	infomat-sim reader --kind rdm6300|magstripe|line [--link PATH] [--card ID] [--every 2s] [--hold 1s] [--noise]
//
// Each prints the tty to point the kiosk at (and makes the --link symlink to it). The printer
// writes every receipt it cuts to DIR/receipt-N.png and DIR/receipt-N.txt; typing paper-out,
// paper-ok, cover-open, cover-closed, offline, online, near-end or status (Enter) changes or
// shows its state, and SIGUSR1 toggles paper-out. The reader sends the card each time Enter
// is pressed (a typed ID sends that card instead) and/or every --every.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/l10n"
)

const usage = `infomat-sim: symulator urządzeń infomatu (drukarka paragonów, czytnik kart) na pseudoterminalu

Użycie:
  infomat-sim printer [--width 384|576] [--out KATALOG] [--link ŚCIEŻKA] [--state ok|paper-out|cover-open|offline|near-end] [--drain B/s] [--chinese]
  infomat-sim reader --kind rdm6300|magstripe|line [--link ŚCIEŻKA] [--card ID] [--every 2s] [--hold 1s] [--noise]

"infomat-sim printer -h" i "infomat-sim reader -h" opisują opcje.
`

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("infomat-sim: ")
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "infomat-sim:", err)
		os.Exit(2)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("podaj, co symulować: printer albo reader")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "printer", "drukarka":
		return printerCmd(ctx, args[1:], stdin, stdout)
	case "reader", "czytnik":
		return readerCmd(ctx, args[1:], stdin, stdout)
	case "-h", "--help", "help", "pomoc":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("nieznane urządzenie %q (printer albo reader)", args[0])
}

// openPort opens the pseudo-terminal and the symlink to it.
func openPort(link string) (*ptytest.Pair, func(), error) {
	pair, err := ptytest.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("nie udało się otworzyć pseudoterminala: %w", err)
	}
	cleanup := func() { pair.Close() }
	if link != "" {
		if fi, err := os.Lstat(link); err == nil {
			if fi.Mode()&os.ModeSymlink == 0 {
				pair.Close()
				return nil, nil, fmt.Errorf("%s istnieje i nie jest dowiązaniem: nie nadpisuję", link)
			}
			_ = os.Remove(link)
		}
		if err := os.Symlink(pair.Name, link); err != nil {
			pair.Close()
			return nil, nil, fmt.Errorf("dowiązanie %s: %w", link, err)
		}
		cleanup = func() {
			if target, err := os.Readlink(link); err == nil && target == pair.Name {
				_ = os.Remove(link)
			}
			pair.Close()
		}
	}
	return pair, cleanup, nil
}

// ---- printer ----

var stateNames = map[string]func(*printersim.State){
	"paper-out":    func(s *printersim.State) { s.PaperOut = true },
	"paper-ok":     func(s *printersim.State) { s.PaperOut, s.PaperNearEnd = false, false },
	"near-end":     func(s *printersim.State) { s.PaperNearEnd, s.PaperOut = true, false },
	"cover-open":   func(s *printersim.State) { s.CoverOpen = true },
	"cover-closed": func(s *printersim.State) { s.CoverOpen = false },
	"offline":      func(s *printersim.State) { s.Offline = true },
	"online":       func(s *printersim.State) { s.Offline = false },
	"ok":           func(s *printersim.State) { *s = printersim.State{} },
}

func printerCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fl := flag.NewFlagSet("printer", flag.ContinueOnError)
	width := fl.Int("width", 576, "szerokość papieru w punktach: 384 (58 mm) albo 576 (80 mm)")
	out := fl.String("out", "wydruki", "katalog na wydruki receipt-N.png i receipt-N.txt")
	link := fl.String("link", "", "dowiązanie symboliczne do portu, np. /tmp/infomat-printer")
	state := fl.String("state", "ok", "stan na starcie: ok, paper-out, cover-open, offline, near-end")
	drain := fl.Int("drain", printersim.DefaultDrainRate, "ile bajtów na sekundę drukarka zabiera z bufora (960 = 9600 bodów; 0 = bez limitu)")
	chinese := fl.Bool("chinese", false, "zachowuj się jak chiński klon: tryb Kanji włączony, dopóki nie przyjdzie FS .")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *width != 384 && *width != 576 {
		return fmt.Errorf("--width %d: podaj 384 (58 mm) albo 576 (80 mm)", *width)
	}
	set, ok := stateNames[*state]
	if !ok || *state == "paper-ok" {
		return fmt.Errorf("--state %q: podaj ok, paper-out, cover-open, offline albo near-end", *state)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("katalog na wydruki: %w", err)
	}

	pair, cleanup, err := openPort(*link)
	if err != nil {
		return err
	}
	defer cleanup()

	sim := printersim.New(pair.Device, *width)
	sim.SetDrainRate(*drain)
	sim.SetChineseClone(*chinese)
	sim.SetLog(func(format string, args ...any) { log.Printf("drukarka: "+format, args...) })
	var st printersim.State
	set(&st)
	sim.SetState(st)

	next := nextReceipt(*out)
	var mu sync.Mutex
	sim.OnCut(func(j printersim.Job) {
		mu.Lock()
		n := next
		next++
		mu.Unlock()
		base := filepath.Join(*out, fmt.Sprintf("receipt-%d", n))
		if err := writeReceipt(base, j); err != nil {
			log.Printf("nie zapisano wydruku: %v", err)
			return
		}
		lines := strings.Count(j.Text, "\n")
		qr := ""
		if len(j.QR) > 0 {
			qr = fmt.Sprintf(", kody QR: %q", j.QR)
		}
		log.Printf("wydruk nr %d: %s%s → %s.png, %s.txt", n, l10n.Count(lines, "wiersz", "wiersze", "wierszy"), qr, base, base)
	})

	fmt.Fprintf(stdout, "Drukarka (symulator) na %s — podłącz kiosk do tego portu\n", pair.Name)
	if *link != "" {
		fmt.Fprintf(stdout, "Dowiązanie: %s → %s\n", *link, pair.Name)
	}
	fmt.Fprintf(stdout, "Papier %d punktów (%s), wydruki w %s, stan: %s\n", *width, paperName(*width), *out, st)
	fmt.Fprintln(stdout, "Polecenia: paper-out, paper-ok, near-end, cover-open, cover-closed, offline, online, status; SIGUSR1 przełącza brak papieru")

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	var smu sync.Mutex // one state change at a time
	change := func(f func(*printersim.State)) {
		smu.Lock()
		defer smu.Unlock()
		st := sim.State()
		f(&st)
		sim.SetState(st)
		fmt.Fprintf(stdout, "Stan drukarki: %s\n", st)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-usr1:
				change(func(s *printersim.State) { s.PaperOut = !s.PaperOut })
			}
		}
	}()
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			cmd := strings.ToLower(strings.TrimSpace(sc.Text()))
			switch f, ok := stateNames[cmd]; {
			case ok:
				change(f)
			case cmd == "status", cmd == "stan", cmd == "":
				fmt.Fprintf(stdout, "Stan drukarki: %s; wydruków: %d, XOFF: %d, nieznanych poleceń: %d\n",
					sim.State(), sim.Jobs(), sim.XoffsSent(), sim.Unknown())
			default:
				fmt.Fprintf(stdout, "Nie znam polecenia %q. Polecenia: paper-out, paper-ok, near-end, cover-open, cover-closed, offline, online, status\n", cmd)
			}
		}
	}()

	err = sim.Run(ctx)
	fmt.Fprintf(stdout, "Koniec symulacji drukarki: %s.\n", l10n.Count(sim.Jobs(), "wydruk", "wydruki", "wydruków"))
	return err
}

func paperName(w int) string {
	if w == 384 {
		return "58 mm"
	}
	return "80 mm"
}

var receiptName = regexp.MustCompile(`^receipt-(\d+)\.(png|txt)$`)

// nextReceipt is the number after the highest receipt-N already in dir, so a second run
// does not overwrite the first one's receipts.
func nextReceipt(dir string) int {
	n := 0
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if m := receiptName.FindStringSubmatch(e.Name()); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil {
				n = max(n, v)
			}
		}
	}
	return n + 1
}

// writeReceipt writes base.txt and base.png (the PNG last: a script waiting for it finds both).
func writeReceipt(base string, j printersim.Job) error {
	if err := os.WriteFile(base+".txt", []byte(j.Text), 0o644); err != nil {
		return err
	}
	tmp := base + ".png.tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := png.Encode(f, j.Image); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, base+".png")
}

// ---- card reader ----

var defaultCards = map[cardreader.Kind]string{
	cardreader.KindRDM6300:   "0F00A1B2C3",
	cardreader.KindMagstripe: "6390001234567890",
	cardreader.KindLine:      "SERWIS-0001",
}

// rdmRepeat is how often an RDM6300 repeats the frame while the card is held.
const rdmRepeat = 100 * time.Millisecond

func readerCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fl := flag.NewFlagSet("reader", flag.ContinueOnError)
	kindName := fl.String("kind", "rdm6300", "rodzaj czytnika: rdm6300 (RFID 125 kHz), magstripe (karta magnetyczna), line (skaner kodów)")
	link := fl.String("link", "", "dowiązanie symboliczne do portu, np. /tmp/infomat-reader")
	card := fl.String("card", "", "numer karty (domyślnie przykładowa karta serwisowa danego rodzaju)")
	every := fl.Duration("every", 0, "przykładaj kartę co tyle czasu, np. 2s (0 = tylko po Enter)")
	hold := fl.Duration("hold", time.Second, "jak długo karta RFID leży na czytniku (czytnik powtarza ramkę co 100 ms)")
	noise := fl.Bool("noise", false, "dokładaj śmieci między ramkami, jak zakłócona linia")
	if err := fl.Parse(args); err != nil {
		return err
	}
	kind, err := cardreader.ParseKind(*kindName)
	if err != nil {
		return fmt.Errorf("--kind %q: podaj rdm6300, magstripe albo line", *kindName)
	}
	if *card == "" {
		*card = defaultCards[kind]
	}

	pair, cleanup, err := openPort(*link)
	if err != nil {
		return err
	}
	defer cleanup()

	fmt.Fprintf(stdout, "Czytnik kart %s (symulator) na %s — podłącz kiosk do tego portu\n", kind, pair.Name)
	if *link != "" {
		fmt.Fprintf(stdout, "Dowiązanie: %s → %s\n", *link, pair.Name)
	}
	fmt.Fprintf(stdout, "Enter przykłada kartę %s; wpisz inny numer i Enter, by przyłożyć inną kartę.\n", *card)
	if *every > 0 {
		fmt.Fprintf(stdout, "Karta przykładana automatycznie co %s.\n", *every)
	}

	// Whatever the kiosk writes to a reader is read and dropped.
	go func() { _, _ = io.Copy(io.Discard, pair.Device) }()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var wmu sync.Mutex
	write := func(b []byte) error {
		_ = pair.Device.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, err := pair.Device.Write(b)
		return err
	}
	present := func(id string) {
		wmu.Lock()
		defer wmu.Unlock()
		frame := cardreader.Frame(kind, id)
		frames := 1
		if kind == cardreader.KindRDM6300 {
			frames = max(1, int(*hold/rdmRepeat))
		}
		for i := range frames {
			if i > 0 {
				select {
				case <-time.After(rdmRepeat):
				case <-ctx.Done():
					return
				}
			}
			b := frame
			if *noise {
				b = append(cardreader.Noise(rng, 8+rng.IntN(24)), frame...)
			}
			if err := write(b); err != nil {
				log.Printf("czytnik: nie wysłano ramki (czy kiosk czyta z portu?): %v", err)
				return
			}
		}
		log.Printf("czytnik: przyłożono kartę %s (%s)", cardreader.Card{ID: id, Kind: kind}, l10n.Count(frames, "ramka", "ramki", "ramek"))
	}

	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			id := strings.TrimSpace(sc.Text())
			if id == "" {
				id = *card
			}
			present(id)
		}
	}()
	if *every > 0 {
		go func() {
			t := time.NewTicker(*every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					present(*card)
				}
			}
		}()
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "Koniec symulacji czytnika.")
	return nil
}
