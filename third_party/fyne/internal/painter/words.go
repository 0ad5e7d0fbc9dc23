package painter

// infomat patch (third_party/README.md): text is shaped a word at a time and each word's
// shaping is kept, as browsers do (Blink's CachingWordShaper). Every text Fyne measures or
// draws was shaped whole by harfbuzz, and the rows of a page are new strings each time a
// page is built; their words are not. Splitting at spaces gives the same glyphs as shaping
// the whole run only where the font neither kerns nor ligates across a space, so a face is
// split only once a probe of it (spaceSafe) has found that it does not.

import (
	"sync"
	"time"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// maxWords bounds the cache of shaped words: a few thousand words at a few sizes and styles
// cover a municipality's content; past the bound the cache starts again.
const maxWords = 8192

type wordKey struct {
	face   *font.Face
	size   fixed.Int26_6
	script language.Script
	lang   language.Language
	word   string
}

// shapedWord is a word's glyphs, their cluster indices counted from the word's first rune,
// and the face's line bounds at the size.
type shapedWord struct {
	glyphs []shaping.Glyph
	line   shaping.Bounds
}

var wordCache = memo[wordKey, shapedWord]{max: maxWords}

// clearWordCache forgets the words and the probes' answers with the faces they were for:
// ClearFontCache drops Fyne's faces (a theme change makes new ones), and keeping them here
// would keep their fonts, the emoji font's megabytes among them, once per change.
func clearWordCache() {
	wordCache.clear()
	spaceChecks.Lock()
	spaceChecks.m = map[*font.Face]*spaceCheck{}
	spaceChecks.Unlock()
}

// shape shapes in's run as shaper.Shape does, from the shapings of its words and spaces
// where the face allows it.
func shape(shaper *shaping.HarfbuzzShaper, in shaping.Input) shaping.Output {
	if in.Direction != di.DirectionLTR || len(in.FontFeatures) > 0 || in.RunEnd <= in.RunStart ||
		in.RunStart < 0 || in.RunEnd > len(in.Text) || !spaceSafe(in.Face) {
		return shaper.Shape(in)
	}
	out := shaping.Output{
		Direction: in.Direction,
		Face:      in.Face,
		Size:      in.Size,
		Runes:     shaping.Range{Offset: in.RunStart, Count: in.RunEnd - in.RunStart},
	}
	for start := in.RunStart; start < in.RunEnd; {
		end := start + 1 // a space is a word of its own
		if in.Text[start] != ' ' {
			for end < in.RunEnd && in.Text[end] != ' ' {
				end++
			}
		}
		w := word(shaper, in, start, end)
		for _, g := range w.glyphs {
			g.ClusterIndex += start
			// Mask holds harfbuzz's own feature bits, which differ for a word's first glyph
			// shaped alone; neither Fyne nor go-text/render reads them.
			g.Mask = 0
			out.Glyphs = append(out.Glyphs, g)
		}
		out.LineBounds = w.line
		start = end
	}
	out.RecalculateAll()
	return out
}

// word is the shaping of in.Text[start:end] alone, from the cache or harfbuzz.
func word(shaper *shaping.HarfbuzzShaper, in shaping.Input, start, end int) shapedWord {
	k := wordKey{face: in.Face, size: in.Size, script: in.Script, lang: in.Language, word: string(in.Text[start:end])}
	if w, ok := wordCache.get(k); ok {
		return w
	}
	alone := in
	alone.Text, alone.RunStart, alone.RunEnd = in.Text[start:end], 0, end-start
	out := shaper.Shape(alone)
	w := shapedWord{glyphs: out.Glyphs, line: out.LineBounds}
	wordCache.put(k, w)
	return w
}

// spaceProbe is what spaceSafe shapes next to a space: the letters, digits and punctuation
// of Polish, Ukrainian and English text.
var spaceProbe = func() []rune {
	var rs []rune
	for _, span := range [][2]rune{{0x21, 0x7e}, {0xa0, 0x17f}, {0x400, 0x45f}, {0x490, 0x491}, {0x2010, 0x2026}, {0x20ac, 0x20ac}} {
		for r := span[0]; r <= span[1]; r++ {
			rs = append(rs, r)
		}
	}
	return rs
}()

var spaceChecks = struct {
	sync.Mutex
	m map[*font.Face]*spaceCheck
}{m: map[*font.Face]*spaceCheck{}}

type spaceCheck struct {
	done chan struct{}
	safe bool
}

// probeAfter holds a probe back from the start-up: a new face is met while the first screen
// is being built, and the probe would take a core from it. probing runs probes one at a time.
var (
	probeAfter = time.Second
	probing    sync.Mutex
)

// probeSize is the size a face is probed at: large enough that a kerning pair of a single
// font unit moves a glyph (by a 64th of a pixel or more). Whether a font shapes across a
// space does not depend on the size.
const probeSize = 100 * 64

// spaceSafe says whether face shapes every probed character next to a space as it shapes
// the two apart. The first time a face is seen a probe is started in the background (a
// second later, one probe at a time); texts are shaped whole until it has answered.
func spaceSafe(face *font.Face) bool {
	spaceChecks.Lock()
	c, ok := spaceChecks.m[face]
	if !ok {
		c = &spaceCheck{done: make(chan struct{})}
		spaceChecks.m[face] = c
	}
	spaceChecks.Unlock()
	if !ok {
		// A Face is not safe for concurrent use (it caches glyph extents); its Font is.
		// The probe gets a Face of its own, made here while face is the caller's alone.
		own := font.NewFace(face.Font)
		own.SetCoords(face.Coords())
		own.SetPpem(face.Ppem())
		after := probeAfter
		go func() {
			time.Sleep(after)
			probing.Lock()
			c.safe = probeSpaces(own, probeSize)
			probing.Unlock()
			close(c.done)
		}()
	}
	select {
	case <-c.done:
		return c.safe
	default:
		return false
	}
}

// probeSpaces shapes "c " and " c" for each probed c, whole and in parts, and compares.
func probeSpaces(face *font.Face, size fixed.Int26_6) bool {
	shaper := &shaping.HarfbuzzShaper{}
	in := shaping.Input{Direction: di.DirectionLTR, Face: face, Size: size}
	shaped := func(rs ...rune) []shaping.Glyph {
		in.Text, in.RunStart, in.RunEnd = rs, 0, len(rs)
		return shaper.Shape(in).Glyphs
	}
	space := shaped(' ')
	for _, r := range spaceProbe {
		alone := shaped(r)
		if !sameGlyphs(shaped(r, ' '), alone, space, 1) ||
			!sameGlyphs(shaped(' ', r), space, alone, 1) {
			return false
		}
	}
	return true
}

// sameGlyphs says whether whole is a followed by b, b's clusters counted from bStart.
func sameGlyphs(whole, a, b []shaping.Glyph, bStart int) bool {
	if len(whole) != len(a)+len(b) {
		return false
	}
	for i, g := range whole {
		var want shaping.Glyph
		if i < len(a) {
			want = a[i]
		} else {
			want = b[i-len(a)]
			want.ClusterIndex += bStart
		}
		g.Mask, want.Mask = 0, 0 // harfbuzz's own bits (see shape)
		if g != want {
			return false
		}
	}
	return true
}
