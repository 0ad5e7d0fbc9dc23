package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/touch"
)

// takeHomeButton is "Zabierz na telefon": it shows a QR code of url, with caption under it, the public address of
// what is on screen, so a resident without a printer takes it home on a phone. nil when the
// municipality's profile gives no address for it (adresy_www), so callers simply skip it.
func (u *UI) takeHomeButton(url, caption string) fyne.CanvasObject {
	if url == "" {
		return nil
	}
	return u.tk.NewChoice(u.t("takehome.button"), false, func() { u.showTakeHome(url, caption) })
}

// showTakeHome opens the QR code over the screen; "Zamknij" or any reset removes it (Reset
// clears every overlay).
func (u *UI) showTakeHome(url, caption string) {
	var pop *widget.PopUp
	closeBtn := u.tk.NewButton(u.t("takehome.close"), theme.CancelIcon(), func() { pop.Hide() })
	title := widget.NewLabelWithStyle(u.t("takehome.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	title.Wrapping = fyne.TextWrapWord
	addr := widget.NewLabelWithStyle(url, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	addr.Wrapping = fyne.TextWrapBreak
	box := container.NewVBox(title, u.takeHomeQR(url, caption), addr, closeBtn)
	// Wide enough for the QR code and the caption to read at arm's length, narrower than
	// the portrait screen so the page behind shows what the code is of.
	w := fyne.Min(u.win.Canvas().Size().Width*0.9, 9*touch.TargetSize)
	pop = widget.NewModalPopUp(container.NewPadded(container.New(&minWidth{w: w}, box)), u.win.Canvas())
	pop.Show()
}

// takeHomeQR is the QR code of url with its caption: a little larger than the
// confirmation's codes, as a whole web address makes a denser code.
func (u *UI) takeHomeQR(url, caption string) fyne.CanvasObject {
	return u.qrSized(url, caption, 5*touch.TargetSize)
}

// minWidth lays its objects out in a column at least w wide.
type minWidth struct{ w float32 }

func (m *minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

func (m *minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(m.w, 0)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}
