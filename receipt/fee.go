package receipt

import (
	"strings"
	"unicode/utf8"

	"infomat/content"
)

// Message IDs of how a fee's amount is set, printed and shown under a fee that is not a fixed
// amount due now.
const (
	MsgRate        = "receipt.fee.rate"        // label of a rate's amount ("Stawka")
	MsgRateType    = "receipt.fee.rate_type"   // a rate: the code has no amount, type what is due
	MsgCondType    = "receipt.fee.cond_type"   // a conditional fee: pay only when due, type the amount
	MsgUnknownType = "receipt.fee.choose_type" // the answers picked none of the card's fees
)

// FeeMessageIDs lists the IDs FeeLines passes to its translator.
var FeeMessageIDs = []string{MsgAmount, MsgRate, MsgRateType, MsgCondType, MsgUnknownType}

// FeeDue is one fee as the kiosk prints it and shows it on screen, from one place so the
// paper and the screen say the same: the amount as the card writes it, its kind, the note,
// and the payment with the code's text. Only a fixed fee (content.FeeFixed) puts its amount
// into the code; a rate or a conditional fee gets "000000", for the payer to type what is due.
type FeeDue struct {
	Title  string
	Amount content.Amount // as the card writes it; 0 when unknown
	Kind   content.FeeKind
	Note   string // the card's note: when the fee applies or how it is computed
	// Payment is the transfer; its Amount is 0 unless Kind is content.FeeFixed.
	Payment Payment
	// QR is the ZBP "Standard 2D" text of Payment, "" when the bank details fail PaymentQR
	// (the details are still printed, for typing).
	QR string
	// Unselected: the card has fees but the form's answers picked none of them.
	Unselected bool
}

// DueFee builds the fee f of a card for municipality m, with the transfer title title (see
// TransferTitle). f is the fee in the resident's language; amount, kind and bank details do
// not depend on it.
func DueFee(m content.Municipality, f content.Fee, title string) FeeDue {
	d := FeeDue{Title: f.Title, Amount: f.Amount, Kind: f.EffectiveKind(), Note: strings.TrimSpace(f.Note)}
	d.Payment = Payment{NIP: m.NIP, Account: f.Account, Recipient: PaymentRecipient(m, f), Title: title}
	if d.Payment.Account == "" {
		d.Payment.Account = m.Account
	}
	if d.Kind == content.FeeFixed {
		d.Payment.Amount = f.Amount
	}
	if s, err := paymentQRForReceipt(d.Payment); err == nil {
		d.QR = s
	}
	return d
}

// UnselectedFee is the payment for a card whose form's answers picked none of its fees: the
// account and recipient of its first fee, no amount.
func UnselectedFee(m content.Municipality, p *content.Procedure, title string) FeeDue {
	var f content.Fee
	if len(p.Fees) > 0 {
		first := p.Fees[0]
		f = content.Fee{Account: first.Account, Recipient: first.Recipient, RecipientShort: first.RecipientShort}
	}
	f.Kind = content.FeeConditional
	d := DueFee(m, f, title)
	d.Unselected = true
	return d
}

// SubmissionFee is the fee a submission's receipt and confirmation show: fee i of the card,
// the one the form's answers select (content.Procedure.FeeIndexFor), or for i < 0 an open
// payment when the card has fees; ok is false for a card without fees. p is the Polish card
// (its symbol and name title the transfer), lp the card in the resident's language.
func SubmissionFee(m content.Municipality, p, lp *content.Procedure, i int, ref string) (d FeeDue, ok bool) {
	if len(p.Fees) == 0 {
		return FeeDue{}, false
	}
	title := TransferTitle(p, ref)
	if i < 0 || i >= len(p.Fees) {
		return UnselectedFee(m, p, title), true
	}
	f := p.Fees[i]
	if i < len(lp.Fees) {
		f.Title, f.Note = lp.Fees[i].Title, lp.Fees[i].Note
	}
	return DueFee(m, f, title), true
}

// PaymentRecipient is the recipient a payment code carries: the fee's short name, its
// recipient, or the municipality.
func PaymentRecipient(m content.Municipality, f content.Fee) string {
	for _, s := range []string{f.RecipientShort, f.Recipient} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return m.Name
}

// FeeLines is what the paper and the screen say about the fee's amount: the amount line
// ("Kwota: 21,00 zł" or "Stawka: 4,00 zł"), then the card's note in its own words, then,
// unless the fee is fixed, how the payer sets the amount in the bank app.
func FeeLines(d FeeDue, t func(id string, args ...any) string) (amount string, notes []string) {
	if d.Amount > 0 {
		label := MsgAmount
		if d.Kind == content.FeeRate {
			label = MsgRate
		}
		amount = t(label) + ": " + d.Amount.String()
	}
	if d.Note != "" {
		notes = append(notes, d.Note)
	}
	switch {
	case d.Unselected:
		notes = append(notes, t(MsgUnknownType))
	case d.Kind == content.FeeRate:
		notes = append(notes, t(MsgRateType))
	case d.Kind == content.FeeConditional:
		notes = append(notes, t(MsgCondType))
	}
	return amount, notes
}

// TransferTitle is the transfer title of a card's fee: the symbol, the submission's
// reference when there is one, and the card's short name cut at a word to fit the code's 32
// characters, e.g. "DG-4 PRZ-7K4M-Q2 Licencja" or "DR-1 Zezwolenie na zajęcie pasa": what
// the office matches the payment by. p is the Polish card.
func TransferTitle(p *content.Procedure, ref string) string {
	head := strings.Join(strings.Fields(p.Symbol+" "+ref), " ")
	name := strings.Fields(strings.Map(func(r rune) rune {
		if r == '|' {
			return ' '
		}
		return r
	}, p.ShortName()))
	title := head
	var words []string
	for _, w := range name {
		next := strings.TrimSpace(strings.Join(append(append([]string{head}, words...), w), " "))
		if utf8.RuneCountInString(next) > MaxTitleLen {
			break
		}
		words = append(words, w)
	}
	// A name cut mid-phrase ends on a full word, not on "na", "w" or a dash.
	for len(words) > 0 && dangling[strings.ToLower(strings.Trim(words[len(words)-1], ",;:"))] {
		words = words[:len(words)-1]
	}
	if len(words) > 0 {
		title = strings.TrimSpace(head + " " + strings.TrimRight(strings.Join(words, " "), ",;:"))
	}
	if title == "" {
		title = fitText(p.ShortName(), MaxTitleLen)
	}
	return title
}

// dangling are words a shortened name does not end on.
var dangling = map[string]bool{
	"na": true, "w": true, "we": true, "z": true, "ze": true, "do": true, "od": true, "o": true,
	"i": true, "oraz": true, "lub": true, "albo": true, "dla": true, "za": true, "po": true,
	"przy": true, "—": true, "-": true, "–": true, "(": true, "a": true,
}
