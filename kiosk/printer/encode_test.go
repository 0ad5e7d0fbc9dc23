package printer

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/text/encoding/charmap"

	"infomat/content"
	"infomat/receipt"
)

// Byte vectors of the commands, as python-escpos and escpos-php send them.
var (
	// python-escpos src/escpos/constants.py: HW_INIT = ESC + b"@".
	vecInit = []byte{0x1B, 0x40}
	// escpos-php src/Mike42/Escpos/Printer.php textChinese(): FS "." leaves Chinese (Kanji)
	// mode after the text.
	vecKanjiOff = []byte{0x1C, 0x2E}
	// python-escpos constants.py: CODEPAGE_CHANGE = ESC + b"\x74", followed by the table
	// number; capabilities.json (escpos-printer-db) lists "18": "CP852". escpos-php
	// selectCharacterTable(): ESC "t" chr($table).
	vecCP852 = []byte{0x1B, 0x74, 18}
	// python-escpos constants.py TXT_STYLE["bold"]: ESC + b"\x45\x01" / b"\x45\x00";
	// escpos-php setEmphasis(): ESC "E" chr(1|0).
	vecBoldOn, vecBoldOff = []byte{0x1B, 0x45, 0x01}, []byte{0x1B, 0x45, 0x00}
	// python-escpos constants.py TXT_STYLE["align"]: ESC + b"\x61\x00|01|02";
	// escpos-php setJustification(): ESC "a" chr(n).
	vecLeft, vecCenter, vecRight = []byte{0x1B, 0x61, 0x00}, []byte{0x1B, 0x61, 0x01}, []byte{0x1B, 0x61, 0x02}
	// escpos-php setTextSize(2, 2): GS "!" chr(16*(2-1) + (2-1)) = 0x11; setTextSize(1, 1)
	// gives 0x00. python-escpos set(custom_size=True, width=2, height=2): TXT_SIZE (GS "!")
	// + TXT_STYLE["width"][2] (0x10) + TXT_STYLE["height"][2] (0x01).
	vecLarge, vecNormal = []byte{0x1D, 0x21, 0x11}, []byte{0x1D, 0x21, 0x00}
	// python-escpos escpos.py print_and_feed(n): ESC + b"d" + n; escpos-php feed(n > 1):
	// ESC "d" chr(n).
	vecFeed3 = []byte{0x1B, 0x64, 0x03}
	// python-escpos escpos.py cut(feed=False): GS + b"V" + six.int2byte(66) + b"\x00";
	// escpos-php cut(Printer::CUT_PARTIAL, 0): GS "V" chr(66) chr(0).
	vecCut = []byte{0x1D, 0x56, 0x42, 0x00}
	// python-escpos escpos.py qr(native=True) via _send_2d_code_data, and escpos-php
	// qrCode() via wrapperSend2dCodeData: GS "(k" pL pH cn fn [m] data, with cn = "1".
	vecQRModel2   = []byte{0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00} // fn 65, chr(48+2) chr(0)
	vecQRSize6    = []byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06}       // fn 67, chr(size)
	vecQRECM      = []byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31}       // fn 69, chr(48+QR_ECLEVEL_M)
	vecQRStoreHdr = []byte{0x1D, 0x28, 0x6B}                                     // then len+3 (LE), "1", fn 80, m "0", data
	vecQRPrint    = []byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30}       // fn 81, m "0", no data
	// python-escpos escpos.py image(impl="bitImageRaster"): GS + b"v0" + density byte (0 for
	// high density both ways) + width in bytes (LE) + height (LE); escpos-php bitImage():
	// GS "v0" chr($size) + dataHeader([widthBytes, height]).
	vecRasterHdr = []byte{0x1D, 0x76, 0x30, 0x00}
	// python-escpos constants.py: S_RASTER_Q = GS + b"v0" + b"\x03" (quadruple: double
	// width and height); escpos-php bitImage($img, IMG_DOUBLE_WIDTH | IMG_DOUBLE_HEIGHT):
	// GS "v0" chr(3).
	vecRasterHdrQuad = []byte{0x1D, 0x76, 0x30, 0x03}
	// python-escpos constants.py: RT_STATUS_ONLINE = DLE + EOT + b"\x01",
	// RT_STATUS_PAPER = DLE + EOT + b"\x04"; escpos-php getPrinterStatus(): DLE EOT chr($type).
	vecStatus1, vecStatus2, vecStatus4 = []byte{0x10, 0x04, 0x01}, []byte{0x10, 0x04, 0x02}, []byte{0x10, 0x04, 0x04}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func encode(t *testing.T, p Profile, items ...receipt.Item) []byte {
	t.Helper()
	b, err := Encode(receipt.Doc{Items: items}, p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body is the output after the set-up sequence.
func body(t *testing.T, p Profile, items ...receipt.Item) []byte {
	t.Helper()
	b := encode(t, p, items...)
	head := cat(vecInit, vecKanjiOff, vecCP852)
	if !p.KanjiOff {
		head = cat(vecInit, vecCP852)
	}
	if !bytes.HasPrefix(b, head) {
		t.Fatalf("output starts % X, want % X", b[:min(len(b), len(head))], head)
	}
	return b[len(head):]
}

func TestEncodeInit(t *testing.T) {
	if got, want := encode(t, Profile58), cat(vecInit, vecKanjiOff, vecCP852); !bytes.Equal(got, want) {
		t.Errorf("empty doc, Kanji off: % X, want % X", got, want)
	}
	p := Profile80
	p.KanjiOff = false
	if got, want := encode(t, p), cat(vecInit, vecCP852); !bytes.Equal(got, want) {
		t.Errorf("empty doc, Kanji left alone: % X, want % X", got, want)
	}
	if _, err := Encode(receipt.Doc{}, Profile{}); err == nil {
		t.Error("a zero Profile encodes")
	}
}

// polishCP852 is the CP852 byte of every Polish letter.
var polishCP852 = []struct {
	r rune
	b byte
}{
	{'ą', 0xA5}, {'ć', 0x86}, {'ę', 0xA9}, {'ł', 0x88}, {'ń', 0xE4}, {'ó', 0xA2}, {'ś', 0x98}, {'ź', 0xAB}, {'ż', 0xBE},
	{'Ą', 0xA4}, {'Ć', 0x8F}, {'Ę', 0xA8}, {'Ł', 0x9D}, {'Ń', 0xE3}, {'Ó', 0xE0}, {'Ś', 0x97}, {'Ź', 0x8D}, {'Ż', 0xBD},
}

func TestPolishLetters(t *testing.T) {
	var text []rune
	var want []byte
	for _, c := range polishCP852 {
		// The table agrees with x/text's code page 852 both ways.
		if b, ok := charmap.CodePage852.EncodeRune(c.r); !ok || b != c.b {
			t.Errorf("charmap encodes %c as %#02x, %v; the table says %#02x", c.r, b, ok, c.b)
		}
		if r := charmap.CodePage852.DecodeByte(c.b); r != c.r {
			t.Errorf("charmap decodes %#02x as %c, want %c", c.b, r, c.r)
		}
		text = append(text, c.r)
		want = append(want, c.b)
	}
	got := body(t, Profile58, receipt.Text{Text: string(text)})
	if want = append(want, '\n'); !bytes.Equal(got, want) {
		t.Errorf("Polish letters: % X, want % X", got, want)
	}
	// "Zażółć gęślą jaźń" in full, and a decomposed "ę" (e + combining ogonek) is composed.
	got = body(t, Profile58, receipt.Text{Text: "Zażółć gęślą jaźń e\u0328"})
	want = []byte{'Z', 'a', 0xBE, 0xA2, 0x88, 0x86, ' ', 'g', 0xA9, 0x98, 'l', 0xA5, ' ', 'j', 'a', 0xAB, 0xE4, ' ', 0xA9, '\n'}
	if !bytes.Equal(got, want) {
		t.Errorf("pangram: % X, want % X", got, want)
	}
}

func TestNoGlyphBecomesQuestionMark(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ж 5", "Zh 5"},                         // no Cyrillic in CP852: romanised
		{"Ђ 5", "? 5"},                          // a Serbian letter: not in the Ukrainian table
		{"漢字🙂", "???"},                          // one "?" a character, not a byte
		{"a\x1bb\x1dc\x10\x04\x01", "a?b?c???"}, // controls cannot smuggle in commands
		{"„Dziękuję” – koniec…", "\"Dzi\xa9kuj\xa9\" - koniec..."},
		{"21\u00a0000,00\u202fzł", "21\xff000,00\xffz\x88"}, // no-break spaces stay (CP852 0xFF)
	} {
		got := body(t, Profile58, receipt.Text{Text: c.in})
		if want := c.want + "\n"; string(got) != want {
			t.Errorf("%q: %q, want %q", c.in, got, want)
		}
	}
}

func TestTextModes(t *testing.T) {
	got := body(t, Profile58,
		receipt.Text{Text: "A", Bold: true, Large: true, Align: receipt.Center},
		receipt.Text{Text: "B", Bold: true, Large: true, Align: receipt.Center}, // no change: no commands
		receipt.Text{Text: "C", Align: receipt.Right},
		receipt.Text{Text: "D"},
	)
	want := cat(
		vecCenter, vecBoldOn, vecLarge, []byte("A\n"),
		[]byte("B\n"),
		vecRight, vecBoldOff, vecNormal, []byte("C\n"),
		vecLeft, []byte("D\n"),
	)
	if !bytes.Equal(got, want) {
		t.Errorf("modes:\n got % X\nwant % X", got, want)
	}
}

func TestLargeWrapsAtHalfTheColumns(t *testing.T) {
	got := body(t, Profile58, receipt.Text{Text: "PRZ/2026/000123 dodatkowo", Large: true})
	want := cat(vecLarge, []byte("PRZ/2026/000123\ndodatkowo\n"))
	if !bytes.Equal(got, want) {
		t.Errorf("large: %q, want %q", got, want)
	}
	got = body(t, Profile58, receipt.Text{Text: "https://portal.przykladowo.pl/sprawy/PRZ-2026-000123"})
	want = []byte("https://portal.przykladowo.pl/\nsprawy/PRZ-2026-000123\n")
	if !bytes.Equal(got, want) {
		t.Errorf("link: %q, want %q", got, want)
	}
}

func TestWrapNeverExceedsColumns(t *testing.T) {
	words := []string{"a", "ąę", "Zaświadczenie", "w", "https://portal.przykladowo.pl/sprawy/PRZ-2026-000123",
		"PRZ/2026/000123", "niezaleganiu", "—", "…", "\n", "\n\n", "", "  ", "x" + strings.Repeat("y", 70),
		"21\u00a0000,00\u00a0zł", "\t"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var b strings.Builder
		for range rnd.IntN(30) {
			b.WriteString(words[rnd.IntN(len(words))])
			b.WriteByte(' ')
		}
		s := b.String()
		cols := []int{1, 2, 16, 24, 32, 48}[i%6]
		lines := Wrap(s, cols)
		for _, l := range lines {
			if n := utf8.RuneCountInString(l); n > cols || strings.Contains(l, "\n") {
				t.Fatalf("Wrap(%q, %d): line %q has %d characters", s, cols, l, n)
			}
		}
		// Nothing but spaces is lost.
		strip := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", "_")), "") }
		if got, want := strip(strings.Join(lines, "")), strip(prepare(s)); got != want {
			t.Fatalf("Wrap(%q, %d) lost text: %q, want %q", s, cols, got, want)
		}
		// And every line the encoder prints fits too.
		for _, p := range []Profile{Profile58, Profile80} {
			for _, large := range []bool{false, true} {
				out := body(t, p, receipt.Text{Text: s, Large: large})
				out = bytes.TrimPrefix(out, vecLarge)
				limit := p.Columns
				if large {
					limit /= 2
				}
				for _, l := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
					if len(l) > limit {
						t.Fatalf("%s large=%v: printed line %q is %d bytes", p.Name, large, l, len(l))
					}
				}
			}
		}
	}
}

func TestRuleFeedCut(t *testing.T) {
	got := body(t, Profile58, receipt.Rule{}, receipt.Feed{Lines: 3}, receipt.Feed{}, receipt.Cut{})
	want := cat(bytes.Repeat([]byte{0xC4}, 32), []byte("\n"), vecFeed3, vecCut)
	if !bytes.Equal(got, want) {
		t.Errorf("rule, feed, cut: % X, want % X", got, want)
	}
	if r := charmap.CodePage852.DecodeByte(0xC4); r != '─' {
		t.Errorf("CP852 0xC4 is %c, want ─", r)
	}
	// A rule after large text is printed at normal size, across the whole line.
	got = body(t, Profile80, receipt.Text{Text: "X", Large: true}, receipt.Rule{})
	want = cat(vecLarge, []byte("X\n"), vecNormal, bytes.Repeat([]byte{0xC4}, 48), []byte("\n"))
	if !bytes.Equal(got, want) {
		t.Errorf("rule after large: % X, want % X", got, want)
	}
	// Long feeds are split at ESC d's limit of 255.
	got = body(t, Profile58, receipt.Feed{Lines: 300})
	if want := []byte{0x1B, 0x64, 255, 0x1B, 0x64, 45}; !bytes.Equal(got, want) {
		t.Errorf("feed 300: % X, want % X", got, want)
	}
}

