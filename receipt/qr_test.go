package receipt

import (
	"image"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// decodeQR reads the one QR code in img the way a phone does: no character set hint, so the
// decoder has to recognise the UTF-8 of Polish letters by itself.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{
		gozxing.DecodeHintType_PURE_BARCODE: true,
	})
	if err != nil {
		// Not a pure barcode (e.g. extra margin): let the detector find it.
		res, err = gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{
			gozxing.DecodeHintType_TRY_HARDER: true,
		})
	}
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func TestQRImageRoundTrip(t *testing.T) {
	pay, err := PaymentQR(Payment{
		NIP: testNIP, Account: testNRB, Amount: 1700,
		Recipient: "Urząd Gminy Źdźbłowo", Title: "Opłata skarbowa – zaświadczenie",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{
		"https://portal.przykladowo.pl/sprawy/PRZ-2026-000123",
		pay,
		"zażółć gęślą jaźń ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
	} {
		for _, size := range []int{200, 256, 333} {
			img, err := QRImage(data, size)
			if err != nil {
				t.Fatalf("%q at %d: %v", data, size, err)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Errorf("%q: image %v, want %d×%d", data, b, size, size)
			}
			if got := decodeQR(t, img); got != data {
				t.Errorf("size %d: decoded %q, want %q", size, got, data)
			}
		}
	}
}

func TestQRImageQuietZone(t *testing.T) {
	img, err := QRImage("https://portal.przykladowo.pl/s/1", 300)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := qrModules("https://portal.przykladowo.pl/s/1")
	scale := 300 / len(m)
	off := (300 - len(m)*scale) / 2
	edge := off + 4*scale // the symbol starts after 4 modules of quiet zone
	g := img.(*image.Gray)
	for y := 0; y < 300; y++ {
		for x := 0; x < 300; x++ {
			inside := x >= edge && x < 300-edge && y >= edge && y < 300-edge
			if !inside && g.GrayAt(x, y).Y != 0xff {
				t.Fatalf("dark pixel at %d,%d in the quiet zone", x, y)
			}
		}
	}
	if g.GrayAt(edge, edge).Y != 0 {
		t.Errorf("the finder pattern does not start at %d,%d", edge, edge)
	}
}

func TestQRImageErrors(t *testing.T) {
	if _, err := QRImage("https://portal.przykladowo.pl/s/1", 20); err == nil {
		t.Error("20 pixels: no error")
	}
	long := make([]byte, 4000)
	for i := range long {
		long[i] = 'x'
	}
	if _, err := QRImage(string(long), 2000); err == nil {
		t.Error("4000 bytes: no error")
	}
}
