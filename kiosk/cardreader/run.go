package cardreader

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// Port is the one thing Run needs from a serial transport. Read blocks until some bytes
// arrive, ctx ends or an error happens; it must return soon after ctx ends. (0, io.EOF) and
// (0, nil) mean "no data yet" (tarm/serial answers a read timeout with io.EOF), not a closed
// port; any other error is retried after a pause, on the understanding that the transport
// reopens an unplugged device by itself.
type Port interface {
	Read(ctx context.Context, b []byte) (int, error)
}

// DefaultRetryPause is how long Run waits after a read error before reading again.
const DefaultRetryPause = 500 * time.Millisecond

// idlePause keeps Run from spinning on a port that answers "no data" at once.
const idlePause = 20 * time.Millisecond

// Stats is the reader's state for the service screen and health reports. It holds no card
// IDs.
type Stats struct {
	Kind        Kind
	Running     bool      // Run is reading
	PortOK      bool      // the last read did not fail
	Cards       int       // cards reported (after debouncing)
	LastCard    time.Time // when the last card was reported; zero if none
	Dropped     int       // frames dropped by the parser: noise, bad checksums, half frames
	Errors      int       // read errors
	LastError   string    // the last read error; kept after the port recovers
	LastErrorAt time.Time
}

// Reader reads cards from a Port. Set the exported fields before calling Run; Stats may be
// called from any goroutine at any time.
type Reader struct {
	Port     Port
	Kind     Kind
	Debounce Debouncer     // its clock also stamps Stats
	Retry    time.Duration // pause after a read error; 0 means DefaultRetryPause
	// MaxLine is, for KindLine, the longest line taken (0 means MaxLine): a scanner reading
	// codes longer than a card's, such as an enrolment code, needs more.
	MaxLine int

	mu    sync.Mutex
	stats Stats
}

// Run reads the port until ctx ends, sending each new (debounced) card to out; it returns
// ctx.Err(), or an error at once if the kind is unknown. A read error resets the parser (a
// half frame from before the error must not merge with what comes after) and is retried after
// a pause. Sending to out blocks until the card is taken or ctx ends. Run must not be called
// again while it is running.
func (r *Reader) Run(ctx context.Context, out chan<- Card) error {
	parser, err := newParser(r.Kind, r.MaxLine)
	if err != nil {
		return err
	}
	droppedBefore := 0 // by parsers discarded after read errors
	retry := r.Retry
	if retry <= 0 {
		retry = DefaultRetryPause
	}
	r.update(func(s *Stats) { s.Kind, s.Running = r.Kind, true })
	defer r.update(func(s *Stats) { s.Running = false })

	buf := make([]byte, 256)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Port.Read(ctx, buf)
		if err == nil || errors.Is(err, io.EOF) {
			// Before any card goes out: whoever gets it may look at the stats at once.
			r.update(func(s *Stats) { s.PortOK = true })
		}
		if n > 0 {
			cards := parser.Feed(buf[:n])
			dropped := droppedBefore + parser.Dropped()
			r.update(func(s *Stats) { s.Dropped = dropped })
			for _, c := range cards {
				if !r.Debounce.Accept(c) {
					continue
				}
				at := r.Debounce.now()
				r.update(func(s *Stats) { s.Cards++; s.LastCard = at })
				select {
				case out <- c:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil || errors.Is(err, io.EOF):
			if n == 0 && !sleep(ctx, idlePause) {
				return ctx.Err()
			}
		default:
			msg, at := err.Error(), r.Debounce.now()
			r.update(func(s *Stats) {
				s.PortOK = false
				s.Errors++
				s.LastError = msg
				s.LastErrorAt = at
			})
			droppedBefore += parser.Dropped()
			parser, _ = newParser(r.Kind, r.MaxLine)
			if !sleep(ctx, retry) {
				return ctx.Err()
			}
		}
	}
}

// Stats returns a snapshot of the reader's state.
func (r *Reader) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Reader) update(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// Run reads cards of kind k from p until ctx ends, sending each new (debounced) card to out,
// with the default debounce and retry pause. It returns ctx.Err(). Use a Reader to see Stats.
func Run(ctx context.Context, p Port, k Kind, out chan<- Card) error {
	r := &Reader{Port: p, Kind: k}
	return r.Run(ctx, out)
}

// sleep waits d or until ctx ends; it reports whether the whole pause passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
