package printersim

import (
	"context"
	"errors"
	"fmt"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Control bytes.
const (
	bHT  = 0x09
	bLF  = 0x0A
	bCR  = 0x0D
	bDLE = 0x10
	bESC = 0x1B
	bFS  = 0x1C
	bGS  = 0x1D
)

// codePages are the ESC t tables the simulator knows (Epson numbering).
var codePages = map[byte]*charmap.Charmap{
	0:  charmap.CodePage437,
	2:  charmap.CodePage850,
	3:  charmap.CodePage860,
	4:  charmap.CodePage863,
	5:  charmap.CodePage865,
	16: charmap.Windows1252,
	17: charmap.CodePage866,
	18: charmap.CodePage852,
	19: charmap.CodePage858,
	45: charmap.Windows1250,
	46: charmap.Windows1251,
}

// Limits that keep a hostile stream from making the simulator allocate without end.
const (
	maxImageHeight = 8192 // dots of one raster image kept; more is read and dropped
	maxQRData      = 7089 // the largest QR payload (numeric, version 40-L)
)

var (
	errStop      = errors.New("stop")
	errTruncated = errors.New("command cut short")
)

// mode is the print mode set by commands, reset by ESC @.
type mode struct {
	bold, underline2, underline, reverse, fontB bool
	wm, hm                                      int // width and height multipliers, 1..8
	align                                       int // 0 left, 1 centre, 2 right
	page                                        *charmap.Charmap
	kanji                                       bool
	spacing                                     int // line spacing in dots
	qrModule, qrLevel                           int
}

// decoder turns the byte stream into paper. It pulls bytes with next, so each command is
// read as straight-line code.
type decoder struct {
	s   *Sim
	in  <-chan []byte
	ctx context.Context
	cur []byte
	got int // bytes of cur taken out of s.inflight already

	m      mode
	line   []cell
	lineAl int
	qrData []byte
}

func (d *decoder) reset() {
	d.s.mu.Lock()
	chinese := d.s.chinese
	d.s.mu.Unlock()
	d.m = mode{wm: 1, hm: 1, page: charmap.CodePage437, kanji: chinese, spacing: defaultSpacing,
		qrModule: 3, qrLevel: 48}
	d.line = nil
	d.qrData = nil
}

func (d *decoder) run() {
	d.reset()
	for {
		b, err := d.next(false)
		if err != nil {
			return
		}
		if err := d.command(b); err != nil {
			if errors.Is(err, errStop) {
				return
			}
			d.unknown("%v", err)
		}
	}
}

// next returns the next byte of the stream. At the start of a command (mid false) it waits
// as long as it takes; inside a command it gives up after the command timeout.
func (d *decoder) next(mid bool) (byte, error) {
	d.s.mu.Lock()
	if d.s.paperLeft == 0 { // the previous byte was the last one printed
		d.s.paperLeft = -1
		d.s.state.PaperOut = true
		d.s.logf("papier się skończył (PaperOutAfter)")
		d.s.changedLocked()
	}
	d.s.mu.Unlock()
	for len(d.cur) == 0 {
		s := d.s
		s.mu.Lock()
		s.inflight -= d.got
		d.got = 0
		timeout := s.cmdTimeout
		if !mid {
			s.waiting = true
			s.changedLocked()
		}
		s.mu.Unlock()
		var timer <-chan time.Time
		if mid {
			t := time.NewTimer(timeout)
			defer t.Stop()
			timer = t.C
		}
		var chunk []byte
		select {
		case chunk = <-d.in:
		case <-d.ctx.Done():
			return 0, errStop
		case <-timer:
			return 0, errTruncated
		}
		s.mu.Lock()
		s.waiting = false
		s.active = time.Now()
		s.mu.Unlock()
		d.cur, d.got = chunk, len(chunk)
	}
	b := d.cur[0]
	d.cur = d.cur[1:]

	s := d.s
	s.mu.Lock()
	if s.paperLeft > 0 && !s.state.faulted() {
		s.paperLeft--
	}
	s.mu.Unlock()
	return b, nil
}

func (d *decoder) arg() (byte, error) { return d.next(true) }

// args reads n parameter bytes.
func (d *decoder) args(n int) ([]byte, error) {
	p := make([]byte, n)
	for i := range p {
		b, err := d.arg()
		if err != nil {
			return nil, err
		}
		p[i] = b
	}
	return p, nil
}

// skip reads and drops n bytes.
func (d *decoder) skip(n int) error {
	for ; n > 0; n-- {
		if _, err := d.arg(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) unknown(format string, args ...any) {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unknown++
	s.logf("nieznane polecenie: "+format, args...)
}

func (d *decoder) command(b byte) error {
	switch {
	case b == bLF:
		d.printLine(1)
	case b == bCR, b == 0x00, b == 0x18, b == XON, b == XOFF:
		// CR is ignored (no auto line feed on serial), NUL, CAN and stray flow control too.
	case b == bHT:
		n := 8 - len(d.line)%8
		for range n {
			d.addRune(' ')
		}
	case b == 0x0C: // FF: prints the line in standard mode
		if len(d.line) > 0 {
			d.printLine(1)
		}
	case b == bESC:
		return d.esc()
	case b == bGS:
		return d.gs()
	case b == bFS:
		return d.fs()
	case b == bDLE:
		return d.dle()
	case b < 0x20:
		d.unknown("bajt sterujący 0x%02X", b)
	default:
		d.text(b)
	}
	return nil
}

func (d *decoder) text(b byte) {
	if d.m.kanji && b >= 0x80 {
		b2, err := d.arg()
		if err != nil {
			d.addRune('?')
			return
		}
		if b2 < 0x40 { // not a second byte: the lead byte alone is garbage
			d.addRune('?')
			if err := d.command(b2); err != nil && !errors.Is(err, errStop) {
				d.unknown("%v", err)
			}
			return
		}
		for _, r := range mustDecodeGB([]byte{b, b2}) {
			d.addRune(r)
		}
		return
	}
	d.addRune(d.m.page.DecodeByte(b))
}

func mustDecodeGB(p []byte) string {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(p)
	if err != nil {
		return "?"
	}
	return string(out)
}

func (d *decoder) esc() error {
	c, err := d.arg()
	if err != nil {
		return err
	}
	one := func() (byte, error) { return d.arg() }
	switch c {
	case '@':
		d.reset()
	case '!':
		n, err := one()
		if err != nil {
			return err
		}
		d.m.fontB = n&0x01 != 0
		d.m.bold = n&0x08 != 0
		d.m.hm, d.m.wm = 1, 1
		if n&0x10 != 0 {
			d.m.hm = 2
		}
		if n&0x20 != 0 {
			d.m.wm = 2
		}
		d.m.underline = n&0x80 != 0
		d.m.underline2 = false
	case 'E', 'G':
		n, err := one()
		if err != nil {
			return err
		}
		d.m.bold = n&1 != 0
	case '-':
		n, err := one()
		if err != nil {
			return err
		}
		d.m.underline = n == 1 || n == 2 || n == '1' || n == '2'
		d.m.underline2 = n == 2 || n == '2'
	case 'M':
		n, err := one()
		if err != nil {
			return err
		}
		d.m.fontB = n == 1 || n == '1'
	case 'a':
		n, err := one()
		if err != nil {
			return err
		}
		switch n {
		case 0, '0':
			d.m.align = 0
		case 1, '1':
			d.m.align = 1
		case 2, '2':
			d.m.align = 2
		default:
			d.unknown("ESC a %d", n)
		}
	case 't':
		n, err := one()
		if err != nil {
			return err
		}
		if cp, ok := codePages[n]; ok {
			d.m.page = cp
		} else {
			d.unknown("ESC t %d (strona kodowa nieobsługiwana)", n)
		}
	case 'd':
		n, err := one()
		if err != nil {
			return err
		}
		d.feedLines(int(n))
	case 'J':
		n, err := one()
		if err != nil {
			return err
		}
		if len(d.line) > 0 {
			d.printLine(1)
		}
		d.put(element{kind: elFeed, dots: int(n)})
	case '2':
		d.m.spacing = defaultSpacing
	case '3':
		n, err := one()
		if err != nil {
			return err
		}
		d.m.spacing = int(n)
	case 'i', 'm': // old partial cut
		d.cut(0)
	case ' ', '%', '=', '?', 'R', 'T', 'U', 'V', 'e', 'K', 'r', 'u', '{':
		return d.skip(1)
	case '$', '\\':
		return d.skip(2)
	case 'p':
		return d.skip(3)
	case 'W':
		return d.skip(8)
	case 'L', 'S', 'F', '<':
	case 'c':
		n, err := one()
		if err != nil {
			return err
		}
		if n == '3' || n == '4' || n == '5' || n == '0' || n == '1' {
			return d.skip(1)
		}
		return fmt.Errorf("ESC c %d", n)
	case 'D': // tab positions, NUL-terminated, at most 32
		for range 33 {
			b, err := d.arg()
			if err != nil || b == 0 {
				return err
			}
		}
	case '*': // bit image in columns
		p, err := d.args(3)
		if err != nil {
			return err
		}
		n := int(p[1]) + int(p[2])<<8
		if p[0] == 32 || p[0] == 33 {
			n *= 3
		}
		return d.skip(n)
	case '&': // user-defined characters
		p, err := d.args(3)
		if err != nil {
			return err
		}
		if p[2] < p[1] || p[0] > 3 {
			return fmt.Errorf("ESC & %d %d %d", p[0], p[1], p[2])
		}
		for range int(p[2]-p[1]) + 1 {
			x, err := d.arg()
			if err != nil {
				return err
			}
			if err := d.skip(int(p[0]) * int(x)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("ESC 0x%02X", c)
	}
	return nil
}

func (d *decoder) gs() error {
	c, err := d.arg()
	if err != nil {
		return err
	}
	switch c {
	case '!':
		n, err := d.arg()
		if err != nil {
			return err
		}
		d.m.wm, d.m.hm = int(n>>4)+1, int(n&0x0F)+1
		if d.m.wm > 8 || d.m.hm > 8 {
			d.m.wm, d.m.hm = 1, 1
			return fmt.Errorf("GS ! 0x%02X", n)
		}
	case 'B':
		n, err := d.arg()
		if err != nil {
			return err
		}
		d.m.reverse = n&1 != 0
	case 'V':
		m, err := d.arg()
		if err != nil {
			return err
		}
		switch m {
		case 0, 1, '0', '1':
			d.cut(0)
		case 65, 66, 97, 98, 103, 104:
			n, err := d.arg()
			if err != nil {
				return err
			}
			d.cut(int(n))
		default:
			return fmt.Errorf("GS V %d", m)
		}
	case 'v':
		return d.raster()
	case '(':
		return d.gsParen()
	case 'r':
		n, err := d.arg()
		if err != nil {
			return err
		}
		if n == 1 || n == 49 {
			d.s.send([]byte{d.paperSensor()})
		} else {
			d.s.send([]byte{0})
		}
	case 'I', 'a', 'b', 'f', 'h', 'w', 'H', '/', 'T', 'E', 'j':
		return d.skip(1)
	case 'L', 'W', 'P', '$', '\\':
		return d.skip(2)
	case ':':
	case '*': // downloaded bit image: x y then x*y*8 bytes
		p, err := d.args(2)
		if err != nil {
			return err
		}
		return d.skip(int(p[0]) * int(p[1]) * 8)
	case 'k':
		return d.barcode()
	case '8': // GS 8 L p1 p2 p3 p4 fn …: graphics with a 4-byte length
		p, err := d.args(5)
		if err != nil {
			return err
		}
		return d.skip(int(p[1]) | int(p[2])<<8 | int(p[3])<<16 | int(p[4])<<24)
	default:
		return fmt.Errorf("GS 0x%02X", c)
	}
	return nil
}

func (d *decoder) paperSensor() byte {
	d.s.mu.Lock()
	st := d.s.state
	d.s.mu.Unlock()
	var b byte
	if st.PaperNearEnd || st.PaperOut {
		b |= 0x03
	}
	if st.PaperOut {
		b |= 0x0C
	}
	return b
}

func (d *decoder) fs() error {
	c, err := d.arg()
	if err != nil {
		return err
	}
	switch c {
	case '.':
		d.m.kanji = false
	case '&':
		d.m.kanji = true
	case '!', '-', 'C', 'W':
		return d.skip(1)
	case 'S', 'p':
		return d.skip(2)
	case '(':
		return d.gsParen()
	default:
		return fmt.Errorf("FS 0x%02X", c)
	}
	return nil
}

// dle handles the real-time commands as they come out of the buffer: they were answered on
// arrival, here they are only skipped.
func (d *decoder) dle() error {
	c, err := d.arg()
	if err != nil {
		return err
	}
	switch c {
	case 0x04: // EOT n
		n, err := d.arg()
		if err != nil {
			return err
		}
		if n == 7 || n == 8 {
			return d.skip(1)
		}
	case 0x05: // ENQ n
		return d.skip(1)
	case 0x14: // DC4 fn …
		fn, err := d.arg()
		if err != nil {
			return err
		}
		switch fn {
		case 7:
			return d.skip(1)
		case 8:
			return d.skip(7)
		default:
			return d.skip(2)
		}
	default:
		return fmt.Errorf("DLE 0x%02X", c)
	}
	return nil
}

// gsParen reads a "( X pL pH data" command; GS ( k (symbols) is decoded, others skipped.
func (d *decoder) gsParen() error {
	p, err := d.args(3)
	if err != nil {
		return err
	}
	fn, n := p[0], int(p[1])|int(p[2])<<8
	if fn != 'k' {
		return d.skip(n)
	}
	if n < 2 {
		return fmt.Errorf("GS ( k: długość %d", n)
	}
	q, err := d.args(2)
	if err != nil {
		return err
	}
	cn, f := q[0], q[1]
	n -= 2
	if cn != 49 { // not QR (PDF417, MaxiCode, …): skipped
		if err := d.skip(n); err != nil {
			return err
		}
		return fmt.Errorf("GS ( k cn=%d fn=%d (symbol nieobsługiwany)", cn, f)
	}
	switch f {
	case 65: // 165: model n1 n2
		return d.skip(n)
	case 67: // 167: module size
		if n != 1 {
			return d.skipBad(n, "GS ( k 167: długość %d", n)
		}
		v, err := d.arg()
		if err != nil {
			return err
		}
		if v < 1 || v > 16 {
			return fmt.Errorf("GS ( k 167: moduł %d", v)
		}
		d.m.qrModule = int(v)
	case 69: // 169: error correction 48..51
		if n != 1 {
			return d.skipBad(n, "GS ( k 169: długość %d", n)
		}
		v, err := d.arg()
		if err != nil {
			return err
		}
		if v < 48 || v > 51 {
			return fmt.Errorf("GS ( k 169: poziom %d", v)
		}
		d.m.qrLevel = int(v)
	case 80: // 180: store data: m=48 then the payload
		if n < 1 {
			return fmt.Errorf("GS ( k 180: brak danych")
		}
		p, err := d.args(n)
		if err != nil {
			return err
		}
		d.qrData = append(d.qrData[:0], p[1:]...)
		if len(d.qrData) > maxQRData {
			d.qrData = d.qrData[:0]
			return fmt.Errorf("GS ( k 180: %d B to za dużo na kod QR", n-1)
		}
	case 81: // 181: print the stored symbol
		if err := d.skip(n); err != nil {
			return err
		}
		d.printQR()
	default: // 182 (size info) and others: nothing to print
		return d.skip(n)
	}
	return nil
}

func (d *decoder) skipBad(n int, format string, args ...any) error {
	if err := d.skip(n); err != nil {
		return err
	}
	return fmt.Errorf(format, args...)
}

func (d *decoder) barcode() error {
	m, err := d.arg()
	if err != nil {
		return err
	}
	var data []byte
	switch {
	case m <= 6: // NUL-terminated
		for len(data) < 256 {
			b, err := d.arg()
			if err != nil {
				return err
			}
			if b == 0 {
				break
			}
			data = append(data, b)
		}
	case m >= 65 && m <= 79:
		n, err := d.arg()
		if err != nil {
			return err
		}
		if data, err = d.args(int(n)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("GS k %d", m)
	}
	d.flushLine()
	d.put(element{kind: elMark, label: "[kod kreskowy: " + string(data) + "]", dots: 2 * defaultSpacing})
	return nil
}

// raster reads GS v 0 m xL xH yL yH d1…dk.
func (d *decoder) raster() error {
	z, err := d.arg()
	if err != nil {
		return err
	}
	if z != '0' {
		return fmt.Errorf("GS v 0x%02X", z)
	}
	p, err := d.args(5)
	if err != nil {
		return err
	}
	m := p[0]
	x, y := int(p[1])|int(p[2])<<8, int(p[3])|int(p[4])<<8
	sw, sh := 1, 1
	switch m {
	case 0, '0':
	case 1, '1':
		sw = 2
	case 2, '2':
		sh = 2
	case 3, '3':
		sw, sh = 2, 2
	default:
		if err := d.skip(x * y); err != nil {
			return err
		}
		return fmt.Errorf("GS v 0: tryb %d", m)
	}
	keepX := min(x, (d.s.width+7)/8)
	keepY := min(y, maxImageHeight)
	bits := make([]byte, keepX*keepY)
	for row := range y {
		for col := range x {
			b, err := d.arg()
			if err != nil {
				return err
			}
			if row < keepY && col < keepX {
				bits[row*keepX+col] = b
			}
		}
	}
	if x == 0 || y == 0 {
		return nil
	}
	d.flushLine()
	img := bitImage(bits, keepX, keepY, sw, sh)
	d.put(element{kind: elImage, img: img, align: d.m.align,
		label: fmt.Sprintf("[grafika %d×%d]", x*8*sw, y*sh)})
	return nil
}

func (d *decoder) printQR() {
	data := string(d.qrData)
	if data == "" {
		d.unknown("GS ( k 181: brak danych kodu QR")
		return
	}
	level := [...]qrcode.RecoveryLevel{qrcode.Low, qrcode.Medium, qrcode.High, qrcode.Highest}[d.m.qrLevel-48]
	q, err := qrcode.New(data, level)
	if err != nil {
		d.unknown("GS ( k 181: %v", err)
		return
	}
	q.DisableBorder = true
	mods := q.Bitmap()
	size := len(mods) * d.m.qrModule
	d.flushLine()
	if size > d.s.width {
		d.put(element{kind: elMark, label: "[kod QR za szeroki na papier: " + data + "]", dots: defaultSpacing})
		return
	}
	img := moduleImage(mods, d.m.qrModule)
	d.put(element{kind: elImage, img: img, align: d.m.align, qr: data, label: "[kod QR: " + data + "]"})
}

// addRune puts a character in the line buffer, printing the line first when it is full.
func (d *decoder) addRune(r rune) {
	c := cell{r: r, bold: d.m.bold, underline: d.m.underline, underline2: d.m.underline2,
		reverse: d.m.reverse, fontB: d.m.fontB, wm: d.m.wm, hm: d.m.hm}
	if len(d.line) == 0 {
		d.lineAl = d.m.align
	}
	used := 0
	for _, x := range d.line {
		used += x.width()
	}
	if used+c.width() > d.s.width && len(d.line) > 0 {
		d.printLine(1)
		d.lineAl = d.m.align
	}
	d.line = append(d.line, c)
}

// printLine prints the line buffer (an empty line when it is empty) and feeds; n > 1 adds
// blank lines.
func (d *decoder) printLine(n int) {
	d.put(element{kind: elText, cells: d.line, align: d.lineAl, dots: d.m.spacing})
	d.line = nil
	for i := 1; i < n; i++ {
		d.put(element{kind: elText, align: d.m.align, dots: d.m.spacing})
	}
}

func (d *decoder) flushLine() {
	if len(d.line) > 0 {
		d.printLine(1)
	}
}

func (d *decoder) feedLines(n int) {
	if len(d.line) > 0 {
		d.printLine(max(n, 1))
		return
	}
	for range n {
		d.printLine(1)
	}
}

func (d *decoder) cut(feed int) {
	d.flushLine()
	if feed > 0 {
		d.put(element{kind: elFeed, dots: feed})
	}
	d.put(element{kind: elCut})
}

// put adds an element to the paper, unless the printer is stopped (offline, cover open,
// paper out), in which case it is lost. A cut ends a job.
func (d *decoder) put(e element) {
	s := d.s
	s.mu.Lock()
	if s.state.faulted() {
		s.mu.Unlock()
		return
	}
	s.paper = append(s.paper, e)
	if e.qr != "" {
		s.qrs = append(s.qrs, e.qr)
	}
	var (
		part  []element
		n     int
		onCut func(Job)
	)
	if e.kind == elCut {
		s.jobs++
		n = s.jobs
		part = append([]element(nil), s.paper[s.jobStart:]...)
		s.jobStart = len(s.paper)
		onCut = s.onCut
	}
	s.changedLocked()
	s.mu.Unlock()
	if onCut != nil {
		job := Job{N: n, Text: textOf(part)}
		for _, p := range part {
			if p.qr != "" {
				job.QR = append(job.QR, p.qr)
			}
		}
		job.Image, _ = render(part, s.width)
		onCut(job)
	}
}
