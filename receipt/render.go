package receipt

import (
	"image"
	"image/color"
	"math"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Paper widths in printer dots (203 dpi): the printable width of 58 mm and 80 mm rolls.
const (
	Width58mm = 384
	Width80mm = 576
)

// Geometry of the preview, in dots. The text size matches the printers' font A (12×24 dots:
// about 32 characters a line on 58 mm paper and 48 on 80 mm).
const (
	textSize   = 24 // font size in dots of the regular text; Large is twice that
	sideMargin = 8  // left and right, so the preview does not print to the very edge
	topMargin  = 8
	lineGap    = 2 // between text lines
	rulePad    = 6 // above and below a rule
	ruleHeight = 2
	qrPad      = 4  // above a QR code and between it and its caption
	maxModule  = 6  // largest QR module, in dots (0.75 mm)
	cutHeight  = 32 // the tear line with its scissors
)

// Placed is an item of a Doc with the place Layout gave it on the paper.
type Placed struct {
	Item Item
	// Rect is the band of paper the item takes, from the left edge to the right.
	Rect image.Rectangle
	// Lines is the wrapped text of a Text, or the wrapped caption of a QR.
	Lines []string
	// LineHeight is the height of one of Lines, in dots.
	LineHeight int
	// Code is where a QR symbol is drawn, its quiet zone included; Module is the size of one
	// of its modules in dots. Both are zero when the data does not fit a QR code or the
	// paper, in which case Err says why and the preview draws a crossed box instead.
	Code   image.Rectangle
	Module int
	Err    error

	modules [][]bool
}

var (
	fontOnce      sync.Once
	regular, bold *opentype.Font
	errFonts      error
)

// faces are the four text styles. A font.Face is not safe for concurrent use, so every
// Layout and RenderPNG call makes its own.
type faces struct{ reg, bold, regL, boldL font.Face }

func newFaces() *faces {
	fontOnce.Do(func() {
		var err error
		if regular, err = opentype.Parse(goregular.TTF); err != nil {
			errFonts = err
			return
		}
		bold, errFonts = opentype.Parse(gobold.TTF)
	})
	if errFonts != nil {
		panic("receipt: the embedded Go fonts do not parse: " + errFonts.Error())
	}
	face := func(f *opentype.Font, size float64) font.Face {
		fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			panic("receipt: " + err.Error())
		}
		return fc
	}
	return &faces{
		reg:   face(regular, textSize),
		bold:  face(bold, textSize),
		regL:  face(regular, 2*textSize),
		boldL: face(bold, 2*textSize),
	}
}

func (f *faces) of(t Text) font.Face {
	switch {
	case t.Large && t.Bold:
		return f.boldL
	case t.Large:
		return f.regL
	case t.Bold:
		return f.bold
	}
	return f.reg
}

func lineHeight(f font.Face) int {
	m := f.Metrics()
	return (m.Ascent + m.Descent).Ceil() + lineGap
}

// Layout places the items of d on paper widthDots wide (Width58mm or Width80mm; anything
// under 64 dots is taken as 58 mm) top to bottom, wrapping text and sizing QR codes. The
// printer driver and RenderPNG share it, and tests use it to find the QR codes in a preview.
func Layout(d Doc, widthDots int) []Placed {
	return layout(d, widthDots, newFaces())
}

func paperWidth(w int) int {
	if w < 64 {
		return Width58mm
	}
	return w
}

