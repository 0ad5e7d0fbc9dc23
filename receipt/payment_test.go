package receipt

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"infomat/validate"
)

// Valid sample numbers: NIP 9876543210 (weighted sum 220, 220 mod 11 = 0) and an NRB whose
// IBAN form passes mod 97.
const (
	testNIP = "9876543210"
	testNRB = "25124012392000000000000101"
)

func TestSampleNumbersAreValid(t *testing.T) {
	if err := validate.NIP(testNIP); err != nil {
		t.Fatalf("NIP %s: %v", testNIP, err)
	}
	if err := validate.NRB(testNRB); err != nil {
		t.Fatalf("NRB %s: %v", testNRB, err)
	}
}

func TestPaymentQRFormat(t *testing.T) {
	// DESIGN.md's example is 1234567890|PL|92124012340001567890123456|001200|Odbiorca 1|...
	// Its account is valid, its NIP is not (bank apps check it; see
	// TestPaymentQRDesignExampleNIP), so the test uses the valid 9876543210 or no NIP.
	tests := []struct {
		nip, account string
		want         string
	}{
		{testNIP, "92124012340001567890123456",
			"9876543210|PL|92124012340001567890123456|001200|Odbiorca 1|FV 1234/34/2012|||"},
		{testNIP, testNRB,
			"9876543210|PL|25124012392000000000000101|001200|Odbiorca 1|FV 1234/34/2012|||"},
		{"", "92124012340001567890123456",
			"|PL|92124012340001567890123456|001200|Odbiorca 1|FV 1234/34/2012|||"},
	}
	for _, tc := range tests {
		got, err := PaymentQR(Payment{
			NIP: tc.nip, Account: tc.account, Amount: 1200, Recipient: "Odbiorca 1", Title: "FV 1234/34/2012",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
		if n := len(strings.Split(got, "|")); n != 9 {
			t.Errorf("%d fields, want 9", n)
		}
	}
}

func TestPaymentQRDesignExampleNIP(t *testing.T) {
	_, err := PaymentQR(Payment{
		NIP: "1234567890", Account: testNRB, Amount: 1200, Recipient: "Odbiorca 1", Title: "FV 1234/34/2012",
	})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "NIP" || !errors.Is(err, validate.ErrChecksum) {
		t.Fatalf("NIP 1234567890: got %v, want a NIP checksum error", err)
	}
}

func TestPaymentQRNormalises(t *testing.T) {
	got, err := PaymentQR(Payment{
		NIP: "987-654-32-10", Account: "PL25 1240 1239 2000 0000 0000 0101", Amount: 1700,
		Recipient: "  Gmina\tPrzykładowo ", Title: "Opłata | skarbowa\nPRZ/2026/7",
	})
	if err != nil {
		t.Fatal(err)
	}
	// "|" and control characters become spaces, and runs of spaces one.
	want := "9876543210|PL|25124012392000000000000101|001700|Gmina Przykładowo|Opłata skarbowa PRZ/2026/7|||"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPaymentQREmptyNIPAndOpenAmount(t *testing.T) {
	got, err := PaymentQR(Payment{Account: testNRB, Recipient: "Gmina", Title: "Opłata"})
	if err != nil {
		t.Fatal(err)
	}
	want := "|PL|25124012392000000000000101|000000|Gmina|Opłata|||"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got, err = PaymentQR(Payment{Account: testNRB, Amount: MaxAmount, Recipient: "Gmina", Title: "Opłata"})
	if err != nil || !strings.Contains(got, "|999999|") {
		t.Errorf("amount 999999: %q, %v", got, err)
	}
}

func TestPaymentQRErrors(t *testing.T) {
	ok := Payment{NIP: testNIP, Account: testNRB, Amount: 100, Recipient: "Gmina", Title: "Opłata"}
	badNRB := []byte(testNRB)
	badNRB[10]++ // one wrong digit
	tests := []struct {
		name  string
		edit  func(*Payment)
		field string
		kind  error
	}{
		{"amount too large", func(p *Payment) { p.Amount = MaxAmount + 1 }, "Amount", ErrTooLarge},
		{"negative amount", func(p *Payment) { p.Amount = -1 }, "Amount", validate.ErrFormat},
		{"bad NIP checksum", func(p *Payment) { p.NIP = "9876543211" }, "NIP", validate.ErrChecksum},
		{"short NIP", func(p *Payment) { p.NIP = "987654321" }, "NIP", validate.ErrLength},
		{"bad NRB checksum", func(p *Payment) { p.Account = string(badNRB) }, "Account", validate.ErrChecksum},
		{"short NRB", func(p *Payment) { p.Account = testNRB[1:] }, "Account", validate.ErrLength},
		{"no NRB", func(p *Payment) { p.Account = "" }, "Account", nil},
		{"no recipient", func(p *Payment) { p.Recipient = " | " }, "Recipient", validate.ErrEmpty},
		{"no title", func(p *Payment) { p.Title = "" }, "Title", validate.ErrEmpty},
	}
	for _, tc := range tests {
		p := ok
		tc.edit(&p)
		s, err := PaymentQR(p)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %q, %v; want a *FieldError", tc.name, s, err)
			continue
		}
		if fe.Field != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, fe.Field, tc.field)
		}
		if tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.kind)
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: message %q does not name %s", tc.name, err, tc.field)
		}
	}
}

