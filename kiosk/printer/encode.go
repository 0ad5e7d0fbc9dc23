package printer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"

	qrcode "github.com/skip2/go-qrcode"

	"infomat/cp852"
	"infomat/receipt"
)

// Profile is what the encoder needs to know about a printer model.
type Profile struct {
	Name      string
	WidthDots int  // printable width in dots: 384 (58 mm) or 576 (80 mm)
	Columns   int  // characters per line in font A: 32 or 48
	NativeQR  bool // print QR codes with GS ( k; false sends them as a raster image (GS v 0)
	KanjiOff  bool // send FS . (cancel Kanji mode): Chinese clones start in Kanji mode
}

// Profiles of the common 58 mm and 80 mm printers (font A, 12×24 dots).
var (
	Profile58 = Profile{Name: "ESC/POS 58 mm", WidthDots: receipt.Width58mm, Columns: 32, NativeQR: true, KanjiOff: true}
	Profile80 = Profile{Name: "ESC/POS 80 mm", WidthDots: receipt.Width80mm, Columns: 48, NativeQR: true, KanjiOff: true}
)

// ESC/POS control bytes.
const (
	lf  = 0x0A
	esc = 0x1B
	fs  = 0x1C
	gs  = 0x1D
	dle = 0x10
	eot = 0x04
)

const (
	codePage852 = 18 // ESC t 18: PC852 (Latin 2) in Epson's table

	// QR codes: the same geometry as receipt.Layout, so the print matches the preview.
	maxModule    = 6 // largest module, in dots (0.75 mm)
	quietModules = 4 // the quiet zone around a QR symbol, in modules

	rasterBand = 16 // image rows per GS v 0 command, so status checks can go between them

	// ruleRune is the character a Rule is drawn with: a box-drawing line (CP852 0xC4).
	ruleRune = '─'
)

// Encode turns d into the ESC/POS bytes that print it on a printer of profile p: the
// printer is initialised (ESC @, FS . when p.KanjiOff, ESC t 18), text is wrapped to
// p.Columns and encoded in CP852, QR codes are printed natively or as raster images and
// centred, and the cut is GS V 66 0. It fails when p is not usable or a QR code's data does
// not make a QR code that fits the paper.
func Encode(d receipt.Doc, p Profile) ([]byte, error) {
	chunks, err := encodeChunks(d, p)
	if err != nil {
		return nil, err
	}
	return bytes.Join(chunks, nil), nil
}

// encodeChunks is Encode cut at command boundaries: the printer's set-up, one text line
// (with the mode changes before it), one QR code (native) or one band of it (raster), a
// rule, a feed, the cut. A status query (DLE EOT) may be sent between any two chunks and
// never inside one.
func encodeChunks(d receipt.Doc, p Profile) ([][]byte, error) {
	if p.WidthDots < 8 || p.Columns < 2 {
		return nil, fmt.Errorf("printer: profile %q: width %d dots, %d columns is not a printer", p.Name, p.WidthDots, p.Columns)
	}
	e := &encoder{p: p}
	init := []byte{esc, '@'}
	if p.KanjiOff {
		init = append(init, fs, '.')
	}
	init = append(init, esc, 't', codePage852)
	e.chunks = append(e.chunks, init)

	for i, it := range d.Items {
		var err error
		switch it := it.(type) {
		case receipt.Text:
			e.text(it)
		case receipt.QR:
			err = e.qr(it)
		case receipt.Rule:
			e.rule()
		case receipt.Feed:
			e.feed(it.Lines)
		case receipt.Cut:
			e.chunks = append(e.chunks, []byte{gs, 'V', 66, 0})
		default:
			err = fmt.Errorf("unknown item %T", it)
		}
		if err != nil {
			return nil, fmt.Errorf("printer: item %d: %w", i, err)
		}
	}
	return e.chunks, nil
}

