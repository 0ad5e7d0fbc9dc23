package touch

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pageFraction is how much of the viewport one arrow press scrolls; less than
// a full page so the last lines stay visible and readers keep their place.
const pageFraction = 0.8

// edgeEpsilon absorbs float rounding when deciding whether an edge is reached.
const edgeEpsilon = 0.5

var (
	_ fyne.Tappable    = (*arrowButton)(nil)
	_ fyne.Disableable = (*arrowButton)(nil)
)

// arrowButton is a large icon-only button. widget.Button draws icons at the
// small inline-icon size, which is too small for elderly users, so this draws
// the arrow scaled to the button.
type arrowButton struct {
	widget.DisableableWidget

	icon      fyne.Resource
	onTapped  func()
	activity  activity
	highlight bool
}

func newArrowButton(icon fyne.Resource, tapped func(), act activity) *arrowButton {
	b := &arrowButton{icon: icon, onTapped: tapped, activity: act}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped runs the action unless the button is disabled.
func (b *arrowButton) Tapped(*fyne.PointEvent) {
	if b.Disabled() {
		return
	}
	b.activity.report()
	if b.onTapped != nil {
		b.onTapped()
	}
}

// setHighlight marks the button as the primary action (used for ▼ while more
// content is below) and only refreshes on change to keep scrolling cheap.
func (b *arrowButton) setHighlight(on bool) {
	if b.highlight == on {
		return
	}
	b.highlight = on
	b.Refresh()
}

// setEnabled enables or disables the button; Enable/Disable refresh only on change.
func (b *arrowButton) setEnabled(on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// MinSize is one touch target.
func (b *arrowButton) MinSize() fyne.Size {
	b.ExtendBaseWidget(b)
	return fyne.NewSquareSize(TargetSize)
}

func (b *arrowButton) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	r := &arrowRenderer{b: b, bg: canvas.NewRectangle(color.Transparent), img: canvas.NewImageFromResource(b.icon)}
	r.img.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

type arrowRenderer struct {
	b   *arrowButton
	bg  *canvas.Rectangle
	img *canvas.Image
}

func (r *arrowRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	// The icon fills most of the button so the direction is readable from afar.
	side := fyne.Min(size.Width, size.Height) * 0.6
	r.img.Resize(fyne.NewSquareSize(side))
	r.img.Move(fyne.NewPos((size.Width-side)/2, (size.Height-side)/2))
}

func (r *arrowRenderer) MinSize() fyne.Size {
	return fyne.NewSquareSize(TargetSize)
}

func (r *arrowRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	switch {
	case r.b.Disabled():
		r.bg.FillColor = th.Color(theme.ColorNameDisabledButton, v)
		r.img.Resource = theme.NewDisabledResource(r.b.icon)
	case r.b.highlight:
		r.bg.FillColor = th.Color(theme.ColorNamePrimary, v)
		r.img.Resource = theme.NewColoredResource(r.b.icon, theme.ColorNameForegroundOnPrimary)
	default:
		r.bg.FillColor = th.Color(theme.ColorNameButton, v)
		r.img.Resource = theme.NewThemedResource(r.b.icon)
	}
	r.Layout(r.b.Size())
	r.bg.Refresh()
	r.img.Refresh()
}

func (r *arrowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.img}
}

func (r *arrowRenderer) Destroy() {}

// pager is the scroll affordance shared by Scroll and List: a column of ▲/▼
// buttons on the right of the viewport and a fade at the viewport's bottom
// edge while more content is below.
type pager struct {
	up, down *arrowButton
	fade     *canvas.LinearGradient
}

func newPager(pageUp, pageDown func(), act activity) *pager {
	p := &pager{
		up:   newArrowButton(theme.MoveUpIcon(), pageUp, act),
		down: newArrowButton(theme.MoveDownIcon(), pageDown, act),
		fade: canvas.NewVerticalGradient(color.Transparent, color.Transparent),
	}
	p.up.Disable()
	p.down.Disable()
	p.fade.Hide()
	return p
}

// objects lists the pager's objects; they go after the viewport so the fade
// is drawn over the content. The fade is not an input target, so drags and
// taps on it still reach the content underneath.
func (p *pager) objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{p.fade, p.up, p.down}
}

// update enables each arrow only when there is more content in its direction.
func (p *pager) update(offset, maxOffset float32) {
	above := offset > edgeEpsilon
	below := offset < maxOffset-edgeEpsilon
	p.up.setEnabled(above)
	p.down.setEnabled(below)
	p.down.setHighlight(below)
	if below != p.fade.Visible() {
		if below {
			p.fade.Show()
		} else {
			p.fade.Hide()
		}
	}
}

// arrowHeight is the preferred arrow height; taller than wide makes them easy
// to find and hit without taking much width from the content.
func arrowHeight() float32 {
	return TargetSize * 1.5
}

// layout places viewport on the left and the arrow column at the right edge.
func (p *pager) layout(viewport fyne.CanvasObject, size fyne.Size, th fyne.Theme) {
	pad := th.Size(theme.SizeNamePadding)
	colW := TargetSize
	vw := fyne.Max(0, size.Width-colW-pad)
	viewport.Move(fyne.NewPos(0, 0))
	viewport.Resize(fyne.NewSize(vw, size.Height))

	fadeH := fyne.Min(TargetSize/2, size.Height/4)
	p.fade.Move(fyne.NewPos(0, size.Height-fadeH))
	p.fade.Resize(fyne.NewSize(vw, fadeH))

	h := arrowHeight()
	if 2*h+pad > size.Height {
		h = fyne.Max(TargetSize, (size.Height-pad)/2)
	}
	x := size.Width - colW
	p.up.Move(fyne.NewPos(x, 0))
	p.up.Resize(fyne.NewSize(colW, h))
	p.down.Move(fyne.NewPos(x, size.Height-h))
	p.down.Resize(fyne.NewSize(colW, h))
}

// minSize adds the arrow column to the viewport's minimum size.
func (p *pager) minSize(viewportMin fyne.Size, th fyne.Theme) fyne.Size {
	pad := th.Size(theme.SizeNamePadding)
	return fyne.NewSize(viewportMin.Width+pad+TargetSize, fyne.Max(viewportMin.Height, 2*TargetSize+pad))
}

// refreshTheme recolours the fade to blend into the current background.
func (p *pager) refreshTheme(th fyne.Theme) {
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r, g, b, _ := th.Color(theme.ColorNameBackground, v).RGBA()
	// Fade from the background colour at zero alpha (not color.Transparent,
	// which is black) so the middle of the gradient does not look grey.
	p.fade.StartColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0}
	p.fade.EndColor = th.Color(theme.ColorNameBackground, v)
	p.fade.Refresh()
}

// clampOffset limits a scroll offset to [0, maxOffset].
func clampOffset(offset, maxOffset float32) float32 {
	if offset > maxOffset {
		offset = maxOffset
	}
	if offset < 0 {
		offset = 0
	}
	return offset
}
