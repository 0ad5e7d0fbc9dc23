package search

import (
	"unicode"
	"unicode/utf8"
)

// Span is a half-open range of byte offsets [Start, End) into a string.
type Span struct{ Start, End int }

// isWordRune reports whether r belongs to a word. Everything else,
// punctuation included, separates words. Combining marks are word runes
// so that text stored in decomposed (NFD) form is not split mid-letter.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	if int(r) < len(wordTable) {
		return wordTable[r]
	}
	return isWordRuneSlow(r)
}

func isWordRuneSlow(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc)
}

// wordTable caches isWordRuneSlow for the same scripts as foldTable.
var wordTable = func() []bool {
	t := make([]bool, 0x530)
	for r := range t {
		t[r] = isWordRuneSlow(rune(r))
	}
	return t
}()

// asciiWord is isWordRune for ASCII, the bulk of Polish text.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isWordRune(rune(c))
	}
	return t
}()

// nextWord returns the span of the first word in s at or after byte i,
// and ok=false when there is none.
func nextWord(s string, i int) (sp Span, ok bool) {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiWord[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			break
		}
		i += size
	}
	if i >= len(s) {
		return Span{}, false
	}
	start := i
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiWord[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return Span{start, i}, true
}

// words returns the spans of all words in s.
func words(s string) []Span {
	var out []Span
	for sp, ok := nextWord(s, 0); ok; sp, ok = nextWord(s, sp.End) {
		out = append(out, sp)
	}
	return out
}

// hasDigit reports whether the normalised word w contains an ASCII digit.
func hasDigit(w string) bool {
	for i := 0; i < len(w); i++ {
		if '0' <= w[i] && w[i] <= '9' {
			return true
		}
	}
	return false
}
