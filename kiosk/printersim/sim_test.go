package printersim

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/charmap"
)

// fakeDev is the cable: the test writes what the host sends with host, and reads what the
// printer answered with answers.
type fakeDev struct {
	r    *io.PipeReader
	host *io.PipeWriter

	mu   sync.Mutex
	got  []byte
	more chan struct{}
}

func newFakeDev() *fakeDev {
	r, w := io.Pipe()
	return &fakeDev{r: r, host: w, more: make(chan struct{}, 1)}
}

func (f *fakeDev) Read(p []byte) (int, error) { return f.r.Read(p) }

func (f *fakeDev) Write(p []byte) (int, error) {
	f.mu.Lock()
	f.got = append(f.got, p...)
	f.mu.Unlock()
	select {
	case f.more <- struct{}{}:
	default:
	}
	return len(p), nil
}

// answers waits for at least n bytes from the printer and takes them.
func (f *fakeDev) answers(t *testing.T, n int) []byte {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		f.mu.Lock()
		if len(f.got) >= n {
			b := f.got[:n:n]
			f.got = f.got[n:]
			f.mu.Unlock()
			return b
		}
		f.mu.Unlock()
		select {
		case <-f.more:
		case <-deadline:
			t.Fatalf("the printer sent %d bytes, want %d", len(f.got), n)
		}
	}
}

func (f *fakeDev) take() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.got
	f.got = nil
	return b
}

// start runs a simulator on a fake cable until the test ends.
func start(t *testing.T, width int) (*Sim, *fakeDev) {
	t.Helper()
	dev := newFakeDev()
	s := New(dev, width)
	s.SetDrainRate(0)
	s.SetLog(t.Logf)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		dev.host.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
	return s, dev
}

func send(t *testing.T, dev *fakeDev, b []byte) {
	t.Helper()
	if _, err := dev.host.Write(b); err != nil {
		t.Fatal(err)
	}
}

func idle(t *testing.T, s *Sim) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatalf("the printer did not finish: %v (buffered %d)", err, s.Buffered())
	}
}

const (
	trackURL = "https://wnioski.przykladowa.example.pl/sprawdz/PRZ-7K4M-Q2"
	rasterQR = "PRZ-7K4M-Q2|raster"
)

// polish is "Zażółć gęślą jaźń" in CP852, written out byte by byte.
var polish = []byte{'Z', 'a', 0xBE, 0xA2, 0x88, 0x86, ' ', 'g', 0xA9, 0x98, 'l', 0xA5, ' ', 'j', 'a', 0xAB, 0xE4}

// nativeQR is GS ( k: model 2, module 6, error correction M, store data, print.
func nativeQR(data string) []byte {
	fn := func(f byte, args ...byte) []byte {
		n := len(args) + 2
		return append([]byte{0x1D, '(', 'k', byte(n), byte(n >> 8), '1', f}, args...)
	}
	var b []byte
	b = append(b, fn(65, '2', 0)...)
	b = append(b, fn(67, 6)...)
	b = append(b, fn(69, '1')...)
	b = append(b, fn(80, append([]byte{'0'}, data...)...)...)
	b = append(b, fn(81, '0')...)
	return b
}

