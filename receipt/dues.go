package receipt

import (
	"time"

	"infomat/content"
)

// Message IDs of the dues payment slip, besides the payment labels in MessageIDs.
const (
	MsgDuesTitle    = "receipt.dues.title"    // "Podatki i opłaty lokalne"
	MsgDuesAsOf     = "receipt.dues.as_of"    // label of the date the data was exported
	MsgDuesName     = "receipt.dues.name"     // label of the (masked) taxpayer's name
	MsgDuesDue      = "receipt.dues.due"      // label of the amount due
	MsgDuesPaid     = "receipt.dues.paid"     // label of what was paid
	MsgDuesLeft     = "receipt.dues.left"     // label of what is left to pay
	MsgDuesDate     = "receipt.dues.date"     // label of the due date
	MsgDuesOverdue  = "receipt.dues.overdue"  // the overdue mark
	MsgDuesTransfer = "receipt.dues.transfer" // heading of the transfer data
	MsgDuesType     = "receipt.dues.type"     // the amount is too large for the code: type it
	MsgDuesInterest = "receipt.dues.interest" // the kiosk does not compute overdue interest
)

// DuesMessageIDs lists the IDs DuesSlip passes to its translator.
var DuesMessageIDs = []string{MsgDuesTitle, MsgDuesAsOf, MsgDuesName, MsgDuesDue, MsgDuesPaid, MsgDuesLeft,
	MsgDuesDate, MsgDuesOverdue, MsgDuesTransfer, MsgDuesType, MsgDuesInterest,
	MsgAmount, MsgTitle, MsgRecipient, MsgAccount, MsgPayQR, MsgOffice, MsgSheetHours}

// DuesSlipInfo is one instalment of a local tax or fee, as the resident takes it home to pay.
type DuesSlipInfo struct {
	Municipality string
	Name         string    // masked by the portal, e.g. "J*** K*******"
	AsOf         time.Time // when the municipality exported the data; printed as a date
	Item         string    // the charge with its year and instalment, as the screen names it
	DueDate      string    // as printed, e.g. "15.11.2026"
	Overdue      bool
	Due          content.Amount
	Paid         content.Amount
	Left         content.Amount
	// Payment is the transfer: recipient, NIP, the individual account, Left, the title.
	Payment       Payment
	Office        string
	OfficeAddress string
	Hours         []string
}

// DuesSlip builds the payment slip of one instalment: the municipality, the date of the
// data, the masked name, the item with what is due, paid and left and its due date (marked
// when overdue), the transfer data as text (recipient, account in groups of four, amount,
// title), the ZBP payment QR code with the exact amount (open when over MaxAmount), the note
// that overdue interest is not included, and where to ask; then the cut.
func DuesSlip(info DuesSlipInfo, t func(id string, args ...any) string) Doc {
	b := &builder{t: t}
	b.header(info.Municipality)
	b.add(Text{Text: t(MsgDuesTitle), Bold: true, Align: Center})
	if !info.AsOf.IsZero() {
		b.add(Text{Text: t(MsgDuesAsOf) + ": " + info.AsOf.Format("02.01.2006"), Align: Center})
	}
	b.add(Feed{Lines: 1})
	b.labelled(MsgDuesName, info.Name)
	b.add(Feed{Lines: 1}, Text{Text: info.Item, Bold: true})
	b.labelled(MsgDuesDue, info.Due.String())
	b.labelled(MsgDuesPaid, info.Paid.String())
	b.add(Text{Text: t(MsgDuesLeft) + ": " + info.Left.String(), Bold: true})
	b.labelled(MsgDuesDate, info.DueDate)
	if info.Overdue {
		b.add(Text{Text: t(MsgDuesOverdue), Bold: true})
	}
	p := info.Payment
	b.add(Feed{Lines: 1}, Rule{}, Text{Text: t(MsgDuesTransfer), Bold: true})
	b.labelled(MsgRecipient, p.Recipient)
	if p.Account != "" {
		b.add(Text{Text: t(MsgAccount) + ":"}, Text{Text: GroupNRB(p.Account)})
	}
	b.labelled(MsgAmount, p.Amount.String())
	b.labelled(MsgTitle, fitText(p.Title, MaxTitleLen))
	if data, err := paymentQRForReceipt(p); err == nil {
		b.add(Feed{Lines: 1}, QR{Data: data, Caption: t(MsgPayQR)})
		if p.Amount > MaxAmount {
			b.add(Text{Text: t(MsgDuesType), Align: Center})
		}
	}
	b.add(Feed{Lines: 1}, Text{Text: t(MsgDuesInterest)})
	b.section(MsgOffice, info.Office, info.OfficeAddress)
	b.section(MsgSheetHours, info.Hours...)
	return b.end()
}
