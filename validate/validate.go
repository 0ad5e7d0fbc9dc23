// Package validate checks Polish identifiers and numbers the way the offices check them:
// checksums and formats only, no network look-ups.
//
// Every failure is an *Error: a message ID of the l10n files (assets/l10n/validate.*.yaml)
// with its arguments, so the interface can say in the resident's language what is wrong and
// what to do. It wraps one of the sentinel errors below, so errors.Is(err, ErrChecksum) works.
//
// Empty input (after trimming) is always Required(); a form checks an optional field only
// when something was typed in it. No function panics, whatever the input.
package validate

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors are sentinel values so callers (and the translation layer) can phrase them.
var (
	ErrEmpty    = errors.New("empty")
	ErrLength   = errors.New("wrong length")
	ErrDigits   = errors.New("not only digits")
	ErrChecksum = errors.New("checksum mismatch")
	ErrFormat   = errors.New("wrong format")
	ErrDate     = errors.New("no such date")
)

// Error is a validation failure the interface can phrase: Message is a message ID in the
// l10n files, Args its name/value pairs. Error() never contains the value typed (it may be
// personal data and errors may be logged).
//
// Args hold only numbers the message needs (how many digits were typed, a maximum length),
// never the value. When the message has plural forms, Args also name "Count", the number the
// plural form agrees with, because that is the pair l10n.Localizer.T selects the form by:
// show an error with loc.T(e.Message, e.Args...).
type Error struct {
	Message string
	Args    []any
	Kind    error // one of the sentinel errors
}

// Error returns the message ID and the kind of failure, e.g.
// "validate.pesel.checksum: checksum mismatch"; nothing of the value typed.
func (e *Error) Error() string {
	if e.Kind == nil {
		return e.Message
	}
	return e.Message + ": " + e.Kind.Error()
}

// Unwrap returns Kind, so errors.Is(err, ErrChecksum) still works.
func (e *Error) Unwrap() error { return e.Kind }

// Required is the error for a required field left empty.
func Required() *Error {
	return &Error{Message: "validate.required", Kind: ErrEmpty}
}

func fail(kind error, message string, args ...any) error {
	return &Error{Message: message, Args: args, Kind: kind}
}

// wrongLength reports got characters where the message names the expected number; the
// plural form of the message agrees with got.
func wrongLength(message string, got int) error {
	return fail(ErrLength, message, "Got", got, "Count", got)
}

// clean trims the value and removes the spaces and dashes people type between groups of
// digits.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// upperASCII upper-cases a-z only: strings.ToUpper would turn "ı" into "I" and let a
// non-Latin letter pass for a Latin one.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// number checks that s (already cleaned) is n digits and returns them; the errors use the
// messages prefix+".digits" and prefix+".length".
func number(s string, n int, prefix string) ([]int, error) {
	if s == "" {
		return nil, Required()
	}
	if !allDigits(s) {
		return nil, fail(ErrDigits, prefix+".digits")
	}
	if len(s) != n {
		return nil, wrongLength(prefix+".length", len(s))
	}
	d := make([]int, n)
	for i := range d {
		d[i] = int(s[i] - '0')
	}
	return d, nil
}

func weighted(d []int, w []int) int {
	s := 0
	for i, x := range w {
		s += d[i] * x
	}
	return s
}

// mod97 is the IBAN check: the country code and check digits moved to the end, letters
// A=10 … Z=35, the whole as a number mod 97. s is upper-case letters and digits only.
func mod97(s string) int {
	if len(s) < 4 {
		return -1
	}
	r := 0
	for _, c := range s[4:] + s[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case 'A' <= c && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		default:
			return -1
		}
	}
	return r
}

// NRB checks a Polish bank account number: 26 digits (spaces allowed, optional "PL" prefix)
// whose IBAN form PL + digits passes the mod 97 check.
func NRB(s string) error {
	s = upperASCII(clean(s))
	if s == "PL" {
		return fail(ErrLength, "validate.nrb.length", "Got", 0, "Count", 0)
	}
	s = strings.TrimPrefix(s, "PL")
	if _, err := number(s, 26, "validate.nrb"); err != nil {
		return err
	}
	if mod97("PL"+s) != 1 {
		return fail(ErrChecksum, "validate.nrb.checksum")
	}
	return nil
}

// IBAN checks a Polish IBAN: "PL", two check digits and the 24 further digits of the
// account (spaces allowed), mod 97 = 1. An account without "PL" or with another country's
// code is refused: NRB accepts the bare 26 digits.
func IBAN(s string) error {
	s = upperASCII(clean(s))
	if s == "" {
		return Required()
	}
	if !strings.HasPrefix(s, "PL") {
		return fail(ErrFormat, "validate.iban.country")
	}
	if _, err := number(s[2:], 26, "validate.iban"); err != nil {
		if errors.Is(err, ErrEmpty) {
			return wrongLength("validate.iban.length", 0)
		}
		return err
	}
	if mod97(s) != 1 {
		return fail(ErrChecksum, "validate.iban.checksum")
	}
	return nil
}

