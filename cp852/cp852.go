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
// page 852 lacks replaced by its look-alike where there is one. Characters with none (CJK,
// emoji, Cyrillic) are left as they are: Encode prints them as "?". Control characters are
// left too; the printer decides about them.
func Fold(s string) string {
	s = folds.Replace(norm.NFC.String(s))
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
