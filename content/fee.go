package content

import (
	"regexp"
	"slices"
	"strings"
)

// FeeKind says how a fee's amount relates to what the resident pays.
type FeeKind string

// Fee kinds, as written in rodzaj.
const (
	// FeeFixed: the amount is due, exactly, for the matter: a payment QR code carries it.
	FeeFixed FeeKind = "stala"
	// FeeRate: the amount is a rate (per m², per hour, per page); what is due is computed
	// from it, so the payer types the amount.
	FeeRate FeeKind = "stawka"
	// FeeConditional: paid only in some cases (a power of attorney) or in part (by income);
	// the payer types the amount once they know it is due.
	FeeConditional FeeKind = "warunkowa"
)

// FeeKinds lists the values rodzaj accepts.
var FeeKinds = []FeeKind{FeeFixed, FeeRate, FeeConditional}

// perUnit finds a unit in a fee's title ("za 1 m² za dzień", "za każdą stronę", "1 godziny"):
// such an amount is a rate, not what is due.
var perUnit = regexp.MustCompile(`(?i)(^|\s)(za\s+(1|jedn\S*|każd\S*|godzin\S*|dzień|dob\S*|stron\S*|m²|m2|km)|1\s+(godzin\S*|m²|m2|stron\S*|dob\S*|km))(\s|$|[,.;)])`)

// HasUnit reports whether the fee's title names a unit the amount is per.
func (f Fee) HasUnit() bool { return perUnit.MatchString(f.Title) }

// EffectiveKind is Kind, or when the card gives none: FeeRate for a fee whose title names a
// unit, FeeConditional for one with a note (it says when it applies), else FeeFixed. A fee
// the clerk did not classify is never offered as a fixed amount to pay now when it may not be.
func (f Fee) EffectiveKind() FeeKind {
	switch {
	case f.Kind != "":
		return f.Kind
	case f.HasUnit():
		return FeeRate
	case strings.TrimSpace(f.Note) != "":
		return FeeConditional
	}
	return FeeFixed
}

// DueNow reports whether the fee's amount is exactly what the resident pays now: only then
// does a payment QR code carry the amount.
func (f Fee) DueNow() bool { return f.EffectiveKind() == FeeFixed }

// FeeFor is the fee a submission of the card's form pays, given its answers: among fees with
// a gdy, the first whose condition the answers meet; when no fee has one, the first fee.
// ok is false when the card has no fees, or has alternatives and the answers pick none:
// then the payer types the amount.
func (p *Procedure) FeeFor(a Answers) (fee Fee, ok bool) {
	if i := p.FeeIndexFor(a); i >= 0 {
		return p.Fees[i], true
	}
	return Fee{}, false
}

// FeeIndexFor is FeeFor's fee as an index into Fees, -1 for none; the same index picks the
// fee in a translated card.
func (p *Procedure) FeeIndexFor(a Answers) int {
	alternatives := false
	for i, f := range p.Fees {
		if f.When == nil {
			continue
		}
		alternatives = true
		if slices.Contains(strings.Split(a[f.When.Field], "\n"), f.When.Value) {
			return i
		}
	}
	if alternatives || len(p.Fees) == 0 {
		return -1
	}
	return 0
}

// ShortName is the card's name for a transfer title: nazwa_skrocona, else the name.
func (p *Procedure) ShortName() string {
	if s := strings.TrimSpace(p.Short); s != "" {
		return s
	}
	return p.Title
}
