// Package printersim simulates an ESC/POS thermal receipt printer on the far end of a serial
// line, so the kiosk's printer driver, its tests and technicians can work with no hardware.
//
// A Sim reads the byte stream the kiosk sends (from the master side of a pseudo-terminal, or
// any io.ReadWriter in tests), answers real-time status queries (DLE EOT n) at once, keeps the
// rest in a receive buffer that it "prints" at a limited speed, sends XOFF/XON as that buffer
// fills and drains, and puts what it prints on a simulated roll of paper: as text (Text), as a
// picture (PNG) and as the payloads of the native QR codes (QRData).
//
// What it understands: ESC @, FS . / FS &, ESC t (CP437, CP850, CP852, CP858, CP866, WPC1250,
// WPC1252 …), ESC E, ESC !, GS !, ESC -, GS B, ESC M, ESC a, ESC d, ESC J, ESC 2 / ESC 3, LF,
// HT, GS ( k QR codes (functions 165, 167, 169, 180, 181), GS v 0 raster images and GS V
// (and the old ESC i / ESC m) cuts. Other well-known commands are skipped by their length;
// anything else is counted in Unknown and skipped, never trusted to be followed by more.
//
// Real-time status follows Epson: every answer has bits 1 and 4 set (0x12). DLE EOT 1: bit 3
// when the printer is offline (which a real printer also is while its cover is open or its
// paper has run out); DLE EOT 2: bit 2 cover open, bit 5 printing stopped at paper end;
// DLE EOT 4: bits 2-3 paper near end, bits 5-6 paper out (a roll that has run out is also
// "near end"). Like a real printer, the simulator answers a DLE EOT wherever it appears in the
// stream — also inside image data — and leaves the bytes in the stream as well, where the
// command parser skips them (or uses them as the image data they were).
package printersim

import (
	"context"
	"errors"
	"image"
	"io"
	"os"
	"sync"
	"time"
)

// State is what the printer's sensors say.
type State struct {
	Offline      bool // taken offline (the "online" state of a real printer is the zero value)
	CoverOpen    bool // the paper cover is open
	PaperOut     bool // the roll has run out: nothing more is printed
	PaperNearEnd bool // the roll is nearly used up; printing goes on
}

// faulted reports whether the printer stops printing in this state.
func (st State) faulted() bool { return st.Offline || st.CoverOpen || st.PaperOut }

// String describes the state in Polish, for technicians.
func (st State) String() string {
	var parts []string
	if st.Offline {
		parts = append(parts, "offline")
	}
	if st.CoverOpen {
		parts = append(parts, "pokrywa otwarta")
	}
	if st.PaperOut {
		parts = append(parts, "brak papieru")
	} else if st.PaperNearEnd {
		parts = append(parts, "papier się kończy")
	}
	if len(parts) == 0 {
		return "gotowa (online, papier jest)"
	}
	s := parts[0]
	for _, p := range parts[1:] {
		s += ", " + p
	}
	return s
}

// Flow-control bytes sent to the host.
const (
	XON  = 0x11 // DC1: send again
	XOFF = 0x13 // DC3: stop sending
)

// Receive buffer and flow control, as on an Epson-style serial printer: XOFF when only a
// quarter of the buffer is left, XON once it has drained to a quarter full.
const (
	BufferSize = 512
	HighWater  = BufferSize - BufferSize/4
	LowWater   = BufferSize / 4
)

// DefaultDrainRate is how many bytes a second the simulated printer takes out of its receive
// buffer: about what a 115200-baud serial printer receives (use SetDrainRate(960) for a
// 9600-baud one). A pseudo-terminal delivers data much faster than that, so a large job
// (a raster QR code is several kilobytes) makes the simulator send XOFF, as a real printer does.
const DefaultDrainRate = 11520

// DefaultCommandTimeout is how long the decoder waits for the rest of a command that has
// started; after that the command is dropped as truncated (counted in Unknown) and the next
// byte starts a new command, so a broken job does not swallow the next one.
const DefaultCommandTimeout = 2 * time.Second

