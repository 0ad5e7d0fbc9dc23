package l10n

import "fmt"

// Form is a plural form, named as CLDR and the message files name it ("one", "few", "many",
// "other"): the key a message with a Count picks its text by.
type Form string

// The plural forms the interface languages use.
const (
	One   Form = "one"
	Few   Form = "few"
	Many  Form = "many"
	Other Form = "other"
)

// PluralForm is the form a whole number n takes in lang, by CLDR's rules (the ones go-i18n
// applies to the message files):
//
//	pl  1 → one; 2–4, 22–24, 32–34… but not 12–14 → few; every other → many
//	uk  1, 21, 31… but not 11 → one; 2–4, 22–24… but not 12–14 → few; every other → many
//	en  1 → one; every other → other
func PluralForm(lang Lang, n int) Form {
	if n < 0 {
		n = -n
	}
	mod10, mod100 := n%10, n%100
	few := mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)
	switch lang {
	case PL:
		switch {
		case n == 1:
			return One
		case few:
			return Few
		}
		return Many
	case UK:
		switch {
		case mod10 == 1 && mod100 != 11:
			return One
		case few:
			return Few
		}
		return Many
	}
	if n == 1 {
		return One
	}
	return Other
}

// Plural is the Polish word for n things: Plural(n, "urządzenie", "urządzenia", "urządzeń")
// is "urządzenie" for 1, "urządzenia" for 2–4, 22–24…, "urządzeń" for 0, 5–21, 25… For the
// technician's commands, which speak Polish only; the interface's messages pick their form
// by a Count (Localizer.T).
func Plural(n int, one, few, many string) string {
	switch PluralForm(PL, n) {
	case One:
		return one
	case Few:
		return few
	}
	return many
}

// Count is n and the Polish word for n things: Count(5, "urządzenie", "urządzenia",
// "urządzeń") is "5 urządzeń".
func Count(n int, one, few, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, few, many))
}
