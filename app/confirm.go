package app

import (
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
	// feeIdx is the card's fee the answers selected (content.Procedure.FeeIndexFor), kept
	// instead of the answers, which are dropped once filed.
	feeIdx int
	fee    *receipt.FeeDue // nil: the card has no fee
	doc    receipt.Doc
	lang   l10n.Lang // of doc and fee: the language the resident had when they were made

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

func (u *UI) newConfirmation(p *content.Procedure, feeIdx int, ref string, at time.Time) *confirmation {
	b := u.d.Content
	c := &confirmation{proc: p, feeIdx: feeIdx, ref: ref, at: at, trackURL: TrackURL(b.Municipality.Portal, ref), lang: u.d.Loc.Lang()}
	lp := u.formProcOf(p) // the receipt is in the resident's language; p stays Polish
	info := receipt.SubmissionFor(b, p, lp, feeIdx, ref, at, c.trackURL)
	// The screen shows the fee the paper prints, from the same FeeDue.
	c.fee = info.Fee
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
		fresh := u.newConfirmation(c.proc, c.feeIdx, c.ref, c.at)
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
		u.feeMarkdown(&pay, *c.fee, "")
		parts = append(parts, markdown.Render(pay.String()))
		if c.fee.QR != "" {
			parts = append(parts, u.qr(c.fee.QR, u.t("confirm.pay")))
		}
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
