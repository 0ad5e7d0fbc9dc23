package receipt

import (
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font"
)

func TestRenderPNG(t *testing.T) {
	d := Submission(sampleInfo(true), tPolish)
	pay, err := PaymentQR(sampleInfo(true).Fee.Payment)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		width int
		file  string
	}{{Width58mm, "/tmp/receipt-58.png"}, {Width80mm, "/tmp/receipt-80.png"}} {
		img := RenderPNG(d, tc.width)
		if b := img.Bounds(); b.Min != (image.Point{}) || b.Dx() != tc.width {
			t.Fatalf("width %d: bounds %v", tc.width, b)
		}
		savePNG(t, img, tc.file)
		g := img.(*image.Gray)
		for i, v := range g.Pix {
			if v != 0 && v != 0xff {
				t.Fatalf("width %d: pixel %d is grey (%d)", tc.width, i, v)
			}
		}

		placed := Layout(d, tc.width)
		if len(placed) != len(d.Items) {
			t.Fatalf("%d placed items for %d", len(placed), len(d.Items))
		}
		var decoded []string
		prev := 0
		for _, p := range placed {
			if p.Rect.Min.Y != prev && prev != 0 || p.Rect.Dx() != tc.width {
				t.Errorf("width %d: %T at %v after %d", tc.width, p.Item, p.Rect, prev)
			}
			prev = p.Rect.Max.Y
			if !p.Rect.In(img.Bounds()) {
				t.Errorf("width %d: %T at %v outside the image %v", tc.width, p.Item, p.Rect, img.Bounds())
			}
			switch it := p.Item.(type) {
			case QR:
				if p.Err != nil || p.Module < 4 || p.Module > 6 || !p.Code.In(p.Rect) {
					t.Errorf("width %d: QR %q: module %d, code %v, %v", tc.width, it.Data, p.Module, p.Code, p.Err)
				}
				decoded = append(decoded, decodeQR(t, g.SubImage(p.Code)))
			case Text:
				face := newFaces().of(it)
				for i, line := range p.Lines {
					if font.MeasureString(face, line).Ceil() > tc.width-2*sideMargin {
						t.Errorf("width %d: line %q is too wide", tc.width, line)
					}
					row := image.Rect(0, p.Rect.Min.Y+i*p.LineHeight, tc.width, p.Rect.Min.Y+(i+1)*p.LineHeight)
					if dark := countDark(g, row); strings.TrimSpace(line) != "" && dark == 0 {
						t.Errorf("width %d: line %q printed nothing", tc.width, line)
					}
				}
			}
		}
		want := []string{sampleInfo(true).TrackURL, pay}
		if strings.Join(decoded, "\n") != strings.Join(want, "\n") {
			t.Errorf("width %d: decoded %q, want %q", tc.width, decoded, want)
		}
	}
}

// TestRenderWrapsToWidth checks that a long word (a link) is split and every line fits,
// including Large text.
func TestRenderWrapsToWidth(t *testing.T) {
	d := Doc{Items: []Item{
		Text{Text: "https://portal.przykladowo.pl/sprawy/PRZ-2026-000123?lang=pl&source=infomat", Align: Right},
		Text{Text: "PRZ/2026/000123/ZAŚWIADCZENIE", Large: true, Bold: true, Align: Center},
		Text{Text: "Zażółć gęślą jaźń. " + strings.Repeat("Źdźbło trawy ", 10)},
		Text{Text: "pierwszy\n\ntrzeci"},
		Feed{Lines: 2}, Rule{}, Cut{},
	}}
	f := newFaces()
	for _, w := range []int{Width58mm, Width80mm} {
		placed := Layout(d, w)
		for _, p := range placed {
			it, ok := p.Item.(Text)
			if !ok {
				continue
			}
			if len(p.Lines) < 2 && w == Width58mm {
				t.Errorf("width %d: %q did not wrap", w, it.Text)
			}
			if strings.Join(strings.Fields(strings.Join(p.Lines, "")), "") !=
				strings.Join(strings.Fields(it.Text), "") {
				t.Errorf("width %d: wrapping lost text: %q", w, p.Lines)
			}
			for _, l := range p.Lines {
				if font.MeasureString(f.of(it), l).Ceil() > w-2*sideMargin {
					t.Errorf("width %d: %q too wide", w, l)
				}
			}
		}
		if got := placed[3].Lines; len(got) != 3 || got[1] != "" {
			t.Errorf("hard line breaks: %q", got)
		}
		img := RenderPNG(d, w)
		if img.Bounds().Dx() != w {
			t.Errorf("width %d: image %v", w, img.Bounds())
		}
	}
}

func TestFontsHavePolishLetters(t *testing.T) {
	f := newFaces()
	for _, face := range []font.Face{f.reg, f.bold, f.regL, f.boldL} {
		for _, r := range "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ\u00a0–„”" {
			if _, _, ok := face.GlyphBounds(r); !ok {
				t.Errorf("no glyph for %q", r)
			}
		}
	}
}

func TestRenderOddInput(t *testing.T) {
	// An empty document, a QR code too big for the paper and a tiny width must not panic.
	huge := strings.Repeat("x", 2500)
	for _, d := range []Doc{{}, {Items: []Item{QR{Data: huge, Caption: "za duży"}, Text{}, Feed{Lines: -3}}}} {
		for _, w := range []int{0, 100, Width58mm} {
			img := RenderPNG(d, w)
			if img.Bounds().Dx() < 64 {
				t.Errorf("width %d: %v", w, img.Bounds())
			}
		}
	}
	placed := Layout(Doc{Items: []Item{QR{Data: strings.Repeat("x", 5000)}}}, Width58mm)
	if placed[0].Err == nil {
		t.Error("5000 bytes in a QR code: no error")
	}
}

func countDark(g *image.Gray, r image.Rectangle) int {
	n := 0
	r = r.Intersect(g.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g.GrayAt(x, y).Y == 0 {
				n++
			}
		}
	}
	return n
}

func savePNG(t *testing.T, img image.Image, name string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Logf("preview not saved: %v", err)
		return
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}
