package validate

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"infomat/assets"
)

// Run one fuzzer at a time, e.g.
//
//	go test ./validate -run '^$' -fuzz FuzzPESEL -fuzztime 20s
//
// Every fuzzer checks that nothing panics, that the answer does not change when asked again,
// that a failure is an *Error with a message of validate.pl.yaml and nothing of the input in
// Error(), and what an accepted value must be.

var plMessages = sync.OnceValues(func() (map[string]any, error) {
	data, err := fs.ReadFile(assets.Translations(), "validate.pl.yaml")
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, yaml.Unmarshal(data, &m)
})

var sentinels = []error{ErrEmpty, ErrLength, ErrDigits, ErrChecksum, ErrFormat, ErrDate}

// checkErr checks what every failure must be.
func checkErr(t *testing.T, fn string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("%s: %T %v is no *Error", fn, err, err)
	}
	msgs, merr := plMessages()
	if merr != nil {
		t.Fatal(merr)
	}
	if _, ok := msgs[e.Message]; !ok {
		t.Fatalf("%s: message %q is not in validate.pl.yaml", fn, e.Message)
	}
	known := false
	for _, s := range sentinels {
		known = known || e.Kind == s
	}
	if !known || !errors.Is(err, e.Kind) {
		t.Fatalf("%s: %v: kind %v is no sentinel", fn, err, e.Kind)
	}
	if strings.ContainsAny(e.Error(), "0123456789") {
		t.Fatalf("%s: Error() = %q may carry the input", fn, e.Error())
	}
	if len(e.Args)%2 != 0 {
		t.Fatalf("%s: odd Args %v", fn, e.Args)
	}
	for i := 0; i < len(e.Args); i += 2 {
		name, _ := e.Args[i].(string)
		n, isInt := e.Args[i+1].(int)
		if (name != "Got" && name != "Count" && name != "Max") || !isInt || n < 0 {
			t.Fatalf("%s: Args %v", fn, e.Args)
		}
	}
}

// same checks that asking twice gives the same answer.
func same[T any](t *testing.T, fn string, f func() (T, error)) (T, error) {
	t.Helper()
	v1, err1 := f()
	v2, err2 := f()
	if !reflect.DeepEqual(v1, v2) || !reflect.DeepEqual(err1, err2) {
		t.Fatalf("%s: %v, %v then %v, %v", fn, v1, err1, v2, err2)
	}
	checkErr(t, fn, err1)
	return v1, err1
}

func noValue(err error) (struct{}, error) { return struct{}{}, err }

func FuzzPESEL(f *testing.F) {
	for _, s := range []string{
		"44051401359", "02122401358", "02211307589", "50830112349", "00222945679", "04523100108",
		"99610199990", "44051401358", "02381307589", "00023101236", "00930101237", "4405140135",
		"440 514-013 59", "４４０５１４０１３５９", "", "\xff", "99999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := same(t, "PESEL", func() (PESELInfo, error) { return PESEL(s) })
		if err != nil {
			if info != (PESELInfo{}) {
				t.Fatalf("PESEL(%q) failed with %v but returned %v", s, err, info)
			}
			return
		}
		d := clean(s)
		if len(d) != 11 || !allDigits(d) {
			t.Fatalf("PESEL(%q) accepted %q", s, d)
		}
		b := info.Birth
		if b.Location() != time.UTC || b.Hour() != 0 || b.Minute() != 0 || b.Second() != 0 || b.Nanosecond() != 0 {
			t.Fatalf("PESEL(%q) birth %v is not a UTC midnight", s, b)
		}
		offset := map[int]int{18: 80, 19: 0, 20: 20, 21: 40, 22: 60}
		off, ok := offset[b.Year()/100]
		if !ok {
			t.Fatalf("PESEL(%q) birth year %d", s, b.Year())
		}
		if want := fmt.Sprintf("%02d%02d%02d", b.Year()%100, int(b.Month())+off, b.Day()); d[:6] != want {
			t.Fatalf("PESEL(%q) birth %v encodes as %s", s, b, want)
		}
		if info.Female != ((d[9]-'0')%2 == 0) {
			t.Fatalf("PESEL(%q) female = %v", s, info.Female)
		}
		if again, err := PESEL(d); err != nil || again != info {
			t.Fatalf("PESEL(%q) = %v, PESEL(%q) = %v, %v", s, info, d, again, err)
		}
		// One wrong digit is always caught.
		for i := range 11 {
			x := []byte(d)
			x[i] = '0' + (x[i]-'0'+1)%10
			if _, err := PESEL(string(x)); err == nil {
				t.Fatalf("PESEL(%q) accepted with digit %d changed: %s", d, i, x)
			}
		}
	})
}