func layout(d Doc, width int, f *faces) []Placed {
	width = paperWidth(width)
	inner := width - 2*sideMargin
	y := topMargin
	out := make([]Placed, 0, len(d.Items))
	for _, it := range d.Items {
		p := Placed{Item: it}
		top := y
		switch it := it.(type) {
		case Text:
			face := f.of(it)
			p.Lines = wrap(it.Text, face, inner)
			p.LineHeight = lineHeight(face)
			y += len(p.Lines) * p.LineHeight
		case QR:
			y += qrPad
			p.modules, p.Err = qrModules(it.Data)
			if p.Err == nil {
				n := len(p.modules)
				p.Module = min(maxModule, width/n) // the quiet zone may use the side margins
				if p.Module < 1 {
					p.Err = errTooWide
					p.modules = nil
					p.Module = 0
				} else {
					s := n * p.Module
					p.Code = image.Rect((width-s)/2, y, (width-s)/2+s, y+s)
					y += s
				}
			}
			if p.Err != nil {
				y += 4 * lineHeight(f.reg) // room for the placeholder box
			}
			if it.Caption != "" {
				p.Lines = wrap(it.Caption, f.reg, inner)
				p.LineHeight = lineHeight(f.reg)
				y += qrPad + len(p.Lines)*p.LineHeight
			}
		case Rule:
			y += 2*rulePad + ruleHeight
		case Feed:
			y += max(0, it.Lines) * lineHeight(f.reg)
		case Cut:
			y += cutHeight
		}
		p.Rect = image.Rect(0, top, width, y)
		out = append(out, p)
	}
	return out
}

type layoutError string

func (e layoutError) Error() string { return string(e) }

const errTooWide = layoutError("QR code: too many modules for the paper width")

// wrap breaks s into lines no wider than w: at spaces where it can, inside a word (a long
// link) where it must. "\n" always breaks; an empty paragraph gives an empty line.
func wrap(s string, face font.Face, w int) []string {
	limit := fixed.I(w)
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		line := ""
		for _, word := range words {
			if line != "" {
				if font.MeasureString(face, line+" "+word) <= limit {
					line += " " + word
					continue
				}
				lines = append(lines, line)
				line = ""
			}
			// Start a line with word, splitting it if it alone is too wide.
			for font.MeasureString(face, word) > limit {
				head, tail := splitWord(word, face, limit)
				lines = append(lines, head)
				word = tail
			}
			line = word
		}
		lines = append(lines, line)
	}
	return lines
}

// splitWord cuts the longest head off word that fits in limit, preferably just after a
// "/", "-", "?", "&", "=" or "_" (links, reference numbers), otherwise anywhere; the head has
// at least one character.
func splitWord(word string, face font.Face, limit fixed.Int26_6) (head, tail string) {
	r := []rune(word)
	n := 1
	for n < len(r) && font.MeasureString(face, string(r[:n+1])) <= limit {
		n++
	}
	for i := n; i > n/2; i-- {
		if strings.ContainsRune("/-?&=_", r[i-1]) {
			n = i
			break
		}
	}
	return string(r[:n]), string(r[n:])
}

// RenderPNG draws d as a thermal printer prints it on paper widthDots wide (Width58mm or
// Width80mm): black on white, one bit deep (every pixel is 0 or 255), in the Go fonts
// (regular and bold; Large at double size), QR codes with square modules of up to 6 dots,
// rules 2 dots thick, feeds as blank lines and the cut as a dashed line with scissors. The
// result is an *image.Gray, ready for png.Encode or a raster (GS v 0) print.
func RenderPNG(d Doc, widthDots int) image.Image {
	f := newFaces()
	placed := layout(d, widthDots, f)
	width := paperWidth(widthDots)
	height := topMargin
	if len(placed) > 0 {
		height = placed[len(placed)-1].Rect.Max.Y
	}
	height += topMargin
	img := image.NewGray(image.Rect(0, 0, width, height))
	fill(img, img.Bounds(), color.Gray{Y: 0xff})
	inner := width - 2*sideMargin

	drawLines := func(lines []string, face font.Face, lh, y int, a Align) {
		asc := face.Metrics().Ascent
		for i, l := range lines {
			x := sideMargin
			switch w := font.MeasureString(face, l).Ceil(); a {
			case Center:
				x += (inner - w) / 2
			case Right:
				x += inner - w
			}
			dr := font.Drawer{Dst: img, Src: image.Black, Face: face}
			dr.Dot = fixed.Point26_6{X: fixed.I(x), Y: fixed.I(y+i*lh) + asc}
			dr.DrawString(l)
		}
	}

	for _, p := range placed {
		r := p.Rect
		switch it := p.Item.(type) {
		case Text:
			drawLines(p.Lines, f.of(it), p.LineHeight, r.Min.Y, it.Align)
		case QR:
			y := r.Min.Y + qrPad
			if p.Err == nil {
				drawModules(img, p.modules, p.Code.Min, p.Module)
				y = p.Code.Max.Y
			} else {
				box := image.Rect(width/2-2*lineHeight(f.reg), y, width/2+2*lineHeight(f.reg), y+4*lineHeight(f.reg))
				drawBox(img, box)
				y = box.Max.Y
			}
			drawLines(p.Lines, f.reg, p.LineHeight, y+qrPad, Center)
		case Rule:
			fill(img, image.Rect(sideMargin, r.Min.Y+rulePad, width-sideMargin, r.Min.Y+rulePad+ruleHeight), color.Gray{})
		case Cut:
			drawCut(img, r)
		}
	}

	// A thermal head has no grey: threshold the anti-aliased text.
	for i, v := range img.Pix {
		if v < 0x80 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 0xff
		}
	}
	return img
}

