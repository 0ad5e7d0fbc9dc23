package validate

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Test values are python-stdnum's (pl.pesel, pl.nip, pl.regon doctests and the IBAN
// registry samples of test_iban.doctest), the examples of DESIGN.md, and numbers computed by
// hand from the published algorithms (marked "computed").

// bad is an input that must fail with Message, Args and a sentinel.
type bad struct {
	in   string
	msg  string
	kind error
	args []any
}

// got is the digit count argument of a ….length message.
func got(n int) []any { return []any{"Got", n, "Count", n} }

// checkBad checks one failure: the right *Error, the sentinel, and nothing of the input in
// Error().
func checkBad(t *testing.T, fn string, c bad, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s(%q) accepted, want %s", fn, c.in, c.msg)
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Errorf("%s(%q) = %T %v, want *Error", fn, c.in, err, err)
		return
	}
	if e.Message != c.msg || !reflect.DeepEqual(e.Args, c.args) {
		t.Errorf("%s(%q) = %s %v, want %s %v", fn, c.in, e.Message, e.Args, c.msg, c.args)
	}
	if !errors.Is(err, c.kind) {
		t.Errorf("%s(%q) = %v, not errors.Is %v", fn, c.in, err, c.kind)
	}
	if s := err.Error(); strings.ContainsAny(s, "0123456789") || (len(c.in) > 2 && strings.Contains(s, c.in)) {
		t.Errorf("%s(%q).Error() = %q leaks the input", fn, c.in, s)
	}
}

func TestError(t *testing.T) {
	e := Required()
	if e.Message != "validate.required" || e.Args != nil || !errors.Is(e, ErrEmpty) {
		t.Fatalf("Required() = %#v", e)
	}
	if got := e.Error(); got != "validate.required: empty" {
		t.Errorf("Error() = %q", got)
	}
	var err error = &Error{Message: "validate.pesel.checksum", Kind: ErrChecksum}
	var target *Error
	if !errors.As(err, &target) || target.Message != "validate.pesel.checksum" {
		t.Errorf("errors.As = %v", target)
	}
	if errors.Is(err, ErrLength) {
		t.Error("checksum error is ErrLength")
	}
	// Success must be an untyped nil, or `err != nil` would hold for a valid number.
	if err := NIP("8567346215"); err != nil {
		t.Errorf("NIP ok = %#v", err)
	}
}

func TestPESEL(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for in, want := range map[string]PESELInfo{
		"44051401359":       {date(1944, 5, 14), false},  // python-stdnum
		"02122401358":       {date(1902, 12, 24), false}, // python-stdnum
		"02211307589":       {date(2002, 1, 13), true},   // python-stdnum
		" 440514-01359 ":    {date(1944, 5, 14), false},
		"440 514 013 59":    {date(1944, 5, 14), false},
		"50830112349":       {date(1850, 3, 1), true},   // computed: 1800s, month +80
		"00222945679":       {date(2000, 2, 29), false}, // computed: 2000 is a leap year
		"04523100108":       {date(2104, 12, 31), true}, // computed: 2100s, month +40
		"99610199990":       {date(2299, 1, 1), false},  // computed: 2200s, month +60
		"99123155522":       {date(1999, 12, 31), true}, // computed
		"00222945679\u00a0": {date(2000, 2, 29), false},
	} {
		info, err := PESEL(in)
		if err != nil {
			t.Errorf("PESEL(%q) = %v", in, err)
			continue
		}
		if !info.Birth.Equal(want.Birth) || info.Birth.Location() != time.UTC || info.Female != want.Female {
			t.Errorf("PESEL(%q) = %v female %v, want %v female %v", in, info.Birth, info.Female, want.Birth, want.Female)
		}
	}
	for _, c := range []bad{
		{"4405140135", "validate.pesel.length", ErrLength, got(10)},
		{"440514013591", "validate.pesel.length", ErrLength, got(12)},
		{"4", "validate.pesel.length", ErrLength, got(1)},
		{"44051401358", "validate.pesel.checksum", ErrChecksum, nil}, // python-stdnum
		{"44051401395", "validate.pesel.checksum", ErrChecksum, nil}, // swapped digits
		{"02381307589", "validate.pesel.date", ErrDate, nil},         // python-stdnum: month 18
		{"00023101236", "validate.pesel.date", ErrDate, nil},         // 31 February 1900
		{"00022901233", "validate.pesel.date", ErrDate, nil},         // 29 February 1900, not leap
		{"00422901235", "validate.pesel.date", ErrDate, nil},         // 29 February 2100, not leap
		{"00130101233", "validate.pesel.date", ErrDate, nil},         // month 13
		{"00930101237", "validate.pesel.date", ErrDate, nil},         // month 93
		{"4405140135X", "validate.pesel.digits", ErrDigits, nil},
		{"44O51401359", "validate.pesel.digits", ErrDigits, nil}, // letter O
		{"４４０５１４０１３５９", "validate.pesel.digits", ErrDigits, nil},
		{"", "validate.required", ErrEmpty, nil},
		{" \t ", "validate.required", ErrEmpty, nil},
		{"- -", "validate.required", ErrEmpty, nil},
	} {
		info, err := PESEL(c.in)
		checkBad(t, "PESEL", c, err)
		if info != (PESELInfo{}) {
			t.Errorf("PESEL(%q) failed but returned %v", c.in, info)
		}
	}
}

