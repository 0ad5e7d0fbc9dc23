package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/content"
)

// PDFPages shows PDF attachments as page images (kiosk/pdfpages over poppler-utils). Errors
// matching ErrPDFUnavailable or ErrPDFTimeout get their own explanation; any other error
// means the file cannot be read.
type PDFPages interface {
	// PageCount is the number of pages of the PDF at file in b, and how many may be shown.
	PageCount(ctx context.Context, b *content.Bundle, file string) (total, shown int, err error)
	// RenderPage renders page (from 1) at dpi.
	RenderPage(ctx context.Context, b *content.Bundle, file string, page, dpi int) (image.Image, error)
}

var (
	// ErrPDFUnavailable: the kiosk cannot render PDFs (poppler-utils missing).
	ErrPDFUnavailable = errors.New("PDF pages cannot be rendered on this kiosk")
	// ErrPDFTimeout: the document took too long to render.
	ErrPDFTimeout = errors.New("PDF page took too long to render")
)

// pdfTimeout bounds one call; the renderer has its own, shorter limit per process.
const pdfTimeout = 30 * time.Second

// zoomLevels are the viewer's magnifications; 1 fits the page to the screen's width.
// Up to 2: at 3 an A4 page is 13 Mpx, which a kiosk's GPU (or Xvfb's software GL) takes
// seconds to upload, and taps wait behind it.
var zoomLevels = []float32{1, 1.5, 2}

// baseDPI renders an A4 page about as wide as the portrait screen at zoom 1 (8.27″ × 125).
const baseDPI = 125

// pdfState is the viewer's state for the attachment on screen; a language switch rebuilds
// the screen from it.
type pdfState struct {
	id           string // the attachment's route ID
	total, shown int    // pages; 0 while counting
	page         int    // from 1
	zoom         int    // index into zoomLevels
	img          image.Image
	imgFor       [2]int // page and zoom of img
	busy         bool   // counting or rendering
	err          error
	gen          int      // counts requests, so only the latest result lands
	view         *panView // the page on screen, updated in place when a render lands
}

func (u *UI) attachmentView(id string) (string, fyne.CanvasObject) {
	p, a, ok := u.attachment(id)
	if !ok {
		return u.t("error.missing"), u.missing()
	}
	url := u.d.Content.Municipality.Public.AttachmentURL(a.File)
	if !isPDF(a.File) || u.d.PDF == nil {
		return a.Name, u.takeHomeOnly(a.Name, u.t("pdf.other"), url)
	}
	if u.pdf == nil || u.pdf.id != id {
		u.pdf = &pdfState{id: id, page: 1}
		u.countPages(p, a)
	}
	st := u.pdf
	switch {
	case st.err != nil:
		return a.Name, u.takeHomeOnly(a.Name, u.pdfErrorText(st.err), url)
	case st.total == 0:
		return a.Name, u.notice(u.t("pdf.opening"))
	}
	if st.img == nil || st.imgFor != [2]int{st.page, st.zoom} {
		u.renderPage(a)
		if st.err != nil { // failed at once (tests run the work inline)
			return a.Name, u.takeHomeOnly(a.Name, u.pdfErrorText(st.err), url)
		}
	}
	return a.Name, u.pdfViewer(st, a, url)
}

// renderViewer shows a background result if the viewer is still on screen; rebuilding any
// other screen would throw away where the resident scrolled to.
func (u *UI) renderViewer(st *pdfState) {
	if r := u.current(); !u.inline && r.kind == attachmentScreen && r.id == st.id {
		u.render()
	}
}

// takeHomeOnly explains why a file is not shown here and offers its QR code.
func (u *UI) takeHomeOnly(name, why, url string) fyne.CanvasObject {
	var md mdBuilder
	md.h(2, name)
	md.p(why)
	parts := []fyne.CanvasObject{markdown.Render(md.String())}
	if url != "" {
		parts = append(parts, u.takeHomeQR(url, u.t("takehome.scan_file")))
	} else {
		parts = append(parts, u.note(u.t("pdf.ask_office")))
	}
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

func (u *UI) pdfErrorText(err error) string {
	switch {
	case errors.Is(err, ErrPDFUnavailable):
		return u.t("pdf.unavailable")
	case errors.Is(err, ErrPDFTimeout):
		return u.t("pdf.timeout")
	}
	return u.t("pdf.unreadable")
}

func (u *UI) countPages(p *content.Page, a *content.Attachment) {
	st := u.pdf
	st.busy = true
	st.gen++
	gen, b, file := st.gen, u.d.Content, a.File
	var total, shown int
	var err error
	u.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
		defer cancel()
		total, shown, err = u.d.PDF.PageCount(ctx, b, file)
	}, func() {
		if u.pdf != st || st.gen != gen {
			return
		}
		st.busy = false
		if err == nil && shown < 1 {
			err = fmt.Errorf("no pages")
		}
		st.total, st.shown, st.err = total, shown, err
		u.renderViewer(st)
	})
}

