package painter

// infomat patch (third_party/README.md): the glyph cache draws what go-text/render drew.
// Run with: cd third_party/fyne && go test -bench DrawString ./internal/painter/

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/go-text/render"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

type oneFace struct{ f *font.Face }

func (o oneFace) ResolveFace(rune) *font.Face { return o.f }

func testFace(t testing.TB) oneFace {
	t.Helper()
	face, err := font.ParseTTF(bytes.NewReader(theme.DefaultTextFont().Content()))
	if err != nil {
		t.Fatal(err)
	}
	return oneFace{face}
}

// Lines like a procedure card's, in the kiosk's three languages.
var testLines = []string{
	"Wymeldowanie z pobytu stałego lub czasowego — złóż wniosek w urzędzie gminy.",
	"Zaświadczenie wydajemy od ręki, gdy przychodzisz osobiście; do 7 dni, gdy piszesz.",
	"Opłata skarbowa: 17 zł (pełnomocnictwo). Żółć, gęś, źdźbło — ąęćłńóśźż ĄĘĆŁŃÓŚŹŻ.",
	"Deregistration from permanent or temporary residence, at the municipal office.",
	"Зняття з реєстрації місця проживання — подайте заяву в ґмінному уряді.",
}

// drawStringRender is DrawString as Fyne 2.7.1 has it: every glyph's outline rasterised
// by go-text/render.
func drawStringRender(dst *image.RGBA, s string, c color.Color, f oneFace, size, scale float32) {
	r := render.Renderer{FontSize: size, PixScale: scale, Color: c}
	advance := float32(0)
	y := math.MinInt
	walkString(f, s, float32ToFixed266(size), fyne.TextStyle{}, &advance, scale, func(run shaping.Output, x float32) {
		if y == math.MinInt {
			y = int(math.Ceil(float64(fixed266ToFloat32(run.LineBounds.Ascent) * scale)))
		}
		r.DrawShapedRunAt(run, dst, int(x), y)
	})
}

func TestGlyphCacheDrawsAsRender(t *testing.T) {
	f := testFace(t)
	for _, size := range []float32{14, 18, 27} {
		for _, s := range testLines {
			want := image.NewRGBA(image.Rect(0, 0, 1400, 60))
			got := image.NewRGBA(want.Rect)
			drawStringRender(want, s, color.Black, f, size, 1)
			DrawString(got, s, color.Black, f, size, 1, fyne.TextStyle{})
			// The same glyphs at the same places: coverage differs a little along glyph
			// edges (each glyph is flattened and rasterised on its own, put within an eighth
			// of a pixel: on the sample lines 1 % of the inked pixels by more than an eighth,
			// none by more than a quarter), never by a missing or moved stroke.
			var ink, eighth, quarter int
			for i := 3; i < len(want.Pix); i += 4 {
				a, b := int(want.Pix[i]), int(got.Pix[i])
				if a > 0 {
					ink++
				}
				if d := a - b; d > 32 || d < -32 {
					eighth++
					if d > 64 || d < -64 {
						quarter++
					}
				}
			}
			if ink == 0 {
				t.Fatalf("size %v: nothing drawn for %q", size, s)
			}
			if quarter > 0 || eighth > ink/50 {
				t.Errorf("size %v, %q: of %d inked pixels, %d differ by more than an eighth, %d by more than a quarter", size, s, ink, eighth, quarter)
			}
		}
	}
}

func TestGlyphCacheIsBounded(t *testing.T) {
	f := testFace(t)
	clearGlyphCache()
	img := image.NewRGBA(image.Rect(0, 0, 1400, 200))
	for size := float32(8); size < 80; size += 0.5 {
		DrawString(img, testLines[2], color.Black, f, size, 1, fyne.TextStyle{})
	}
	n := glyphCache.len()
	if n == 0 || n > maxGlyphs {
		t.Errorf("%d glyphs cached, want 1..%d", n, maxGlyphs)
	}
}

// BenchmarkDrawString draws card lines as Fyne 2.7.1 did (render) and with the glyph
// cache warm (cached).
func BenchmarkDrawString(b *testing.B) {
	f := testFace(b)
	img := image.NewRGBA(image.Rect(0, 0, 1400, 60))
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			for _, s := range testLines {
				drawStringRender(img, s, color.Black, f, 18, 1)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			for _, s := range testLines {
				DrawString(img, s, color.Black, f, 18, 1, fyne.TextStyle{})
			}
		}
	})
}
