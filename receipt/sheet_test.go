package receipt

import (
	"strings"
	"testing"
	"time"

	"infomat/content"
)

func docText(d Doc) string {
	var b strings.Builder
	for _, it := range d.Items {
		switch x := it.(type) {
		case Text:
			b.WriteString(x.Text + "\n")
		case QR:
			b.WriteString("[QR " + x.Data + "]\n")
		}
	}
	return b.String()
}

func TestProcedureSheet(t *testing.T) {
	m := content.Municipality{Name: "Gmina Przykładowa", NIP: "9876543210", Account: "25124012392000000000000101"}
	fee := DueFee(m, content.Fee{Title: "Opłata skarbowa", Amount: 2100, Kind: content.FeeFixed}, "PO-3 Zaświadczenie")
	proxy := DueFee(m, content.Fee{Title: "Opłata skarbowa od pełnomocnictwa", Amount: 1700,
		Note: "tylko gdy działasz przez pełnomocnika", Kind: content.FeeConditional}, "PO-3 Zaświadczenie")
	d := ProcedureSheet(SheetInfo{
		Municipality: "Gmina Przykładowa", Procedure: "Zaświadczenie o niezaleganiu", Symbol: "PO-3",
		Documents: []string{"Dowód osobisty", "Pełnomocnictwo — tylko gdy działasz przez pełnomocnika"},
		Fees:      []FeeDue{fee, proxy}, PlaceNote: "wejście od podwórza", Notes: "Zaświadczenie jest ważne 3 miesiące.",
		Duration: "Do 7 dni", Office: "Referat Podatków", OfficeAddress: "ul. Lipowa 12, 99-150 Przykładowo",
		Hours: []string{"poniedziałek: 08:00–17:00"}, OnlineURL: "https://bip.przykladowa.example.pl/karty/x",
	}, func(id string, _ ...any) string { return id })
	got := docText(d)
	for _, want := range []string{"- Dowód osobisty", "21,00 zł", "receipt.sheet.documents", "Do 7 dni",
		"poniedziałek: 08:00–17:00", "[QR https://bip.przykladowa.example.pl/karty/x]", "[QR 9876543210|PL|25124012392000000000000101|002100|",
		"- Pełnomocnictwo — tylko gdy działasz przez pełnomocnika", "tylko gdy działasz przez pełnomocnika\n" + MsgCondType,
		"[QR 9876543210|PL|25124012392000000000000101|000000|Gmina Przykładowa|PO-3 Zaświadczenie|||]",
		"wejście od podwórza", MsgSheetNotes + "\nZaświadczenie jest ważne 3 miesiące."} {
		if !strings.Contains(got, want) {
			t.Errorf("sheet lacks %q:\n%s", want, got)
		}
	}
	if _, ok := d.Items[len(d.Items)-1].(Cut); !ok {
		t.Error("sheet does not end with a cut")
	}
	free := docText(ProcedureSheet(SheetInfo{Procedure: "Zameldowanie"}, func(id string, _ ...any) string { return id }))
	if !strings.Contains(free, MsgSheetNoFee) {
		t.Errorf("free procedure does not say so:\n%s", free)
	}
}

func TestTestPageHasEveryPolishLetterAndAQR(t *testing.T) {
	d := TestPage(TestPageInfo{Device: "/dev/infomat-printer", Profile: "80 mm", Printed: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)},
		func(id string, _ ...any) string { return id })
	got := docText(d)
	for _, r := range "ĄĆĘŁŃÓŚŹŻąćęłńóśźż" {
		if !strings.ContainsRune(got, r) {
			t.Errorf("test page lacks %c", r)
		}
	}
	if !strings.Contains(got, "[QR INFOMAT TEST 20261123100000]") {
		t.Errorf("no test QR:\n%s", got)
	}
}
