package cardreader

import (
	"sync"
	"time"
)

// DefaultQuiet is how long a card must be gone before it counts as presented again.
const DefaultQuiet = 1500 * time.Millisecond

// Debouncer suppresses a card repeated while it is held (an RDM6300 repeats its frame every
// few hundred milliseconds; a magstripe reader may send the same number twice): a card is
// reported again only after it has been absent for Quiet. Every sighting, reported or not,
// restarts that card's quiet period.
//
// The zero value is ready to use. It is safe for concurrent use.
type Debouncer struct {
	Quiet time.Duration    // 0 means DefaultQuiet; negative reports every card
	Now   func() time.Time // nil means time.Now

	mu   sync.Mutex
	seen map[Card]time.Time
}

func (d *Debouncer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Debouncer) quiet() time.Duration {
	if d.Quiet == 0 {
		return DefaultQuiet
	}
	return d.Quiet
}

// Accept records a sighting of c and says whether it is a new presentation to report.
func (d *Debouncer) Accept(c Card) bool {
	now := d.now()
	quiet := d.quiet()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		d.seen = make(map[Card]time.Time)
	}
	last, held := d.seen[c]
	held = held && now.Sub(last) < quiet
	d.seen[c] = now
	// Forget cards that have been away for long enough; the map stays tiny.
	for k, t := range d.seen {
		if now.Sub(t) >= quiet {
			delete(d.seen, k)
		}
	}
	return !held
}

// Reset forgets every card, so the next sighting of any card is reported.
func (d *Debouncer) Reset() {
	d.mu.Lock()
	d.seen = nil
	d.mu.Unlock()
}
