package receipt

import (
	"fmt"
	"time"
)

// Message IDs of the procedure sheet and the test page.
const (
	MsgSheetDocuments = "receipt.sheet.documents" // heading: what to bring
	MsgSheetNoFee     = "receipt.sheet.no_fee"    // the matter is free
	MsgSheetDuration  = "receipt.sheet.duration"  // heading: how long it takes
	MsgSheetPlace     = "receipt.sheet.place"     // heading: where to go
	MsgSheetHours     = "receipt.sheet.hours"     // heading: opening hours
	MsgSheetNotes     = "receipt.sheet.notes"     // heading: the card's notes
	MsgSheetOnline    = "receipt.sheet.online"    // caption of the QR code to the card online
	MsgTestTitle      = "receipt.test.title"      // the test page's title
	MsgTestLetters    = "receipt.test.letters"    // heading over the Polish alphabet
	MsgTestQR         = "receipt.test.qr"         // caption of the sample QR code
	MsgTestEnd        = "receipt.test.end"        // "if you can read this, the printer works"
)

// SheetMessageIDs lists the IDs ProcedureSheet and TestPage pass to their translator, besides
// the fee headings in MessageIDs.
var SheetMessageIDs = []string{MsgSheetDocuments, MsgSheetNoFee, MsgSheetDuration, MsgSheetPlace,
	MsgSheetHours, MsgSheetNotes, MsgSheetOnline, MsgTestTitle, MsgTestLetters, MsgTestQR, MsgTestEnd}

// SheetInfo is what "Wydrukuj informację" prints about a procedure: what a resident takes
// home to prepare the visit.
type SheetInfo struct {
	Municipality string
	Procedure    string
	Symbol       string
	// Documents are what to bring, each with its note as the screen shows it ("Pełnomocnictwo
	// — tylko gdy działasz przez pełnomocnika").
	Documents     []string
	Fees          []FeeDue
	Duration      string
	Office        string
	OfficeAddress string
	Room          string
	PlaceNote     string   // miejsce.uwagi
	Notes         string   // the card's uwagi ("Dobrze wiedzieć")
	Hours         []string // one line each, e.g. "poniedziałek: 08:00–17:00"
	OnlineURL     string   // the card online; encoded in a QR code
}

// ProcedureSheet builds the procedure information sheet.
func ProcedureSheet(info SheetInfo, t func(id string, args ...any) string) Doc {
	b := &builder{t: t}
	b.header(info.Municipality)
	b.add(Text{Text: info.Procedure, Bold: true, Align: Center})
	if info.Symbol != "" {
		b.add(Text{Text: info.Symbol, Align: Center})
	}
	var docs []string
	for _, d := range info.Documents {
		docs = append(docs, "- "+d)
	}
	b.section(MsgSheetDocuments, docs...)
	if len(info.Fees) == 0 {
		b.add(Feed{Lines: 1}, Text{Text: t(MsgPay), Bold: true}, Text{Text: t(MsgSheetNoFee)})
	}
	for _, f := range info.Fees {
		b.add(Feed{Lines: 1})
		b.fee(f)
	}
	b.section(MsgSheetDuration, info.Duration)
	b.section(MsgSheetPlace, info.Office, info.Room, info.OfficeAddress, info.PlaceNote)
	b.section(MsgSheetHours, info.Hours...)
	b.section(MsgSheetNotes, info.Notes)
	b.qrWithLink(info.OnlineURL, t(MsgSheetOnline))
	return b.end()
}

// TestPageInfo describes the device printing the technician's test page.
type TestPageInfo struct {
	Municipality string
	Device       string // e.g. the port, "/dev/infomat-printer"
	Profile      string // e.g. "80 mm, kod QR drukarki"
	Version      string
	Printed      time.Time
}

// TestPage builds the technician's test page: every Polish letter (the code page works), bold
// and large text, alignment, a rule and a QR code (the QR mode works), then a cut.
func TestPage(info TestPageInfo, t func(id string, args ...any) string) Doc {
	b := &builder{t: t}
	b.header(info.Municipality)
	b.add(Text{Text: t(MsgTestTitle), Bold: true, Large: true, Align: Center})
	b.add(Text{Text: fmt.Sprintf("%s · %s", info.Device, info.Profile), Align: Center})
	if info.Version != "" {
		b.add(Text{Text: "Infomat " + info.Version, Align: Center})
	}
	if !info.Printed.IsZero() {
		b.add(Text{Text: info.Printed.Format("02.01.2006, 15:04:05"), Align: Center})
	}
	b.section(MsgTestLetters, "ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż", "Zażółć gęślą jaźń")
	b.add(Text{Text: "Bold", Bold: true}, Text{Text: "Large", Large: true},
		Text{Text: "<", Align: Left}, Text{Text: "|", Align: Center}, Text{Text: ">", Align: Right}, Rule{})
	b.add(Feed{Lines: 1}, QR{Data: "INFOMAT TEST " + info.Printed.Format("20060102150405"), Caption: t(MsgTestQR)})
	b.add(Feed{Lines: 1}, Text{Text: t(MsgTestEnd), Align: Center})
	return b.end()
}