func TestNativeQR(t *testing.T) {
	// The known vector for "ABC" at module size 3 (python-escpos qr("ABC", native=True,
	// ec=QR_ECLEVEL_M) with its default size=3).
	got := nativeQR([]byte("ABC"), 3)
	want := cat(vecQRModel2,
		[]byte{0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x03},
		vecQRECM,
		[]byte{0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 'A', 'B', 'C'},
		vecQRPrint)
	if !bytes.Equal(got, want) {
		t.Errorf("native QR ABC:\n got % X\nwant % X", got, want)
	}

	// In a receipt: centred, the quiet zone (4 modules of 6 dots) fed above and below, the
	// caption centred under it.
	const url = "https://example.com" // 19 bytes: version 2, 25 modules, 6 dots each on 58 mm
	got = body(t, Profile58, receipt.QR{Data: url, Caption: "Zeskanuj"})
	quiet := []byte{0x1B, 0x4A, 24}
	want = cat(vecCenter, quiet,
		vecQRModel2, vecQRSize6, vecQRECM,
		vecQRStoreHdr, []byte{byte(len(url) + 3), 0x00, 0x31, 0x50, 0x30}, []byte(url),
		vecQRPrint, quiet,
		[]byte("Zeskanuj\n"))
	if !bytes.Equal(got, want) {
		t.Errorf("native QR in a receipt:\n got % X\nwant % X", got, want)
	}

	// Data is sent as UTF-8, as python-escpos does (content.encode("utf-8")).
	got = nativeQR([]byte("zł"), 6)
	if !bytes.Contains(got, []byte{0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, 'z', 0xC5, 0x82}) {
		t.Errorf("UTF-8 data: % X", got)
	}

	if _, err := Encode(receipt.Doc{Items: []receipt.Item{receipt.QR{Data: strings.Repeat("x", 3000)}}}, Profile58); err == nil {
		t.Error("data too long for a QR code encodes")
	}
}

