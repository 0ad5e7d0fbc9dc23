// Package cp852 is code page 852, the Central European character set receipt printers use
// for Polish: which characters it can print, and readable look-alikes for those it cannot
// ("m²" prints as "m2", "½" as "1/2", "€" as "EUR", "ñ" as "n").
//
// It is its own small package, depending only on golang.org/x/text, because two sides need the
// same table: the printer driver (kiosk/printer), which folds before encoding, and the content
// checker (content), which warns a clerk about text that will not print. The content package
// must not pull in the printer's serial runtime, and the printer must not depend on content.
package cp852

import (
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// folds maps characters code page 852 lacks to what prints instead. Letters with diacritics
// it lacks are not listed: Fold falls back to their base letter.
var folds = strings.NewReplacer(
	// Quotes, dashes, dots.
	"„", `"`, "”", `"`, "“", `"`, "«", `"`, "»", `"`, "″", `"`, "‟", `"`,
	"‘", "'", "’", "'", "‚", "'", "′", "'", "‹", "'", "›", "'", "‛", "'",
	"–", "-", "—", "-", "‒", "-", "−", "-", "‐", "-", "‑", "-", "―", "-",
	"…", "...", "•", "*", "·", "-", "‧", "-", "∙", "-",
	// Spaces: the no-break space prints (0xFF); the rest become it or vanish.
	"\u202f", "\u00a0", "\u2007", "\u00a0", "\u2009", " ", "\u200a", " ", "\u2002", " ", "\u2003", " ",
	"\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "", "\u00ad", "",
	// Superscripts, subscripts and fractions.
	"⁰", "0", "¹", "1", "²", "2", "³", "3", "⁴", "4", "⁵", "5", "⁶", "6", "⁷", "7", "⁸", "8", "⁹", "9",
	"₀", "0", "₁", "1", "₂", "2", "₃", "3", "₄", "4", "₅", "5", "₆", "6", "₇", "7", "₈", "8", "₉", "9",
	"½", "1/2", "⅓", "1/3", "⅔", "2/3", "¼", "1/4", "¾", "3/4", "⅕", "1/5", "⅛", "1/8",
	// Signs and symbols.
	"€", "EUR", "£", "GBP", "¥", "JPY", "₴", "UAH", "¢", "c",
	"±", "+/-", "‰", "promil", "≤", "<=", "≥", ">=", "≠", "!=", "≈", "~", "∞", "nieskończ.",
	"→", "->", "←", "<-", "↔", "<->", "⇒", "=>", "⇐", "<=",
	"©", "(c)", "®", "(R)", "™", "TM", "№", "Nr", "µ", "u", "¶", "", "✓", "v", "✔", "v", "✗", "x", "✘", "x",
	// Letters with no decomposition to a base letter.
	"Ø", "O", "ø", "o", "Æ", "AE", "æ", "ae", "Œ", "OE", "œ", "oe", "Ð", "D", "ð", "d", "Þ", "Th", "þ", "th",
	"ı", "i", "ŀ", "l", "Ŀ", "L",
)

// Printable reports whether r has a glyph in code page 852 (ASCII included).
func Printable(r rune) bool {
	_, ok := charmap.CodePage852.EncodeRune(r)
	return ok
}

// Fold returns s composed (NFC, so "e" + combining ogonek is "ę") with every character code
// page 852 lacks replaced by its look-alike where there is one, and Cyrillic transliterated
// (Translit), so a Ukrainian receipt is readable on a Polish printer. Characters with no
// look-alike (CJK, emoji) are left as they are: Encode prints them as "?". Control characters
// are left too; the printer decides about them.
func Fold(s string) string {
	s = Translit(folds.Replace(norm.NFC.String(s)))
	ok := true
	for _, r := range s {
		if !Printable(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Printable(r) {
			b.WriteRune(r)
			continue
		}
		b.WriteString(base(r))
	}
	return b.String()
}

// base is r's letter without the marks it lacks in code page 852 ("ñ" → "n", "ê" → "e"), or r
// itself when it has no printable base.
func base(r rune) string {
	d := []rune(norm.NFD.String(string(r)))
	if len(d) > 1 && Printable(d[0]) && unicode.IsLetter(d[0]) {
		for _, m := range d[1:] {
			if !unicode.Is(unicode.Mn, m) {
				return string(r)
			}
		}
		return string(d[0])
	}
	return string(r)
}

// Unprintable lists, once each and in order of appearance, the characters of s that will not
// print even after Fold: on a receipt they come out as "?". Control characters are not listed.
func Unprintable(s string) []rune {
	var out []rune
	for _, r := range Fold(s) {
		if Printable(r) || unicode.IsControl(r) || containsRune(out, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Encode folds s and encodes it in code page 852, one byte a character; what has no glyph
// even after folding becomes "?".
func Encode(s string) []byte {
	s = Fold(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := charmap.CodePage852.EncodeRune(r)
		if !ok {
			c = '?'
		}
		b = append(b, c)
	}
	return b
}

// Ukrainian romanisation, the national system of 2010 (Resolution 55 of the Cabinet of
// Ministers of Ukraine), which Ukrainian passports use: a resident recognises their own name
// and words in it. Є, Ї, Й, Ю and Я have one form at the start of a word and another inside
// it; "зг" is "zgh" so it is not read as "ж"; the soft sign and the apostrophe are dropped.
// Russian-only letters get their usual romanisation.
var (
	cyrLower = map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e", 'є': "ie", 'ж': "zh",
		'з': "z", 'и': "y", 'і': "i", 'ї': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n",
		'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
		'ч': "ch", 'ш': "sh", 'щ': "shch", 'ь': "", 'ю': "iu", 'я': "ia",
		'ы': "y", 'э': "e", 'ё': "io", 'ъ': "",
	}
	// cyrInitial are the forms at the start of a word.
	cyrInitial = map[rune]string{'є': "ye", 'ї': "yi", 'й': "y", 'ю': "yu", 'я': "ya", 'ё': "yo"}
)

// Translit romanises the Cyrillic letters of s (see cyrLower); everything else is kept.
func Translit(s string) string {
	if !strings.ContainsFunc(s, isCyrillic) {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if !isCyrillic(r) {
			// An apostrophe inside a Cyrillic word ("ім'я") is dropped.
			if isApostrophe(r) && i > 0 && i+1 < len(rs) && isCyrillic(rs[i-1]) && isCyrillic(rs[i+1]) {
				continue
			}
			b.WriteRune(r)
			continue
		}
		lower := unicode.ToLower(r)
		latin, ok := cyrLower[lower]
		if !ok {
			b.WriteRune(r) // a Cyrillic letter of another language: left for Encode's "?"
			continue
		}
		initial := i == 0 || !unicode.IsLetter(rs[i-1]) && !isApostrophe(rs[i-1])
		if f, ok := cyrInitial[lower]; ok && initial {
			latin = f
		}
		if lower == 'г' && i > 0 && unicode.ToLower(rs[i-1]) == 'з' {
			latin = "gh"
		}
		if r != lower && latin != "" {
			// Upper case: the whole word's when the next letter is upper case too ("ЄВРО").
			if i+1 < len(rs) && unicode.IsUpper(rs[i+1]) {
				latin = strings.ToUpper(latin)
			} else {
				latin = strings.ToUpper(latin[:1]) + latin[1:]
			}
		}
		b.WriteString(latin)
	}
	return b.String()
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }
