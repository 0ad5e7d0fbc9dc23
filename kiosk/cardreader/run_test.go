package cardreader

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

type readResult struct {
	data []byte
	err  error
}

// fakePort plays back reads sent to it; with nothing queued, Read blocks until ctx ends, as
// a real transport does.
type fakePort struct {
	reads chan readResult
	rest  []byte
}

func newFakePort() *fakePort { return &fakePort{reads: make(chan readResult, 100)} }

func (f *fakePort) send(s string)      { f.reads <- readResult{data: []byte(s)} }
func (f *fakePort) fail(err error)     { f.reads <- readResult{err: err} }
func (f *fakePort) sendBytes(b []byte) { f.reads <- readResult{data: b} }

func (f *fakePort) Read(ctx context.Context, b []byte) (int, error) {
	if len(f.rest) > 0 {
		n := copy(b, f.rest)
		f.rest = f.rest[n:]
		return n, nil
	}
	select {
	case r := <-f.reads:
		n := copy(b, r.data)
		f.rest = r.data[n:]
		return n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func receive(t *testing.T, out <-chan Card) Card {
	t.Helper()
	select {
	case c := <-out:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no card within 5 s")
		return Card{}
	}
}

func noCard(t *testing.T, out <-chan Card) {
	t.Helper()
	select {
	case c := <-out:
		t.Fatalf("unexpected card %v", c)
	case <-time.After(50 * time.Millisecond):
	}
}

func startReader(t *testing.T, r *Reader) (chan Card, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Card)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, out) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(2 * time.Second):
			t.Fatal("Run did not return within 2 s of cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return out, stop
}

func TestRunDebouncesHeldCard(t *testing.T) {
	clock := newFakeClock()
	port := newFakePort()
	r := &Reader{Port: port, Kind: KindRDM6300, Debounce: Debouncer{Now: clock.Now}}
	out, stop := startReader(t, r)

	a := Frame(KindRDM6300, "0F00A1B2C3")
	// The module repeats the frame while the card is held; reads split it anywhere.
	port.sendBytes(a[:3])
	port.sendBytes(append(append([]byte{}, a[3:]...), a[:9]...))
	if c := receive(t, out); c != (Card{ID: "0F00A1B2C3", Kind: KindRDM6300}) {
		t.Fatalf("got %#v", c)
	}
	port.sendBytes(append(append([]byte{}, a[9:]...), a...))
	for range 5 {
		clock.Advance(200 * time.Millisecond)
		port.sendBytes(a)
	}
	port.send("\x020F00A1B2C3DE\x03") // bad checksum
	port.sendBytes(Frame(KindRDM6300, "62E3086CED"))
	if c := receive(t, out); c.ID != "62E3086CED" {
		t.Fatalf("got %v, want the second card (the held one must be debounced)", c)
	}

	clock.Advance(2 * time.Second) // card taken away and presented again
	port.sendBytes(a)
	if c := receive(t, out); c.ID != "0F00A1B2C3" {
		t.Fatalf("got %v after the card came back", c)
	}

	s := r.Stats()
	if !s.Running || !s.PortOK || s.Cards != 3 || s.Dropped != 1 || s.Errors != 0 || !s.LastCard.Equal(clock.Now()) || s.Kind != KindRDM6300 {
		t.Errorf("stats %+v", s)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if r.Stats().Running {
		t.Error("still Running after Run returned")
	}
}

func TestRunRetriesAfterReadError(t *testing.T) {
	clock := newFakeClock()
	port := newFakePort()
	r := &Reader{Port: port, Kind: KindLine, Retry: 10 * time.Millisecond, Debounce: Debouncer{Now: clock.Now}}
	out, stop := startReader(t, r)

	port.send("SERWIS-") // half a line, then the scanner is unplugged
	port.fail(errors.New("read /dev/ttyACM0: input/output error"))
	port.fail(errors.New("open /dev/ttyACM0: no such file or directory"))
	port.send("SERWIS-0042\r\n")
	if c := receive(t, out); c.ID != "SERWIS-0042" {
		t.Fatalf("got %q, want SERWIS-0042 (the half line before the error must be forgotten)", c.ID)
	}
	s := r.Stats()
	if s.Errors != 2 || s.LastError != "open /dev/ttyACM0: no such file or directory" || !s.LastErrorAt.Equal(clock.Now()) || !s.PortOK || s.Cards != 1 {
		t.Errorf("stats %+v", s)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestRunEOFMeansNoData(t *testing.T) {
	port := newFakePort()
	r := &Reader{Port: port, Kind: KindMagstripe}
	out, stop := startReader(t, r)
	for range 5 {
		port.fail(io.EOF) // tarm/serial's read timeout
		port.reads <- readResult{}
	}
	port.send("%B12345678^SERWIS^?;12345678=1?\r\n")
	if c := receive(t, out); c.ID != "12345678" {
		t.Fatalf("got %v", c)
	}
	if s := r.Stats(); s.Errors != 0 || s.LastError != "" || !s.PortOK {
		t.Errorf("stats %+v", s)
	}
	stop()
}

func TestRunPackageFunc(t *testing.T) {
	port := newFakePort()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan Card)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, port, KindRDM6300, out) }()

	port.fail(errors.New("unplugged"))
	port.sendBytes(Frame(KindRDM6300, "0F00A1B2C3"))
	if c := receive(t, out); c.ID != "0F00A1B2C3" {
		t.Fatalf("got %v", c)
	}
	// The held card again: debounced; then cancel while Read blocks.
	port.sendBytes(Frame(KindRDM6300, "0F00A1B2C3"))
	noCard(t, out)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Run took %v to return", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}

	if err := Run(context.Background(), port, "wiegand", out); err == nil {
		t.Error("Run accepted an unknown kind")
	}
}

func TestRunCancelWhileNobodyListens(t *testing.T) {
	port := newFakePort()
	r := &Reader{Port: port, Kind: KindLine}
	_, stop := startReader(t, r)
	port.send("A\r\nB\r\n") // out is never read
	time.Sleep(20 * time.Millisecond)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestRunCancelDuringRetryPause(t *testing.T) {
	port := newFakePort()
	r := &Reader{Port: port, Kind: KindLine, Retry: time.Hour}
	_, stop := startReader(t, r)
	port.fail(errors.New("unplugged"))
	for r.Stats().Errors == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// A Reader with a larger MaxLine takes a line longer than a card's (an enrolment code from
// a QR scanner), also after a read error renewed its parser; the default drops it.
func TestRunMaxLine(t *testing.T) {
	long := "INFOMAT1:" + strings.Repeat("A", 200)
	port := newFakePort()
	out, stop := startReader(t, &Reader{Port: port, Kind: KindLine, MaxLine: 1024, Retry: time.Millisecond})
	port.sendBytes(Frame(KindLine, long))
	if c := receive(t, out); c.ID != long {
		t.Fatalf("got %d bytes", len(c.ID))
	}
	port.fail(errors.New("unplugged"))
	port.sendBytes(Frame(KindLine, long+"B"))
	if c := receive(t, out); c.ID != long+"B" {
		t.Fatalf("after a read error: got %d bytes", len(c.ID))
	}
	port.sendBytes(Frame(KindLine, strings.Repeat("C", 1025)))
	noCard(t, out)
	stop()

	port = newFakePort()
	r := &Reader{Port: port, Kind: KindLine}
	out, stop = startReader(t, r)
	port.sendBytes(Frame(KindLine, long))
	port.sendBytes(Frame(KindLine, "1234"))
	if c := receive(t, out); c.ID != "1234" {
		t.Fatalf("default MaxLine: got %v", c)
	}
	stop()
	if r.Stats().Dropped != 1 {
		t.Errorf("default MaxLine: dropped %d lines, want the long one", r.Stats().Dropped)
	}
}
