package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/kiosk"
	"infomat/kiosk/cardreader"
	"infomat/kiosk/printersim"
	"infomat/kiosk/serialport/ptytest"
	"infomat/store"
	"infomat/sync/enrolcode"
)

// watchedOutput is setup's output, telling the test when a text has appeared in it.
type watchedOutput struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	marks   map[string]chan struct{}
	written bool
}

func newWatchedOutput(marks ...string) *watchedOutput {
	w := &watchedOutput{marks: map[string]chan struct{}{}}
	for _, m := range marks {
		w.marks[m] = make(chan struct{})
	}
	return w
}

func (w *watchedOutput) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	for m, ch := range w.marks {
		if ch != nil && strings.Contains(w.buf.String(), m) {
			close(ch)
			w.marks[m] = nil
		}
	}
	return n, err
}

func (w *watchedOutput) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// seen waits (at most 20 s) until mark has been written.
func (w *watchedOutput) seen(mark string) bool {
	w.mu.Lock()
	ch, ok := w.marks[mark]
	w.mu.Unlock()
	if !ok || ch == nil {
		return ok
	}
	select {
	case <-ch:
		return true
	case <-time.After(20 * time.Second):
		return false
	}
}

// openCount is how many of this process's file descriptors are open on the tty name.
func openCount(t *testing.T, name string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); target == name {
			n++
		}
	}
	return n
}