func TestFitText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"Odbiorca 1", 20, "Odbiorca 1"},
		{"Urząd Gminy Źdźbłowo", 20, "Urząd Gminy Źdźbłowo"},  // 20 characters, 26 bytes: fits
		{"Gmina Przykładowo Wielka", 20, "Gmina Przykładowo"}, // cut on the space
		{"Urząd Gminy Przykładowo", 20, "Urząd Gminy"},        // the word would be cut: drop it
		{"Gmina Wiejska Łąka", 13, "Gmina Wiejska"},           // the cut falls on the space
		{"Opłata skarbowa za zaświadczenie o niezaleganiu", 32, "Opłata skarbowa za zaświadczenie"},
		{"Grzegrzółkowo-Wielkopolskie-Dolne", 20, "Grzegrzółkowo-Wielko"}, // no space: mid-word
		{"Ab Grzegrzółkowo-Wielkopolskie", 20, "Ab Grzegrzółkowo-Wie"},    // space too early
		{"a|b\r\nc", 20, "a b c"},
	}
	for _, tc := range tests {
		got := fitText(tc.in, tc.limit)
		if got != tc.want {
			t.Errorf("fitText(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > tc.limit {
			t.Errorf("fitText(%q, %d): %d characters", tc.in, tc.limit, n)
		}
	}
}

func TestPaymentQRLengths(t *testing.T) {
	got, err := PaymentQR(Payment{
		NIP: testNIP, Account: testNRB, Amount: 999999,
		Recipient: "Urząd Miasta i Gminy Źródła Żółtej Łąki",
		Title:     "Opłata za zezwolenie na sprzedaż napojów alkoholowych, raty ąęśćżźńół",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(got, "|")
	if len(f) != 9 {
		t.Fatalf("%d fields in %q", len(f), got)
	}
	if f[4] != "Urząd Miasta i Gminy" || f[5] != "Opłata za zezwolenie na sprzedaż" {
		t.Errorf("recipient %q, title %q", f[4], f[5])
	}
	if utf8.RuneCountInString(f[4]) > MaxRecipientLen || utf8.RuneCountInString(f[5]) > MaxTitleLen {
		t.Errorf("fields too long: %q", got)
	}
	if len(got) > MaxPaymentQRLen {
		t.Errorf("%d bytes, over %d", len(got), MaxPaymentQRLen)
	}

	// The longest possible code: every character of recipient and title two bytes long.
	got, err = PaymentQR(Payment{
		NIP: testNIP, Account: testNRB, Amount: 999999,
		Recipient: strings.Repeat("ż", 40), Title: strings.Repeat("ą", 60),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > MaxPaymentQRLen {
		t.Errorf("%d bytes, over %d", len(got), MaxPaymentQRLen)
	}
}