// encoder keeps the printer's text modes as they are after the bytes so far, so a mode is
// sent only when it changes. ESC @ leaves them at left, not bold, normal size.
type encoder struct {
	p      Profile
	chunks [][]byte
	align  receipt.Align
	bold   bool
	large  bool
}

// modes appends to b the commands that switch to the given modes.
func (e *encoder) modes(b []byte, a receipt.Align, bold, large bool) []byte {
	if a != e.align {
		b = append(b, esc, 'a', byte(a))
		e.align = a
	}
	if bold != e.bold {
		b = append(b, esc, 'E', boolByte(bold))
		e.bold = bold
	}
	if large != e.large {
		n := byte(0x00)
		if large {
			n = 0x11 // double width (bits 4-6: 1) and double height (bits 0-2: 1)
		}
		b = append(b, gs, '!', n)
		e.large = large
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (e *encoder) text(t receipt.Text) {
	a := t.Align
	if a < receipt.Left || a > receipt.Right {
		a = receipt.Left
	}
	cols := e.p.Columns
	if t.Large {
		cols /= 2
	}
	for i, line := range Wrap(t.Text, cols) {
		var b []byte
		if i == 0 {
			b = e.modes(b, a, t.Bold, t.Large)
		}
		b = append(b, cp852.Encode(line)...)
		e.chunks = append(e.chunks, append(b, lf))
	}
}

func (e *encoder) rule() {
	b := e.modes(nil, e.align, e.bold, false)
	b = append(b, bytes.Repeat(cp852.Encode(string(ruleRune)), e.p.Columns)...)
	e.chunks = append(e.chunks, append(b, lf))
}

func (e *encoder) feed(lines int) {
	for lines > 0 {
		n := min(lines, 255)
		e.chunks = append(e.chunks, []byte{esc, 'd', byte(n)})
		lines -= n
	}
}

// qr prints a QR code (error correction M, as in the preview) centred, with its quiet zone
// above and below, and then its caption.
func (e *encoder) qr(q receipt.QR) error {
	sym, module, err := qrSymbol(q.Data, e.p.WidthDots)
	if err != nil {
		return err
	}
	quiet := []byte{esc, 'J', byte(quietModules * module)}
	if e.p.NativeQR {
		b := e.modes(nil, receipt.Center, e.bold, false)
		b = append(b, quiet...)
		b = append(b, nativeQR([]byte(q.Data), module)...)
		b = append(b, quiet...)
		e.chunks = append(e.chunks, b)
	} else {
		// GS v 0 is not moved by ESC a on every printer: align left and centre it with
		// white dots instead.
		b := e.modes(nil, receipt.Left, e.bold, false)
		e.chunks = append(e.chunks, append(b, quiet...))
		e.chunks = append(e.chunks, rasterQR(sym, module, e.p.WidthDots)...)
		e.chunks = append(e.chunks, quiet)
	}
	if q.Caption != "" {
		e.text(receipt.Text{Text: q.Caption, Align: receipt.Center})
	}
	return nil
}

var errQRTooWide = errors.New("QR code: too many modules for the paper width")

// qrSymbol returns the modules of data's QR symbol without its quiet zone (true is dark)
// and the module size in dots: as large as fits the paper with the quiet zone, at most
// maxModule, exactly as receipt.Layout sizes it.
func qrSymbol(data string, widthDots int) ([][]bool, int, error) {
	q, err := qrcode.New(data, qrcode.Medium)
	if err != nil {
		return nil, 0, fmt.Errorf("QR code: %w", err)
	}
	q.DisableBorder = true
	sym := q.Bitmap()
	module := min(maxModule, widthDots/(len(sym)+2*quietModules))
	if module < 1 {
		return nil, 0, errQRTooWide
	}
	return sym, module, nil
}

// nativeQR is the GS ( k sequence that prints data as a model 2 QR code with error
// correction M and the given module size, byte for byte what python-escpos qr(native=True)
// and escpos-php qrCode() send.
func nativeQR(data []byte, module int) []byte {
	fn := func(b []byte, f byte, args ...byte) []byte {
		n := len(args) + 2
		b = append(b, gs, '(', 'k', byte(n), byte(n>>8), '1', f)
		return append(b, args...)
	}
	var b []byte
	b = fn(b, 65, '0'+2, 0)                        // function 165: model 2
	b = fn(b, 67, byte(module))                    // function 167: module size in dots
	b = fn(b, 69, '0'+1)                           // function 169: error correction M
	b = fn(b, 80, append([]byte{'0'}, data...)...) // function 180: store the data
	b = fn(b, 81, '0')                             // function 181: print
	return b
}

// rasterQR draws the symbol with module×module dots per module, centred on paper widthDots
// wide, as GS v 0 commands of up to rasterBand rows each: one bit a dot, 1 is black, most
// significant bit first, rows cut after the symbol's right edge. When the module size is
// even the image is sent at half resolution in quadruple mode (m = 3: every bit prints 2×2
// dots), which prints the same dots from a quarter of the bytes.
func rasterQR(sym [][]bool, module, widthDots int) [][]byte {
	mode := byte(0)
	if module%2 == 0 {
		mode, module, widthDots = 3, module/2, widthDots/2
	}
	size := len(sym) * module
	x0 := (widthDots - size) / 2
	rowBytes := (x0 + size + 7) / 8
	rows := make([][]byte, size)
	for y := range rows {
		row := make([]byte, rowBytes)
		for mx, dark := range sym[y/module] {
			if !dark {
				continue
			}
			for x := x0 + mx*module; x < x0+(mx+1)*module; x++ {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		rows[y] = row
	}
	var out [][]byte
	for y := 0; y < size; y += rasterBand {
		h := min(rasterBand, size-y)
		b := []byte{gs, 'v', '0', mode, byte(rowBytes), byte(rowBytes >> 8), byte(h), byte(h >> 8)}
		for _, r := range rows[y : y+h] {
			b = append(b, r...)
		}
		out = append(out, b)
	}
	return out
}

// Wrap breaks s into lines of at most cols characters: at spaces where it can, inside a
// word (a long link) where it must, preferably just after a "/", "-", "?", "&", "=" or "_".
// "\n" always breaks and an empty paragraph gives an empty line. Characters are counted
// after the text is prepared for the printer (see cp852.Encode), one byte each.
func Wrap(s string, cols int) []string {
	cols = max(cols, 1)
	var lines []string
	for _, para := range strings.Split(prepare(s), "\n") {
		words := strings.FieldsFunc(para, func(r rune) bool { return r == ' ' })
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		var line []rune
		for _, w := range words {
			word := []rune(w)
			if len(line) > 0 {
				if len(line)+1+len(word) <= cols {
					line = append(append(line, ' '), word...)
					continue
				}
				lines = append(lines, string(line))
				line = nil
			}
			for len(word) > cols {
				n := cols
				for i := cols; i > cols/2; i-- {
					if strings.ContainsRune("/-?&=_", word[i-1]) {
						n = i
						break
					}
				}
				lines = append(lines, string(word[:n]))
				word = word[n:]
			}
			line = word
		}
		lines = append(lines, string(line))
	}
	return lines
}

// layout turns tabs and line ends into what Wrap expects.
var layout = strings.NewReplacer("\t", " ", "\r\n", "\n", "\r", "\n")

// prepare puts s in the form the printer gets: composed (NFC, so "e" + combining ogonek is
// "ę"), characters CP852 lacks folded to readable look-alikes (cp852.Fold: "m²" → "m2",
// "„" → `"`), and every control character other than "\n" replaced by "?" so that text can
// never smuggle in a printer command.
func prepare(s string) string {
	s = cp852.Fold(layout.Replace(s))
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == unicode.ReplacementChar) {
			return '?'
		}
		return r
	}, s)
}
