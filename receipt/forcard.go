package receipt

import (
	"fmt"
	"time"

	"infomat/content"
)

// SheetFor is what "Wydrukuj informację" prints of a card of bundle b (the Polish bundle: the
// municipality, its offices and the transfer titles): p is the Polish card, lp the same card
// in the resident's language, whose texts are printed. Every note the screen shows is there
// in the same words: the documents' ("Pełnomocnictwo — tylko gdy działasz przez
// pełnomocnika"), the fees' with how their amount is set, the place's and the card's.
func SheetFor(b *content.Bundle, p, lp *content.Procedure, onlineURL string) SheetInfo {
	m := b.Municipality
	office, officeName, address := officeOf(b, p)
	info := SheetInfo{
		Municipality:  m.Name,
		Procedure:     lp.Title,
		Symbol:        lp.Symbol,
		Duration:      lp.Duration,
		Room:          lp.Place.Room,
		PlaceNote:     lp.Place.Note,
		Notes:         lp.Notes,
		Office:        officeName,
		OfficeAddress: address,
		OnlineURL:     onlineURL,
	}
	for _, d := range lp.Documents {
		info.Documents = append(info.Documents, DocumentLine(d))
	}
	for _, h := range b.OfficeHours(office) {
		info.Hours = append(info.Hours, fmt.Sprintf("%s: %s–%s", h.Days, h.Open, h.Close))
	}
	title := TransferTitle(p, "")
	for i, f := range p.Fees {
		if i < len(lp.Fees) {
			f.Title, f.Note = lp.Fees[i].Title, lp.Fees[i].Note
		}
		info.Fees = append(info.Fees, DueFee(m, f, title))
	}
	return info
}

// DocumentLine is a document to bring with its note, as the card's screen words it.
func DocumentLine(d content.Document) string {
	if d.Note == "" {
		return d.Name
	}
	return d.Name + " — " + d.Note
}

// SubmissionFor is the receipt of a submission of card p (Polish; lp in the resident's
// language, with its form) to bundle b: fee is the index of the fee the answers selected
// (content.Procedure.FeeIndexFor).
func SubmissionFor(b *content.Bundle, p, lp *content.Procedure, fee int, ref string, at time.Time, trackURL string) SubmissionInfo {
	m := b.Municipality
	_, officeName, address := officeOf(b, p)
	info := SubmissionInfo{
		Municipality:  m.Name,
		Procedure:     lp.Title,
		Ref:           ref,
		Created:       at,
		TrackURL:      trackURL,
		Office:        officeName,
		OfficeAddress: address,
	}
	if lp.Form != nil {
		info.NextSteps = lp.Form.NextSteps
	}
	if d, ok := SubmissionFee(m, p, lp, fee, ref); ok {
		info.Fee = &d
	}
	return info
}

// officeOf is the office card p names (nil when unknown), its name and its address as one
// printed line.
func officeOf(b *content.Bundle, p *content.Procedure) (*content.Office, string, string) {
	office, _ := b.Office(p.Place.Office)
	addr := b.OfficeAddress(office)
	name := ""
	if office != nil {
		name = office.Name
	}
	return office, name, fmt.Sprintf("%s, %s %s", addr.Street, addr.PostalCode, addr.City)
}
