package printer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"infomat/receipt"
)

// fakeDevice is an ESC/POS printer in memory: it answers every DLE EOT n in the byte stream
// (as a real printer does, wherever the bytes come from) from its settable status, and
// records what it was sent.
type fakeDevice struct {
	mu         sync.Mutex
	n1, n2, n4 byte
	silent     bool // answers nothing
	eofOnEmpty bool // Read returns 0, io.EOF at once when there is nothing (tarm/serial)
	flowNoise  bool // an XOFF and an XON come before every answer
	// paperOutAfter, when > 0, runs the paper out once that many document bytes are in.
	paperOutAfter int
	// onData is called after each document write with the document bytes so far.
	onData func(total int)
	// blockData makes document writes hang until their context ends (a printer holding
	// XOFF); hook runs first.
	blockData bool

	writes  [][]byte // every Write, in order
	queries []byte   // n of every DLE EOT n write
	data    []byte   // everything else
	parse   []byte   // the last bytes of the stream, for a DLE EOT split across writes
	pending []byte   // answers not yet read
}

func newFake() *fakeDevice { return &fakeDevice{n1: rtOK, n2: rtOK, n4: rtOK} }

func (f *fakeDevice) setPaperOut() {
	f.n1, f.n2, f.n4 = rtOffline, rtOK|1<<5, rtNoPaper
}