func TestRasterQR(t *testing.T) {
	p := Profile58
	p.NativeQR = false
	const url = "https://example.com"
	got := body(t, p, receipt.QR{Data: url, Caption: "Zeskanuj"})

	// 25 modules of 6 dots, sent as 3×3-pixel modules in quadruple mode: 75 pixels centred
	// on 192 start at pixel 58; rows are cut after the symbol: ceil((58+75)/8) = 17 bytes.
	// 75 rows in bands of 16: 4×16 + 11.
	quiet := []byte{0x1B, 0x4A, 24}
	if !bytes.HasPrefix(got, quiet) { // already left-aligned after ESC @: no ESC a
		t.Fatalf("raster QR starts % X", got[:8])
	}
	rest := got[len(quiet):]
	rows := 0
	for band := 0; bytes.HasPrefix(rest, vecRasterHdrQuad); band++ {
		h := int(rest[6]) | int(rest[7])<<8
		if w := int(rest[4]) | int(rest[5])<<8; w != 17 {
			t.Fatalf("band %d: %d bytes a row, want 17", band, w)
		}
		if want := min(16, 75-rows); h != want {
			t.Fatalf("band %d: %d rows, want %d", band, h, want)
		}
		rows += h
		rest = rest[8+17*h:]
	}
	if rows != 75 {
		t.Errorf("%d raster rows, want 75", rows)
	}
	if want := cat(quiet, vecCenter, []byte("Zeskanuj\n")); !bytes.Equal(rest, want) {
		t.Errorf("after the raster: % X, want % X", rest, want)
	}

	// An odd module size is sent dot for dot (m = 0): 25 modules of 5 dots on paper 205
	// dots wide: x0 = (205-125)/2 = 40, ceil(165/8) = 21 bytes a row.
	sym, _, err := qrSymbol(url, 205)
	if err != nil {
		t.Fatal(err)
	}
	bands := rasterQR(sym, 5, 205)
	if h := bands[0][:8]; !bytes.Equal(h, cat(vecRasterHdr, []byte{21, 0, 16, 0})) {
		t.Errorf("dot-for-dot header % X", h)
	}

	// The raster is a QR code that reads back as the data, on both paper widths.
	for _, p := range []Profile{Profile58, Profile80} {
		p.NativeQR = false
		img, dark := rasterImage(t, encode(t, p, receipt.QR{Data: url}), p.WidthDots)
		if got := decodeQR(t, img); got != url {
			t.Errorf("%s: raster QR reads %q, want %q", p.Name, got, url)
		}
		if mid := dark.Min.X + dark.Max.X; mid < p.WidthDots-6 || mid > p.WidthDots+6 {
			t.Errorf("%s: symbol at x %d..%d is not centred on %d dots", p.Name, dark.Min.X, dark.Max.X, p.WidthDots)
		}
	}
}

