package receipt

import (
	"slices"
	"strings"
	"testing"
	"time"

	"infomat/content"
)

// polish is a stand-in for the kiosk's translator with the Polish texts the receipt is
// meant to carry; unknown IDs come back as themselves.
var polish = map[string]string{
	MsgRef:       "Numer sprawy",
	MsgDate:      "Złożono",
	MsgProcedure: "Sprawa",
	MsgOffice:    "Urząd",
	MsgNext:      "Co dalej",
	MsgTrack:     "Zeskanuj telefonem, aby sprawdzić, co dzieje się z Twoją sprawą",
	MsgPay:       "Opłata",
	MsgAmount:    "Kwota",
	MsgTitle:     "Tytuł przelewu",
	MsgRecipient: "Odbiorca",
	MsgAccount:   "Numer konta",
	MsgPayQR:     "Zeskanuj w aplikacji banku, aby zapłacić",
}

func tPolish(id string, _ ...any) string {
	if s, ok := polish[id]; ok {
		return s
	}
	return id
}

func sampleInfo(withPayment bool) SubmissionInfo {
	info := SubmissionInfo{
		Municipality:  "Gmina Przykładowo",
		Office:        "Urząd Gminy Przykładowo, Referat Spraw Obywatelskich",
		OfficeAddress: "ul. Rynek 1, 00-950 Przykładowo, pokój 12",
		Procedure:     "Wydanie zaświadczenia o niezaleganiu w podatkach lub stwierdzającego stan zaległości",
		Ref:           "PRZ/2026/000123",
		Created:       time.Date(2026, 11, 23, 14, 5, 37, 0, time.Local),
		NextSteps: "Urząd rozpatrzy wniosek w ciągu 7 dni. Zaświadczenie odbierzesz w pokoju 12 " +
			"po okazaniu dowodu osobistego.\nJeśli czegoś zabraknie, zadzwonimy do Ciebie.",
		TrackURL: "https://portal.przykladowo.pl/sprawy/PRZ-2026-000123",
	}
	if withPayment {
		fee := sampleFee(content.Fee{Title: "Opłata skarbowa za wydanie zaświadczenia", Amount: 2100,
			Kind: content.FeeFixed}, "PO-3 PRZ/2026/000123")
		info.Fee = &fee
	}
	return info
}

// testMunicipality pays into testNRB.
var testMunicipality = content.Municipality{Name: "Gmina Przykładowo", NIP: testNIP, Account: testNRB}

func sampleFee(f content.Fee, title string) FeeDue { return DueFee(testMunicipality, f, title) }

func qrs(d Doc) []QR {
	var out []QR
	for _, it := range d.Items {
		if q, ok := it.(QR); ok {
			out = append(out, q)
		}
	}
	return out
}

func texts(d Doc) []Text {
	var out []Text
	for _, it := range d.Items {
		if x, ok := it.(Text); ok {
			out = append(out, x)
		}
	}
	return out
}

func hasText(d Doc, s string) bool {
	return slices.ContainsFunc(texts(d), func(x Text) bool { return strings.Contains(x.Text, s) })
}

func TestSubmissionWithoutPayment(t *testing.T) {
	info := sampleInfo(false)
	var asked []string
	d := Submission(info, func(id string, args ...any) string {
		asked = append(asked, id)
		return id
	})

	first, ok := d.Items[0].(Text)
	if !ok || first.Text != info.Municipality || !first.Bold || first.Align != Center {
		t.Errorf("first item %#v, want the municipality bold and centred", d.Items[0])
	}
	if _, ok := d.Items[1].(Rule); !ok {
		t.Errorf("second item %#v, want a rule", d.Items[1])
	}
	if !slices.ContainsFunc(texts(d), func(x Text) bool { return x.Text == info.Ref && x.Large }) {
		t.Error("no Large text with the reference number")
	}
	for _, s := range []string{"23.11.2026, 14:05", info.Procedure, info.Office, info.OfficeAddress,
		info.NextSteps, MsgRef, MsgNext} {
		if !hasText(d, s) {
			t.Errorf("no text with %q", s)
		}
	}
	q := qrs(d)
	if len(q) != 1 || q[0].Data != info.TrackURL || q[0].Caption != MsgTrack {
		t.Errorf("QR codes %#v, want only the tracking link captioned %s", q, MsgTrack)
	}
	if _, ok := d.Items[len(d.Items)-1].(Cut); !ok {
		t.Errorf("last item %#v, want Cut", d.Items[len(d.Items)-1])
	}
	if hasText(d, MsgPay) {
		t.Error("payment heading without a payment")
	}
	for _, id := range asked {
		if !slices.Contains(MessageIDs, id) {
			t.Errorf("message ID %q is not in MessageIDs", id)
		}
	}
}

func TestSubmissionWithPayment(t *testing.T) {
	info := sampleInfo(true)
	d := Submission(info, tPolish)
	q := qrs(d)
	if len(q) != 2 {
		t.Fatalf("%d QR codes, want 2", len(q))
	}
	want, err := PaymentQR(info.Fee.Payment)
	if err != nil {
		t.Fatal(err)
	}
	if q[0].Data != info.TrackURL || q[1].Data != want || q[1].Caption != polish[MsgPayQR] {
		t.Errorf("QR codes %#v, want the tracking link then %q", q, want)
	}
	for _, s := range []string{"Kwota: 21,00 zł", info.Fee.Title, "Tytuł przelewu: " + info.Fee.Payment.Title,
		"25 1240 1239 2000 0000 0000 0101", "Numer sprawy", "Złożono: 23.11.2026, 14:05"} {
		if !hasText(d, s) {
			t.Errorf("no text with %q", s)
		}
	}
	if _, ok := d.Items[len(d.Items)-1].(Cut); !ok {
		t.Errorf("last item %#v, want Cut", d.Items[len(d.Items)-1])
	}
}

func TestSubmissionPaymentFallbacks(t *testing.T) {
	// Over 9 999,99 zł: the code leaves the amount to the payer, the text still says it.
	info := sampleInfo(true)
	big := sampleFee(content.Fee{Title: "Opłata", Amount: 1234567, Kind: content.FeeFixed}, "PO-3")
	info.Fee = &big
	d := Submission(info, tPolish)
	q := qrs(d)
	if len(q) != 2 || !strings.Contains(q[1].Data, "|000000|") {
		t.Errorf("QR codes %#v, want a payment code with amount 000000", q)
	}
	if !hasText(d, "Kwota: 12\u00a0345,67 zł") {
		t.Error("the amount is not printed")
	}

	// A wrong account: no payment code, the details are printed for typing.
	info = sampleInfo(true)
	bad := sampleFee(content.Fee{Title: "Opłata", Amount: 2100, Kind: content.FeeFixed,
		Account: "25124012392000000000000102"}, "PO-3")
	info.Fee = &bad
	d = Submission(info, tPolish)
	if n := len(qrs(d)); n != 1 {
		t.Errorf("%d QR codes, want only the tracking one", n)
	}
	if !hasText(d, "25 1240 1239 2000 0000 0000 0102") {
		t.Error("the account is not printed")
	}
}

func TestGroupNRB(t *testing.T) {
	for in, want := range map[string]string{
		testNRB:                            "25 1240 1239 2000 0000 0000 0101",
		"PL 25 1240-1239-2000000000000101": "25 1240 1239 2000 0000 0000 0101",
		"123":                              "123",
	} {
		if got := GroupNRB(in); got != want {
			t.Errorf("GroupNRB(%q) = %q, want %q", in, got, want)
		}
	}
}
