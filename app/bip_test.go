package app

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"infomat/app/markdown"
	"infomat/content"
)

// fakePDF renders grey pages of an A4 shape and records what was asked.
type fakePDF struct {
	total, shown int
	err          error // returned by both calls
	renderErr    error // returned by RenderPage only
	calls        []string
	dpis         []int
}

func (f *fakePDF) PageCount(_ context.Context, _ *content.Bundle, file string) (int, int, error) {
	f.calls = append(f.calls, "count "+file)
	return f.total, f.shown, f.err
}

func (f *fakePDF) RenderPage(_ context.Context, _ *content.Bundle, file string, page, dpi int) (image.Image, error) {
	f.calls = append(f.calls, "render "+file+" "+string(rune('0'+page)))
	f.dpis = append(f.dpis, dpi)
	if f.err != nil {
		return nil, f.err
	}
	if f.renderErr != nil {
		return nil, f.renderErr
	}
	img := image.NewGray(image.Rect(0, 0, 210, 297))
	for i := range img.Pix {
		img.Pix[i] = 0xe0
	}
	return img, nil
}

// walk calls visit for every visible object on the window, popups included.
func (h *harness) walk(visit func(fyne.CanvasObject)) {
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		visit(o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				rec(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				rec(c)
			}
		}
	}
	rec(h.win.Canvas().Content())
	for _, o := range h.win.Canvas().Overlays().List() {
		rec(o)
	}
}

