package receipt

import (
	"strings"
)

// builder holds the pieces every printed document shares, so the submission receipt, the
// procedure sheet and the test page look alike.
type builder struct {
	items []Item
	t     func(id string, args ...any) string
}

func (b *builder) add(it ...Item) { b.items = append(b.items, it...) }

// header is the municipality's name, bold and centred, over a rule.
func (b *builder) header(municipality string) {
	if municipality != "" {
		b.add(Text{Text: municipality, Bold: true, Align: Center})
	}
	b.add(Rule{})
}

// labelled adds "label: value" unless the value is empty.
func (b *builder) labelled(id, value string) {
	if strings.TrimSpace(value) != "" {
		b.add(Text{Text: b.t(id) + ": " + value})
	}
}

// section adds a bold heading over its non-empty lines; nothing when all are empty.
func (b *builder) section(id string, values ...string) {
	var lines []string
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			lines = append(lines, v)
		}
	}
	if len(lines) == 0 {
		return
	}
	b.add(Feed{Lines: 1}, Text{Text: b.t(id), Bold: true})
	for _, l := range lines {
		b.add(Text{Text: l})
	}
}

// qrWithLink adds a QR code with the link printed under it, for those who cannot scan.
func (b *builder) qrWithLink(url, caption string) {
	if url == "" {
		return
	}
	b.add(Feed{Lines: 1}, QR{Data: url, Caption: caption}, Text{Text: url, Align: Center})
}

// fee adds one fee: its name, the amount and how it is set (FeeLines), the transfer title,
// recipient, account and, when the payment passes PaymentQR, the payment QR code — with the
// amount only for a fixed fee (DueFee).
func (b *builder) fee(d FeeDue) {
	b.add(Text{Text: b.t(MsgPay), Bold: true})
	if d.Title != "" {
		b.add(Text{Text: d.Title})
	}
	amount, notes := FeeLines(d, b.t)
	if amount != "" {
		b.add(Text{Text: amount, Bold: true})
	}
	for _, n := range notes {
		b.add(Text{Text: n})
	}
	p := d.Payment
	b.labelled(MsgTitle, fitText(p.Title, MaxTitleLen))
	b.labelled(MsgRecipient, fitText(p.Recipient, MaxRecipientLen))
	if p.Account != "" {
		b.add(Text{Text: b.t(MsgAccount) + ":"}, Text{Text: GroupNRB(p.Account)})
	}
	if d.QR != "" {
		b.add(Feed{Lines: 1}, QR{Data: d.QR, Caption: b.t(MsgPayQR)})
	}
}

// end feeds the paper past the tear bar and cuts.
func (b *builder) end() Doc {
	b.add(Feed{Lines: 2}, Cut{})
	return Doc{Items: b.items}
}
