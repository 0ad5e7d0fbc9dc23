package main

import (
	"bufio"
	"bytes"
	"errors"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"infomat/kiosk/cardreader"
)

var simBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "infomat-sim-test")
	if err != nil {
		panic(err)
	}
	simBin = filepath.Join(dir, "infomat-sim")
	build := exec.Command("go", "build", "-o", simBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("go build: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running infomat-sim with its stdin and the lines of its stdout.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startSim(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(simBin, args...)
	cmd.Stderr = &testLog{t: t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdin: stdin, lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return p
}

// expect waits for a stdout line matching re and returns its submatches.
func (p *proc) expect(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("infomat-sim ended without printing %q", re)
			}
			t.Logf("stdout: %s", l)
			if m := rx.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %q in 10 s", re)
		}
	}
}

// stop ends the simulator with SIGTERM and checks it exits cleanly.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("infomat-sim after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("infomat-sim did not stop on SIGTERM")
	}
}

type testLog struct{ t *testing.T }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Logf("stderr: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

func openTTY(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readFor collects what the tty gives within d.
func readFor(t *testing.T, f *os.File, d time.Duration, enough func([]byte) bool) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 256)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && !enough(got) {
		_ = f.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read: %v", err)
		}
	}
	return got
}

func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear: %v", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPrinter(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "wydruki")
	link := filepath.Join(dir, "infomat-printer")
	p := startSim(t, "printer", "--width", "384", "--out", out, "--link", link)
	tty := p.expect(t, `^Drukarka \(symulator\) na (/dev/pts/\d+) — podłącz kiosk`)[1]
	if target, err := os.Readlink(link); err != nil || target != tty {
		t.Fatalf("link %s → %q, %v; want %s", link, target, err, tty)
	}
	f := openTTY(t, link)

	// Zażółć gęślą jaźń in CP852, a native QR code and a cut.
	job := []byte("\x1b@\x1c.\x1bt\x12\x1ba\x01\x1bE\x01Gmina Przyk\x88adowo\n\x1bE\x00\x1ba\x00")
	job = append(job, "Za\xbe\xa2\x88\x86 g\xa9\x98l\xa5 ja\xab\xe4\n"...)
	qr := "https://wnioski.przykladowa.example.pl/sprawdz/PRZ-7K4M-Q2"
	n := len(qr) + 3
	job = append(job, 0x1d, '(', 'k', 3, 0, '1', 'C', 6, 0x1d, '(', 'k', byte(n), 0, '1', 'P', '0')
	job = append(job, qr...)
	job = append(job, 0x1d, '(', 'k', 3, 0, '1', 'Q', '0', 0x1b, 'd', 3, 0x1d, 'V', 'B', 0)
	if _, err := f.Write(job); err != nil {
		t.Fatal(err)
	}
	// The PNG comes last, renamed into place: once it is there, the text is complete (waiting
	// for the text file itself could read it half written).
	pngData := waitFile(t, filepath.Join(out, "receipt-1.png"))
	text := string(waitFile(t, filepath.Join(out, "receipt-1.txt")))
	for _, want := range []string{"Gmina Przykładowo\nZażółć gęślą jaźń\n", "[kod QR: " + qr + "]", "--- cięcie ---"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt-1.txt lacks %q:\n%s", want, text)
		}
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil || img.Bounds().Dx() != 384 {
		t.Errorf("receipt-1.png: %v, %v", err, img)
	}

	// The technician takes the paper out: the kiosk's status query sees it.
	io.WriteString(p.stdin, "paper-out\n")
	p.expect(t, `^Stan drukarki: brak papieru`)
	f.Write([]byte{0x10, 0x04, 4})
	if got := readFor(t, f, 3*time.Second, func(b []byte) bool { return len(b) > 0 }); !bytes.Equal(got, []byte{0x7E}) {
		t.Errorf("DLE EOT 4 with no paper answered % X, want 7E", got)
	}
	// A script puts it back with SIGUSR1.
	p.cmd.Process.Signal(syscall.SIGUSR1)
	p.expect(t, `^Stan drukarki: gotowa`)
	f.Write([]byte{0x10, 0x04, 4})
	if got := readFor(t, f, 3*time.Second, func(b []byte) bool { return len(b) > 0 }); !bytes.Equal(got, []byte{0x12}) {
		t.Errorf("DLE EOT 4 with paper answered % X, want 12", got)
	}

	p.stop(t)
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("the link is still there after exit: %v", err)
	}
}

func TestReader(t *testing.T) {
	for _, kind := range cardreader.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			id := map[cardreader.Kind]string{cardreader.KindRDM6300: "1A2B3C4D5E",
				cardreader.KindMagstripe: "6390009876543210", cardreader.KindLine: "KARTA-42"}[kind]
			p := startSim(t, "reader", "--kind", string(kind), "--card", id, "--hold", "300ms", "--noise")
			tty := p.expect(t, `na (/dev/pts/\d+) — podłącz kiosk`)[1]
			f := openTTY(t, tty)
			io.WriteString(p.stdin, "\n")
			parser, err := cardreader.NewParser(kind)
			if err != nil {
				t.Fatal(err)
			}
			var cards []cardreader.Card
			want := 1
			if kind == cardreader.KindRDM6300 {
				want = 3 // held for 300 ms: a frame every 100 ms
			}
			readFor(t, f, 5*time.Second, func(b []byte) bool {
				cards = append(cards, parser.Feed(b)...)
				return len(cards) >= want
			})
			if len(cards) < want {
				t.Fatalf("read %d cards, want %d", len(cards), want)
			}
			for _, c := range cards {
				if c.ID != id {
					t.Errorf("card %q, want %q", c.ID, id)
				}
			}
			p.stop(t)
		})
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{}, {"toster"}, {"printer", "--width", "500"}, {"printer", "--state", "zepsuta"}, {"reader", "--kind", "nfc"}} {
		out, err := exec.Command(simBin, args...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("infomat-sim %q: %v, want exit status 2\n%s", args, err, out)
		}
	}
}
