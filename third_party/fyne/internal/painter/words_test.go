package painter

// infomat patch (third_party/README.md): shaping a word at a time gives what harfbuzz gives
// for the whole text, and is used only for faces that allow it.

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"

	"fyne.io/fyne/v2/theme"
)

// The tests probe at once.
func init() { probeAfter = 0 }

// checkedFace waits for spaceSafe's probe of face and gives its answer.
func checkedFace(face *font.Face) bool {
	spaceSafe(face)
	spaceChecks.Lock()
	c := spaceChecks.m[face]
	spaceChecks.Unlock()
	<-c.done
	return spaceSafe(face)
}

// withoutMasks clears harfbuzz's feature bits, which shape leaves out (nothing reads them).
func withoutMasks(o shaping.Output) shaping.Output {
	for i := range o.Glyphs {
		o.Glyphs[i].Mask = 0
	}
	return o
}

func TestWordsShapeAsTheWholeText(t *testing.T) {
	lines := append(testLines,
		"  two spaces,  then   three; a trailing space ",
		"„Cudzysłów” i (nawias) — 1 234,56 zł, +48 44 123 45 00, art. 20 ust. 1 pkt 3.",
		string(spaceProbe))
	for _, res := range []struct {
		name string
		data []byte
	}{
		{"regular", theme.DefaultTextFont().Content()},
		{"bold", theme.DefaultTextBoldFont().Content()},
		{"italic", theme.DefaultTextItalicFont().Content()},
		{"monospace", theme.DefaultTextMonospaceFont().Content()},
	} {
		face, err := font.ParseTTF(bytes.NewReader(res.data))
		if err != nil {
			t.Fatal(err)
		}
		if !checkedFace(face) {
			t.Fatalf("%s: the probe finds the face shapes across spaces", res.name)
		}
		for _, px := range []float32{14, 18, 27} {
			size := float32ToFixed266(px)
			shaper := &shaping.HarfbuzzShaper{}
			for _, s := range lines {
				rs := []rune(s)
				in := shaping.Input{Text: rs, RunStart: 0, RunEnd: len(rs), Direction: di.DirectionLTR,
					Face: face, Size: size, Script: language.Latin, Language: language.NewLanguage("pl")}
				wordCache.clear()
				want := withoutMasks(shaper.Shape(in))
				for pass := 0; pass < 2; pass++ { // the second from the cache
					if got := shape(shaper, in); !reflect.DeepEqual(got, want) {
						t.Fatalf("%s at %v px, pass %d: %q shaped a word at a time differs from the whole", res.name, px, pass, s)
					}
				}
				n := wordCache.len()
				if n == 0 {
					t.Fatalf("%s at %v px: %q was shaped whole, not a word at a time", res.name, px, s)
				}
				// A run inside a longer text keeps its clusters where they are.
				in.RunStart, in.RunEnd = 3, len(rs)-2
				if got, want := shape(shaper, in), withoutMasks(shaper.Shape(in)); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s at %v px: part of %q differs", res.name, px, s)
				}
			}
		}
	}
}

func TestSameGlyphsNoticesKerningAcrossASpace(t *testing.T) {
	face, err := font.ParseTTF(bytes.NewReader(theme.DefaultTextFont().Content()))
	if err != nil {
		t.Fatal(err)
	}
	shaper := &shaping.HarfbuzzShaper{}
	glyphs := func(s string) []shaping.Glyph {
		rs := []rune(s)
		return shaper.Shape(shaping.Input{Text: rs, RunEnd: len(rs), Direction: di.DirectionLTR, Face: face, Size: fixed.I(18)}).Glyphs
	}
	whole, a, b := glyphs("T "), glyphs("T"), glyphs(" ")
	if !sameGlyphs(whole, a, b, 1) {
		t.Fatal("T and a space apart differ from together")
	}
	kerned := append([]shaping.Glyph(nil), whole...)
	kerned[0].XAdvance -= fixed.I(1) // what a kerning pair with the space would do
	if sameGlyphs(kerned, a, b, 1) {
		t.Fatal("a kerned pair across a space passes as safe")
	}
}

func TestClearFontCacheLetsGoOfTheFaces(t *testing.T) {
	face, err := font.ParseTTF(bytes.NewReader(theme.DefaultTextFont().Content()))
	if err != nil {
		t.Fatal(err)
	}
	checkedFace(face)
	rs := []rune("dwa słowa")
	shape(&shaping.HarfbuzzShaper{}, shaping.Input{Text: rs, RunEnd: len(rs), Direction: di.DirectionLTR, Face: face, Size: fixed.I(18)})
	ClearFontCache()
	words := wordCache.len()
	spaceChecks.Lock()
	checks := len(spaceChecks.m)
	spaceChecks.Unlock()
	if words != 0 || checks != 0 {
		t.Fatalf("after ClearFontCache %d words and %d probed faces are kept", words, checks)
	}
}
