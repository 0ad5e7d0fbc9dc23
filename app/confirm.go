package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
	"infomat/l10n"
	"infomat/receipt"
)

// confirmation is what the resident sees after submitting: a reference and what happens
// next, never the answers. Doc is the same content as a printable receipt.
type confirmation struct {
	proc     *content.Procedure
	ref      string
	at       time.Time
	trackURL string
	fee      *content.Fee
	payQR    string // ZBP "Standard 2D" payment string; empty without a fee
	doc      receipt.Doc
	lang     l10n.Lang // of doc and fee: the language the resident had when they were made

	printMsg    string // how the last print went; empty before the first
	printFailed bool
}

// TrackURL is where a resident follows a submission by its reference.
func TrackURL(portal, ref string) string {
	if portal == "" {
		return ""
	}
	return strings.TrimRight(portal, "/") + "/sprawdz/" + ref
}

func (u *UI) newConfirmation(p *content.Procedure, ref string, at time.Time) *confirmation {
	b := u.d.Content
	m := b.Municipality
	office, _ := b.Office(p.Place.Office)
	addr := b.OfficeAddress(office)
	c := &confirmation{proc: p, ref: ref, at: at, trackURL: TrackURL(m.Portal, ref), lang: u.d.Loc.Lang()}
	lp := u.formProcOf(p) // the receipt is in the resident's language; p stays Polish
	info := receipt.SubmissionInfo{
		Municipality:  m.Name,
		Procedure:     lp.Title,
		Ref:           ref,
		Created:       at,
		NextSteps:     lp.Form.NextSteps,
		TrackURL:      c.trackURL,
		OfficeAddress: fmt.Sprintf("%s, %s %s", addr.Street, addr.PostalCode, addr.City),
	}
	if office != nil {
		info.Office = office.Name
	}
	if len(lp.Fees) > 0 {
		fee := lp.Fees[0]
		pay := u.payment(p, fee, p.Symbol+" "+ref)
		if s, err := receipt.PaymentQR(pay); err == nil {
			c.fee, c.payQR = &fee, s
			info.Payment, info.FeeTitle, info.FeeAmount = &pay, fee.Title, fee.Amount
		}
	}
	c.doc = receipt.Submission(info, u.t)
	// Kept past the session for "reprint" on the service screen: it holds the reference and
	// the procedure, never the answers.
	u.lastReceipt = &c.doc
	return c
}

func (u *UI) confirmView() (string, fyne.CanvasObject) {
	c := u.confirmation
	if c == nil {
		return u.t("error.missing"), u.missing()
	}
	if c.lang != u.d.Loc.Lang() {
		// The resident switched language here: the screen and the receipt follow.
		fresh := u.newConfirmation(c.proc, c.ref, c.at)
		fresh.printMsg, fresh.printFailed = c.printMsg, c.printFailed
		u.confirmation, c = fresh, fresh
	}
	lp := u.formProcOf(c.proc)
	done := widget.NewLabelWithStyle(u.t("confirm.done"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	done.SizeName = theme.SizeNameSubHeadingText
	done.Wrapping = fyne.TextWrapWord
	refLabel := widget.NewLabelWithStyle(u.t("confirm.ref"), fyne.TextAlignCenter, fyne.TextStyle{})
	ref := canvas.NewText(c.ref, theme.Color(theme.ColorNameForeground))
	ref.TextSize = 2 * theme.TextHeadingSize()
	ref.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	ref.Alignment = fyne.TextAlignCenter

	office, _ := u.d.Content.Office(c.proc.Place.Office)
	var md mdBuilder
	md.p(u.t("confirm.when", "Date", c.at.Format("02.01.2006"), "Time", c.at.Format("15:04")))
	md.p(lp.Title)
	if office != nil {
		md.raw("**" + esc(office.Name) + "**" + roomSuffix(c.proc.Place.Room))
	}
	md.h(2, u.t("confirm.next"))
	md.p(lp.Form.NextSteps)
	md.p(u.t("confirm.keep_ref"))
	spelled := u.t("speech.ref", "Ref", u.spell(c.ref))
	u.speakAs(ref, func() string { return spelled }, nil)
	parts := []fyne.CanvasObject{done, refLabel, ref, markdown.Render(md.String())}

	if c.trackURL != "" {
		parts = append(parts, u.qr(c.trackURL, u.t("confirm.track")))
	}
	if c.fee != nil {
		var pay mdBuilder
		pay.h(2, u.t("card.fees"))
		pay.raw("**" + esc(c.fee.Amount.String()) + "** — " + esc(c.fee.Title))
		parts = append(parts, markdown.Render(pay.String()), u.qr(c.payQR, u.t("confirm.pay")))
	}
	if u.d.Printer != nil {
		label := u.t("confirm.print")
		if c.printMsg != "" {
			label = u.t("confirm.print_again")
		}
		parts = append(parts, u.printButton(label, func() {
			u.startPrint(c.doc, func(msg string, ok bool) {
				if !ok {
					// The reference stays on screen with the problem: nothing depends on paper.
					msg += " " + u.t("confirm.print_failed_ref", "Ref", c.ref)
				}
				c.printMsg, c.printFailed = msg, !ok
			})
		}))
		if c.printMsg != "" {
			if c.printFailed {
				parts = append(parts, u.warningText(c.printMsg))
			} else {
				parts = append(parts, u.note(c.printMsg))
			}
		}
	}
	parts = append(parts, u.tk.NewButton(u.t("confirm.finish"), theme.HomeIcon(), u.Reset))
	// On arrival speech says it is done and spells the reference at once: what the resident
	// must keep.
	u.sp.intro = joinSentences(u.sp.intro, u.t("confirm.done"), spelled)
	return lp.Title, u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

func roomSuffix(room string) string {
	if room == "" {
		return ""
	}
	return " — " + esc(room)
}

// qr shows a QR code with its caption, big enough for a phone camera at arm's length.
func (u *UI) qr(data, caption string) fyne.CanvasObject {
	return u.qrSized(data, caption, 4*touch.TargetSize)
}

// qrSized is qr with the code's edge in Fyne units.
func (u *UI) qrSized(data, caption string, edge float32) fyne.CanvasObject {
	img, err := receipt.QRImage(data, 512)
	if err != nil {
		// Data too long for a QR code is still worth reading out.
		return u.note(data)
	}
	ci := canvas.NewImageFromImage(img)
	ci.FillMode = canvas.ImageFillContain
	ci.ScaleMode = canvas.ImageScalePixels
	ci.SetMinSize(fyne.NewSquareSize(edge))
	cap := widget.NewLabelWithStyle(caption, fyne.TextAlignCenter, fyne.TextStyle{})
	cap.Wrapping = fyne.TextWrapWord
	return container.NewVBox(container.NewCenter(ci), cap)
}
