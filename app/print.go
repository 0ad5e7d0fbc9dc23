package app

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"infomat/app/markdown"

	"infomat/content"
	"infomat/kiosk/health"
	"infomat/receipt"
)

// Printer prints documents on the kiosk's receipt printer.
type Printer interface {
	Print(ctx context.Context, d receipt.Doc) error
}

// printTimeout bounds a print job: a receipt at 9600 baud takes a few seconds.
const printTimeout = 30 * time.Second

// startPrint prints a document off the UI goroutine — a receipt with a raster QR code takes
// seconds at 9600 baud — while the screen says "Drukuję…" and the print buttons are disabled.
// done runs on the UI goroutine with the outcome in the resident's language.
func (u *UI) startPrint(d receipt.Doc, done func(msg string, ok bool)) {
	if u.printing {
		return
	}
	u.activity()
	u.printing = true
	u.announce(u.t("print.busy"))
	u.render()
	work := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		return u.d.Printer.Print(ctx, d)
	}
	finish := func(err error) {
		u.printing = false
		u.activity() // the resident was waiting, not idle
		msg := u.printResult(err)
		done(msg, err == nil)
		if err != nil {
			msg = u.t("speech.mark.error", "Text", msg)
		}
		u.announce(msg)
		u.render()
	}
	if u.inline {
		finish(work())
		return
	}
	go func() {
		err := work()
		fyne.Do(func() { finish(err) })
	}()
}

// printButton is a screen's print button: disabled, and saying so, while a job runs.
func (u *UI) printButton(label string, tapped func()) fyne.CanvasObject {
	if u.printing {
		b := u.tk.NewButton(u.t("print.busy"), theme.DocumentPrintIcon(), nil)
		b.(fyne.Disableable).Disable()
		return b
	}
	return u.tk.NewButton(label, theme.DocumentPrintIcon(), tapped)
}

// printResult phrases a print error: what is wrong and what to do.
func (u *UI) printResult(err error) string {
	switch {
	case err == nil:
		return u.t("print.done")
	case errors.Is(err, health.ErrPaperOut):
		return u.t("print.paper_out")
	case errors.Is(err, health.ErrCoverOpen):
		return u.t("print.cover_open")
	case errors.Is(err, health.ErrOffline), errors.Is(err, health.ErrNoResponse):
		return u.t("print.offline")
	}
	return u.t("print.failed")
}

// procedureSheet builds "Wydrukuj informację" for a card shown in the resident's language.
func (u *UI) procedureSheet(lp *content.Procedure) receipt.Doc {
	b := u.d.Content
	p := lp
	if pl, ok := b.Procedure(lp.ID); ok {
		p = pl // amounts, kinds and the transfer title come from the Polish card
	}
	return receipt.ProcedureSheet(receipt.SheetFor(b, p, lp, ProcedureURL(b.Municipality, p.ID)), u.t)
}

// ProcedureURL is where a card can be read online: the address "Zabierz na telefon" shows
// (adresy_www.karta), else the municipality's site with /karty-uslug/ and the card ID.
func ProcedureURL(m content.Municipality, id string) string {
	if u := m.Public.CardURL(id); u != "" {
		return u
	}
	if m.Website == "" {
		return ""
	}
	return strings.TrimRight(m.Website, "/") + "/karty-uslug/" + id
}

// previewView shows a card's information sheet exactly as the printer will lay it out, with
// the button that prints it: the resident sees what they will take home first.
func (u *UI) previewView(id string) (string, fyne.CanvasObject) {
	p, ok := u.bundle().Procedure(id)
	if !ok || u.d.Printer == nil {
		return u.t("error.missing"), u.missing()
	}
	doc := u.procedureSheet(p)
	png := receipt.RenderPNG(doc, receipt.Width80mm)
	img := canvas.NewImageFromImage(png)
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	// One paper dot a unit: about actual size on a 24" portrait screen.
	img.SetMinSize(fyne.NewSize(float32(png.Bounds().Dx()), float32(png.Bounds().Dy())))
	printBtn := u.printButton(u.t("preview.print"), func() {
		u.startPrint(doc, func(msg string, ok bool) {
			if !ok {
				msg = "⚠ " + msg
			}
			u.printMsg = msg
		})
	})
	top := []fyne.CanvasObject{u.note(u.t("preview.body")), printBtn}
	if u.printMsg != "" {
		top = append(top, u.note(u.printMsg))
	}
	paper := container.NewCenter(container.NewStack(canvas.NewRectangle(color.White), img))
	return u.t("card.print"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(append(top, paper)...)))
}
