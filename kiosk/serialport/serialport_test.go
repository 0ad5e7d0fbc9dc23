package serialport_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"infomat/kiosk/serialport"
	"infomat/kiosk/serialport/ptytest"
)

func open(t *testing.T, cfg serialport.Config) *serialport.Port {
	t.Helper()
	p, err := serialport.Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// readN reads n bytes from the port within timeout.
func readN(t *testing.T, p *serialport.Port, n int, timeout time.Duration) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	for len(out) < n {
		m, err := p.Read(ctx, buf[:min(len(buf), n-len(out))])
		out = append(out, buf[:m]...)
		if err != nil {
			t.Fatalf("Read after %d of %d bytes: %v", len(out), n, err)
		}
	}
	return out
}

// waitFor polls cond for up to 2 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func write(t *testing.T, p *serialport.Port, b []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := p.Write(ctx, b)
	if err != nil || n != len(b) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(b))
	}
}

func TestRoundTripAllBytes(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name})
	if p.Name() != dev.Name {
		t.Errorf("Name() = %q, want %q", p.Name(), dev.Name)
	}
	all := allBytes()

	write(t, p, all)
	if got := dev.ReadN(t, 256, 2*time.Second); !bytes.Equal(got, all) {
		t.Errorf("device got %x", got)
	}

	if _, err := dev.Device.Write(all); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, 256, 2*time.Second); !bytes.Equal(got, all) {
		t.Errorf("kiosk got %x", got)
	}
	if p.Paused() {
		t.Error("Paused() without XonXoff")
	}
}

func TestRoundTripXonXoff(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name, XonXoff: true})
	all := allBytes()

	// Outgoing data is not filtered.
	write(t, p, all)
	if got := dev.ReadN(t, 256, 2*time.Second); !bytes.Equal(got, all) {
		t.Errorf("device got %x", got)
	}

	// Incoming DC1/DC3 are flow control, everything else is data.
	if _, err := dev.Device.Write(all); err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, b := range all {
		if b != serialport.XON && b != serialport.XOFF {
			want = append(want, b)
		}
	}
	if got := readN(t, p, len(want), 2*time.Second); !bytes.Equal(got, want) {
		t.Errorf("kiosk got %x\nwant %x", got, want)
	}
	// 0x11 came before 0x13 in the stream: the device is left in XOFF.
	if !p.Paused() {
		t.Error("Paused() = false after XON then XOFF")
	}
	// Nothing more is waiting: the flow-control bytes were not delivered late.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if n, err := p.Read(ctx, make([]byte, 8)); n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("extra Read = %d, %v", n, err)
	}
}

func TestXoffPausesWrite(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name, XonXoff: true})

	if _, err := dev.Device.Write([]byte{serialport.XOFF}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Paused()", p.Paused)

	job := bytes.Repeat([]byte("Urząd Gminy — potwierdzenie złożenia wniosku\n"), 1500) // ~70 KB
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n, err := p.Write(ctx, job)
		done <- result{n, err}
	}()

	if got := dev.ReadFor(t, 300*time.Millisecond); len(got) != 0 {
		t.Errorf("device received %d bytes while it had sent XOFF", len(got))
	}
	if !p.Paused() {
		t.Error("Paused() = false before XON")
	}
	select {
	case r := <-done:
		t.Fatalf("Write returned during XOFF: %d, %v", r.n, r.err)
	default:
	}

	if _, err := dev.Device.Write([]byte{serialport.XON}); err != nil {
		t.Fatal(err)
	}
	if got := dev.ReadN(t, len(job), 5*time.Second); !bytes.Equal(got, job) {
		t.Error("job corrupted after XON")
	}
	if r := <-done; r.n != len(job) || r.err != nil {
		t.Errorf("Write = %d, %v; want %d, nil", r.n, r.err, len(job))
	}
	if p.Paused() {
		t.Error("Paused() after XON")
	}
}

func TestXoffMidWrite(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name, XonXoff: true})

	job := make([]byte, 256<<10)
	for i := range job {
		job[i] = byte('A' + i%26)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := p.Write(ctx, job)
		done <- err
	}()

	// The printer's buffer fills after 1 KiB: it says XOFF.
	got := dev.ReadN(t, 1024, 2*time.Second)
	if _, err := dev.Device.Write([]byte{serialport.XOFF}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Paused()", p.Paused)
	// What was already in flight drains, then nothing more comes.
	got = append(got, dev.ReadFor(t, 200*time.Millisecond)...)
	if extra := dev.ReadFor(t, 300*time.Millisecond); len(extra) != 0 {
		t.Fatalf("%d bytes arrived well after XOFF", len(extra))
	}
	if len(got) >= len(job) {
		t.Fatalf("whole job arrived despite XOFF")
	}
	t.Logf("paused after %d of %d bytes", len(got), len(job))

	if _, err := dev.Device.Write([]byte{serialport.XON}); err != nil {
		t.Fatal(err)
	}
	got = append(got, dev.ReadN(t, len(job)-len(got), 5*time.Second)...)
	if !bytes.Equal(got, job) {
		t.Error("job corrupted across XOFF/XON")
	}
	if err := <-done; err != nil {
		t.Errorf("Write: %v", err)
	}
}