// qrCodes decodes every QR code shown on the window.
func (h *harness) qrCodes() []string {
	h.t.Helper()
	var out []string
	h.walk(func(o fyne.CanvasObject) {
		ci, ok := o.(*canvas.Image)
		if !ok || ci.Image == nil {
			return
		}
		if _, ok := ci.Image.(*image.Gray); !ok || ci.Image.Bounds().Dx() != 512 {
			return // not a QR picture
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(ci.Image)
		if err != nil {
			h.t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			h.t.Fatalf("a QR code on screen does not decode: %v", err)
		}
		out = append(out, res.GetText())
	})
	return out
}

// Resolutions are listed newest first and their full titles wrap rather than end in "…".
func TestBIPListNewestFirstAndWrapped(t *testing.T) {
	h := newHarness(t)
	h.tap("Biuletyn (BIP)")
	h.tap("Prawo lokalne")
	h.tap("Uchwały Rady Gminy")
	long := "Uchwała Nr XIX/155/2025 w sprawie stawek opłat za zajęcie pasa drogowego dróg gminnych"
	h.mustSee(long)
	h.screenshot("bip-uchwaly")
	var titles []string
	h.walk(func(o fyne.CanvasObject) {
		l, ok := o.(*markdown.Paragraph)
		if !ok || !strings.HasPrefix(l.Text(), "Uchwała") {
			return
		}
		titles = append(titles, l.Text())
		// Every line of the title is drawn, whole: none is dropped at the label's edge or
		// cut to "…".
		if lines := textLines(l); lines < 1 || textBottom(l) <= 0 {
			t.Errorf("title %q draws %d lines", l.Text(), lines)
		}
		var drawn []string
		eachText(l, fyne.Position{}, func(txt *canvas.Text, _ fyne.Position) { drawn = append(drawn, txt.Text) })
		if strings.Join(drawn, " ") != l.Text() {
			t.Errorf("title %q drawn as %q", l.Text(), drawn)
		}
	})
	if len(titles) < 2 || titles[0] != long || !strings.Contains(titles[1], "XIX/154/2025") && !strings.Contains(titles[1], "budżet") {
		t.Errorf("resolutions listed %q, want the newest (%q) first", titles, long)
	}
	var lines int
	h.walk(func(o fyne.CanvasObject) {
		if l, ok := o.(*markdown.Paragraph); ok && l.Text() == long {
			lines = textLines(l)
		}
	})
	if lines < 2 {
		t.Errorf("the long title is on %d line(s): not wrapped, or the test does not test wrapping", lines)
	}
}

func TestBIPHomeShowsLatest(t *testing.T) {
	h := newHarness(t)
	h.tap("Biuletyn (BIP)")
	h.mustSee("Najnowsze")
	for _, p := range bundle(t).LatestPages(5) {
		h.mustSee(p.Title)
	}
	h.screenshot("bip-home")
	latest := bundle(t).LatestPages(1)[0]
	h.tap(latest.Title)
	h.mustSee("Metryczka")
	if r := h.ui.current(); r.kind != pageScreen || r.id != latest.ID {
		t.Fatalf("tapping the newest page opened %+v", r)
	}
}

// withPDF gives the harness a PDF renderer and opens the regulation's PDF attachment.
func openRegulationPDF(t *testing.T, f *fakePDF) *harness {
	h := newHarness(t)
	h.ui.d.PDF = f
	h.ui.push(route{kind: pageScreen, id: "prawo-lokalne/regulamin-utrzymania-czystosci"})
	h.tap("Regulamin utrzymania czystości i porządku (PDF, 3 strony)")
	return h
}

func TestPDFAttachmentPagesAndZoom(t *testing.T) {
	f := &fakePDF{total: 3, shown: 3}
	h := openRegulationPDF(t, f)
	h.mustSee("Strona 1 z 3")
	h.screenshot("pdf-page1")
	if len(f.calls) != 2 || f.calls[0] != "count pliki/bip/regulamin-utrzymania-czystosci.pdf" || f.calls[1] != "render pliki/bip/regulamin-utrzymania-czystosci.pdf 1" {
		t.Fatalf("renderer calls %q", f.calls)
	}
	var page *canvas.Image
	h.walk(func(o fyne.CanvasObject) {
		if ci, ok := o.(*canvas.Image); ok && ci.Image != nil && ci.Image.Bounds().Dx() == 210 {
			page = ci
		}
	})
	if page == nil || page.Size().Width < 900 {
		t.Fatalf("page image not shown across the screen: %v", page)
	}
	next := h.ui.pdf
	next.page = 2 // as the ▶ button does
	h.ui.render()
	h.mustSee("Strona 2 z 3")
	if got := f.calls[len(f.calls)-1]; !strings.HasSuffix(got, " 2") {
		t.Errorf("after ▶ the renderer was asked %q", got)
	}
	// Zoom: a sharper render, and the page grows wider than the screen.
	before := f.dpis[len(f.dpis)-1]
	h.ui.pdf.zoom = 2 // 200%
	h.ui.render()
	h.mustSee("200%")
	if after := f.dpis[len(f.dpis)-1]; after != 2*before {
		t.Errorf("zoom 200%%: dpi %d, want %d", after, 2*before)
	}
	h.walk(func(o fyne.CanvasObject) {
		if ci, ok := o.(*canvas.Image); ok && ci.Image != nil && ci.Image.Bounds().Dx() == 210 {
			page = ci
		}
	})
	if page.Size().Width < 1900 {
		t.Errorf("zoomed page is %v wide, want twice the screen", page.Size().Width)
	}
	// The attachment goes home by QR too.
	h.tap("Zabierz na telefon")
	if got := h.qrCodes(); len(got) != 1 || got[0] != "https://bip.przykladowa.example.pl/pliki/bip/regulamin-utrzymania-czystosci.pdf" {
		t.Errorf("QR codes %q", got)
	}
}

// The page arrows are real buttons: ◀ is off on the first page, ▶ on the last.
func TestPDFArrows(t *testing.T) {
	f := &fakePDF{total: 120, shown: 50}
	h := openRegulationPDF(t, f)
	h.mustSee("Strona 1 z 50")
	h.mustSee("Kiosk pokazuje pierwsze 50 z 120 stron")
	tapIcon := func(name string) {
		t.Helper()
		var hit fyne.Tappable
		h.walk(func(o fyne.CanvasObject) {
			if d, ok := o.(interface {
				fyne.Tappable
				fyne.Disableable
			}); ok && hit == nil && hasIcon(o, name) && !d.Disabled() {
				hit = d
			}
		})
		if hit == nil {
			t.Fatalf("no enabled %s button", name)
		}
		h.clock.advance(tapGap) // a person's pause: past the tap guard
		hit.Tapped(&fyne.PointEvent{})
	}
	tapIcon("arrow-forward")
	h.mustSee("Strona 2 z 50")
	tapIcon("arrow-back")
	h.mustSee("Strona 1 z 50")
}

func TestPDFErrorsOfferQR(t *testing.T) {
	url := "https://bip.przykladowa.example.pl/pliki/bip/regulamin-utrzymania-czystosci.pdf"
	for _, c := range []struct {
		name string
		f    *fakePDF
		msg  string
	}{
		{"missing pdftoppm", &fakePDF{err: ErrPDFUnavailable}, "Ten kiosk nie może teraz pokazać dokumentów PDF"},
		{"timeout", &fakePDF{total: 3, shown: 3, renderErr: ErrPDFTimeout}, "Ten dokument otwiera się zbyt długo"},
		{"corrupt", &fakePDF{err: errors.New("pdf: file cannot be read")}, "plik może być uszkodzony"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := openRegulationPDF(t, c.f)
			h.mustSee(c.msg)
			if got := h.qrCodes(); len(got) != 1 || got[0] != url {
				t.Errorf("QR codes %q, want %s", got, url)
			}
		})
	}
}