// rasterImage is GS v 0 of data's QR code (go-qrcode, quiet zone kept) at scale dots a module.
func rasterImage(t *testing.T, data string, scale int) []byte {
	q, err := qrcode.New(data, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap()
	size := len(bm) * scale
	xb := (size + 7) / 8
	b := []byte{0x1D, 'v', '0', 0, byte(xb), byte(xb >> 8), byte(size), byte(size >> 8)}
	for y := range size {
		row := make([]byte, xb)
		for x := range size {
			if bm[y/scale][x/scale] {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		b = append(b, row...)
	}
	return b
}

func testJob(t *testing.T) []byte {
	var j []byte
	j = append(j, 0x1B, '@', 0x1C, '.', 0x1B, 't', 18)
	j = append(j, 0x1B, 'a', 1, 0x1B, 'E', 1)
	j = append(j, "Gmina Przykladowo\n"...)
	j = append(j, 0x1B, 'E', 0, 0x1D, '!', 0x11)
	j = append(j, "PRZ-7K4M\n"...)
	j = append(j, 0x1D, '!', 0, 0x1B, 'a', 0)
	j = append(j, polish...)
	j = append(j, '\n')
	j = append(j, 0x1B, 'd', 1, 0x1B, 'a', 1)
	j = append(j, nativeQR(trackURL)...)
	j = append(j, 0x1B, 'J', 24)
	j = append(j, rasterImage(t, rasterQR, 4)...)
	j = append(j, 0x1B, 'd', 2, 0x1D, 'V', 66, 0)
	return j
}

func TestPolishBytesAreCP852(t *testing.T) {
	want, err := charmap.CodePage852.NewEncoder().Bytes([]byte("Zażółć gęślą jaźń"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, polish) {
		t.Fatalf("CP852 of the test line is % X, the test has % X", want, polish)
	}
}

func TestReceipt(t *testing.T) {
	s, dev := start(t, 384)
	var jobs []Job
	var mu sync.Mutex
	s.OnCut(func(j Job) { mu.Lock(); jobs = append(jobs, j); mu.Unlock() })
	send(t, dev, testJob(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	idle(t, s)

	text := s.Text()
	t.Logf("paper:\n%s", text)
	for _, want := range []string{"Gmina Przykladowo\nPRZ-7K4M\nZażółć gęślą jaźń\n", "[kod QR: " + trackURL + "]",
		"[grafika ", "--- cięcie ---"} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() lacks %q", want)
		}
	}
	if got := s.QRData(); len(got) != 1 || got[0] != trackURL {
		t.Errorf("QRData() = %q, want [%q]", got, trackURL)
	}
	if s.Jobs() != 1 || s.Unknown() != 0 {
		t.Errorf("Jobs() = %d, Unknown() = %d; want 1, 0", s.Jobs(), s.Unknown())
	}

	img := s.PNG()
	savePNG(t, "printersim-receipt.png", img)
	gs := s.Graphics()
	if len(gs) != 2 || gs[0].Kind != "qr" || gs[1].Kind != "raster" {
		t.Fatalf("Graphics() = %+v, want a native QR and a raster image", gs)
	}
	for i, want := range []string{trackURL, rasterQR} {
		if got, err := decodeQR(img, gs[i].Rect); err != nil || got != want {
			t.Errorf("graphic %d (%s) decodes to %q, %v; want %q", i, gs[i].Kind, got, err, want)
		}
	}
	// The large line is twice as tall as the normal one: font A 24 dots, doubled.
	if h := darkRows(img, 0, 200); h < 40 {
		t.Errorf("the large line is %d dots tall, want about 48", h)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(jobs) != 1 || jobs[0].N != 1 || jobs[0].Text != text || len(jobs[0].QR) != 1 {
		t.Errorf("OnCut got %+v", jobs)
	}

	s.Reset()
	if s.Text() != "" || s.Jobs() != 0 || len(s.QRData()) != 0 {
		t.Errorf("after Reset: %q, %d jobs, %q", s.Text(), s.Jobs(), s.QRData())
	}
}

// darkRows counts the rows of the line band [y0, y1) under the first text lines that hold the
// tallest run of rows with black dots, found between blank rows: the height of the large line.
func darkRows(img image.Image, y0, y1 int) int {
	b := img.Bounds()
	best, run := 0, 0
	for y := y0; y < min(y1, b.Max.Y); y++ {
		dark := false
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark = true
				break
			}
		}
		if dark {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

func savePNG(t *testing.T, name string, img image.Image) {
	dir := os.Getenv("PRINTERSIM_PNG_DIR")
	if dir == "" {
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodeQR cuts r out of img, puts a white quiet zone around it and decodes the QR code.
func decodeQR(img image.Image, r image.Rectangle) (string, error) {
	const pad = 32
	crop := image.NewGray(image.Rect(0, 0, r.Dx()+2*pad, r.Dy()+2*pad))
	draw.Draw(crop, crop.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(crop, r.Sub(r.Min).Add(image.Pt(pad, pad)), img, r.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		return "", err
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

func TestStatus(t *testing.T) {
	s, dev := start(t, 576)
	for _, c := range []struct {
		name       string
		st         State
		n1, n2, n4 byte
	}{
		{"ok", State{}, 0x12, 0x12, 0x12},
		{"offline", State{Offline: true}, 0x1A, 0x12, 0x12},
		{"cover open", State{CoverOpen: true}, 0x1A, 0x16, 0x12},
		{"paper near end", State{PaperNearEnd: true}, 0x12, 0x12, 0x1E},
		{"paper out", State{PaperOut: true}, 0x1A, 0x32, 0x7E},
	} {
		s.SetState(c.st)
		if s.State() != c.st {
			t.Fatalf("State() = %+v after SetState(%+v)", s.State(), c.st)
		}
		send(t, dev, []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4})
		got := dev.answers(t, 3)
		if want := []byte{c.n1, c.n2, c.n4}; !bytes.Equal(got, want) {
			t.Errorf("%s: DLE EOT 1, 2, 4 answered % X, want % X", c.name, got, want)
		}
	}
	// A query split over two writes, in the middle of a line, is still answered at once.
	s.SetState(State{})
	send(t, dev, []byte{'a', 'b', 0x10})
	send(t, dev, []byte{0x04})
	send(t, dev, []byte{4, 'c', '\n'})
	if got := dev.answers(t, 1); got[0] != 0x12 {
		t.Errorf("split query answered %X", got[0])
	}
	idle(t, s)
	if got := s.Text(); got != "abc\n" {
		t.Errorf("Text() = %q, want the line without the query", got)
	}
}

func TestPaperOutMidJob(t *testing.T) {
	s, dev := start(t, 384)
	var job []byte
	job = append(job, 0x1B, '@')
	for i := range 20 {
		job = append(job, []byte("wiersz "+string(rune('A'+i))+"\n")...)
	}
	job = append(job, 0x1D, 'V', 1)
	s.PaperOutAfter(2 + 9*5) // ESC @ and five lines of 9 bytes
	send(t, dev, job)
	idle(t, s)
	if !s.State().PaperOut {
		t.Fatal("the paper did not run out")
	}
	lines := strings.Split(strings.TrimSpace(s.Text()), "\n")
	if len(lines) != 5 || lines[4] != "wiersz E" {
		t.Errorf("printed %q, want the first five lines", lines)
	}
	if s.Jobs() != 0 {
		t.Errorf("the cut after the paper ran out counted: %d jobs", s.Jobs())
	}
	send(t, dev, []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4})
	if got := dev.answers(t, 3); !bytes.Equal(got, []byte{0x1A, 0x32, 0x7E}) {
		t.Errorf("status after paper out: % X", got)
	}

	// New paper: the next job prints.
	s.SetState(State{})
	send(t, dev, []byte("po wymianie\n\x1dV\x00"))
	idle(t, s)
	if !strings.HasSuffix(s.Text(), "po wymianie\n--- cięcie ---\n") || s.Jobs() != 1 {
		t.Errorf("after new paper: %q, %d jobs", s.Text(), s.Jobs())
	}
}

func TestFlowControl(t *testing.T) {
	s, dev := start(t, 384)
	s.SetDrainRate(2000)
	line := []byte(strings.Repeat("x", 31) + "\n")
	// A host that ignores flow control: 1 KiB at once.
	send(t, dev, bytes.Repeat(line, 32))
	if got := dev.answers(t, 1); got[0] != XOFF {
		t.Fatalf("first byte from the printer %X, want XOFF", got[0])
	}
	if s.Overruns() == 0 {
		t.Errorf("1 KiB into a %d B buffer made no overrun", BufferSize)
	}
	if got := dev.answers(t, 1); got[0] != XON {
		t.Fatalf("then %X, want XON", got[0])
	}
	idle(t, s)
	if s.XoffsSent() != 1 || s.XonsSent() != 1 {
		t.Errorf("XoffsSent %d, XonsSent %d; want 1, 1", s.XoffsSent(), s.XonsSent())
	}
	if n := strings.Count(s.Text(), "\n"); n != 32 {
		t.Errorf("printed %d lines, want 32", n)
	}

	// A host that honours XOFF: 32-byte writes, pausing while stopped, loses nothing.
	s.Reset()
	over := s.Overruns()
	stopped := false
	for i := range 64 {
		for _, b := range dev.take() {
			stopped = b == XOFF || (stopped && b != XON)
		}
		deadline := time.Now().Add(5 * time.Second)
		for stopped && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
			for _, b := range dev.take() {
				stopped = b == XOFF || (stopped && b != XON)
			}
		}
		if stopped {
			t.Fatalf("no XON after XOFF (write %d)", i)
		}
		send(t, dev, line)
		time.Sleep(time.Millisecond) // the printer reads each write before the next
	}
	idle(t, s)
	if s.Overruns() != over {
		t.Errorf("a host honouring XOFF overran the buffer by %d bytes", s.Overruns()-over)
	}
	if s.XoffsSent() < 2 {
		t.Errorf("XoffsSent %d: the second host never had to wait", s.XoffsSent())
	}
	if n := strings.Count(s.Text(), "\n"); n != 64 {
		t.Errorf("printed %d lines, want 64", n)
	}
}

func TestGarbageDoesNotHang(t *testing.T) {
	s, dev := start(t, 576)
	s.SetCommandTimeout(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rng.UintN(256))
		if rng.UintN(16) == 0 { // plenty of command starts
			garbage[i] = []byte{0x1B, 0x1D, 0x1C, 0x10}[rng.UintN(4)]
		}
	}
	truncated := [][]byte{
		{0x1D, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3}, // a 4 GB image that never comes
		{0x1D, '(', 'k', 0xFF, 0xFF, '1', 80, '0', 'a'},      // 64 KB of QR data announced
		{0x1D, '(', 'k', 3, 0, '1', 81, '0', 0x1D, '(', 'k', 3, 0, '1', 67, 99},
		{0x1B, 't', 200, 0x1B, 0xEE, 0x1D, '!', 0xFF, 0x1D, 'V', 7},
		{0x1B},
	}
	for _, p := range append([][]byte{garbage}, truncated...) {
		send(t, dev, p)
		if err := s.WaitIdle(ctx); err != nil {
			t.Fatalf("the printer is stuck: %v", err)
		}
	}
	if s.Unknown() == 0 {
		t.Error("no unknown command counted")
	}
	t.Logf("Unknown() = %d, Jobs() = %d, %d graphics", s.Unknown(), s.Jobs(), len(s.Graphics()))
	_ = s.PNG()

	// The printer still works.
	s.Reset()
	send(t, dev, []byte("\x1b@\x1c.\x1bt\x12"))
	send(t, dev, append(append([]byte{}, polish...), "\n\x1dVB\x00"...))
	if err := s.WaitJobs(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Text(), "Zażółć gęślą jaźń\n--- cięcie ---") {
		t.Errorf("after garbage: %q", s.Text())
	}
}

func TestChineseClone(t *testing.T) {
	s, dev := start(t, 384)
	s.SetChineseClone(true)
	job := append([]byte{0x1B, '@', 0x1B, 't', 18}, polish...)
	job = append(job, '\n', 0x1C, '.')
	job = append(job, polish...)
	send(t, dev, append(job, '\n'))
	idle(t, s)
	lines := strings.Split(s.Text(), "\n")
	if lines[0] == "Zażółć gęślą jaźń" || lines[1] != "Zażółć gęślą jaźń" {
		t.Errorf("a clone in Kanji mode printed %q, then after FS . %q", lines[0], lines[1])
	}
}

func TestWrapAndModes(t *testing.T) {
	s, dev := start(t, 384)
	var j []byte
	j = append(j, strings.Repeat("1234567890", 4)...) // 40 characters on a 32-column line
	j = append(j, '\n', 0x1B, '!', 0x30)              // double width and height: 16 columns
	j = append(j, "ABCDEFGHIJKLMNOPQRS\n"...)
	j = append(j, 0x1B, '!', 0x01)
	j = append(j, strings.Repeat("b", 42)+"c\n"...) // font B: 42 columns
	send(t, dev, j)
	idle(t, s)
	want := "12345678901234567890123456789012\n34567890\nABCDEFGHIJKLMNOP\nQRS\n" + strings.Repeat("b", 42) + "\nc\n"
	if got := s.Text(); got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}
