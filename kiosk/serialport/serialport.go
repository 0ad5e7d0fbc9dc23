// Package serialport is the kiosk's serial line to its printer and card reader.
//
// It wraps github.com/tarm/serial with what the devices on an infomat need:
//
//   - Reads and writes take a context. tarm/serial reads cannot be interrupted (only its
//     read timeout ends them), so one reader goroutine per open port polls the line and
//     feeds a buffer; Read waits on that buffer or the context.
//   - A read timeout — tarm/serial returns (0, io.EOF), sometimes (0, nil) — means "no data
//     yet", never "port closed".
//   - Software flow control (XON/XOFF) for serial receipt printers, which tarm/serial does
//     not offer: with Config.XonXoff the reader goroutine consumes DC3 (XOFF, 0x13) and DC1
//     (XON, 0x11) from the device, and Write pauses between small chunks while the device
//     has said XOFF.
//   - Unplug and replug: after an I/O error the port is closed and, on the next Read or
//     Write, reopened by name with exponential backoff until it succeeds or the context
//     ends. Point Config.Name at a stable udev symlink (/dev/infomat-printer) so a device
//     that comes back as another ttyUSBn is found again.
//
// A note on detecting an unplugged device: Linux hangs the tty up, and after a hangup
// read(2) returns 0 at once — to tarm/serial that is (0, io.EOF), the same as a timeout.
// The reader goroutine therefore treats an empty read that came back well before the
// read timeout as suspect and probes the line with a zero-length write, which fails with
// EIO on a hung-up tty and is a no-op on a live one.
package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tarm/serial"
)

// Flow control bytes (ASCII DC1 and DC3).
const (
	XON  = 0x11
	XOFF = 0x13
)

// Defaults applied by Open.
const (
	DefaultBaud        = 9600
	DefaultReadTimeout = 100 * time.Millisecond
)

const (
	// writeChunk is how many bytes Write hands the kernel at a time; between chunks it
	// looks at the flow-control state, so an XOFF stops the output within one chunk
	// (plus whatever the driver has already buffered). 32 bytes is 33 ms at 9600 baud.
	writeChunk = 32
	// maxBuffered bounds the received bytes nobody has Read yet. Beyond it the oldest
	// bytes are dropped (like a UART overrun) so the reader goroutine never stops and
	// always sees XOFF.
	maxBuffered = 64 << 10
	minBackoff  = 100 * time.Millisecond
	maxBackoff  = 2 * time.Second
	readBufSize = 256
)

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = errors.New("serialport: port closed")

// Config says which port to open and how.
type Config struct {
	Name        string        // e.g. /dev/ttyUSB0 or /dev/infomat-printer
	Baud        int           // default 9600
	Parity      string        // "N" (default), "E", "O"
	ReadTimeout time.Duration // poll interval for reads, default 100 ms (the tty rounds to 0.1 s, max 25.5 s)
	XonXoff     bool          // software flow control (printers)
}

// Port is a serial port that survives the device being unplugged and plugged back: on an
// I/O error it closes and reopens (with backoff) on the next Read/Write, until ctx ends.
//
// Read and Write may be called from different goroutines at the same time; concurrent
// Writes are serialised (one whole Write after another), concurrent Reads share the data.
type Port struct {
	cfg    Config
	parity serial.Parity
	vtime  time.Duration // the read timeout the tty actually applies

	wsem chan struct{} // one writer at a time
	osem chan struct{} // one reopen at a time
	done chan struct{} // closed by Close

	readers sync.WaitGroup // reader goroutines, waited for by Close

	mu      sync.Mutex
	c       *conn // nil when the device failed and has not been reopened yet
	closed  bool
	paused  bool          // the device sent XOFF (only with XonXoff)
	xoffs   int           // XOFFs received since Open, for health and tests
	rbuf    []byte        // received, not yet Read
	dropped int           // bytes lost to maxBuffered
	reopens int           // successful reopens after a failure
	lastErr error         // the I/O error that retired the last connection
	changed chan struct{} // closed and replaced on every state change (broadcast)
}

// conn is one open file descriptor and its reader goroutine.
type conn struct {
	sp        *serial.Port
	closeOnce sync.Once
	exited    chan struct{}
}

func (c *conn) close() {
	c.closeOnce.Do(func() { _ = c.sp.Close() })
}