func TestNIP(t *testing.T) {
	for _, ok := range []string{"8567346215", "856-734-62-15", "856 734 62 15", "9876543210"} {
		if err := NIP(ok); err != nil {
			t.Errorf("NIP(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"8567346216", "validate.nip.checksum", ErrChecksum, nil}, // python-stdnum
		{"1234567890", "validate.nip.checksum", ErrChecksum, nil}, // remainder 10 is never valid
		{"856734621", "validate.nip.length", ErrLength, got(9)},
		{"85673462155", "validate.nip.length", ErrLength, got(11)},
		{"85673462A5", "validate.nip.digits", ErrDigits, nil},
		// python-stdnum strips a "PL" VAT prefix; a NIP field asks for the 10 digits only.
		{"PL 8567346215", "validate.nip.digits", ErrDigits, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "NIP", c, NIP(c.in))
	}
}

func TestREGON(t *testing.T) {
	for _, ok := range []string{"192598184", "123456785", "12345678512347", "123-456-785"} {
		if err := REGON(ok); err != nil {
			t.Errorf("REGON(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"192598183", "validate.regon.checksum", ErrChecksum, nil},      // python-stdnum
		{"12345678612342", "validate.regon.checksum", ErrChecksum, nil}, // python-stdnum: first check digit
		{"12345678512348", "validate.regon.checksum", ErrChecksum, nil}, // python-stdnum: last check digit
		{"1234", "validate.regon.length", ErrLength, got(4)},
		{"1234567890", "validate.regon.length", ErrLength, got(10)},
		{"123456785123470", "validate.regon.length", ErrLength, got(15)},
		{"19259818A", "validate.regon.digits", ErrDigits, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "REGON", c, REGON(c.in))
	}
}

func TestIDCard(t *testing.T) {
	for _, ok := range []string{
		"ABA300000",  // DESIGN.md
		"aba300000",  // case does not matter
		"ABA 300000", // spaces are ignored
		" aBa 300 000 ",
		"XGG765762", // computed
		"ABC523456", // computed
		"ZZZ499999", // computed
		"DAB300007", // computed
	} {
		if err := IDCard(ok); err != nil {
			t.Errorf("IDCard(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"ABA300001", "validate.idcard.checksum", ErrChecksum, nil},
		{"ABC123456", "validate.idcard.checksum", ErrChecksum, nil},
		{"BAA300000", "validate.idcard.checksum", ErrChecksum, nil},
		{"ABA30000", "validate.idcard.format", ErrLength, nil},
		{"ABA3000000", "validate.idcard.format", ErrLength, nil},
		{"AB1300000", "validate.idcard.format", ErrFormat, nil},
		{"ABAB00000", "validate.idcard.format", ErrFormat, nil},
		{"123456789", "validate.idcard.format", ErrFormat, nil},
		{"ĄBA300000", "validate.idcard.format", ErrFormat, nil},
		{"ıBA300000", "validate.idcard.format", ErrFormat, nil}, // dotless i is no I
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "IDCard", c, IDCard(c.in))
	}
}

func TestIBAN(t *testing.T) {
	for _, ok := range []string{
		"PL61 1090 1014 0000 0712 1981 2874", // IBAN registry sample, python-stdnum
		"PL61109010140000071219812874",
		"pl61109010140000071219812874",
		"PL92124012340001567890123456", // DESIGN.md payment QR account
		"PL25 1240 1239 2000 0000 0000 0101",
	} {
		if err := IBAN(ok); err != nil {
			t.Errorf("IBAN(%q) = %v", ok, err)
		}
		if err := NRB(ok); err != nil {
			t.Errorf("NRB(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"61109010140000071219812874", "validate.iban.country", ErrFormat, nil},
		{"DE89370400440532013000", "validate.iban.country", ErrFormat, nil}, // python-stdnum: valid German IBAN
		{"PL61109010140000071219812875", "validate.iban.checksum", ErrChecksum, nil},
		{"PL16109010140000071219812874", "validate.iban.checksum", ErrChecksum, nil}, // swapped check digits
		{"PL6110901014000007121981287", "validate.iban.length", ErrLength, got(25)},
		{"PL", "validate.iban.length", ErrLength, got(0)},
		{"PL61 1090 1014 0000 0712 1981 287X", "validate.iban.digits", ErrDigits, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "IBAN", c, IBAN(c.in))
	}
}

func TestNRB(t *testing.T) {
	for _, ok := range []string{
		"92124012340001567890123456", // DESIGN.md payment QR example
		"25 1240 1239 2000 0000 0000 0101",
		"PL61 1090 1014 0000 0712 1981 2874",
		"61-1090-1014-0000-0712-1981-2874",
	} {
		if err := NRB(ok); err != nil {
			t.Errorf("NRB(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"93124012340001567890123456", "validate.nrb.checksum", ErrChecksum, nil},
		{"9212401234000156789012345", "validate.nrb.length", ErrLength, got(25)},
		{"PL", "validate.nrb.length", ErrLength, got(0)},
		{"DE89370400440532013000", "validate.nrb.digits", ErrDigits, nil},
		{"9212401234000156789012345O", "validate.nrb.digits", ErrDigits, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "NRB", c, NRB(c.in))
	}
}

func TestPostalCode(t *testing.T) {
	for _, ok := range []string{"99-150", " 00-950 "} {
		if err := PostalCode(ok); err != nil {
			t.Errorf("PostalCode(%q) = %v", ok, err)
		}
	}
	for _, in := range []string{"99150", "9-9150", "AB-123", "99-1500", "99 150", "99–150", "９９-１５０"} {
		checkBad(t, "PostalCode", bad{in, "validate.postal.format", ErrFormat, nil}, PostalCode(in))
	}
	checkBad(t, "PostalCode", bad{"", "validate.required", ErrEmpty, nil}, PostalCode(""))
}

func TestEmail(t *testing.T) {
	for _, ok := range []string{
		"jan.kowalski@poczta.pl",
		" a@b.pl ",
		"sekretariat@gmina-przykladowa.gov.pl",
		"jan+kiosk@example.com",
		"o'brien@example.ie",
		"józef@urząd.pl",
	} {
		if err := Email(ok); err != nil {
			t.Errorf("Email(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"jan.kowalski.poczta.pl", "validate.email.at", ErrFormat, nil},
		{"jan@@poczta.pl", "validate.email.at", ErrFormat, nil},
		{"jan@kowalski@poczta.pl", "validate.email.at", ErrFormat, nil},
		{"@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"jan kowalski@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"Jan <jan@poczta.pl>", "validate.email.format", ErrFormat, nil},
		{"<jan@poczta.pl>", "validate.email.format", ErrFormat, nil},
		{`"jan"@poczta.pl`, "validate.email.format", ErrFormat, nil},
		{".jan@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"jan.@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"ja..n@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"jan\x00@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"jan\xff@poczta.pl", "validate.email.format", ErrFormat, nil},
		{"jan@poczta", "validate.email.domain", ErrFormat, nil},
		{"jan@", "validate.email.domain", ErrFormat, nil},
		{"jan@.pl", "validate.email.domain", ErrFormat, nil},
		{"jan@poczta..pl", "validate.email.domain", ErrFormat, nil},
		{"jan@poczta.pl.", "validate.email.domain", ErrFormat, nil},
		{"jan@poczta.p", "validate.email.domain", ErrFormat, nil},
		{"jan@-poczta.pl", "validate.email.domain", ErrFormat, nil},
		{"jan@poczta_pl.pl", "validate.email.domain", ErrFormat, nil},
		{"jan@[192.168.0.1]", "validate.email.format", ErrFormat, nil},
		{strings.Repeat("a", 250) + "@b.pl", "validate.email.too_long", ErrLength, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "Email", c, Email(c.in))
	}
	if err := Email(strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".pl"); err != nil {
		t.Errorf("Email of 249 bytes = %v", err)
	}
}

func TestPhone(t *testing.T) {
	for _, ok := range []string{
		"600123456",
		"600 123 456",
		"600-123-456",
		"22 123 45 67",
		"(22) 123 45 67",
		"+48 600 123 456",
		"+48600123456",
		"0048 600 123 456",
		"+49 30 1234567",   // Germany, 11 digits with the country code
		"+1 202 555 0123",  // USA
		"+380 44 123 4567", // Ukraine
		"00380441234567",
		"+354 1234567", // Iceland, 10 digits
		"+44 1234",     // 6 digits: too short …
	} {
		err := Phone(ok)
		if ok == "+44 1234" {
			checkBad(t, "Phone", bad{ok, "validate.phone.international", ErrLength, nil}, err)
			continue
		}
		if err != nil {
			t.Errorf("Phone(%q) = %v", ok, err)
		}
	}
	for _, c := range []bad{
		{"60012345", "validate.phone.length", ErrLength, got(8)},
		{"6001234567", "validate.phone.length", ErrLength, got(10)},
		{"48600123456", "validate.phone.length", ErrLength, got(11)},
		{"+48 60012345", "validate.phone.length", ErrLength, got(8)},
		{"0048 6001234567", "validate.phone.length", ErrLength, got(10)},
		{"+48", "validate.phone.length", ErrLength, got(0)},
		{"600 12A 456", "validate.phone.digits", ErrDigits, nil},
		{"+48+600123456", "validate.phone.digits", ErrDigits, nil},
		{"600.123.456", "validate.phone.digits", ErrDigits, nil},
		{"012345678", "validate.phone.format", ErrFormat, nil},
		{"+48 012 345 678", "validate.phone.format", ErrFormat, nil},
		{"+0123456789", "validate.phone.format", ErrFormat, nil},
		{"---", "validate.phone.format", ErrFormat, nil},
		{"+", "validate.phone.international", ErrLength, nil},
		{"+4912345", "validate.phone.international", ErrLength, nil},
		{"+1234567890123456", "validate.phone.international", ErrLength, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		checkBad(t, "Phone", c, Phone(c.in))
	}
}

func TestDate(t *testing.T) {
	for in, want := range map[string]time.Time{
		"01.11.2026":   time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"1.2.2026":     time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		"29.02.2024":   time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"29.02.2000":   time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		" 31.12.1999 ": time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC),
		"31.1.0001":    time.Date(1, 1, 31, 0, 0, 0, 0, time.UTC),
	} {
		got, err := Date(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Date(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, c := range []bad{
		{"29.02.2023", "validate.date.missing", ErrDate, nil},
		{"29.02.1900", "validate.date.missing", ErrDate, nil},
		{"31.04.2026", "validate.date.missing", ErrDate, nil},
		{"00.01.2026", "validate.date.missing", ErrDate, nil},
		{"32.01.2026", "validate.date.missing", ErrDate, nil},
		{"01.13.2026", "validate.date.missing", ErrDate, nil},
		{"01.00.2026", "validate.date.missing", ErrDate, nil},
		{"01.01.0000", "validate.date.missing", ErrDate, nil},
		{"01.11.26", "validate.date.format", ErrFormat, nil},
		{"2026-11-01", "validate.date.format", ErrFormat, nil},
		{"01/11/2026", "validate.date.format", ErrFormat, nil},
		{"001.11.2026", "validate.date.format", ErrFormat, nil},
		{"01.11.20266", "validate.date.format", ErrFormat, nil},
		{"01.11.2026.", "validate.date.format", ErrFormat, nil},
		{"1.1.2026.1", "validate.date.format", ErrFormat, nil},
		{"..", "validate.date.format", ErrFormat, nil},
		{"+1.+1.2026", "validate.date.format", ErrFormat, nil},
		{"01. 11.2026", "validate.date.format", ErrFormat, nil},
		{"", "validate.required", ErrEmpty, nil},
	} {
		d, err := Date(c.in)
		checkBad(t, "Date", c, err)
		if !d.IsZero() {
			t.Errorf("Date(%q) failed but returned %v", c.in, d)
		}
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		in  string
		max int
	}{
		{"Kowalski", 80},
		{"  a  ", 1},   // trimmed
		{"ąęś", 3},     // runes, not bytes
		{"Полтава", 7}, // Cyrillic
		{"ul. Polna 5\nm. 2", 40},
		{strings.Repeat("x", 5000), 0}, // no limit
	} {
		if err := Text(c.in, c.max); err != nil {
			t.Errorf("Text(%q, %d) = %v", c.in, c.max, err)
		}
	}
	for _, c := range []struct {
		max int
		bad
	}{
		{3, bad{"abcd", "validate.text.too_long", ErrLength, []any{"Max", 3, "Got", 4, "Count", 3}}},
		{2, bad{" ąęś ", "validate.text.too_long", ErrLength, []any{"Max", 2, "Got", 3, "Count", 2}}},
		{10, bad{"a\x00b", "validate.text.chars", ErrFormat, nil}},
		{10, bad{"a\x1bb", "validate.text.chars", ErrFormat, nil}},
		{10, bad{"a\u0085b", "validate.text.chars", ErrFormat, nil}},
		{10, bad{"a\xffb", "validate.text.chars", ErrFormat, nil}},
		{10, bad{"   ", "validate.required", ErrEmpty, nil}},
		{10, bad{"", "validate.required", ErrEmpty, nil}},
	} {
		checkBad(t, "Text", c.bad, Text(c.in, c.max))
	}
}

// Nothing panics on input a touch keyboard cannot type but a fuzzer or a bad caller can.
func TestOddInput(t *testing.T) {
	huge := strings.Repeat("9", 1<<20)
	for _, in := range []string{
		huge, "PL" + huge, "+" + huge, huge + "@" + huge + ".pl", strings.Repeat(".", 1<<16),
		"\x00", "\xff\xfe", "\u202e44051401359", "ą", "👍👍👍👍👍👍👍👍👍", "+48\u00a0600\u00a0123\u00a0456",
	} {
		PESEL(in)
		NIP(in)
		REGON(in)
		NRB(in)
		IBAN(in)
		IDCard(in)
		PostalCode(in)
		Email(in)
		Phone(in)
		Date(in)
		Text(in, 10)
		Text(in, -1)
	}
	checkBad(t, "PESEL", bad{"huge", "validate.pesel.length", ErrLength, got(1 << 20)}, func() error { _, err := PESEL(huge); return err }())
}