// renderPage renders the current page at the current zoom in the background; the old
// picture (another page or zoom) stays on screen until the new one arrives.
func (u *UI) renderPage(a *content.Attachment) {
	st := u.pdf
	if st.busy {
		return
	}
	st.busy = true
	st.gen++
	gen, b, file, page, zoom := st.gen, u.d.Content, a.File, st.page, st.zoom
	var img image.Image
	var err error
	u.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pdfTimeout)
		defer cancel()
		img, err = u.d.PDF.RenderPage(ctx, b, file, page, int(baseDPI*zoomLevels[zoom]*u.win.Canvas().Scale()))
	}, func() {
		if u.pdf != st || st.gen != gen {
			return
		}
		st.busy = false
		if err != nil {
			st.err = err
			u.renderViewer(st)
			return
		}
		st.img, st.imgFor = img, [2]int{page, zoom}
		if r := u.current(); st.view != nil && r.kind == attachmentScreen && r.id == st.id && st.page == page && st.zoom == zoom {
			// Only the picture changes: rebuilding the screen would drop a tap in progress
			// and the place the resident dragged to.
			st.view.setImage(img)
			return
		}
		u.renderViewer(st)
	})
}

// pdfViewer is one page with its controls: page arrows, zoom and "Zabierz na telefon".
func (u *UI) pdfViewer(st *pdfState, a *content.Attachment, url string) fyne.CanvasObject {
	go2 := func(page, zoom int) func() {
		return func() {
			u.activity()
			st.page, st.zoom = page, zoom
			u.render()
		}
	}
	prev := u.tk.NewButton("", theme.NavigateBackIcon(), go2(st.page-1, st.zoom))
	next := u.tk.NewButton("", theme.NavigateNextIcon(), go2(st.page+1, st.zoom))
	if st.page <= 1 {
		prev.(fyne.Disableable).Disable()
	}
	if st.page >= st.shown {
		next.(fyne.Disableable).Disable()
	}
	pageLabel := widget.NewLabelWithStyle(u.t("pdf.page", "Page", st.page, "Total", st.shown), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	out := u.tk.NewButton("", theme.ZoomOutIcon(), go2(st.page, st.zoom-1))
	in := u.tk.NewButton("", theme.ZoomInIcon(), go2(st.page, st.zoom+1))
	if st.zoom == 0 {
		out.(fyne.Disableable).Disable()
	}
	if st.zoom == len(zoomLevels)-1 {
		in.(fyne.Disableable).Disable()
	}
	zoomLabel := widget.NewLabel(fmt.Sprintf("%d%%", int(zoomLevels[st.zoom]*100)))
	bar := container.NewBorder(nil, nil, prev, next, pageLabel)
	zoomBar := container.NewHBox(out, zoomLabel, in)
	top := []fyne.CanvasObject{bar}
	lower := container.NewBorder(nil, nil, zoomBar, u.takeHomeButton(url, u.t("takehome.scan_file")))
	top = append(top, lower)
	if st.shown < st.total {
		top = append(top, u.note(u.t("pdf.capped", "Shown", st.shown, "Total", st.total)))
	}
	var page fyne.CanvasObject
	switch {
	case st.img == nil:
		st.view = nil
		page = u.notice(u.t("pdf.opening"))
	case st.view != nil && st.view.src == st.img:
		// The same picture, perhaps at a new zoom: reusing the widget keeps its texture, which
		// for a large page takes the GPU a while to upload again.
		st.view.setZoom(zoomLevels[st.zoom])
		page = st.view
	default:
		// Until the new render lands, the old picture stands in, stretched to the new zoom.
		st.view = newPanView(st.img, zoomLevels[st.zoom], u.activity)
		page = st.view
	}
	return container.NewBorder(container.NewPadded(markdown.NewStack(top...)), nil, nil, nil, page)
}

// panView shows a page image as wide as the view times zoom and moves it under the finger in
// both directions. touch.Scroll only scrolls vertically; a zoomed page needs both, and Fyne's
// desktop driver does not drag a container.Scroll (see app/touch), so a draggable layer sits
// inside the scroller, under the image.
type panView struct {
	widget.BaseWidget
	img      *canvas.Image
	src      image.Image // what img shows
	aspect   float32     // height / width
	zoom     float32
	scroll   *container.Scroll
	layer    *panLayer
	activity func()
}

func newPanView(img image.Image, zoom float32, activity func()) *panView {
	b := img.Bounds()
	ci := canvas.NewImageFromImage(img)
	ci.FillMode = canvas.ImageFillStretch
	v := &panView{img: ci, src: img, aspect: float32(b.Dy()) / float32(max(1, b.Dx())), zoom: zoom, activity: activity}
	v.layer = &panLayer{view: v, content: ci}
	v.layer.ExtendBaseWidget(v.layer)
	v.scroll = container.NewScroll(v.layer)
	v.ExtendBaseWidget(v)
	return v
}

// setImage shows a new rendering of the page, keeping the place dragged to.
func (v *panView) setImage(img image.Image) {
	b := img.Bounds()
	v.img.Image, v.src = img, img
	v.aspect = float32(b.Dy()) / float32(max(1, b.Dx()))
	v.img.Refresh()
	v.Refresh()
}

// setZoom shows the page at another magnification, from its top left corner.
func (v *panView) setZoom(zoom float32) {
	if zoom == v.zoom {
		return
	}
	v.zoom = zoom
	v.scroll.Offset = fyne.Position{}
	v.Refresh()
}

// pan moves the page by the finger's movement, within the page's edges.
func (v *panView) pan(d fyne.Delta) {
	if v.activity != nil {
		v.activity()
	}
	content, view := v.layer.MinSize(), v.scroll.Size()
	x := fyne.Max(0, fyne.Min(v.scroll.Offset.X-d.DX, content.Width-view.Width))
	y := fyne.Max(0, fyne.Min(v.scroll.Offset.Y-d.DY, content.Height-view.Height))
	v.scroll.ScrollToOffset(fyne.NewPos(x, y))
}

func (v *panView) CreateRenderer() fyne.WidgetRenderer {
	return &panRenderer{v: v}
}

type panRenderer struct{ v *panView }

func (r *panRenderer) Layout(size fyne.Size) {
	w := size.Width * r.v.zoom
	r.v.layer.size = fyne.NewSize(w, w*r.v.aspect)
	r.v.scroll.Resize(size)
	r.v.scroll.Refresh()
}

func (r *panRenderer) MinSize() fyne.Size                { return fyne.NewSquareSize(100) }
func (r *panRenderer) Refresh()                          { r.Layout(r.v.Size()) }
func (r *panRenderer) Objects() []fyne.CanvasObject      { return []fyne.CanvasObject{r.v.scroll} }
func (r *panRenderer) Destroy()                          {}
func (l *panLayer) Dragged(e *fyne.DragEvent)            { l.view.pan(e.Dragged) }
func (l *panLayer) DragEnd()                             {}
func (l *panLayer) CreateRenderer() fyne.WidgetRenderer  { return &panLayerRenderer{l: l} }
func (r *panLayerRenderer) MinSize() fyne.Size           { return r.l.size }
func (r *panLayerRenderer) Refresh()                     { r.l.content.Refresh() }
func (r *panLayerRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.l.content} }
func (r *panLayerRenderer) Destroy()                     {}
func (r *panLayerRenderer) Layout(size fyne.Size)        { r.l.content.Resize(size) }
func (l *panLayer) MinSize() fyne.Size                   { return l.size }

// panLayer is the page image's draggable layer, sized to the zoomed page.
type panLayer struct {
	widget.BaseWidget
	view    *panView
	content fyne.CanvasObject
	size    fyne.Size
}

type panLayerRenderer struct{ l *panLayer }