// Open opens the port, or fails with an error that names it (`open /dev/ttyUSB1: no such
// file or directory`). A port missing at Open is an error; only a port that was open and
// then failed is reopened automatically.
func Open(cfg Config) (*Port, error) {
	if cfg.Baud == 0 {
		cfg.Baud = DefaultBaud
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	var par serial.Parity
	switch strings.ToUpper(cfg.Parity) {
	case "", "N":
		par = serial.ParityNone
	case "E":
		par = serial.ParityEven
	case "O":
		par = serial.ParityOdd
	default:
		return nil, fmt.Errorf("open %s: unsupported parity %q (want N, E or O)", cfg.Name, cfg.Parity)
	}
	p := &Port{
		cfg:     cfg,
		parity:  par,
		vtime:   ttyTimeout(cfg.ReadTimeout),
		wsem:    make(chan struct{}, 1),
		osem:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	sp, err := p.open()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.install(sp)
	p.mu.Unlock()
	return p, nil
}

// ttyTimeout is the read timeout after tarm/serial's conversion to VTIME deciseconds.
func ttyTimeout(d time.Duration) time.Duration {
	ds := d / (100 * time.Millisecond)
	ds = max(ds, 1)
	ds = min(ds, 255)
	return ds * 100 * time.Millisecond
}

func (p *Port) open() (*serial.Port, error) {
	sp, err := serial.OpenPort(&serial.Config{
		Name:        p.cfg.Name,
		Baud:        p.cfg.Baud,
		Parity:      p.parity,
		ReadTimeout: p.cfg.ReadTimeout,
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err // already "open <name>: <reason>"
		}
		return nil, fmt.Errorf("open %s: %w", p.cfg.Name, err)
	}
	return sp, nil
}

// install makes sp the current connection and starts its reader. p.mu must be held.
func (p *Port) install(sp *serial.Port) {
	c := &conn{sp: sp, exited: make(chan struct{})}
	p.c = c
	p.paused = false
	p.readers.Add(1)
	go p.readLoop(c)
	p.broadcast()
}

// broadcast wakes everyone waiting for a state change. p.mu must be held.
func (p *Port) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// retire drops c after an I/O error; the next Read or Write reopens the port.
func (p *Port) retire(c *conn, err error) {
	p.mu.Lock()
	if p.c == c {
		p.c = nil
		p.paused = false
		p.lastErr = err
		p.broadcast()
	}
	p.mu.Unlock()
	c.close()
}

// readLoop polls the line until the connection fails or is closed.
func (p *Port) readLoop(c *conn) {
	defer p.readers.Done()
	defer close(c.exited)
	buf := make([]byte, readBufSize)
	for {
		start := time.Now()
		n, err := c.sp.Read(buf)
		if n > 0 {
			p.deliver(c, buf[:n])
		}
		switch {
		case n > 0 && (err == nil || err == io.EOF):
			continue
		case err == nil || err == io.EOF:
			// Timeout: no data yet. Unless it came back far too early, which is what a
			// hung-up (unplugged) tty does: probe it.
			if time.Since(start) >= p.vtime/2 {
				continue
			}
			if _, werr := c.sp.Write(nil); werr != nil {
				p.retire(c, werr)
				return
			}
			// Alive but not waiting: do not spin.
			select {
			case <-time.After(p.vtime):
			case <-p.done:
				return
			}
		default:
			p.retire(c, err)
			return
		}
	}
}

// deliver files received bytes, taking out flow-control bytes when XonXoff is on.
func (p *Port) deliver(c *conn, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c != c {
		return // stale connection
	}
	for _, x := range b {
		if p.cfg.XonXoff {
			switch x {
			case XOFF:
				p.paused = true
				p.xoffs++
				continue
			case XON:
				p.paused = false
				continue
			}
		}
		p.rbuf = append(p.rbuf, x)
	}
	if over := len(p.rbuf) - maxBuffered; over > 0 {
		p.dropped += over
		p.rbuf = append(p.rbuf[:0], p.rbuf[over:]...)
	}
	p.broadcast()
}

// conn returns the current connection, reopening the port (with backoff) if the last
// one failed.
func (p *Port) conn(ctx context.Context) (*conn, error) {
	for {
		p.mu.Lock()
		closed, c := p.closed, p.c
		p.mu.Unlock()
		if closed {
			return nil, ErrClosed
		}
		if c != nil {
			return c, nil
		}
		select {
		case p.osem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.done:
			return nil, ErrClosed
		}
		p.mu.Lock()
		again := p.closed || p.c != nil // someone else reopened, or Close
		p.mu.Unlock()
		var err error
		if !again {
			err = p.reopen(ctx)
		}
		<-p.osem
		if err != nil {
			return nil, err
		}
	}
}

// reopen tries to open cfg.Name with exponential backoff until it succeeds, ctx ends or
// the port is closed. The caller holds osem.
func (p *Port) reopen(ctx context.Context) error {
	delay := minBackoff
	for {
		sp, err := p.open()
		if err == nil {
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				_ = sp.Close()
				return ErrClosed
			}
			p.reopens++
			p.install(sp)
			p.mu.Unlock()
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (reopening: %v)", ctx.Err(), err)
		case <-p.done:
			t.Stop()
			return ErrClosed
		}
		delay = min(2*delay, maxBackoff)
	}
}

// Read blocks until at least one byte has been received or ctx ends. Read timeouts of
// the line are "no data yet"; if the device fails, Read reopens it and keeps waiting.
// With XonXoff, DC1/DC3 are consumed by the flow control and never returned.
// It returns ctx.Err() when ctx ends first, ErrClosed after Close.
func (p *Port) Read(ctx context.Context, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return 0, ErrClosed
		}
		if len(p.rbuf) > 0 {
			n := copy(b, p.rbuf)
			p.rbuf = p.rbuf[n:]
			if len(p.rbuf) == 0 {
				p.rbuf = nil
			}
			p.mu.Unlock()
			return n, nil
		}
		alive, ch := p.c != nil, p.changed
		p.mu.Unlock()
		if !alive {
			if _, err := p.conn(ctx); err != nil {
				return 0, err
			}
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Write writes b in small chunks. With XonXoff it pauses while the device has sent XOFF,
// until XON or ctx (then it returns the bytes written so far and ctx.Err()).
//
// If the port has failed, Write reopens it first. If it fails while nothing of b has been
// written yet, Write reopens and starts over; once part of b has gone out, it returns the
// count and the I/O error instead of continuing on what may be another device — the
// caller decides whether to resend the whole job — and the next call reopens.
//
// A chunk already handed to the kernel cannot be taken back; ctx is checked between
// chunks.
func (p *Port) Write(ctx context.Context, b []byte) (int, error) {
	select {
	case p.wsem <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-p.done:
		return 0, ErrClosed
	}
	defer func() { <-p.wsem }()

	n := 0
	for n < len(b) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		p.mu.Lock()
		closed, c, paused, ch, lastErr := p.closed, p.c, p.paused, p.changed, p.lastErr
		p.mu.Unlock()
		switch {
		case closed:
			return n, ErrClosed
		case c == nil && n > 0:
			if lastErr == nil {
				lastErr = fmt.Errorf("write %s: device failed", p.cfg.Name)
			}
			return n, lastErr
		case c == nil:
			if _, err := p.conn(ctx); err != nil {
				return n, err
			}
			continue
		case paused:
			select {
			case <-ch:
			case <-ctx.Done():
				return n, ctx.Err()
			}
			continue
		}
		end := min(n+writeChunk, len(b))
		m, err := c.sp.Write(b[n:end])
		n += m
		if err != nil {
			p.retire(c, err)
			if n > 0 {
				return n, err
			}
		}
	}
	return n, nil
}

// Close closes the port and waits for its reader goroutine. Blocked Reads and Writes
// return ErrClosed.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	c := p.c
	p.c = nil
	p.broadcast()
	p.mu.Unlock()

	var err error
	if c != nil {
		c.closeOnce.Do(func() { err = c.sp.Close() })
	}
	p.readers.Wait()
	return err
}

// Name is the configured port name.
func (p *Port) Name() string { return p.cfg.Name }

// Xoffs counts the XOFFs the device has sent since Open: how often a slow printer made the
// writer wait.
func (p *Port) Xoffs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.xoffs
}

// Paused reports whether the device has sent XOFF and not yet XON (always false without
// XonXoff, and reset when the port is reopened).
func (p *Port) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// Reopens counts how many times the port was reopened after a failure.
func (p *Port) Reopens() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reopens
}

// Connected reports whether the port is open and has not failed since (for health: false
// while an unplugged device waits for a Read or Write to reopen it).
func (p *Port) Connected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c != nil
}

// LastError is the I/O error that last made the port reopen (nil if it never failed).
func (p *Port) LastError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

// Dropped counts received bytes discarded because nobody Read them (more than 64 KiB
// were waiting).
func (p *Port) Dropped() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}
