package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"infomat/receipt"
)

// Port is the serial line to the printer, as the transport offers it.
//
// Write sends all of b (or fails), waiting at most until ctx is done; XON/XOFF flow control
// is the transport's business. Read waits for at least one byte until ctx is done; it may
// also return no bytes with a nil error, io.EOF or os.ErrDeadlineExceeded when its own read
// timeout passes (tarm/serial returns 0, io.EOF), which the printer takes as "nothing yet".
// Flow-control bytes should not reach Read; those that do are skipped.
type Port interface {
	Write(ctx context.Context, b []byte) (int, error)
	Read(ctx context.Context, b []byte) (int, error)
}

// Printer prints receipts on an ESC/POS printer behind a Port. Its methods are safe for
// concurrent use (a status poll waits for a print to finish, but no longer than its
// context: then ErrBusy); set the exported fields before first use.
type Printer struct {
	// QueryTimeout is how long one DLE EOT query waits for its answer, on top of the time the
	// data written before it still needs to reach the printer.
	QueryTimeout time.Duration
	// WriteTimeout is how long writing one chunk may take beyond its transfer time before
	// the printer counts as not accepting data (it holds XOFF when it is stuck).
	WriteTimeout time.Duration
	// CheckEvery is how many bytes Print sends between status checks.
	CheckEvery int
	// Baud is the line's speed, used to estimate when written data has reached the printer
	// (the OS buffers writes, and a status query waits behind them). 0 means Write returns
	// only once the bytes are on the wire.
	Baud int

	port    Port
	profile Profile

	lock Lock // one job at a time
	// busyUntil is when the bytes written so far will have reached the printer.
	busyUntil time.Time
	// stale is set when bytes the printer sent may still be waiting to be read: a query went
	// unanswered, or document data contained DLE EOT, which printers answer like a query.
	stale bool
}

// Defaults of New.
const (
	DefaultQueryTimeout = 500 * time.Millisecond
	DefaultWriteTimeout = 5 * time.Second
	DefaultCheckEvery   = 512
	DefaultBaud         = 9600
)

const (
	pollInterval = 5 * time.Millisecond  // between reads that returned nothing
	drainQuiet   = 50 * time.Millisecond // silence that ends a drain
	drainMax     = 4096                  // bytes a drain discards at most
)

// New returns a printer of profile p on port, with the default timeouts, a status check
// every DefaultCheckEvery bytes and the line taken to run at 9600 baud.
func New(port Port, p Profile) *Printer {
	return &Printer{
		QueryTimeout: DefaultQueryTimeout,
		WriteTimeout: DefaultWriteTimeout,
		CheckEvery:   DefaultCheckEvery,
		Baud:         DefaultBaud,
		port:         port,
		profile:      p,
		lock:         NewLock(),
	}
}

// Lock is a mutual-exclusion lock whose Lock gives up when a context ends, so nobody waits
// on a printer longer than they can afford (a print may hold it for its whole timeout).
type Lock chan struct{}

// NewLock returns an unlocked Lock.
func NewLock() Lock { return make(Lock, 1) }

// Lock takes the lock, or returns an error wrapping ErrBusy and ctx's error when ctx ends
// first. A free lock is taken even when ctx has ended.
func (l Lock) Lock(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, ctx.Err())
	}
}

// Unlock releases the lock.
func (l Lock) Unlock() { <-l }