func TestWriteCancelledDuringXoff(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name, XonXoff: true})
	if _, err := dev.Device.Write([]byte{serialport.XOFF}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Paused()", p.Paused)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	n, err := p.Write(ctx, []byte("paragon"))
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("Write took %v to notice the cancel", elapsed)
	}
	if n != 0 || err != context.Canceled {
		t.Errorf("Write = %d, %v; want 0, context.Canceled", n, err)
	}
	if got := dev.ReadFor(t, 100*time.Millisecond); len(got) != 0 {
		t.Errorf("device received %q", got)
	}

	// The port is still usable once the device says XON.
	if _, err := dev.Device.Write([]byte{serialport.XON}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "XON", func() bool { return !p.Paused() })
	write(t, p, []byte("ok"))
	if got := dev.ReadN(t, 2, 2*time.Second); string(got) != "ok" {
		t.Errorf("device got %q", got)
	}
}

func TestReadCancel(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name, ReadTimeout: 500 * time.Millisecond})

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	n, err := p.Read(ctx, make([]byte, 16))
	// Promptly: well before the line's 500 ms read timeout would end a blocked read.
	if elapsed := time.Since(start); elapsed > 300*time.Millisecond {
		t.Errorf("Read took %v to notice the cancel", elapsed)
	}
	if n != 0 || err != context.Canceled {
		t.Errorf("Read = %d, %v; want 0, context.Canceled", n, err)
	}
}

func TestReadTimeoutsAreNotErrors(t *testing.T) {
	dev := ptytest.New(t)
	p := open(t, serialport.Config{Name: dev.Name}) // 100 ms timeouts: ~10 of them below

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := p.Read(ctx, make([]byte, 16))
	if n != 0 || err != context.DeadlineExceeded {
		t.Errorf("Read = %d, %v; want 0, context.DeadlineExceeded", n, err)
	}
	if r := p.Reopens(); r != 0 {
		t.Errorf("Reopens() = %d after idle reads", r)
	}
	if !p.Connected() || p.LastError() != nil {
		t.Errorf("Connected() = %v, LastError() = %v after idle reads", p.Connected(), p.LastError())
	}

	// Data after a long silence still arrives.
	if _, err := dev.Device.Write([]byte("\x020123456789AB\x03")); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, p, 14, 2*time.Second); string(got) != "\x020123456789AB\x03" {
		t.Errorf("got %q", got)
	}
}

func TestOpenMissing(t *testing.T) {
	name := filepath.Join(t.TempDir(), "ttyUSB1")
	_, err := serialport.Open(serialport.Config{Name: name})
	if err == nil {
		t.Fatal("Open of a missing port succeeded")
	}
	if !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not name the port", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %q is not ErrNotExist", err)
	}
}

func TestOpenBadConfig(t *testing.T) {
	dev := ptytest.New(t)
	for _, cfg := range []serialport.Config{
		{Name: dev.Name, Parity: "X"},
		{Name: dev.Name, Baud: 12345},
	} {
		_, err := serialport.Open(cfg)
		if err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
			continue
		}
		if !strings.Contains(err.Error(), dev.Name) {
			t.Errorf("error %q does not name the port", err)
		}
	}
	// Even parity is accepted on a pty.
	open(t, serialport.Config{Name: dev.Name, Parity: "E", Baud: 19200})
}

