package receipt

import (
	"fmt"
	"image"
	"image/color"

	qrcode "github.com/skip2/go-qrcode"
)

// qrLevel is the error-correction level of every code on the receipt. The ZBP recommendation
// asks for at least L; M survives the smudges and fading of thermal paper better and still
// fits both codes comfortably.
const qrLevel = qrcode.Medium

// qrModules returns the modules of the QR symbol for data, including the 4-module quiet zone:
// true is dark.
func qrModules(data string) ([][]bool, error) {
	q, err := qrcode.New(data, qrLevel)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	return q.Bitmap(), nil
}

// QRImage draws data as a QR code (error correction M, quiet zone kept) on a white square
// of size×size pixels. Modules are whole pixels (size divided by the number of modules,
// rounded down) and the symbol is centred, so the leftover pixels widen the quiet zone. It
// fails when data does not fit a QR code or size is smaller than the symbol.
func QRImage(data string, size int) (image.Image, error) {
	m, err := qrModules(data)
	if err != nil {
		return nil, err
	}
	n := len(m)
	scale := size / n
	if scale < 1 {
		return nil, fmt.Errorf("QR code: %d pixels is too small for %d modules", size, n)
	}
	img := image.NewGray(image.Rect(0, 0, size, size))
	fill(img, img.Bounds(), color.Gray{Y: 0xff})
	off := (size - n*scale) / 2
	drawModules(img, m, image.Pt(off, off), scale)
	return img, nil
}

// drawModules paints the dark modules of m as scale×scale squares with the symbol's top left
// corner at at.
func drawModules(img *image.Gray, m [][]bool, at image.Point, scale int) {
	for y, row := range m {
		for x, dark := range row {
			if dark {
				r := image.Rect(x*scale, y*scale, (x+1)*scale, (y+1)*scale).Add(at)
				fill(img, r, color.Gray{})
			}
		}
	}
}

func fill(img *image.Gray, r image.Rectangle, c color.Gray) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.Pix[img.PixOffset(x, y)] = c.Y
		}
	}
}