func (f *fakeDevice) Write(ctx context.Context, b []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f.mu.Lock()
	b = bytes.Clone(b)
	f.writes = append(f.writes, b)
	isQuery := len(b) == 3 && b[0] == dle && b[1] == eot
	if isQuery {
		f.queries = append(f.queries, b[2])
	} else {
		f.data = append(f.data, b...)
		if f.paperOutAfter > 0 && len(f.data) >= f.paperOutAfter {
			f.setPaperOut()
		}
	}
	for _, c := range b {
		f.parse = append(f.parse, c)
		if n := len(f.parse); n >= 3 && f.parse[n-3] == dle && f.parse[n-2] == eot {
			f.answer(f.parse[n-1])
		}
		if len(f.parse) > 2 {
			f.parse = f.parse[len(f.parse)-2:]
		}
	}
	hook, block, total := f.onData, f.blockData && !isQuery, len(f.data)
	f.mu.Unlock()
	if !isQuery && hook != nil {
		hook(total)
	}
	if block {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return len(b), nil
}

func (f *fakeDevice) answer(n byte) {
	if f.silent {
		return
	}
	if f.flowNoise {
		f.pending = append(f.pending, xoff, xon)
	}
	switch n {
	case 1:
		f.pending = append(f.pending, f.n1)
	case 2:
		f.pending = append(f.pending, f.n2)
	case 4:
		f.pending = append(f.pending, f.n4)
	}
}

func (f *fakeDevice) Read(ctx context.Context, b []byte) (int, error) {
	for {
		f.mu.Lock()
		if len(f.pending) > 0 {
			n := copy(b, f.pending)
			f.pending = f.pending[n:]
			f.mu.Unlock()
			return n, nil
		}
		eof := f.eofOnEmpty
		f.mu.Unlock()
		if eof {
			return 0, io.EOF
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (f *fakeDevice) snapshot() (queries, data []byte, writes [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.queries), bytes.Clone(f.data), append([][]byte(nil), f.writes...)
}

func testPrinter(f *fakeDevice, p Profile) *Printer {
	pr := New(f, p)
	pr.QueryTimeout = 100 * time.Millisecond
	pr.WriteTimeout = 200 * time.Millisecond
	pr.CheckEvery = 256
	pr.Baud = 0
	return pr
}

func TestStatusQueries(t *testing.T) {
	f := newFake()
	f.n4 = rtLowPaper
	st, err := testPrinter(f, Profile58).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Status{Online: true, PaperNearEnd: true}); st != want {
		t.Errorf("status %+v, want %+v", st, want)
	}
	_, _, writes := f.snapshot()
	if want := [][]byte{vecStatus1, vecStatus2, vecStatus4}; !equalWrites(writes, want) {
		t.Errorf("sent % X, want % X", writes, want)
	}
}

func equalWrites(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestPrintHappyPath(t *testing.T) {
	for _, p := range []Profile{Profile58, Profile80, {Name: "raster", WidthDots: 384, Columns: 32}} {
		f := newFake()
		pr := testPrinter(f, p)
		d := sampleReceipt(true)
		if err := pr.Print(context.Background(), d); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		want, _ := Encode(d, p)
		queries, data, writes := f.snapshot()
		if !bytes.Equal(data, want) {
			t.Errorf("%s: the printer got %d bytes, want the %d of Encode", p.Name, len(data), len(want))
		}
		// Status first, then checks along the way and at the end; never inside a command.
		if !equalWrites(writes[:3], [][]byte{vecStatus1, vecStatus2, vecStatus4}) {
			t.Errorf("%s: first writes % X, want the status queries", p.Name, writes[:3])
		}
		if !bytes.Equal(writes[len(writes)-1], vecStatus4) {
			t.Errorf("%s: no status check at the end", p.Name)
		}
		chunks, _ := encodeChunks(d, p)
		wantChecks, since := 2, 0 // before and after
		for _, c := range chunks[:len(chunks)-1] {
			if since += len(c); since >= pr.CheckEvery {
				wantChecks, since = wantChecks+1, 0
			}
		}
		if len(queries) != 3*wantChecks {
			t.Errorf("%s: %d queries for %d bytes, want %d checks", p.Name, len(queries), len(want), wantChecks)
		}
		i := 0
		for _, w := range writes {
			if len(w) == 3 && w[0] == dle && w[1] == eot {
				continue
			}
			if !bytes.Equal(w, chunks[i]) {
				t.Fatalf("%s: write %d is not chunk %d", p.Name, i, i)
			}
			i++
		}
		t.Logf("%s: %d bytes, %d status checks", p.Name, len(data), len(queries)/3)
	}
}

func TestPrintRefusesBeforeSending(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*fakeDevice)
		want error
	}{
		{"paper out", (*fakeDevice).setPaperOut, ErrPaperOut},
		{"cover open", func(f *fakeDevice) { f.n1, f.n2 = rtOffline, rtOK|1<<2 }, ErrCoverOpen},
		{"offline", func(f *fakeDevice) { f.n1 = rtOffline }, ErrOffline},
	} {
		f := newFake()
		c.set(f)
		err := testPrinter(f, Profile58).Print(context.Background(), sampleReceipt(false))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		queries, data, _ := f.snapshot()
		if len(data) != 0 || !bytes.Equal(queries, []byte{1, 2, 4}) {
			t.Errorf("%s: sent %d document bytes and queries %v; want only the three queries", c.name, len(data), queries)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

func TestPrintPaperRunsOut(t *testing.T) {
	for _, native := range []bool{true, false} {
		p := Profile58
		p.NativeQR = native
		d := sampleReceipt(true)
		total, _ := Encode(d, p)
		f := newFake()
		f.paperOutAfter = 300
		err := testPrinter(f, p).Print(context.Background(), d)
		if !errors.Is(err, ErrPaperOut) {
			t.Fatalf("native=%v: %v, want ErrPaperOut", native, err)
		}
		_, data, _ := f.snapshot()
		if len(data) >= len(total) || len(data) > 300+256+2000 {
			t.Errorf("native=%v: %d of %d bytes sent after the paper ran out at 300", native, len(data), len(total))
		}
		t.Logf("native=%v: %v", native, err)
	}

	// Running out with the last chunk is caught by the check at the end.
	d := sampleReceipt(false)
	total, _ := Encode(d, Profile58)
	f := newFake()
	f.paperOutAfter = len(total)
	err := testPrinter(f, Profile58).Print(context.Background(), d)
	if !errors.Is(err, ErrPaperOut) || !strings.Contains(err.Error(), "after printing") {
		t.Errorf("paper out at the very end: %v", err)
	}
}

func TestPrintNoResponse(t *testing.T) {
	f := newFake()
	f.silent = true
	start := time.Now()
	err := testPrinter(f, Profile58).Print(context.Background(), sampleReceipt(false))
	if !errors.Is(err, ErrNoResponse) {
		t.Fatalf("%v, want ErrNoResponse", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	queries, data, _ := f.snapshot()
	if len(data) != 0 || !bytes.Equal(queries, []byte{1}) {
		t.Errorf("sent %d document bytes and queries %v after no answer", len(data), queries)
	}
	t.Log(err)

	// A transport whose reads time out with 0, io.EOF (tarm/serial) is "no answer" too.
	f = newFake()
	f.silent, f.eofOnEmpty = true, true
	if _, err := testPrinter(f, Profile58).Status(context.Background()); !errors.Is(err, ErrNoResponse) {
		t.Errorf("io.EOF transport: %v, want ErrNoResponse", err)
	}
	f = newFake()
	f.eofOnEmpty = true
	if _, err := testPrinter(f, Profile58).Status(context.Background()); err != nil {
		t.Errorf("io.EOF transport answering: %v", err)
	}
}

// An answer that comes after its query gave up must not be taken for the next query's.
func TestLateAnswerIsDrained(t *testing.T) {
	f := newFake()
	f.silent = true
	pr := testPrinter(f, Profile58)
	if _, err := pr.Status(context.Background()); !errors.Is(err, ErrNoResponse) {
		t.Fatalf("%v, want ErrNoResponse", err)
	}
	f.mu.Lock()
	f.pending = append(f.pending, rtOffline) // the late answer to DLE EOT 1
	f.silent = false
	f.mu.Unlock()
	st, err := pr.Status(context.Background())
	if err != nil || !st.Online {
		t.Errorf("after a late answer: %+v, %v; want online", st, err)
	}
}

// Printers answer DLE EOT n wherever it appears, also inside a command's data; the answer
// must not shift the next status check's answers.
func TestAnswerToDataIsDrained(t *testing.T) {
	f := newFake()
	f.n1 = rtOK | 1<<2 // drawer pin high: an n=1 answer read as n=2 would say "cover open"
	pr := testPrinter(f, Profile58)
	d := receipt.Doc{Items: []receipt.Item{
		receipt.QR{Data: "A\x10\x04\x01B"},
		receipt.Text{Text: strings.Repeat("tekst ", 100)},
	}}
	if err := pr.Print(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func TestFlowControlBytesSkipped(t *testing.T) {
	f := newFake()
	f.flowNoise = true
	f.n2 = rtOK | 1<<2
	st, err := testPrinter(f, Profile58).Status(context.Background())
	if err != nil || !st.CoverOpen || !st.Online {
		t.Errorf("%+v, %v; want online with the cover open", st, err)
	}
}

func TestPrintCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := newFake()
	err := testPrinter(f, Profile58).Print(ctx, sampleReceipt(false))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	if _, _, writes := f.snapshot(); len(writes) != 0 {
		t.Errorf("cancelled before: %d writes", len(writes))
	}

	// Cancelled while printing: stops there.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	f = newFake()
	f.onData = func(total int) {
		if total > 200 {
			cancel()
		}
	}
	d := sampleReceipt(false)
	all, _ := Encode(d, Profile58)
	err = testPrinter(f, Profile58).Print(ctx, d)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while printing: %v", err)
	}
	if _, data, _ := f.snapshot(); len(data) >= len(all) || len(data) > 400 {
		t.Errorf("cancelled while printing: %d of %d bytes sent", len(data), len(all))
	}
	t.Log(err)

	// Cancelled while waiting for a status answer.
	ctx, cancel = context.WithCancel(context.Background())
	f = newFake()
	f.silent = true
	pr := testPrinter(f, Profile58)
	pr.QueryTimeout = time.Minute
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := pr.Status(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrNoResponse) {
		t.Errorf("cancelled while waiting for an answer: %v", err)
	}
}

// A printer that stops taking data (holding XOFF when the paper has run out) is asked why.
func TestPrintStuckWrite(t *testing.T) {
	f := newFake()
	f.blockData = true
	f.onData = func(int) {
		f.mu.Lock()
		f.setPaperOut()
		f.mu.Unlock()
	}
	err := testPrinter(f, Profile58).Print(context.Background(), sampleReceipt(false))
	if !errors.Is(err, ErrPaperOut) {
		t.Errorf("%v, want ErrPaperOut", err)
	}
	f = newFake()
	f.blockData = true
	err = testPrinter(f, Profile58).Print(context.Background(), sampleReceipt(false))
	if !errors.Is(err, ErrNoResponse) {
		t.Errorf("%v, want ErrNoResponse", err)
	}
	t.Log(err)
}

func TestTransferTime(t *testing.T) {
	for _, c := range []struct {
		n, baud int
		want    time.Duration
	}{
		{960, 9600, time.Second},
		{1, 9600, 1041666 * time.Nanosecond},
		{11520, 115200, time.Second},
		{100, 0, 0},
		{0, 9600, 0},
	} {
		if got := TransferTime(c.n, c.baud); got != c.want {
			t.Errorf("TransferTime(%d, %d) = %v, want %v", c.n, c.baud, got, c.want)
		}
	}
}

func TestReceiptSizeFigures(t *testing.T) {
	for _, pay := range []bool{false, true} {
		d := sampleReceipt(pay)
		for _, p := range []Profile{Profile58, Profile80} {
			for _, native := range []bool{true, false} {
				p.NativeQR = native
				b, err := Encode(d, p)
				if err != nil {
					t.Fatal(err)
				}
				mode := "native QR"
				if !native {
					mode = "raster QR"
				}
				what := "submission"
				if pay {
					what = "submission + fee"
				}
				t.Logf("%-16s %-13s %-9s %6d bytes  %6.2f s at 9600 baud  %5.2f s at 115200",
					what, p.Name, mode, len(b), TransferTime(len(b), 9600).Seconds(), TransferTime(len(b), 115200).Seconds())
			}
		}
	}
}

// TestStatusWhileBusy: a status query waits for a running job no longer than its context.
func TestStatusWhileBusy(t *testing.T) {
	pr := testPrinter(newFake(), Profile58)
	if err := pr.lock.Lock(context.Background()); err != nil { // a job that never ends
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := pr.Status(ctx); !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("status while busy: %v, want ErrBusy", err)
	}
	if err := pr.Print(ctx, sampleReceipt(false)); !errors.Is(err, ErrBusy) {
		t.Fatalf("print while busy: %v, want ErrBusy", err)
	}
	pr.lock.Unlock()
	if _, err := pr.Status(context.Background()); err != nil {
		t.Fatalf("status after the job: %v", err)
	}
}