func TestClose(t *testing.T) {
	dev := ptytest.New(t)
	p, err := serialport.Open(serialport.Config{Name: dev.Name})
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := p.Read(context.Background(), make([]byte, 1))
		readErr <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, serialport.ErrClosed) {
			t.Errorf("blocked Read after Close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("blocked Read did not return after Close")
	}
	if _, err := p.Write(context.Background(), []byte("x")); !errors.Is(err, serialport.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// unplugLink removes the udev-style link, as udev does when the device goes away.
func unplugLink(t *testing.T, link string) {
	t.Helper()
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
}

// TestReopen unplugs the device (closes the pty master, which hangs up the tty) and plugs
// "it" back as a new pty that the udev-style symlink is repointed to.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "infomat-printer")
	repoint := func(target string) {
		tmp := link + ".new"
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, link); err != nil {
			t.Fatal(err)
		}
	}
	dev1 := ptytest.New(t)
	dev2 := ptytest.New(t) // opened now so it gets a different /dev/pts number
	repoint(dev1.Name)

	p := open(t, serialport.Config{Name: link, XonXoff: true})
	write(t, p, []byte("first"))
	if got := dev1.ReadN(t, 5, 2*time.Second); string(got) != "first" {
		t.Fatalf("dev1 got %q", got)
	}
	// Paused state belongs to the device connection: a replugged printer starts unpaused.
	if _, err := dev1.Device.Write([]byte{serialport.XOFF}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Paused()", p.Paused)

	// A reader is waiting when the device goes away; it must ride through the replug.
	type result struct {
		b   []byte
		err error
	}
	readDone := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		buf := make([]byte, 16)
		n, err := p.Read(ctx, buf)
		readDone <- result{buf[:n], err}
	}()

	// Unplug: the tty hangs up and udev removes the link. (Removing it also keeps the
	// test from reopening the old /dev/pts number if another test process reuses it.)
	if err := dev1.Close(); err != nil {
		t.Fatal(err)
	}
	unplugLink(t, link)
	waitFor(t, "the port to notice the unplug", func() bool { return !p.Connected() })
	if p.Paused() {
		t.Error("still Paused() after unplug")
	}
	// The blocked Read now retries opening the link, which is gone.
	time.Sleep(300 * time.Millisecond)
	if p.Connected() || p.Reopens() != 0 {
		t.Fatalf("reopened a dead device: Connected() = %v, Reopens() = %d", p.Connected(), p.Reopens())
	}

	// Plug back in.
	repoint(dev2.Name)
	waitFor(t, "the port to reopen", p.Connected)

	write(t, p, []byte("second"))
	if got := dev2.ReadN(t, 6, 3*time.Second); string(got) != "second" {
		t.Errorf("dev2 got %q", got)
	}
	if _, err := dev2.Device.Write([]byte("card")); err != nil {
		t.Fatal(err)
	}
	r := <-readDone
	if r.err != nil || string(r.b) != "card" {
		t.Errorf("Read across the replug = %q, %v; want \"card\", nil", r.b, r.err)
	}
	if n := p.Reopens(); n != 1 {
		t.Errorf("Reopens() = %d, want 1", n)
	}
	if p.LastError() == nil {
		t.Error("LastError() = nil after an unplug")
	}
}

// TestWriteReopens: with nobody reading, the unplug is noticed by the reader goroutine and
// the next Write reopens the port (retrying with backoff until the device is back).
func TestWriteReopens(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "infomat-printer")
	dev1 := ptytest.New(t)
	dev2 := ptytest.New(t)
	if err := os.Symlink(dev1.Name, link); err != nil {
		t.Fatal(err)
	}
	p := open(t, serialport.Config{Name: link})
	dev1.Close()
	unplugLink(t, link)
	waitFor(t, "the port to notice the unplug", func() bool { return !p.Connected() })

	time.AfterFunc(250*time.Millisecond, func() {
		tmp := link + ".new"
		if err := os.Symlink(dev2.Name, tmp); err == nil {
			os.Rename(tmp, link)
		}
	})
	write(t, p, []byte("receipt"))
	if got := dev2.ReadN(t, 7, 3*time.Second); string(got) != "receipt" {
		t.Errorf("dev2 got %q", got)
	}
	if n := p.Reopens(); n != 1 {
		t.Errorf("Reopens() = %d, want 1", n)
	}
}

// TestReopenGivesUpWithCtx: while the device stays away, Write retries until ctx ends.
func TestReopenGivesUpWithCtx(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "infomat-printer")
	dev := ptytest.New(t)
	if err := os.Symlink(dev.Name, link); err != nil {
		t.Fatal(err)
	}
	p := open(t, serialport.Config{Name: link})
	dev.Close()
	unplugLink(t, link)
	waitFor(t, "the port to notice the unplug", func() bool { return !p.Connected() })

	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	n, err := p.Write(ctx, []byte("x"))
	if n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write = %d, %v; want 0, DeadlineExceeded", n, err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Write took %v with a 400 ms deadline", elapsed)
	}
	if err != nil && !strings.Contains(err.Error(), link) {
		t.Errorf("error %q does not say what failed to reopen", err)
	}
}