// rasterImage paints the GS v 0 bands of b onto paper width dots wide, with a white margin
// for the quiet zone, and returns it with the bounds of its dark dots.
func rasterImage(t *testing.T, b []byte, width int) (*image.Gray, image.Rectangle) {
	t.Helper()
	var rows [][]byte
	for {
		i := bytes.Index(b, []byte{0x1D, 0x76, 0x30})
		if i < 0 {
			break
		}
		w := int(b[i+4]) | int(b[i+5])<<8
		h := int(b[i+6]) | int(b[i+7])<<8
		data := b[i+8 : i+8+w*h]
		for y := range h {
			r := data[y*w : (y+1)*w]
			if b[i+3] == 3 { // quadruple: every bit is 2×2 dots
				wide := make([]byte, 2*w)
				for x := range 8 * w {
					if r[x/8]&(0x80>>(x%8)) != 0 {
						for _, X := range []int{2 * x, 2*x + 1} {
							wide[X/8] |= 0x80 >> (X % 8)
						}
					}
				}
				rows = append(rows, wide, wide)
				continue
			}
			rows = append(rows, r)
		}
		b = b[i+8+w*h:]
	}
	const margin = 40
	img := image.NewGray(image.Rect(0, 0, width, len(rows)+2*margin))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var dark image.Rectangle
	for y, r := range rows {
		for x := range len(r) * 8 {
			if r[x/8]&(0x80>>(x%8)) != 0 {
				if x >= width {
					t.Fatalf("dark dot at x %d beyond the paper", x)
				}
				img.SetGray(x, y+margin, color.Gray{})
				dark = dark.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return img, dark
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

// The printed QR codes have the module size of the preview, so print and preview match.
func TestQRModuleMatchesPreview(t *testing.T) {
	d := sampleReceipt(true)
	for _, w := range []int{receipt.Width58mm, receipt.Width80mm} {
		for _, pl := range receipt.Layout(d, w) {
			q, ok := pl.Item.(receipt.QR)
			if !ok {
				continue
			}
			_, module, err := qrSymbol(q.Data, w)
			if err != nil || module != pl.Module {
				t.Errorf("width %d, %q: module %d (%v), preview %d", w, q.Data, module, err, pl.Module)
			}
		}
	}
}

func TestEncodeSubmission(t *testing.T) {
	d := sampleReceipt(true)
	for _, p := range []Profile{Profile58, Profile80} {
		b, err := Encode(d, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(b, vecCut) {
			t.Errorf("%s: does not end with the cut", p.Name)
		}
		if n := bytes.Count(b, vecQRPrint); n != 2 {
			t.Errorf("%s: %d QR codes printed, want 2", p.Name, n)
		}
		chunks, _ := encodeChunks(d, p)
		for i, c := range chunks {
			if len(c) == 0 {
				t.Errorf("%s: chunk %d is empty", p.Name, i)
			}
		}
	}
}

var polish = map[string]string{
	receipt.MsgRef:       "Numer sprawy",
	receipt.MsgDate:      "Złożono",
	receipt.MsgProcedure: "Sprawa",
	receipt.MsgOffice:    "Urząd",
	receipt.MsgNext:      "Co dalej",
	receipt.MsgTrack:     "Zeskanuj telefonem, aby sprawdzić, co dzieje się z Twoją sprawą",
	receipt.MsgPay:       "Opłata",
	receipt.MsgAmount:    "Kwota",
	receipt.MsgTitle:     "Tytuł przelewu",
	receipt.MsgRecipient: "Odbiorca",
	receipt.MsgAccount:   "Numer konta",
	receipt.MsgPayQR:     "Zeskanuj w aplikacji banku, aby zapłacić",
}

func tPolish(id string, _ ...any) string {
	if s, ok := polish[id]; ok {
		return s
	}
	return fmt.Sprintf("[%s]", id)
}

// sampleReceipt is a typical submission receipt, with or without a fee to pay.
func sampleReceipt(withPayment bool) receipt.Doc {
	info := receipt.SubmissionInfo{
		Municipality:  "Gmina Przykładowo",
		Office:        "Urząd Gminy Przykładowo, Referat Spraw Obywatelskich",
		OfficeAddress: "ul. Rynek 1, 00-950 Przykładowo, pokój 12",
		Procedure:     "Wydanie zaświadczenia o niezaleganiu w podatkach lub stwierdzającego stan zaległości",
		Ref:           "PRZ/2026/000123",
		Created:       time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC),
		NextSteps: "Urząd rozpatrzy wniosek w ciągu 7 dni. Zaświadczenie odbierzesz w pokoju 12 " +
			"po okazaniu dowodu osobistego.\nJeśli czegoś zabraknie, zadzwonimy do Ciebie.",
		TrackURL: "https://portal.przykladowo.pl/sprawy/PRZ-2026-000123",
	}
	if withPayment {
		fee := receipt.DueFee(content.Municipality{Name: "Gmina Przykładowo", NIP: "9876543210", Account: "25124012392000000000000101"},
			content.Fee{Title: "Opłata skarbowa za wydanie zaświadczenia", Amount: 2100, Kind: content.FeeFixed},
			"Opłata skarbowa PRZ/2026/000123")
		info.Fee = &fee
	}
	return receipt.Submission(info, tPolish)
}
