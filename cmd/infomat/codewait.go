package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"infomat/kiosk/cardreader"
	"infomat/kiosk/serialport"
	"infomat/sync/enrolcode"
)

// maxCodeLine bounds a scanned line: a code is about 150 characters with a short host name,
// at most some 600 with the longest one the format allows.
const maxCodeLine = 1024

// errNoCode is standard input ended with no line and no serial port to wait on instead.
var errNoCode = errors.New("no enrolment code on stdin")

// codeTimeoutError is a wait for the code that ran out.
type codeTimeoutError struct {
	wait  time.Duration
	ports []string // the ports listened on
}

func (e *codeTimeoutError) Error() string {
	return fmt.Sprintf("nie otrzymano kodu rejestracyjnego w ciągu %s", seconds(e.wait))
}

// waitCode waits for the enrolment code from standard input or a serial QR scanner (a
// reader of kind line: the code, then CR LF), whichever gives one first. A line on stdin is
// taken as it is (step 1 judges it); a scanned line that starts as a code but does not
// decode is said and the wait goes on, so the technician can scan again. Ports that cannot be
// opened (missing, busy, not ours) are skipped quietly; every port opened is closed before
// waitCode returns, so the later steps find them free.
func waitCode(ctx context.Context, in *stdinLines, ports []string, timeout time.Duration, stderr io.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after stop, below: the ports are closed when this returns
	defer stop()

	type scanned struct {
		port string
		line string
	}
	lines := make(chan scanned)
	var open []string
	for _, name := range ports {
		// The baud detect and the kiosk use for a reader with no reader_baud set.
		p, err := serialport.Open(serialport.Config{Name: name, Baud: serialport.DefaultBaud})
		if err != nil {
			continue
		}
		open = append(open, name)
		cards := make(chan cardreader.Card)
		wg.Add(2)
		go func() {
			defer wg.Done()
			defer p.Close()
			r := &cardreader.Reader{Port: p, Kind: cardreader.KindLine, MaxLine: maxCodeLine}
			r.Run(lctx, cards)
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case c := <-cards:
					select {
					case lines <- scanned{name, c.ID}:
					case <-lctx.Done():
						return
					}
				case <-lctx.Done():
					return
				}
			}
		}()
	}

	// Once listening, so a code scanned as soon as the prompt shows is not missed.
	fmt.Fprint(stderr, "Zeskanuj kod QR z portalu czytnikiem kiosku albo wpisz kod rejestracyjny (INFOMAT1:…) i naciśnij Enter: ")

	type typed struct {
		line string
		err  error
	}
	stdin := make(chan typed, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		line, err := in.readLine(lctx)
		stdin <- typed{line, err}
	}()

	for {
		select {
		case t := <-stdin:
			switch {
			case t.err == nil || (t.line != "" && !errors.Is(t.err, context.Canceled) && !errors.Is(t.err, context.DeadlineExceeded)):
				return t.line, nil
			case ctx.Err() != nil:
				// The wait ran out; said below.
			case len(open) == 0:
				return "", errNoCode
			default:
				stdin = nil // stdin ended (</dev/null, a service): the scanner alone
				continue
			}
		case s := <-lines:
			if !strings.HasPrefix(s.line, enrolcode.Prefix) {
				continue // a card or another barcode, not for setup
			}
			if _, err := enrolcode.Decode(s.line); err != nil {
				fmt.Fprintf(stderr, "\nKod z czytnika %s jest błędny: %v\nZeskanuj kod QR jeszcze raz — czekam dalej: ", s.port, err)
				continue
			}
			fmt.Fprintf(stderr, "\nKod odczytany czytnikiem na %s.\n", s.port)
			in.discardTyped()
			return s.line, nil
		case <-ctx.Done():
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", &codeTimeoutError{wait: timeout, ports: open}
		}
		return "", ctx.Err()
	}
}

// stdinLines reads the code from standard input so that a wait given up (the scanner was
// first) takes nothing the later steps need, such as the PIN typed next: a file (a terminal,
// a pipe) is polled and read only when it has data, with no read left pending; any other
// reader is read by one goroutine at a time, whose byte goes to whoever reads next.
type stdinLines struct {
	f       *os.File // polled, when stdin is a file
	r       io.Reader
	pending chan byteRead // the read in flight, if any
	err     error         // a read's error that came with its byte, for the next read
}

type byteRead struct {
	b   byte
	n   int
	err error
}

func newStdinLines(r io.Reader) *stdinLines {
	s := &stdinLines{r: r}
	s.f, _ = r.(*os.File)
	return s
}

// reader is what the later steps read: the file itself (so the PIN is read from the
// terminal without echo), else s, which hands on a byte read for the code wait.
func (s *stdinLines) reader() io.Reader {
	if s.f != nil {
		return s.f
	}
	return s
}

// readLine reads one line a byte at a time, so that nothing after it is taken into a
// buffer; it gives up when ctx ends.
func (s *stdinLines) readLine(ctx context.Context) (string, error) {
	var b []byte
	for {
		c, err := s.readByte(ctx)
		if err != nil {
			return strings.TrimSpace(string(b)), err
		}
		if c == '\n' {
			return strings.TrimSpace(string(b)), nil
		}
		b = append(b, c)
	}
}

func (s *stdinLines) readByte(ctx context.Context) (byte, error) {
	if err := s.err; err != nil {
		s.err = nil
		return 0, err
	}
	one := make([]byte, 1)
	if s.f != nil {
		if err := pollIn(ctx, s.f); err != nil {
			return 0, err
		}
		n, err := s.f.Read(one)
		if n == 1 {
			s.err = err
			return one[0], nil
		}
		if err == nil {
			err = io.ErrNoProgress
		}
		return 0, err
	}
	if s.pending == nil {
		s.pending = make(chan byteRead, 1)
		go func(to chan<- byteRead) {
			n, err := s.r.Read(one)
			to <- byteRead{one[0], n, err}
		}(s.pending)
	}
	select {
	case res := <-s.pending:
		s.pending = nil
		if res.n == 1 {
			s.err = res.err
			return res.b, nil
		}
		if res.err == nil {
			res.err = io.ErrNoProgress
		}
		return 0, res.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Read gives the later steps what the code wait left: the byte of a read still in flight
// first.
func (s *stdinLines) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if s.pending != nil || s.err != nil {
		c, err := s.readByte(context.Background())
		if err != nil {
			return 0, err
		}
		p[0] = c
		return 1, nil
	}
	return s.r.Read(p)
}

// discardTyped drops what was typed on a terminal and not ended with Enter when the scanner
// was first, so a half-typed code is not read as the PIN.
func (s *stdinLines) discardTyped() {
	if s.f != nil && term.IsTerminal(int(s.f.Fd())) {
		_ = unix.IoctlSetInt(int(s.f.Fd()), unix.TCFLSH, unix.TCIFLUSH)
	}
}

// pollIn waits until f has something to read (or its end), or ctx ends, looking at ctx
// every tenth of a second: a read(2) on a terminal cannot be called off once it blocks.
func pollIn(ctx context.Context, f *os.File) error {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := unix.Poll(fds, 100)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll stdin: %w", err)
		}
		if n > 0 {
			if fds[0].Revents&unix.POLLNVAL != 0 {
				return fmt.Errorf("poll stdin: %w", os.ErrClosed)
			}
			return nil // POLLIN, or POLLHUP/POLLERR for read to report
		}
	}
}