func FuzzIDCard(f *testing.F) {
	for _, s := range []string{"ABA300000", "aba 300000", "XGG765762", "ABA300001", "AB1300000", "ĄBA300000", "ıBA300000", "", "ABA30000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := same(t, "IDCard", func() (struct{}, error) { return noValue(IDCard(s)) })
		if err != nil {
			return
		}
		c := upperASCII(clean(s))
		if len(c) != 9 {
			t.Fatalf("IDCard(%q) accepted %q", s, c)
		}
		for i := range 9 {
			if i < 3 && (c[i] < 'A' || c[i] > 'Z') || i >= 3 && (c[i] < '0' || c[i] > '9') {
				t.Fatalf("IDCard(%q) accepted %q", s, c)
			}
		}
		if IDCard(strings.ToLower(c)) != nil || IDCard(c[:3]+" "+c[3:]) != nil {
			t.Fatalf("IDCard(%q) accepted but not in lower case or spaced", s)
		}
		// The check digit has weight 9, prime to 10: any other digit there is caught.
		for x := byte('0'); x <= '9'; x++ {
			if x != c[3] && IDCard(c[:3]+string(x)+c[4:]) == nil {
				t.Fatalf("IDCard(%q) accepted with check digit %c", c, x)
			}
		}
	})
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"01.11.2026", "1.2.2026", "29.02.2024", "29.02.2023", "31.04.2026", "00.01.2026", "01.13.2026", "01.01.0000", "2026-11-01", "", "..", "+1.-1.2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := same(t, "Date", func() (time.Time, error) { return Date(s) })
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("Date(%q) failed with %v but returned %v", s, err, d)
			}
			return
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Year() < 1 || d.Year() > 9999 {
			t.Fatalf("Date(%q) = %v", s, d)
		}
		if again, err := Date(d.Format("02.01.2006")); err != nil || !again.Equal(d) {
			t.Fatalf("Date(%q) = %v, but Date(%q) = %v, %v", s, d, d.Format("02.01.2006"), again, err)
		}
		if again, err := Date(d.Format("2.1.2006")); err != nil || !again.Equal(d) {
			t.Fatalf("Date(%q) = %v, but Date(%q) = %v, %v", s, d, d.Format("2.1.2006"), again, err)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"jan.kowalski@poczta.pl", "józef@urząd.pl", "jan+kiosk@example.com", "Jan <jan@poczta.pl>", "jan@poczta", "@poczta.pl", "a@b@c.pl", `"a b"@c.pl`, "a@[1.2.3.4]", "", "a@b.pl\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := same(t, "Email", func() (struct{}, error) { return noValue(Email(s)) })
		if err != nil {
			return
		}
		a := strings.TrimSpace(s)
		if len(a) > MaxEmail || strings.Count(a, "@") != 1 || strings.IndexFunc(a, unicode.IsSpace) >= 0 || !utf8.ValidString(a) {
			t.Fatalf("Email(%q) accepted", s)
		}
		local, domain, _ := strings.Cut(a, "@")
		if local == "" || !strings.Contains(domain, ".") {
			t.Fatalf("Email(%q) accepted", s)
		}
		if Email(" "+a+"\n") != nil {
			t.Fatalf("Email(%q) accepted but not with spaces around", s)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"600123456", "600 123 456", "+48 600 123 456", "0048600123456", "(22) 123 45 67", "+1 202 555 0123", "+0123456789", "012345678", "+", "---", "", "+48+600123456", "６００１２３４５６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := same(t, "Phone", func() (struct{}, error) { return noValue(Phone(s)) })
		if err != nil {
			return
		}
		digits := strings.Map(func(r rune) rune {
			if '0' <= r && r <= '9' {
				return r
			}
			return -1
		}, s)
		if len(digits) < 8 || len(digits) > 17 { // 15 digits after a 00 prefix
			t.Fatalf("Phone(%q) accepted %d digits", s, len(digits))
		}
		if strings.IndexFunc(s, func(r rune) bool {
			return !strings.ContainsRune("0123456789+ -()\t\u00a0", r) && !unicode.IsSpace(r)
		}) >= 0 {
			t.Fatalf("Phone(%q) accepted other characters", s)
		}
		if Phone(" "+s+" ") != nil {
			t.Fatalf("Phone(%q) accepted but not with spaces around", s)
		}
	})
}

func FuzzText(f *testing.F) {
	f.Add("Kowalski", 80)
	f.Add("  ąęś  ", 3)
	f.Add("abcd", 3)
	f.Add("a\x00b", 10)
	f.Add("\xff", 10)
	f.Add("", 0)
	f.Add("x", -5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		_, err := same(t, "Text", func() (struct{}, error) { return noValue(Text(s, max)) })
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Message == "validate.text.too_long" && (max <= 0 || e.Args[1] != max) {
				t.Fatalf("Text(%q, %d) = %v %v", s, max, e, e.Args)
			}
			return
		}
		v := strings.TrimSpace(s)
		if v == "" || !utf8.ValidString(v) || max > 0 && utf8.RuneCountInString(v) > max {
			t.Fatalf("Text(%q, %d) accepted", s, max)
		}
	})
}

// FuzzNumbers runs the checksum validators without a fuzzer of their own.
func FuzzNumbers(f *testing.F) {
	for _, s := range []string{
		"8567346215", "856-734-62-15", "1234567890", "192598184", "12345678512347", "12345678612342",
		"92124012340001567890123456", "PL61 1090 1014 0000 0712 1981 2874", "DE89370400440532013000",
		"PL", "99-150", "99150", "", "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fn := range map[string]func(string) error{"NIP": NIP, "REGON": REGON, "NRB": NRB, "IBAN": IBAN, "PostalCode": PostalCode} {
			same(t, name, func() (struct{}, error) { return noValue(fn(s)) })
		}
		if IBAN(s) == nil && NRB(s) != nil {
			t.Fatalf("IBAN(%q) accepted, NRB refused", s)
		}
		if c := clean(s); len(c) == 26 && allDigits(c) && (NRB(s) == nil) != (IBAN("PL"+c) == nil) {
			t.Fatalf("NRB(%q) and IBAN(PL…) disagree", s)
		}
		if NIP(s) == nil && len(clean(s)) != 10 || REGON(s) == nil && len(clean(s)) != 9 && len(clean(s)) != 14 {
			t.Fatalf("%q accepted with a wrong length", s)
		}
	})
}
