package receipt

import (
	"strings"
	"testing"
	"unicode/utf8"

	"infomat/content"
)

// Only a fixed fee puts its amount into the payment code; a rate or a conditional fee leaves
// it to the payer (000000) and says so, keeping the card's note in its own words.
func TestDueFeeAmountFollowsKind(t *testing.T) {
	for _, tc := range []struct {
		fee        content.Fee
		code, line string
		notes      []string
	}{
		{content.Fee{Title: "Opłata skarbowa", Amount: 2100, Kind: content.FeeFixed}, "|002100|", "Kwota: 21,00 zł", nil},
		{content.Fee{Title: "Opłata za 1 m² za dzień", Amount: 400, Kind: content.FeeRate, Note: "dokładną kwotę podamy w decyzji"},
			"|000000|", "receipt.fee.rate: 4,00 zł", []string{"dokładną kwotę podamy w decyzji", MsgRateType}},
		{content.Fee{Title: "Od pełnomocnictwa", Amount: 1700, Kind: content.FeeConditional, Note: "tylko gdy działasz przez pełnomocnika"},
			"|000000|", "Kwota: 17,00 zł", []string{"tylko gdy działasz przez pełnomocnika", MsgCondType}},
		// No rodzaj: a note makes it conditional, a unit a rate, else fixed.
		{content.Fee{Title: "Od pełnomocnictwa", Amount: 1700, Note: "tylko gdy…"}, "|000000|", "Kwota: 17,00 zł", []string{"tylko gdy…", MsgCondType}},
		{content.Fee{Title: "Wyrys — za każdą część", Amount: 2000}, "|000000|", "receipt.fee.rate: 20,00 zł", []string{MsgRateType}},
		{content.Fee{Title: "Opłata skarbowa", Amount: 3700}, "|003700|", "Kwota: 37,00 zł", nil},
	} {
		d := sampleFee(tc.fee, "USC-3 Zmiana imienia")
		if !strings.Contains(d.QR, tc.code) {
			t.Errorf("%+v: code %q, want %s", tc.fee, d.QR, tc.code)
		}
		amount, notes := FeeLines(d, tPolish)
		if amount != tc.line || strings.Join(notes, "/") != strings.Join(tc.notes, "/") {
			t.Errorf("%+v: lines %q %q, want %q %q", tc.fee, amount, notes, tc.line, tc.notes)
		}
		doc := docText(Doc{Items: func() []Item { b := &builder{t: tPolish}; b.fee(d); return b.items }()})
		if !strings.Contains(doc, "[QR "+d.QR+"]") || !strings.Contains(doc, tc.line) {
			t.Errorf("printed fee lacks the code or the amount:\n%s", doc)
		}
	}
}

func TestTransferTitle(t *testing.T) {
	for _, tc := range []struct {
		symbol, name, short, ref, want string
	}{
		{"DG-4", "Licencja na przewóz osób taksówką", "", "PRZ-7K4M-Q2", "DG-4 PRZ-7K4M-Q2 Licencja"},
		{"DR-1", "Zezwolenie na zajęcie pasa drogowego drogi gminnej", "", "", "DR-1 Zezwolenie na zajęcie pasa"},
		{"PO-3", "Zaświadczenie o niezaleganiu w podatkach lokalnych", "Zaświadczenie o niezaleganiu", "PRZ-7K4M-Q2", "PO-3 PRZ-7K4M-Q2 Zaświadczenie"},
		{"USC-2", "Zawarcie małżeństwa", "", "", "USC-2 Zawarcie małżeństwa"},
		{"", "Jakaś sprawa | z kreską", "", "", "Jakaś sprawa z kreską"},
	} {
		p := &content.Procedure{Symbol: tc.symbol, Title: tc.name, Short: tc.short}
		got := TransferTitle(p, tc.ref)
		if got != tc.want || utf8.RuneCountInString(got) > MaxTitleLen {
			t.Errorf("TransferTitle(%q, %q) = %q, want %q", tc.name, tc.ref, got, tc.want)
		}
	}
}

// The submission pays the fee the form's answers select; no selection: the payer types it.
func TestSubmissionFeeFollowsAnswers(t *testing.T) {
	when := func(v string) *content.Condition { return &content.Condition{Field: "okres", Value: v} }
	p := &content.Procedure{Symbol: "DG-4", Title: "Licencja na przewóz osób taksówką", Fees: []content.Fee{
		{Title: "Licencja 2–15 lat", Amount: 32000, Kind: content.FeeFixed, When: when("2-15")},
		{Title: "Licencja 16–30 lat", Amount: 38000, Kind: content.FeeFixed, When: when("16-30")},
		{Title: "Licencja 31–50 lat", Amount: 44000, Kind: content.FeeFixed, When: when("31-50")},
	}}
	for answer, want := range map[string]string{"2-15": "|032000|", "16-30": "|038000|", "31-50": "|044000|", "": "|000000|"} {
		d, ok := SubmissionFee(testMunicipality, p, p, p.FeeIndexFor(content.Answers{"okres": answer}), "PRZ-7K4M-Q2")
		if !ok || !strings.Contains(d.QR, want) || !strings.Contains(d.QR, "|DG-4 PRZ-7K4M-Q2 Licencja|") {
			t.Errorf("answer %q: code %q, want %s", answer, d.QR, want)
		}
		if answer == "" && (!d.Unselected || d.Title != "") {
			t.Errorf("no answer: %+v, want an open payment", d)
		}
	}
	free := &content.Procedure{Symbol: "SO-1"}
	if _, ok := SubmissionFee(testMunicipality, free, free, 0, "X"); ok {
		t.Error("a free card got a fee")
	}
}