// A kiosk whose card reader is a serial QR scanner (kind line): setup with no code
// argument takes the code the scanner sends when the prompt shows. A scan with a bad
// checksum is said and the wait goes on; the good scan after it enrols. The scanner is
// the reader too: detect finds it as a line reader and its next scan is the service card;
// the PIN typed on stdin after the code is read whole.
func TestSetupScannedCode(t *testing.T) {
	_, _, newCode := setupPortal(t)
	good := newCode("")
	other := "A" // a misread character: the checksum no longer matches
	if good[20] == 'A' {
		other = "B"
	}
	bad := good[:20] + other + good[21:]
	if _, err := enrolcode.Decode(bad); !errors.Is(err, enrolcode.ErrChecksum) {
		t.Fatalf("the bad code decodes with %v", err)
	}

	pp, scanner := ptytest.New(t), ptytest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sim := printersim.New(pp.Device, 576)
	go sim.Run(ctx)

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdinR.Close(); stdinW.Close() })
	out := newWatchedOutput("[1/9]")
	errOut := newWatchedOutput("naciśnij Enter: ", "jest błędny")
	const cardID = "SERWIS-0042"
	go func() {
		// The technician scans when asked: first a bad scan, then, once it is refused, the
		// good one; then the service card, held until the test ends.
		if !errOut.seen("naciśnij Enter: ") {
			return
		}
		scanner.Device.Write(cardreader.Frame(cardreader.KindLine, bad))
		if !errOut.seen("jest błędny") {
			return
		}
		scanner.Device.Write(cardreader.Frame(cardreader.KindLine, good))
		if !out.seen("[1/9]") {
			return
		}
		stdinW.Write([]byte("12345678\n")) // the PIN, typed after the code was taken
		holdCard(ctx, scanner.Device, cardreader.Frame(cardreader.KindLine, cardID), 300*time.Millisecond)
	}()

	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--data", data, "--ports", pp.Name + "," + scanner.Name, "--listen", "5s", "--card-timeout", "10s", "--code-timeout", "20s", "--no-start"}
	if code := setupCmd(args, stdinR, out, errOut); code != 0 {
		t.Fatalf("setup: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	t.Logf("setup printed:\n%s%s", errOut.String(), out.String())
	for _, want := range []string{
		"Zeskanuj kod QR z portalu czytnikiem kiosku albo wpisz kod rejestracyjny (INFOMAT1:…) i naciśnij Enter: ",
		"Kod z czytnika " + scanner.Name + " jest błędny: " + enrolcode.ErrChecksum.Error() + "\nZeskanuj kod QR jeszcze raz — czekam dalej: ",
		"Kod odczytany czytnikiem na " + scanner.Name + ".",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	for _, want := range []string{
		"[1/9] Odczytuję kod rejestracyjny… OK",
		"[3/9] Rejestruję urządzenie i pobieram treść… OK",
		"[4/9] Szukam drukarki i czytnika kart (przyłóż kartę do czytnika)… OK: drukarka " + pp.Name + ", czytnik line " + scanner.Name,
		"[6/9] Przeciągnij kartę serwisową przez czytnik (czekam 10 s)… OK: karta line:*******0042 dodana",
		"[7/9] PIN serwisowy… OK: ustawiony",
		"Gotowe — kiosk skonfigurowany:",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !cardAllowed(t, data, cardID) {
		t.Error("the scanned service card is not allowed")
	}
	if !pinWorks(t, data, "12345678") {
		t.Error("the PIN typed after the scanned code was not set whole")
	}
	st, _, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	cfg := kiosk.DeviceSettings(st)
	st.Close()
	if cfg.ReaderPort != scanner.Name || cfg.ReaderKind != "line" {
		t.Errorf("reader settings: %+v", cfg)
	}
}

// With no code within --code-timeout, setup ends with the Polish error and its fix, having
// listened on the ports it could open (a missing one is skipped without a word) and kept
// none of them open; stdin at its end does not stop the wait while a port listens. With no
// port to listen on, stdin's end is the end, as before.
func TestSetupCodeTimeout(t *testing.T) {
	scanner := ptytest.New(t)
	missing := filepath.Join(t.TempDir(), "ttyUSB9")
	before := openCount(t, scanner.Name)
	var out, errOut bytes.Buffer
	scanner.Device.Write(cardreader.Frame(cardreader.KindLine, "0042")) // a card: not a code
	code := setupCmd([]string{"--data", t.TempDir(), "--no-start", "--ports", missing + "," + scanner.Name, "--code-timeout", "1s"},
		strings.NewReader(""), &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"Nie otrzymano kodu rejestracyjnego w ciągu 1 s (słuchałem czytnika na: " + scanner.Name + ").",
		"Co zrobić: uruchom setup ponownie i zeskanuj kod QR z panelu",
		"--code-timeout 10m",
	} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), missing) || out.Len() != 0 {
		t.Errorf("output names the missing port or shows a step:\n%s%s", out.String(), errOut.String())
	}
	if n := openCount(t, scanner.Name); n != before {
		t.Errorf("%d descriptors open on the scanner's port after setup, %d before", n, before)
	}

	errOut.Reset()
	if code := setupCmd([]string{"--data", t.TempDir(), "--no-start", "--ports", missing}, strings.NewReader(""), &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "Brak kodu rejestracyjnego: podaj go jako argument") {
		t.Fatalf("no port, stdin empty: exit %d\n%s", code, errOut.String())
	}
}

// gatedReader is a reader whose reads wait for open; each read done is signalled on read.
type gatedReader struct {
	open chan struct{}
	read chan struct{}
	r    io.Reader
}

func (g *gatedReader) Read(p []byte) (int, error) {
	<-g.open
	n, err := g.r.Read(p)
	g.read <- struct{}{}
	return n, err
}

// A wait for the code given up (the scanner was first) while a read of stdin is in flight
// loses nothing: the PIN typed next is read whole, from a pipe polled as a terminal is and
// from any other reader (whose byte read for the wait is handed on).
func TestSetupStdinHandOff(t *testing.T) {
	g := &gatedReader{open: make(chan struct{}), read: make(chan struct{}, 10), r: strings.NewReader("12345678\n")}
	in := newStdinLines(g)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := in.readLine(ctx); err != context.Canceled {
		t.Fatalf("the wait ended with %v", err)
	}
	close(g.open) // the PIN is typed: the read left in flight by the wait takes its first byte
	<-g.read
	if pin, err := readPIN(in.reader(), io.Discard); err != nil || pin != "12345678" {
		t.Errorf("reader: PIN after the wait %q, %v", pin, err)
	}

	f, fw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); fw.Close() })
	in = newStdinLines(f)
	if _, err := in.readLine(ctx); err != context.Canceled {
		t.Fatalf("file: the wait ended with %v", err)
	}
	fw.Write([]byte("12345678\n"))
	if pin, err := readPIN(in.reader(), io.Discard); err != nil || pin != "12345678" {
		t.Errorf("file: PIN after the wait %q, %v", pin, err)
	}
}