// Sim is a simulated ESC/POS printer. Create it with New, start it with Run; its methods are
// safe for concurrent use.
type Sim struct {
	dev   io.ReadWriter
	width int

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change waiters care about
	state      State
	paperLeft  int // bytes until the paper runs out; < 0: no limit
	rate       int
	cmdTimeout time.Duration
	chinese    bool // a Chinese clone: Kanji (GB18030) mode on at power-on
	logf       func(format string, args ...any)
	onCut      func(Job)

	rx       []byte    // receive buffer
	inflight int       // bytes taken from rx that the decoder has not finished
	waiting  bool      // the decoder waits for a new command with nothing in hand
	active   time.Time // when a byte last arrived or went to the decoder
	xoff     bool      // XOFF sent and no XON since
	xoffs    int
	xons     int
	overruns int
	unknown  int
	dropped  int // answers that could not be sent

	paper    []element // printed since the last Reset
	jobStart int       // index in paper of the first element after the last cut
	jobs     int
	qrs      []string

	out     chan []byte
	arrived chan struct{}
}

// Job is one printed receipt: everything from the previous cut to this one.
type Job struct {
	N     int         // 1 for the first cut after New or Reset
	Text  string      // as Text
	Image image.Image // as PNG
	QR    []string    // native QR payloads printed in this job
}

// New returns a printer with paper widthDots wide (384 for 58 mm, 576 for 80 mm; anything
// under 64 is taken as 384) that talks over dev: the printer's end of the cable.
func New(dev io.ReadWriter, widthDots int) *Sim {
	if widthDots < 64 {
		widthDots = 384
	}
	return &Sim{
		dev:        dev,
		width:      widthDots,
		changed:    make(chan struct{}),
		paperLeft:  -1,
		rate:       DefaultDrainRate,
		cmdTimeout: DefaultCommandTimeout,
		logf:       func(string, ...any) {},
		out:        make(chan []byte, 256),
		arrived:    make(chan struct{}, 1),
	}
}

// Width is the paper width in dots.
func (s *Sim) Width() int { return s.width }

// SetLog sets where the simulator reports what a technician may want to know (unknown
// commands, state changes, overruns). By default it says nothing.
func (s *Sim) SetLog(logf func(format string, args ...any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s.logf = logf
}

// OnCut sets a function called after every cut (from the decoding goroutine, with no lock
// held) with the job that the cut ended.
func (s *Sim) OnCut(f func(Job)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCut = f
}

// SetState sets the sensors. Leaving a faulted state (offline, cover open, paper out) lets
// printing go on with the next bytes; what came while faulted is lost.
func (s *Sim) SetState(st State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = st
	if !st.PaperOut {
		s.paperLeft = -1
	}
	s.changedLocked()
}

// State returns the sensors' state.
func (s *Sim) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// PaperOutAfter makes the paper run out after n more bytes of the stream have been printed
// (commands included); n <= 0 runs it out at once.
func (s *Sim) PaperOutAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.state.PaperOut = true
		s.paperLeft = -1
		s.changedLocked()
		return
	}
	s.paperLeft = n
}

// SetDrainRate sets how many bytes a second the printer takes from its receive buffer;
// zero or less means as fast as it can.
func (s *Sim) SetDrainRate(bytesPerSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = bytesPerSecond
}

// SetCommandTimeout sets how long the decoder waits for the rest of a started command
// (DefaultCommandTimeout by default).
func (s *Sim) SetCommandTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		d = DefaultCommandTimeout
	}
	s.cmdTimeout = d
}

// SetChineseClone makes the printer behave like the common Chinese clones: Kanji mode (two
// bytes a character, GB18030) is on at power-on and after ESC @ until FS . turns it off, so a
// driver that forgets FS . prints Chinese instead of Polish letters.
func (s *Sim) SetChineseClone(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chinese = on
}

// XoffsSent is how many times the printer has sent XOFF; XonsSent how many times XON.
func (s *Sim) XoffsSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.xoffs
}

// XonsSent is how many times the printer has sent XON after an XOFF.
func (s *Sim) XonsSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.xons
}

// Overruns counts bytes that arrived while the receive buffer was already full, i.e. that the
// host sent after XOFF more than the buffer could take. A real printer would lose them; the
// simulator keeps them (so a test still sees the whole job) but counts them. Over a
// pseudo-terminal, which has no baud rate, even a host that honours XOFF overruns a little:
// it writes faster than the XOFF can reach it.
func (s *Sim) Overruns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overruns
}

