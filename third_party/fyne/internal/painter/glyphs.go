package painter

// infomat patch (third_party/README.md): glyphs are rasterised once per font, size and
// sub-pixel position and kept as coverage masks; drawing a text composites the masks.
// go-text/render flattened and rasterised every glyph's outline again for every text.

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/vector"
)

// glyphPhases is how finely a glyph's position is kept below a pixel, each way: an eighth
// of a pixel puts a glyph at most a sixteenth of a pixel from where it was asked for.
const glyphPhases = 8

// maxGlyphs bounds the cache: the kiosk's texts use some hundreds of glyphs at a few sizes;
// past the bound the cache starts again, so a long week cannot grow it.
const maxGlyphs = 8192

type glyphKey struct {
	face   *font.Face
	id     font.GID
	size   float32 // pixels per em
	fx, fy uint8   // sub-pixel phase, in 1/glyphPhases of a pixel
}

// glyphMask is a glyph's coverage; off is where the mask's top left goes relative to the
// whole pixel the glyph's origin falls in. A nil mask draws nothing (a space); notOutline
// marks a bitmap or SVG glyph, which go-text/render draws.
type glyphMask struct {
	mask       *image.Alpha
	off        image.Point
	notOutline bool
}

var glyphCache = memo[glyphKey, glyphMask]{max: maxGlyphs}

func clearGlyphCache() { glyphCache.clear() }

// drawRun draws a shaped run with its baseline's start at (x, y) in dst, and reports false,
// having drawn nothing, when the run has glyphs that are not outlines (bitmaps, SVG).
func drawRun(dst draw.Image, run shaping.Output, col color.Color, fontSize, scale float32, x float32, y int) bool {
	size := fontSize * scale
	type placed struct {
		m  glyphMask
		at image.Point
	}
	var buf [64]placed
	glyphs := buf[:0]
	for _, g := range run.Glyphs {
		gx := x + fixed266ToFloat32(g.XOffset)*scale
		gy := float32(y) - fixed266ToFloat32(g.YOffset)*scale
		ix, iy := math.Floor(float64(gx)), math.Floor(float64(gy))
		fx := uint8(math.Round((float64(gx) - ix) * glyphPhases))
		fy := uint8(math.Round((float64(gy) - iy) * glyphPhases))
		m := cachedGlyph(glyphKey{face: run.Face, id: g.GlyphID, size: size, fx: fx, fy: fy})
		if m.notOutline {
			return false
		}
		glyphs = append(glyphs, placed{m, image.Pt(int(ix), int(iy))})
		x += fixed266ToFloat32(g.XAdvance) * scale
	}
	src := image.NewUniform(col)
	for _, g := range glyphs {
		if g.m.mask != nil {
			at := g.m.off.Add(g.at)
			draw.DrawMask(dst, g.m.mask.Bounds().Add(at), src, image.Point{}, g.m.mask, image.Point{}, draw.Over)
		}
	}
	return true
}

func cachedGlyph(k glyphKey) glyphMask {
	if m, ok := glyphCache.get(k); ok {
		return m
	}
	m := rasterGlyph(k)
	glyphCache.put(k, m)
	return m
}

// rasterGlyph draws a glyph's outline, placed at its sub-pixel phase, into a mask just
// large enough for it.
func rasterGlyph(k glyphKey) glyphMask {
	outline, ok := k.face.GlyphData(k.id).(font.GlyphOutline)
	if !ok {
		return glyphMask{notOutline: true}
	}
	if len(outline.Segments) == 0 {
		return glyphMask{}
	}
	scale := k.size / float32(k.face.Upem())
	px, py := float32(k.fx)/glyphPhases, float32(k.fy)/glyphPhases
	// The outline's control points bound it; y grows downwards in the image.
	minX, minY := float32(math.Inf(1)), float32(math.Inf(1))
	maxX, maxY := float32(math.Inf(-1)), float32(math.Inf(-1))
	for _, s := range outline.Segments {
		for _, a := range s.ArgsSlice() {
			x, y := a.X*scale+px, -a.Y*scale+py
			minX, maxX = min32(minX, x), max32(maxX, x)
			minY, maxY = min32(minY, y), max32(maxY, y)
		}
	}
	x0, y0 := int(math.Floor(float64(minX))), int(math.Floor(float64(minY)))
	w, h := int(math.Ceil(float64(maxX)))-x0, int(math.Ceil(float64(maxY)))-y0
	if w <= 0 || h <= 0 {
		return glyphMask{}
	}
	var z vector.Rasterizer
	z.Reset(w, h)
	at := func(a opentype.SegmentPoint) (float32, float32) {
		return a.X*scale + px - float32(x0), -a.Y*scale + py - float32(y0)
	}
	for _, s := range outline.Segments {
		switch s.Op {
		case opentype.SegmentOpMoveTo:
			z.ClosePath()
			z.MoveTo(at(s.Args[0]))
		case opentype.SegmentOpLineTo:
			z.LineTo(at(s.Args[0]))
		case opentype.SegmentOpQuadTo:
			bx, by := at(s.Args[0])
			cx, cy := at(s.Args[1])
			z.QuadTo(bx, by, cx, cy)
		case opentype.SegmentOpCubeTo:
			bx, by := at(s.Args[0])
			cx, cy := at(s.Args[1])
			dx, dy := at(s.Args[2])
			z.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	return glyphMask{mask: mask, off: image.Pt(x0, y0)}
}

func min32(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

func max32(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}
