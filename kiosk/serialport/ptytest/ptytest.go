// Package ptytest gives tests a pseudo-terminal pair to stand in for a serial device.
//
// The code under test opens Pair.Name (the slave tty, e.g. /dev/pts/3) exactly as it would
// open /dev/ttyUSB0; the test, or a printer or card-reader simulator, reads and writes
// Pair.Device (the master side). The slave is in raw mode, so every byte value — including
// XON/XOFF, CR and LF — passes unchanged in both directions.
//
// Device is non-blocking under Go's poller: SetReadDeadline works on it, and Close ends a
// Read blocked on it at once. Closing Device hangs up the slave, which is how a test
// simulates unplugging the device.
package ptytest

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is one pseudo-terminal.
type Pair struct {
	Device *os.File // master side: the simulated device
	Name   string   // slave tty path: what the code under test opens

	slave     *os.File // held open so the line stays up while the code under test reopens it
	closeOnce sync.Once
}

// New opens a pseudo-terminal pair, closed at t.Cleanup.
func New(t testing.TB) *Pair {
	t.Helper()
	p, err := Open()
	if err != nil {
		t.Fatalf("ptytest: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Open opens a pair without a testing.TB (for simulators run outside tests); the caller
// closes it.
func Open() (*Pair, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, err
	}
	if err := MakeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return nil, err
	}
	dev, err := pollable(master)
	master.Close()
	if err != nil {
		slave.Close()
		return nil, err
	}
	return &Pair{Device: dev, Name: slave.Name(), slave: slave}, nil
}

// pollable returns a non-blocking copy of f registered with Go's poller (pty.Open leaves
// the master in blocking mode, where deadlines do not work and Close waits for a Read).
func pollable(f *os.File) (*os.File, error) {
	var fd int
	var derr error
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	if err := sc.Control(func(ofd uintptr) {
		fd, derr = unix.FcntlInt(ofd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// MakeRaw puts the tty f in raw mode, like cfmakeraw(3): no echo, no canonical line
// editing, no signals, no CR/LF translation, no output processing, no IXON/IXOFF (the
// tty itself must not eat DC1/DC3), 8 data bits, no parity; reads return after one byte.
func MakeRaw(f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var terr error
	if err := sc.Control(func(fd uintptr) {
		var t *unix.Termios
		t, terr = unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if terr != nil {
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR |
			unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY | unix.IMAXBEL
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		terr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	}); err != nil {
		return err
	}
	return terr
}

// Close closes both sides (the Device first, which hangs up the line). It is safe to call
// more than once and after Device.Close.
func (p *Pair) Close() error {
	var err error
	p.closeOnce.Do(func() {
		err = p.Device.Close()
		if errors.Is(err, os.ErrClosed) {
			err = nil
		}
		if serr := p.slave.Close(); err == nil {
			err = serr
		}
	})
	return err
}

// ReadN reads exactly n bytes from the Device within timeout, or fails the test with what
// arrived.
func (p *Pair) ReadN(t testing.TB, n int, timeout time.Duration) []byte {
	t.Helper()
	buf := make([]byte, n)
	deadline := time.Now().Add(timeout)
	if err := p.Device.SetReadDeadline(deadline); err != nil {
		t.Fatalf("ptytest: set deadline: %v", err)
	}
	defer p.Device.SetReadDeadline(time.Time{})
	got := 0
	for got < n {
		m, err := p.Device.Read(buf[got:])
		got += m
		if err != nil {
			t.Fatalf("ptytest: read %d of %d bytes from %s: %v (got %q)", got, n, p.Name, err, buf[:got])
		}
	}
	return buf
}

// ReadFor collects whatever the Device receives during d (nil if nothing).
func (p *Pair) ReadFor(t testing.TB, d time.Duration) []byte {
	t.Helper()
	if err := p.Device.SetReadDeadline(time.Now().Add(d)); err != nil {
		t.Fatalf("ptytest: set deadline: %v", err)
	}
	defer p.Device.SetReadDeadline(time.Time{})
	var out []byte
	buf := make([]byte, 4096)
	for {
		m, err := p.Device.Read(buf)
		out = append(out, buf[:m]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatalf("ptytest: read from %s: %v", p.Name, err)
		}
	}
}