// Unknown counts commands the decoder did not know, bad parameters and commands cut short.
func (s *Sim) Unknown() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unknown
}

// Buffered is how many received bytes wait to be printed.
func (s *Sim) Buffered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rx) + s.inflight
}

// Jobs is the number of cuts printed since New or Reset.
func (s *Sim) Jobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs
}

// QRData returns the payloads of the native (GS ( k) QR codes printed since New or Reset, in
// order. QR codes sent as raster images are only pixels: decode them from PNG (see Graphics).
func (s *Sim) QRData() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.qrs...)
}

// Reset clears the paper: the printed text and images, the QR payloads and the job count.
// The counters of the link (XoffsSent, Overruns, Unknown) are kept.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paper = nil
	s.jobStart = 0
	s.jobs = 0
	s.qrs = nil
	s.changedLocked()
}

// Text returns what has been printed since New or Reset as UTF-8 text, one line per printed
// line (trailing spaces dropped). A cut is the line "--- cięcie ---", a native QR code
// "[kod QR: payload]", a raster image "[grafika W×H]".
func (s *Sim) Text() string {
	s.mu.Lock()
	paper := append([]element(nil), s.paper...)
	s.mu.Unlock()
	return textOf(paper)
}

// PNG draws the paper printed since New or Reset: black on white, one bit deep, in the
// printer's cell sizes (font A 12×24 dots, font B 9×17) with Go Mono glyphs.
func (s *Sim) PNG() image.Image {
	s.mu.Lock()
	paper := append([]element(nil), s.paper...)
	s.mu.Unlock()
	img, _ := render(paper, s.width)
	return img
}

// Graphic is a QR code or raster image on the paper and where PNG draws it.
type Graphic struct {
	Kind string          // "qr" (native GS ( k) or "raster" (GS v 0)
	Data string          // the payload of a native QR code
	Rect image.Rectangle // its place in PNG()
}

// Graphics lists the QR codes and images printed since New or Reset, with their place in
// PNG(), so a test can cut each one out and decode it. Raster images sent in bands (one
// GS v 0 per few rows, as the kiosk's driver does) that follow each other on the paper are
// one Graphic.
func (s *Sim) Graphics() []Graphic {
	s.mu.Lock()
	paper := append([]element(nil), s.paper...)
	s.mu.Unlock()
	_, g := render(paper, s.width)
	return g
}

// idleQuiet is how long the line must have been silent for WaitIdle: bytes a host has
// written may still be on their way (in a pipe or the pseudo-terminal).
const idleQuiet = 50 * time.Millisecond