// NIP checks a tax identification number: weights 6 5 7 2 3 4 5 6 7, sum mod 11 equals the
// tenth digit, and a remainder of 10 is never valid.
func NIP(s string) error {
	d, err := number(clean(s), 10, "validate.nip")
	if err != nil {
		return err
	}
	r := weighted(d, []int{6, 5, 7, 2, 3, 4, 5, 6, 7}) % 11
	if r == 10 || r != d[9] {
		return fail(ErrChecksum, "validate.nip.checksum")
	}
	return nil
}

// REGON checks a 9- or 14-digit statistical number. A 14-digit number (a local unit) starts
// with the 9-digit number of its entity, so both check digits must match.
func REGON(s string) error {
	s = clean(s)
	n := 9
	if len(s) > 9 {
		n = 14
	}
	d, err := number(s, n, "validate.regon")
	if err != nil {
		return err
	}
	if weighted(d, []int{8, 9, 2, 3, 4, 5, 6, 7})%11%10 != d[8] {
		return fail(ErrChecksum, "validate.regon.checksum")
	}
	if n == 14 && weighted(d, []int{2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8})%11%10 != d[13] {
		return fail(ErrChecksum, "validate.regon.checksum")
	}
	return nil
}

// PostalCode checks the NN-NNN format.
func PostalCode(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return Required()
	}
	if len(s) != 6 || s[2] != '-' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return fail(ErrFormat, "validate.postal.format")
	}
	return nil
}

// PESELInfo is what a PESEL number says about its holder.
type PESELInfo struct {
	Birth  time.Time // date of birth, midnight UTC
	Female bool      // the tenth digit is even
}

// PESEL checks a national identification number: 11 digits, weights 1 3 7 9 1 3 7 9 1 3,
// check digit (10 − S mod 10) mod 10, and a date of birth that exists, the month offset by
// the century (1800s +80, 1900s +0, 2000s +20, 2100s +40, 2200s +60).
func PESEL(s string) (PESELInfo, error) {
	d, err := number(clean(s), 11, "validate.pesel")
	if err != nil {
		return PESELInfo{}, err
	}
	if (10-weighted(d, []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3})%10)%10 != d[10] {
		return PESELInfo{}, fail(ErrChecksum, "validate.pesel.checksum")
	}
	year, month, day := d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	year += [...]int{1900, 2000, 2100, 2200, 1800}[month/20]
	birth, ok := date(year, month%20, day)
	if !ok {
		return PESELInfo{}, fail(ErrDate, "validate.pesel.date")
	}
	return PESELInfo{Birth: birth, Female: d[9]%2 == 0}, nil
}

// date returns the day at midnight UTC if it exists.
func date(year, month, day int) (time.Time, bool) {
	if year < 1 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31 April, 29 February of a common year
	}
	return t, true
}

// IDCard checks a Polish ID card number "AAA999999": three letters, then six digits, the
// first of them the check digit. Letters count A=10 … Z=35, weights 7 3 1 9 7 3 1 7 3 over
// all nine characters, sum mod 10 = 0. Case does not matter; spaces are ignored.
func IDCard(s string) error {
	s = upperASCII(clean(s))
	if s == "" {
		return Required()
	}
	kind := ErrFormat
	if utf8.RuneCountInString(s) != 9 {
		kind = ErrLength
	}
	if len(s) != 9 || !allDigits(s[3:]) {
		return fail(kind, "validate.idcard.format")
	}
	sum := 0
	for i, w := range []int{7, 3, 1, 9, 7, 3, 1, 7, 3} {
		c := int(s[i])
		if i < 3 {
			if c < 'A' || c > 'Z' {
				return fail(ErrFormat, "validate.idcard.format")
			}
			c = c - 'A' + 10
		} else {
			c -= '0'
		}
		sum += c * w
	}
	if sum%10 != 0 {
		return fail(ErrChecksum, "validate.idcard.checksum")
	}
	return nil
}

// NormalPostalCode rewrites five digits typed with or without a space or dash ("00950",
// "00 950") as NN-NNN. Anything else comes back trimmed, for PostalCode to explain.
func NormalPostalCode(s string) string {
	s = strings.TrimSpace(s)
	if d := clean(s); len(d) == 5 && allDigits(d) {
		return d[:2] + "-" + d[2:]
	}
	return s
}

// NormalNIP drops the spaces and dashes between groups and the EU VAT prefix "PL"
// ("PL 856-734-62-15" → "8567346215"), so NIP checks the ten digits.
func NormalNIP(s string) string {
	d := clean(s)
	if len(d) > 2 && (d[:2] == "PL" || d[:2] == "pl" || d[:2] == "Pl" || d[:2] == "pL") {
		d = d[2:]
	}
	if allDigits(d) && d != "" {
		return d
	}
	return strings.TrimSpace(s)
}

// NormalDigits drops the spaces and dashes people type between groups of a number that is
// stored as bare digits (PESEL, REGON). Anything that is not then all digits comes back
// trimmed, for the check to explain.
func NormalDigits(s string) string {
	if d := clean(s); d != "" && allDigits(d) {
		return d
	}
	return strings.TrimSpace(s)
}