// TransferTime is how long n bytes take on a serial line at baud with 8N1 framing (10 bits a
// byte: start, 8 data, stop).
func TransferTime(n int, baud int) time.Duration {
	if n <= 0 || baud <= 0 {
		return 0
	}
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

// Status asks the printer for its real-time status (DLE EOT 1, 2 and 4, one byte back
// each). A query left unanswered for QueryTimeout gives ErrNoResponse; when ctx ends first,
// its error.
func (pr *Printer) Status(ctx context.Context) (Status, error) {
	if err := pr.lock.Lock(ctx); err != nil {
		return Status{}, fmt.Errorf("printer: status: %w", err)
	}
	defer pr.lock.Unlock()
	st, err := pr.status(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("printer: status: %w", err)
	}
	return st, nil
}

// Print prints d. It checks the status first and sends nothing when the printer cannot
// print (ErrPaperOut, ErrCoverOpen, ErrOffline, ErrNoResponse); then it sends the receipt
// in chunks, checking the status again every CheckEvery bytes and at the end, and stops with
// the problem when one appears, so a receipt cut short by the paper running out is
// reported. Errors are wrapped; test them with errors.Is.
//
// The final check can miss paper running out while the printer still prints its last
// buffered lines; nothing in plain ESC/POS says when printing has finished.
func (pr *Printer) Print(ctx context.Context, d receipt.Doc) error {
	chunks, err := encodeChunks(d, pr.profile)
	if err != nil {
		return err
	}
	total := 0
	for _, c := range chunks {
		total += len(c)
	}

	if err := pr.lock.Lock(ctx); err != nil {
		return fmt.Errorf("printer: %w", err)
	}
	defer pr.lock.Unlock()
	if err := pr.check(ctx, "before printing"); err != nil {
		return err
	}
	sent, since := 0, 0
	for i, c := range chunks {
		if err := pr.writeChunk(ctx, c); err != nil {
			return pr.writeFailed(ctx, err, sent, total)
		}
		sent += len(c)
		since += len(c)
		if bytes.Contains(c, []byte{dle, eot}) {
			pr.stale = true
		}
		if since >= pr.CheckEvery && i < len(chunks)-1 {
			if err := pr.check(ctx, fmt.Sprintf("stopped after %d of %d bytes", sent, total)); err != nil {
				return err
			}
			since = 0
		}
	}
	return pr.check(ctx, "after printing (the receipt may be incomplete)")
}

// check asks for the status and turns a problem into an error saying when it was found.
func (pr *Printer) check(ctx context.Context, when string) error {
	st, err := pr.status(ctx)
	if err != nil {
		return fmt.Errorf("printer: status, %s: %w", when, err)
	}
	if p := st.Problem(); p != nil {
		return fmt.Errorf("printer: %s: %w", when, p)
	}
	return nil
}

// writeFailed explains a chunk that could not be written: cancelled, or a printer that
// stopped taking data, asking it why when it still answers.
func (pr *Printer) writeFailed(ctx context.Context, err error, sent, total int) error {
	if ctx.Err() != nil {
		return fmt.Errorf("printer: cancelled after %d of %d bytes: %w", sent, total, ctx.Err())
	}
	pr.stale = true
	if errors.Is(err, context.DeadlineExceeded) {
		if st, serr := pr.status(ctx); serr == nil && st.Problem() != nil {
			return fmt.Errorf("printer: stopped after %d of %d bytes: %w", sent, total, st.Problem())
		}
		return fmt.Errorf("printer: not accepting data after %d of %d bytes: %w", sent, total, ErrNoResponse)
	}
	return fmt.Errorf("printer: writing after %d of %d bytes: %w", sent, total, err)
}

func (pr *Printer) writeChunk(ctx context.Context, c []byte) error {
	wctx, cancel := context.WithTimeout(ctx, pr.WriteTimeout+TransferTime(len(c), pr.Baud))
	defer cancel()
	return pr.write(wctx, c)
}

// write sends all of b and notes when it will have reached the printer.
func (pr *Printer) write(ctx context.Context, b []byte) error {
	for len(b) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := pr.port.Write(ctx, b)
		n = max(0, min(n, len(b)))
		if pr.Baud > 0 && n > 0 {
			pr.busyUntil = later(pr.busyUntil, time.Now()).Add(TransferTime(n, pr.Baud))
		}
		b = b[n:]
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// inFlight is how long the bytes written so far still need to reach the printer.
func (pr *Printer) inFlight() time.Duration {
	return max(0, time.Until(pr.busyUntil))
}

func (pr *Printer) status(ctx context.Context) (Status, error) {
	if pr.stale {
		if err := pr.drain(ctx); err != nil {
			return Status{}, err
		}
	}
	var ans [3]byte
	for i, n := range []byte{1, 2, 4} {
		b, err := pr.query(ctx, n)
		if err != nil {
			return Status{}, err
		}
		ans[i] = b
	}
	return DecodeStatus(ans[0], ans[1], ans[2]), nil
}

// query sends DLE EOT n and reads its one-byte answer. Sending may wait for XON like any
// data (a slow printer holds XOFF while its buffer drains: that is not silence); the answer
// timeout starts once the query is on its way.
func (pr *Printer) query(ctx context.Context, n byte) (byte, error) {
	fail := func(err error) (byte, error) {
		pr.stale = true
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			err = ErrNoResponse
		}
		return 0, fmt.Errorf("DLE EOT %d: %w", n, err)
	}
	if err := pr.writeChunk(ctx, []byte{dle, eot, n}); err != nil {
		return fail(err)
	}
	qctx, cancel := context.WithTimeout(ctx, pr.QueryTimeout+pr.inFlight())
	defer cancel()
	b, err := pr.readByte(qctx)
	if err != nil {
		return fail(err)
	}
	// The answer comes after everything sent before the query has arrived.
	pr.busyUntil = time.Time{}
	return b, nil
}

// readByte reads one byte that is not XON or XOFF, until ctx is done.
func (pr *Printer) readByte(ctx context.Context) (byte, error) {
	var buf [1]byte
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := pr.port.Read(ctx, buf[:])
		if n > 0 {
			if buf[0] == xon || buf[0] == xoff {
				continue
			}
			return buf[0], nil
		}
		switch {
		case err == nil, errors.Is(err, io.EOF), errors.Is(err, os.ErrDeadlineExceeded):
			if err := sleep(ctx, pollInterval); err != nil {
				return 0, err
			}
		case ctx.Err() != nil:
			return 0, ctx.Err()
		default:
			return 0, err
		}
	}
}

// drain waits until what was written has reached the printer and discards what the printer
// sent until it has been quiet for drainQuiet, so the next answer read is the next query's.
func (pr *Printer) drain(ctx context.Context) error {
	if err := sleep(ctx, pr.inFlight()); err != nil {
		return err
	}
	for range drainMax {
		dctx, cancel := context.WithTimeout(ctx, drainQuiet)
		_, err := pr.readByte(dctx)
		cancel()
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		break
	}
	pr.stale = false
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