// drawBox draws a crossed box, the placeholder for a QR code that could not be made.
func drawBox(img *image.Gray, r image.Rectangle) {
	black := color.Gray{}
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+2), black)
	fill(img, image.Rect(r.Min.X, r.Max.Y-2, r.Max.X, r.Max.Y), black)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+2, r.Max.Y), black)
	fill(img, image.Rect(r.Max.X-2, r.Min.Y, r.Max.X, r.Max.Y), black)
	line(img, float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y), 1)
	line(img, float64(r.Min.X), float64(r.Max.Y), float64(r.Max.X), float64(r.Min.Y), 1)
}

// drawCut draws the tear line: dashes across the paper in the middle of r, with scissors
// near the left edge.
func drawCut(img *image.Gray, r image.Rectangle) {
	mid := (r.Min.Y + r.Max.Y) / 2
	const dash, gap = 8, 6
	for x := r.Min.X; x < r.Max.X; x += dash + gap {
		fill(img, image.Rect(x, mid-1, x+dash, mid+1), color.Gray{})
	}
	// Scissors pointing right: two finger rings on the left, two blades crossing to a point.
	x0 := float64(r.Min.X + sideMargin + 4)
	cy := float64(mid)
	fill(img, image.Rect(int(x0)-6, mid-14, int(x0)+40, mid+15), color.Gray{Y: 0xff})
	ring(img, x0+5, cy-7, 5)
	ring(img, x0+5, cy+7, 5)
	line(img, x0+9, cy-4, x0+34, cy+7, 1)
	line(img, x0+9, cy+4, x0+34, cy-7, 1)
}

// line draws a segment of the given half-thickness.
func line(img *image.Gray, x1, y1, x2, y2, half float64) {
	steps := int(math.Max(math.Abs(x2-x1), math.Abs(y2-y1))) * 2
	for i := 0; i <= steps; i++ {
		t := float64(i) / float64(max(steps, 1))
		x, y := x1+(x2-x1)*t, y1+(y2-y1)*t
		fill(img, image.Rect(int(math.Round(x-half)), int(math.Round(y-half)), int(math.Round(x+half))+1, int(math.Round(y+half))+1), color.Gray{})
	}
}

// ring draws a circle outline 2 dots thick.
func ring(img *image.Gray, cx, cy, r float64) {
	for y := int(cy - r - 2); y <= int(cy+r+2); y++ {
		for x := int(cx - r - 2); x <= int(cx+r+2); x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			if d >= r-1 && d <= r+1 {
				fill(img, image.Rect(x, y, x+1, y+1), color.Gray{})
			}
		}
	}
}
