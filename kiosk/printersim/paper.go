package printersim

import (
	"fmt"
	"image"
	"image/draw"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// defaultSpacing is the line feed of ESC 2: 30 dots (3.75 mm at 203 dpi), as on Epson TM.
const defaultSpacing = 30

// Character cells in dots: font A 12×24, font B 9×17.
const (
	cellAW, cellAH = 12, 24
	cellBW, cellBH = 9, 17
)

// PNG geometry.
const (
	paperMargin = 8  // blank paper above the first and below the last line
	cutHeight   = 24 // the band the cut line is drawn in
)

type elKind int

const (
	elText  elKind = iota // a printed line (cells may be empty: a blank line)
	elFeed                // paper fed by dots
	elImage               // a raster image or a native QR code
	elMark                // something printed the simulator does not draw (a barcode)
	elCut
)

// element is one band of the paper.
type element struct {
	kind  elKind
	cells []cell
	align int
	dots  int         // line spacing of a text line, feed length, height of a mark
	img   *image.Gray // elImage, already scaled
	qr    string      // payload of a native QR code
	label string      // how Text shows an image or a mark
}

// cell is one printed character with its print mode.
type cell struct {
	r                                           rune
	bold, underline, underline2, reverse, fontB bool
	wm, hm                                      int
}

func (c cell) size() (w, h int) {
	if c.fontB {
		return cellBW * c.wm, cellBH * c.hm
	}
	return cellAW * c.wm, cellAH * c.hm
}

func (e element) isRaster() bool { return e.kind == elImage && e.qr == "" }

func (c cell) width() int { w, _ := c.size(); return w }

func (e element) height() int {
	switch e.kind {
	case elText:
		h := 0
		for _, c := range e.cells {
			_, ch := c.size()
			h = max(h, ch)
		}
		return max(h, e.dots)
	case elFeed, elMark:
		return e.dots
	case elImage:
		return e.img.Bounds().Dy()
	case elCut:
		return cutHeight
	}
	return 0
}

// textOf writes the elements as text lines.
func textOf(paper []element) string {
	var b strings.Builder
	for i := 0; i < len(paper); i++ {
		e := paper[i]
		if e.isRaster() {
			// A driver sends a large image in bands (so a status query fits between them):
			// consecutive bands are one picture.
			w, h := e.img.Bounds().Dx(), e.img.Bounds().Dy()
			for i+1 < len(paper) && paper[i+1].isRaster() {
				i++
				w = max(w, paper[i].img.Bounds().Dx())
				h += paper[i].img.Bounds().Dy()
			}
			fmt.Fprintf(&b, "[grafika %d×%d]\n", w, h)
			continue
		}
		switch e.kind {
		case elText:
			line := make([]rune, len(e.cells))
			for i, c := range e.cells {
				line[i] = c.r
			}
			b.WriteString(strings.TrimRight(string(line), " "))
		case elImage, elMark:
			b.WriteString(e.label)
		case elCut:
			b.WriteString("--- cięcie ---")
		default:
			continue
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// render draws the elements on paper width dots wide and says where the graphics are.
func render(paper []element, width int) (*image.Gray, []Graphic) {
	h := 2 * paperMargin
	for _, e := range paper {
		h += e.height()
	}
	img := image.NewGray(image.Rect(0, 0, width, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	var graphics []Graphic
	y := paperMargin
	for _, e := range paper {
		eh := e.height()
		switch e.kind {
		case elText:
			drawLine(img, e, y, width)
		case elImage:
			w := e.img.Bounds().Dx()
			x := alignX(e.align, w, width)
			r := image.Rect(x, y, x+w, y+eh)
			draw.Draw(img, r, e.img, image.Point{}, draw.Src)
			g := Graphic{Kind: "raster", Rect: r.Intersect(img.Bounds())}
			if e.qr != "" {
				g.Kind, g.Data = "qr", e.qr
			}
			if n := len(graphics); n > 0 && g.Kind == "raster" && graphics[n-1].Kind == "raster" &&
				graphics[n-1].Rect.Max.Y == g.Rect.Min.Y {
				graphics[n-1].Rect = graphics[n-1].Rect.Union(g.Rect) // the next band of one image
			} else {
				graphics = append(graphics, g)
			}
		case elMark:
			drawString(img, e.label, y, width)
		case elCut:
			mid := y + eh/2
			for x := 0; x < width; x += 14 {
				fillRect(img, image.Rect(x, mid-1, min(x+8, width), mid+1))
			}
		}
		y += eh
	}
	return img, graphics
}

func alignX(align, w, width int) int {
	switch align {
	case 1:
		return max(0, (width-w)/2)
	case 2:
		return max(0, width-w)
	}
	return 0
}

func drawLine(img *image.Gray, e element, y, width int) {
	lw, lh := 0, 0
	for _, c := range e.cells {
		w, h := c.size()
		lw += w
		lh = max(lh, h)
	}
	x := alignX(e.align, lw, width)
	for _, c := range e.cells {
		w, h := c.size()
		g := glyph(c.r, c.bold, c.fontB)
		top := y + lh - h
		// Scale the 1× glyph by the cell's multipliers, nearest neighbour.
		for py := range h {
			for px := range w {
				dark := g.Pix[(py/c.hm)*g.Stride+px/c.wm] == 0
				if c.underline && py >= h-c.hm*underlineDots(c) {
					dark = true
				}
				if c.reverse {
					dark = !dark
				}
				if dark && x+px < width {
					img.Pix[img.PixOffset(x+px, top+py)] = 0
				}
			}
		}
		x += w
	}
}

func underlineDots(c cell) int {
	if c.underline2 {
		return 2
	}
	return 1
}

// drawString writes s in font A at the left of the line at y (for marks).
func drawString(img *image.Gray, s string, y, width int) {
	e := element{kind: elText}
	for _, r := range s {
		e.cells = append(e.cells, cell{r: r, wm: 1, hm: 1})
	}
	drawLine(img, e, y, width)
}

func fillRect(img *image.Gray, r image.Rectangle) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.Black, image.Point{}, draw.Src)
}

// bitImage makes the picture of GS v 0 data: x bytes a row (most significant bit first, 1 is
// black), y rows, scaled sw×sh.
func bitImage(bits []byte, x, y, sw, sh int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, x*8*sw, y*sh))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for row := range y {
		for col := range x {
			b := bits[row*x+col]
			for bit := range 8 {
				if b&(0x80>>bit) != 0 {
					px := (col*8 + bit) * sw
					fillRect(img, image.Rect(px, row*sh, px+sw, row*sh+sh))
				}
			}
		}
	}
	return img
}

// moduleImage draws QR modules (true is dark) as module×module squares.
func moduleImage(mods [][]bool, module int) *image.Gray {
	n := len(mods)
	img := image.NewGray(image.Rect(0, 0, n*module, n*module))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y, row := range mods {
		for x, dark := range row {
			if dark {
				fillRect(img, image.Rect(x*module, y*module, (x+1)*module, (y+1)*module))
			}
		}
	}
	return img
}

// Glyphs are drawn once per character and style, in Go Mono at the size whose advance is the
// cell width (Go Mono's advance is 0.6 em), and thresholded: a thermal head has no grey.
var glyphs struct {
	sync.Mutex
	faces map[[2]bool]font.Face // [bold, fontB]
	cache map[glyphKey]*image.Gray
}

type glyphKey struct {
	r           rune
	bold, fontB bool
}

func glyph(r rune, bold, fontB bool) *image.Gray {
	glyphs.Lock()
	defer glyphs.Unlock()
	k := glyphKey{r, bold, fontB}
	if g, ok := glyphs.cache[k]; ok {
		return g
	}
	if glyphs.faces == nil {
		glyphs.faces = map[[2]bool]font.Face{}
		glyphs.cache = map[glyphKey]*image.Gray{}
		for _, b := range []bool{false, true} {
			ttf := gomono.TTF
			if b {
				ttf = gomonobold.TTF
			}
			f, err := opentype.Parse(ttf)
			if err != nil {
				panic("printersim: the embedded Go Mono font does not parse: " + err.Error())
			}
			for _, fb := range []bool{false, true} {
				size := float64(cellAW) / 0.6
				if fb {
					size = float64(cellBW) / 0.6
				}
				face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
				if err != nil {
					panic("printersim: " + err.Error())
				}
				glyphs.faces[[2]bool{b, fb}] = face
			}
		}
	}
	w, h := cellAW, cellAH
	if fontB {
		w, h = cellBW, cellBH
	}
	face := glyphs.faces[[2]bool{bold, fontB}]
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	m := face.Metrics()
	asc, desc := m.Ascent.Ceil(), m.Descent.Ceil()
	base := asc + (h-asc-desc)/2
	dr := font.Drawer{Dst: img, Src: image.Black, Face: face,
		Dot: fixed.Point26_6{X: 0, Y: fixed.I(base)}}
	if _, ok := face.GlyphAdvance(r); !ok && r != ' ' {
		r = '?'
	}
	dr.DrawString(string(r))
	for i, v := range img.Pix {
		if v < 0x80 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 0xff
		}
	}
	glyphs.cache[k] = img
	return img
}
