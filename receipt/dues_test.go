package receipt

import (
	"strings"
	"testing"
	"time"

	"infomat/content"
)

func duesInfo(left content.Amount) DuesSlipInfo {
	return DuesSlipInfo{
		Municipality: "Gmina Przykładowa", Name: "J*** K*******",
		AsOf: time.Date(2026, 11, 20, 7, 0, 0, 0, time.UTC),
		Item: "Podatek od nieruchomości — 2026, rata 4", DueDate: "15.11.2026", Overdue: true,
		Due: left, Paid: 0, Left: left,
		Payment: Payment{NIP: "8567346215", Account: "61109010140000071219812874", Amount: left,
			Recipient: "Gmina Przykładowa", Title: "FN.3120.15.2026 rata 4/2026"},
		Office: "Urząd Gminy Przykładowa", OfficeAddress: "ul. Lipowa 12, 99-150 Przykładowo",
		Hours: []string{"poniedziałek: 8:00–17:00"},
	}
}

// docParts splits a document into its text and its QR codes' data.
func docParts(d Doc) (string, []QR) {
	var text []string
	var qrs []QR
	for _, it := range d.Items {
		switch v := it.(type) {
		case Text:
			text = append(text, v.Text)
		case QR:
			qrs = append(qrs, v)
		}
	}
	return strings.Join(text, "\n"), qrs
}

func TestDuesSlip(t *testing.T) {
	d := DuesSlip(duesInfo(31200), tPolish)
	text, qrs := docParts(d)
	for _, want := range []string{"Gmina Przykładowa", MsgDuesAsOf + ": 20.11.2026", MsgDuesName + ": J*** K*******",
		"Podatek od nieruchomości — 2026, rata 4", MsgDuesLeft + ": 312,00 zł", MsgDuesDate + ": 15.11.2026", MsgDuesOverdue,
		"Odbiorca: Gmina Przykładowa", "61 1090 1014 0000 0712 1981 2874", "Kwota: 312,00 zł",
		"Tytuł przelewu: FN.3120.15.2026 rata 4/2026", MsgDuesInterest, "ul. Lipowa 12"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q:\n%s", want, text)
		}
	}
	want := "8567346215|PL|61109010140000071219812874|031200|Gmina Przykładowa|FN.3120.15.2026 rata 4/2026|||"
	if len(qrs) != 1 || qrs[0].Data != want {
		t.Fatalf("QR codes %+v, want one with %q", qrs, want)
	}
	if _, ok := d.Items[len(d.Items)-1].(Cut); !ok {
		t.Error("the slip is not cut")
	}
	if len(Layout(d, Width80mm)) == 0 {
		t.Error("the slip does not lay out on 80 mm")
	}
}

// Over 9 999,99 zł the code carries an open amount and the slip says to type it.
func TestDuesSlipLargeAmount(t *testing.T) {
	text, qrs := docParts(DuesSlip(duesInfo(1234567), tPolish))
	if len(qrs) != 1 || strings.Split(qrs[0].Data, "|")[3] != "000000" {
		t.Fatalf("QR codes %+v, want an open amount", qrs)
	}
	if !strings.Contains(text, MsgDuesType) || !strings.Contains(text, "12\u00a0345,67 zł") {
		t.Errorf("slip:\n%s", text)
	}
}
