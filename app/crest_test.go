package app

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"path"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// crestsOnScreen lists the raster images shown on the canvas.
func (h *harness) crestsOnScreen() []*canvas.Image {
	var out []*canvas.Image
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Image:
			if x.Image != nil && x.Resource == nil && x.File == "" {
				out = append(out, x)
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(h.win.Content())
	return out
}

func opaquePixels(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0 {
				n++
			}
		}
	}
	return n
}

// The sample's SVG coat of arms is drawn once at home's width and then reused: going to
// another screen and back, or the header changing height, does not rasterise it again (Fyne
// did, at every height the header passed through).
func TestCrestRasterisedOncePerWidth(t *testing.T) {
	h := newHarness(t)
	h.ui.d.Crest = sampleCrest(t)
	h.ui.Reset()

	shown := h.crestsOnScreen()
	if len(shown) != 1 {
		t.Fatalf("home shows %d crest images, want 1", len(shown))
	}
	first := shown[0].Image
	if w := first.Bounds().Dx(); w != 160 {
		t.Errorf("crest drawn %d px wide, want 160 (2 touch targets at scale 1)", w)
	}
	if n, all := opaquePixels(first), first.Bounds().Dx()*first.Bounds().Dy(); n < all/4 {
		t.Errorf("crest has %d drawn pixels of %d: not drawn", n, all)
	}

	h.tap("Sprawy urzędowe")
	h.win.Resize(fyne.NewSize(1080, 1500))
	h.tap("Start")
	again := h.crestsOnScreen()
	if len(again) != 1 || again[0].Image != first {
		t.Errorf("crest rasterised again on the way back home")
	}
	if len(h.ui.crest.images) != 1 {
		t.Errorf("%d rasters kept, want 1", len(h.ui.crest.images))
	}
}

// A PNG crest is decoded as it is; an unreadable one leaves home without it, not broken.
func TestCrestPNGAndUnreadable(t *testing.T) {
	h := newHarness(t)
	img := image.NewNRGBA(image.Rect(0, 0, 40, 48))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(3, 3, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	h.ui.d.Crest = fyne.NewStaticResource("herb.png", buf.Bytes())
	h.ui.Reset()
	shown := h.crestsOnScreen()
	if len(shown) != 1 || shown[0].Image.Bounds().Dx() != 40 {
		t.Fatalf("PNG crest not shown as decoded: %d images", len(shown))
	}

	h.ui.d.Crest = fyne.NewStaticResource("herb.svg", []byte("<svg broken"))
	h.ui.Reset()
	if n := len(h.crestsOnScreen()); n != 0 {
		t.Errorf("%d crest images for an unreadable crest", n)
	}
	h.mustSee("Sprawy urzędowe")
}

// TestCrestRasterDrawnEarly: a crest drawn before the UI (RasterHomeCrest, as the kiosk does
// while its window is made) is the one home shows, not drawn again; one drawn for another
// scale, or of another resource, is not used.
func TestCrestRasterDrawnEarly(t *testing.T) {
	h := newHarness(t)
	res := sampleCrest(t)
	data := res.Content()
	early := RasterHomeCrest(res, h.win.Canvas().Scale())
	if early == nil {
		t.Fatal("the sample's crest did not draw")
	}
	h.ui.d.Crest, h.ui.d.CrestRaster = res, early
	h.ui.Reset()
	if shown := h.crestsOnScreen(); len(shown) != 1 || shown[0].Image != early.img {
		t.Fatalf("home does not show the crest drawn early (%d images)", len(shown))
	}
	if h.ui.d.CrestRaster != nil {
		t.Error("the early raster is still held once the crest cache has it")
	}

	wrongScale := RasterHomeCrest(res, 2*h.win.Canvas().Scale())
	other := fyne.NewStaticResource("inny.svg", data)
	for _, c := range []struct {
		name  string
		res   fyne.Resource
		early *CrestRaster
	}{{"another resource", other, early}, {"another scale", res, wrongScale}} {
		h.ui.d.Crest, h.ui.d.CrestRaster = c.res, c.early
		h.ui.Reset()
		shown := h.crestsOnScreen()
		if len(shown) != 1 || shown[0].Image == c.early.img || shown[0].Image.Bounds().Dx() != 160 {
			t.Errorf("%s: home shows the early crest or none", c.name)
		}
	}
	if RasterHomeCrest(fyne.NewStaticResource("herb.svg", []byte("<svg broken")), 1) != nil || RasterHomeCrest(nil, 1) != nil {
		t.Error("an unreadable or missing crest drew early")
	}
}

// sampleCrest is the sample municipality's coat of arms (an SVG) as the kiosk passes it in.
func sampleCrest(t testing.TB) fyne.Resource {
	t.Helper()
	b := bundle(t)
	data, err := fs.ReadFile(b.Files, b.Municipality.Crest)
	if err != nil {
		t.Fatal(err)
	}
	return fyne.NewStaticResource(path.Base(b.Municipality.Crest), data)
}

// BenchmarkRasterHomeCrest: the sample's crest drawn at home size, as the content goroutine
// does while the window is made (drawn into RGBA, the rasteriser's fast path: 2.4 ms against
// 12.7 into NRGBA on the development machine).
func BenchmarkRasterHomeCrest(b *testing.B) {
	res := sampleCrest(b)
	for b.Loop() {
		if RasterHomeCrest(res, 1) == nil {
			b.Fatal("the sample's crest did not draw")
		}
	}
}
