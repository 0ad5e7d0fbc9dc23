package receipt

import (
	"errors"
	"strings"
	"time"
)

// SubmissionInfo is what the confirmation of one submission says.
type SubmissionInfo struct {
	Municipality  string    // e.g. "Gmina Przykładowo"
	Office        string    // the office that handles the matter
	OfficeAddress string    // one line, e.g. "ul. Rynek 1, 00-950 Przykładowo"
	Procedure     string    // the procedure card's name
	Ref           string    // the submission's reference number
	Created       time.Time // printed in its own location: pass the kiosk's local time
	NextSteps     string    // what happens next; "\n" separates paragraphs
	TrackURL      string    // where the resident follows the matter; encoded in a QR code
	// Fee, when not nil, adds the fee the answers select (SubmissionFee) with its bank
	// details and payment QR code.
	Fee *FeeDue
}

// Message IDs of the receipt's headings, passed to the translator.
const (
	MsgRef       = "receipt.ref"       // heading above the reference number
	MsgDate      = "receipt.date"      // label of the submission date and time
	MsgProcedure = "receipt.procedure" // heading above the procedure's name
	MsgOffice    = "receipt.office"    // heading above the office and its address
	MsgNext      = "receipt.next"      // heading above what happens next
	MsgTrack     = "receipt.track"     // caption of the tracking QR code
	MsgPay       = "receipt.pay"       // heading of the fee part
	MsgAmount    = "receipt.amount"    // label of the amount
	MsgTitle     = "receipt.title"     // label of the transfer title
	MsgRecipient = "receipt.recipient" // label of the recipient's name
	MsgAccount   = "receipt.account"   // heading above the account number
	MsgPayQR     = "receipt.pay_qr"    // caption of the payment QR code
)

// MessageIDs lists every message ID Submission passes to its translator.
var MessageIDs = []string{
	MsgRef, MsgDate, MsgProcedure, MsgOffice, MsgNext, MsgTrack,
	MsgPay, MsgAmount, MsgTitle, MsgRecipient, MsgAccount, MsgPayQR,
}

// Submission builds the receipt for a submission. t translates a message ID (see
// MessageIDs); Submission calls it with no arguments and puts values after the label itself
// ("label: value"), so any translator works.
//
// The receipt: the municipality (bold, centred), a rule, the reference number (large), the
// date and time in the Polish format (23.11.2026, 14:05), the procedure, the office and its
// address, what happens next, the tracking QR code with the link printed under it, and when
// info.Fee is set the fee: name, amount and how it is set, transfer title, recipient, account
// (in groups of four digits) and the payment QR code; then the cut. Empty fields are left out.
//
// The payment QR code is left out when PaymentQR rejects the payment (the bank details are
// still printed, so the resident can pay by typing them), and carries amount 000000 (the
// payer types it) for a fee that is not fixed or is over MaxAmount.
func Submission(info SubmissionInfo, t func(id string, args ...any) string) Doc {
	b := &builder{t: t}
	b.header(info.Municipality)
	b.add(Text{Text: t(MsgRef), Align: Center})
	b.add(Text{Text: info.Ref, Bold: true, Large: true, Align: Center})
	if !info.Created.IsZero() {
		b.add(Text{Text: t(MsgDate) + ": " + info.Created.Format("02.01.2006, 15:04"), Align: Center})
	}
	b.section(MsgProcedure, info.Procedure)
	b.section(MsgOffice, info.Office, info.OfficeAddress)
	b.section(MsgNext, info.NextSteps)
	b.qrWithLink(info.TrackURL, t(MsgTrack))
	if info.Fee != nil {
		b.add(Feed{Lines: 1}, Rule{})
		b.fee(*info.Fee)
	}
	return b.end()
}

// paymentQRForReceipt is PaymentQR, falling back to an open amount when the fee is larger
// than the code can carry.
func paymentQRForReceipt(p Payment) (string, error) {
	s, err := PaymentQR(p)
	var fe *FieldError
	if errors.As(err, &fe) && fe.Field == "Amount" && errors.Is(err, ErrTooLarge) {
		p.Amount = 0
		return PaymentQR(p)
	}
	return s, err
}

// GroupNRB writes a bank account number the way Polish banks print it,
// "25 1240 1239 2000 0000 0000 0101". Anything that is not 26 digits is returned unchanged.
func GroupNRB(account string) string {
	d := strings.TrimPrefix(strings.ToUpper(strings.Map(dropSeparators, account)), "PL")
	if len(d) != 26 || strings.Trim(d, "0123456789") != "" {
		return account
	}
	var b strings.Builder
	b.WriteString(d[:2])
	for i := 2; i < 26; i += 4 {
		b.WriteByte(' ')
		b.WriteString(d[i : i+4])
	}
	return b.String()
}
