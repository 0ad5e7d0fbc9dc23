package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns s lower-cased with diacritics folded: "Łódź" becomes
// "lodz" and "ZAŚWIADCZENIE" becomes "zaswiadczenie". Latin letters lose
// their marks via Unicode NFD; letters that NFD does not decompose (ł, đ,
// ø, ħ, ı) are mapped explicitly. Cyrillic is only lower-cased, because
// й/и and ї/і are distinct Ukrainian letters. Characters other than
// letters are kept (lower-cased), except stray combining marks.
func Normalize(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return string(appendFold(make([]byte, 0, len(s)), s))
		}
	}
	return s // Already lower-case ASCII: the common case, no allocation.
}

// appendFold appends the normalised form of s to dst.
func appendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if int(r) < len(foldTable) {
			dst = append(dst, foldTable[r]...)
		} else {
			dst = append(dst, foldRune(r)...)
		}
	}
	return dst
}

// foldTable caches foldRune for the scripts a Polish kiosk meets daily
// (Latin-1, Latin Extended, Greek, Cyrillic), so that indexing does not
// call into the normaliser for every non-ASCII letter.
var foldTable = func() []string {
	t := make([]string, 0x530)
	for r := range t {
		t[r] = foldRune(rune(r))
	}
	return t
}()

// foldRune returns the normalised form of a single rune.
func foldRune(r rune) string {
	switch r {
	case 'ł', 'Ł':
		return "l"
	case 'đ', 'Đ':
		return "d"
	case 'ø', 'Ø':
		return "o"
	case 'ħ', 'Ħ':
		return "h"
	case 'ı':
		return "i"
	}
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return ""
	}
	lower := unicode.ToLower(r)
	if unicode.Is(unicode.Cyrillic, r) {
		return string(lower)
	}
	var b strings.Builder
	for _, d := range norm.NFD.String(string(lower)) {
		if !unicode.In(d, unicode.Mn, unicode.Me) {
			b.WriteRune(d)
		}
	}
	return b.String()
}
