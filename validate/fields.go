package validate

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxEmail is the longest e-mail address accepted, in bytes (the SMTP limit).
const MaxEmail = 254

// Email checks an e-mail address the pragmatic way: one @, something before it, a domain
// with a dot after it, no spaces, at most MaxEmail bytes. A display name ("Jan <jan@x.pl>")
// or a quoted local part is refused: the field asks for the address alone.
func Email(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return Required()
	}
	if len(s) > MaxEmail {
		return fail(ErrLength, "validate.email.too_long")
	}
	if !utf8.ValidString(s) {
		return fail(ErrFormat, "validate.email.format")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fail(ErrFormat, "validate.email.format")
		}
	}
	if strings.ContainsAny(s, `<>()[]\,;:"`) {
		return fail(ErrFormat, "validate.email.format") // a display name, comment or quoting
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return fail(ErrFormat, "validate.email.at")
	}
	if local == "" {
		return fail(ErrFormat, "validate.email.format")
	}
	if !hostname(domain) {
		return fail(ErrFormat, "validate.email.domain")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fail(ErrFormat, "validate.email.format")
	}
	return nil
}

// hostname reports whether d is a domain name with at least two labels of letters, digits
// and inner dashes, the last one at least two characters starting with a letter.
func hostname(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	r, _ := utf8.DecodeRuneInString(tld)
	return utf8.RuneCountInString(tld) >= 2 && unicode.IsLetter(r)
}

// Phone checks a telephone number: a Polish one is 9 digits, optionally after +48 or 0048;
// another country's number starts with + (or 00) and has 8 to 15 digits with the country
// code. Spaces, dashes and brackets between the digits are allowed.
func Phone(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return Required()
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\u00a0', '\t', '(', ')':
			return -1
		}
		return r
	}, s)
	if s == "" {
		return fail(ErrFormat, "validate.phone.format")
	}
	international := false
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s, international = rest, true
	} else if rest, ok := strings.CutPrefix(s, "00"); ok {
		s, international = rest, true
	}
	if !allDigits(s) {
		return fail(ErrDigits, "validate.phone.digits")
	}
	if international {
		national, ok := strings.CutPrefix(s, "48")
		if !ok {
			if s != "" && s[0] == '0' {
				return fail(ErrFormat, "validate.phone.format") // no country code starts with 0
			}
			if len(s) < 8 || len(s) > 15 {
				return fail(ErrLength, "validate.phone.international")
			}
			return nil
		}
		s = national
	}
	if len(s) != 9 {
		return wrongLength("validate.phone.length", len(s))
	}
	if s[0] == '0' {
		return fail(ErrFormat, "validate.phone.format") // Polish numbers never start with 0
	}
	return nil
}

// Date reads a date typed as DD.MM.RRRR (or D.M.RRRR) and returns that day at midnight UTC.
// The day must exist: 31.04 or 29.02 of a common year is refused.
func Date(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Required()
	}
	parts := strings.SplitN(s, ".", 4)
	if len(parts) != 3 || !dateNumber(parts[0], 1, 2) || !dateNumber(parts[1], 1, 2) || !dateNumber(parts[2], 4, 4) {
		return time.Time{}, fail(ErrFormat, "validate.date.format")
	}
	day, _ := strconv.Atoi(parts[0])
	month, _ := strconv.Atoi(parts[1])
	year, _ := strconv.Atoi(parts[2])
	t, ok := date(year, month, day)
	if !ok {
		return time.Time{}, fail(ErrDate, "validate.date.missing")
	}
	return t, nil
}

func dateNumber(s string, min, max int) bool {
	return len(s) >= min && len(s) <= max && allDigits(s)
}

// Text checks a free-text answer, trimmed: not empty, at most max characters (runes; max ≤ 0
// means no limit), valid UTF-8 and no control characters other than line breaks and tabs.
func Text(s string, max int) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return Required()
	}
	if !utf8.ValidString(s) {
		return fail(ErrFormat, "validate.text.chars")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return fail(ErrFormat, "validate.text.chars")
		}
	}
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		return fail(ErrLength, "validate.text.too_long", "Max", max, "Got", n, "Count", max)
	}
	return nil
}

// NormalDate rewrites a date the way people type it — 14.05.1944, 14-05-1944, 14/05/1944,
// "14 05 1944", 14051944, 4.5.1944 — as DD.MM.RRRR, the one form Date accepts and the office
// reads. Anything it does not recognise comes back trimmed, for Date to explain.
func NormalDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 8 && allDigits(s) {
		return s[:2] + "." + s[2:4] + "." + s[4:]
	}
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '.' || r == '-' || r == '/' || r == ' ' || r == '\u00a0' || r == ','
	})
	if len(parts) != 3 || !dateNumber(parts[0], 1, 2) || !dateNumber(parts[1], 1, 2) || !dateNumber(parts[2], 4, 4) {
		return s
	}
	pad := func(p string) string {
		if len(p) == 1 {
			return "0" + p
		}
		return p
	}
	return pad(parts[0]) + "." + pad(parts[1]) + "." + parts[2]
}