func TestOtherAttachmentTakenHomeByQR(t *testing.T) {
	h := newHarness(t)
	h.ui.d.PDF = &fakePDF{}
	// The second attachment lies below the fold; open it as its row does.
	h.ui.push(route{kind: attachmentScreen, id: attachmentID("prawo-lokalne/regulamin-utrzymania-czystosci", 1)})
	h.mustSee("Tego pliku nie da się wyświetlić na kiosku")
	if got := h.qrCodes(); len(got) != 1 || got[0] != "https://bip.przykladowa.example.pl/pliki/bip/regulamin-utrzymania-czystosci.txt" {
		t.Errorf("QR codes %q", got)
	}
	h.screenshot("attachment-txt")
}

func TestTakeHomeQROnCardAndPage(t *testing.T) {
	h := newHarness(t)
	h.ui.push(route{kind: procedureScreen, id: "karta-mieszkanca"})
	h.tap("Zabierz na telefon")
	h.mustSee("Zeskanuj kod aparatem telefonu")
	if got := h.qrCodes(); len(got) != 1 || got[0] != "https://bip.przykladowa.example.pl/karty-uslug/karta-mieszkanca" {
		t.Errorf("card QR codes %q", got)
	}
	h.screenshot("takehome-card")
	h.tap("Zamknij")
	if got := h.qrCodes(); len(got) != 0 {
		t.Errorf("after Zamknij QR codes %q remain", got)
	}
	h.ui.push(route{kind: pageScreen, id: "prawo-lokalne/uchwala-budzetowa-2026"})
	h.tap("Zabierz na telefon")
	if got := h.qrCodes(); len(got) != 1 || got[0] != "https://bip.przykladowa.example.pl/prawo-lokalne/uchwala-budzetowa-2026" {
		t.Errorf("page QR codes %q", got)
	}
	h.ui.Reset()
	if len(h.win.Canvas().Overlays().List()) != 0 {
		t.Error("the QR code outlived the session")
	}
}

// Without adresy_www in the profile there is nothing to point a phone at: no button.
func TestNoTakeHomeWithoutPublicAddresses(t *testing.T) {
	h := newHarness(t)
	b := *bundle(t)
	b.Municipality.Public = content.PublicURLs{}
	h.ui.d.Content = &b
	h.ui.push(route{kind: procedureScreen, id: "karta-mieszkanca"})
	h.mustSee("Metryczka")
	h.mustNotSee("Zabierz na telefon")
	h.ui.push(route{kind: pageScreen, id: "prawo-lokalne/uchwala-budzetowa-2026"})
	h.mustNotSee("Zabierz na telefon")
}

// hasIcon reports whether a widget shows an icon whose resource name has name in it.
func hasIcon(o fyne.CanvasObject, name string) bool {
	w, ok := o.(fyne.Widget)
	if !ok {
		return false
	}
	for _, c := range test.WidgetRenderer(w).Objects() {
		if ci, ok := c.(*canvas.Image); ok && ci.Resource != nil && strings.Contains(ci.Resource.Name(), name) {
			return true
		}
	}
	return false
}

// textLines and textBottom look at the canvas texts a label draws: how many lines, and how
// far down the last one reaches, relative to the label.
func textLines(l fyne.CanvasObject) int {
	n := 0
	eachText(l, fyne.Position{}.Subtract(l.Position()), func(*canvas.Text, fyne.Position) { n++ })
	return n
}

func textBottom(l fyne.CanvasObject) float32 {
	var b float32
	eachText(l, fyne.Position{}.Subtract(l.Position()), func(t *canvas.Text, at fyne.Position) { b = max(b, at.Y+t.Size().Height) })
	return b
}

// eachText calls f with every non-empty text under o and its position; parent is where o's
// parent sits.
func eachText(o fyne.CanvasObject, parent fyne.Position, f func(*canvas.Text, fyne.Position)) {
	at := parent.Add(o.Position())
	switch x := o.(type) {
	case *canvas.Text:
		if x.Visible() && strings.TrimSpace(x.Text) != "" {
			f(x, at)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			eachText(c, at, f)
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			eachText(c, at, f)
		}
	}
}

// A failure is not kept: opening the attachment again tries again.
func TestPDFRetriedWhenOpenedAgain(t *testing.T) {
	f := &fakePDF{err: ErrPDFTimeout}
	h := openRegulationPDF(t, f)
	h.mustSee("Ten dokument otwiera się zbyt długo")
	f.err, f.total, f.shown = nil, 3, 3
	h.tap("Wstecz")
	h.tap("Regulamin utrzymania czystości i porządku (PDF, 3 strony)")
	h.mustSee("Strona 1 z 3")
}