// WaitIdle waits until everything received has been decoded — the receive buffer is empty,
// the decoder waits for a new command — and nothing has arrived for 50 ms (so it takes at
// least 50 ms). It returns ctx's error if ctx ends first.
func (s *Sim) WaitIdle(ctx context.Context) error {
	called := time.Now()
	for {
		var quiet time.Duration
		err := s.wait(ctx, func() bool {
			if s.active.After(called) {
				quiet = time.Since(s.active)
			} else {
				quiet = time.Since(called)
			}
			return len(s.rx) == 0 && s.inflight == 0 && s.waiting
		})
		if err != nil || quiet >= idleQuiet {
			return err
		}
		select {
		case <-time.After(idleQuiet - quiet):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitJobs waits until at least n cuts have been printed.
func (s *Sim) WaitJobs(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.jobs >= n })
}

func (s *Sim) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Sim) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Run reads the stream from the device, answers status queries and prints, until ctx ends
// (then it returns nil) or reading the device fails (then it returns the error). When ctx
// ends, a device with SetReadDeadline (an *os.File such as a pty master) is interrupted;
// for other devices, close the device to stop the reading goroutine.
func (s *Sim) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []byte)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.write(ctx) }()
	go func() { defer wg.Done(); s.pump(ctx, chunks) }()
	go func() { defer wg.Done(); (&decoder{s: s, in: chunks, ctx: ctx}).run() }()
	go func() { readErr <- s.read(ctx) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-readErr:
		if ctx.Err() != nil {
			err = nil
		}
	}
	cancel()
	if d, ok := s.dev.(interface{ SetReadDeadline(time.Time) error }); ok {
		_ = d.SetReadDeadline(time.Now())
	}
	wg.Wait()
	if d, ok := s.dev.(interface{ SetReadDeadline(time.Time) error }); ok {
		select {
		case <-readErr: // the reader has stopped: the device can be read again
			_ = d.SetReadDeadline(time.Time{})
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}

// read takes bytes from the device into the receive buffer, answering DLE EOT at once.
func (s *Sim) read(ctx context.Context) error {
	buf := make([]byte, 256)
	rt := 0 // 1: after DLE; 2: after DLE EOT
	for {
		n, err := s.dev.Read(buf)
		if n > 0 {
			for _, b := range buf[:n] {
				switch {
				case rt == 2:
					if b >= 1 && b <= 4 {
						s.send([]byte{s.status(b)})
					}
					rt = 0
				case rt == 1 && b == 0x04:
					rt = 2
				case b == 0x10:
					rt = 1
				default:
					rt = 0
				}
			}
			s.receive(buf[:n])
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return err
		}
	}
}

func (s *Sim) receive(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if over := len(s.rx) + len(p) - BufferSize; over > 0 {
		over = min(over, len(p))
		if s.overruns == 0 {
			s.logf("bufor odbiorczy pełny: host wysyła mimo XOFF (%d B ponad bufor)", over)
		}
		s.overruns += over
	}
	s.rx = append(s.rx, p...)
	s.active = time.Now()
	if !s.xoff && len(s.rx) >= HighWater {
		s.xoff = true
		s.xoffs++
		s.sendLocked([]byte{XOFF})
	}
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	s.changedLocked()
}

// status is the answer to DLE EOT n.
func (s *Sim) status(n byte) byte {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	b := byte(0x12)
	switch n {
	case 1:
		if st.faulted() {
			b |= 0x08
		}
	case 2:
		if st.CoverOpen {
			b |= 0x04
		}
		if st.PaperOut {
			b |= 0x20
		}
	case 4:
		if st.PaperNearEnd || st.PaperOut {
			b |= 0x0C
		}
		if st.PaperOut {
			b |= 0x60
		}
	}
	return b
}

// send queues bytes for the host; it never blocks (a host that never reads loses them).
func (s *Sim) send(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendLocked(p)
}

func (s *Sim) sendLocked(p []byte) {
	select {
	case s.out <- p:
	default:
		s.dropped += len(p)
	}
}

func (s *Sim) write(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-s.out:
			_, _ = s.dev.Write(p)
		}
	}
}

// pump drains the receive buffer into the decoder at the drain rate, sending XON when the
// buffer has drained below the low-water mark.
func (s *Sim) pump(ctx context.Context, chunks chan<- []byte) {
	const tick = 5 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	allowance := 0.0
	for {
		s.mu.Lock()
		empty := len(s.rx) == 0
		s.mu.Unlock()
		if empty { // sleep until data comes, not tick by tick
			select {
			case <-ctx.Done():
				return
			case <-s.arrived:
			}
			last = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.arrived:
		}
		now := time.Now()
		s.mu.Lock()
		rate := s.rate
		var chunk []byte
		if rate <= 0 {
			chunk = s.rx
			s.rx = nil
		} else {
			allowance += float64(rate) * now.Sub(last).Seconds()
			if n := min(int(allowance), len(s.rx)); n > 0 {
				chunk = append([]byte(nil), s.rx[:n]...)
				s.rx = s.rx[:copy(s.rx, s.rx[n:])]
				allowance -= float64(n)
			}
			if len(s.rx) == 0 { // no credit saved up while idle
				allowance = min(allowance, float64(rate)*2*tick.Seconds()+1)
			}
		}
		last = now
		s.inflight += len(chunk)
		if s.xoff && len(s.rx) <= LowWater {
			s.xoff = false
			s.xons++
			s.sendLocked([]byte{XON})
		}
		if len(chunk) > 0 {
			s.changedLocked()
		}
		s.mu.Unlock()
		if len(chunk) > 0 {
			select {
			case chunks <- chunk:
			case <-ctx.Done():
				return
			}
		}
	}
}
