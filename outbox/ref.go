package outbox

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Submission references
//
// A reference is what the resident reads off the receipt, says at the
// counter or types on the portal, e.g. "PRZ-7K4M-Q2":
//
//	PRZ      prefix: 2–4 letters A–Z naming the kind of matter
//	7K4M-Q   payload: 5 random characters from refAlphabet
//	2        check character, from refAlphabet
//
// The alphabet leaves out characters that are easy to confuse when read,
// written or said: 0/O, 1/I/L, U (heard as V) and Z (read as 2). That
// leaves 29 characters, and 29 is prime, which is why Z is left out: with a
// prime modulus a weighted sum whose weights are distinct and non-zero
// catches every single substitution and every transposition of two
// characters (adjacent or not). A modulus of
// 30 cannot: every weight invertible mod 30 is odd, so the difference of two
// weights is even and some transpositions go unnoticed.
//
// The check covers the prefix too. Prefix letters are valued by their
// alphabet index; the five letters outside the alphabet (I, L, O, U, Z) take
// the values of the digits 2–6, which cannot appear in a prefix, so all 26
// letters have distinct values and a letter keeps its value on both sides of
// the first dash.
//
// Input rules (ValidRef, NormalizeRef, ByRef): upper or lower case; spaces
// and dashes are accepted where the printed form has its dashes (after the
// prefix and after the fourth payload character) and at either end, and any
// of them may be left out ("prz7k4mq2", "PRZ 7K4M Q2"), because residents
// type what they hear. The prefix length is whatever is left after the last
// six characters, so every reference has exactly one parse; a separator
// anywhere else would suggest another split of the same characters
// ("PRZ-EGPS-PC2" reads as prefix PRZ but parses as PRZE-GPSP-C2) and is
// refused rather than ignored. Nothing else is corrected: a mistyped
// character fails the check instead of being guessed. References printed
// before this rule are all in the printed form and stay valid.
const refAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXY"

const (
	refMod        = len(refAlphabet) // 29, prime
	refPayloadLen = 5
	refMinPrefix  = 2
	refMaxPrefix  = 4
)

// refValue maps a character (upper case) to its value in the check sum, or
// -1. Alphabet characters take their index; the letters the alphabet leaves
// out get the values of '2'..'6' (prefix only, see above).
var refValue = func() (v [256]int) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(refAlphabet); i++ {
		v[refAlphabet[i]] = i
	}
	for i, c := range "ILOUZ" {
		v[c] = i
	}
	return v
}()

// inAlphabet reports whether c (upper case) may appear in the payload or check.
func inAlphabet(c byte) bool { return strings.IndexByte(refAlphabet, c) >= 0 }

// refCheck returns the check character value for body (prefix and payload,
// upper case, no dashes). Weights count from the right, with the check
// character at weight 1, so they are 2..10 here: distinct and non-zero mod 29.
func refCheck(body string) int {
	sum := 0
	for i := 0; i < len(body); i++ {
		w := len(body) - i + 1
		sum += w * refValue[body[i]]
	}
	return (refMod - sum%refMod) % refMod
}

// ErrBadPrefix is returned (wrapped) by NewRef and Enqueue for a prefix that
// is not 2–4 letters A–Z.
var ErrBadPrefix = errors.New("reference prefix must be 2-4 letters A-Z")

// NewRef returns a fresh reference "PREFIX-XXXX-XC" with the prefix in upper
// case and five random characters read from rnd (use crypto/rand.Reader).
// It does not know which references are taken; Enqueue does.
func NewRef(prefix string, rnd io.Reader) (string, error) {
	p, err := refPrefix(prefix)
	if err != nil {
		return "", fmt.Errorf("new reference: %w", err)
	}
	payload := make([]byte, 0, refPayloadLen)
	// Rejection sampling keeps the characters uniform: 232 = 8*29.
	const limit = 256 - 256%refMod
	var buf [16]byte
	for len(payload) < refPayloadLen {
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return "", fmt.Errorf("new reference: read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(payload) < refPayloadLen {
				payload = append(payload, refAlphabet[int(b)%refMod])
			}
		}
	}
	body := p + string(payload)
	return format(body + string(refAlphabet[refCheck(body)])), nil
}

// refPrefix checks a reference prefix and returns it in upper case.
func refPrefix(prefix string) (string, error) {
	p := strings.ToUpper(prefix)
	if len(p) < refMinPrefix || len(p) > refMaxPrefix {
		return "", fmt.Errorf("prefix %q: %w", prefix, ErrBadPrefix)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return "", fmt.Errorf("prefix %q: %w", prefix, ErrBadPrefix)
		}
	}
	return p, nil
}

// format inserts the dashes into an upper-case, dash-free reference.
func format(s string) string {
	n := len(s)
	return s[:n-6] + "-" + s[n-6:n-2] + "-" + s[n-2:]
}

// ValidRef reports whether s is a well-formed reference with a correct check
// character. See the input rules above: case, dashes and spaces are not
// significant.
func ValidRef(s string) bool {
	_, ok := NormalizeRef(s)
	return ok
}

// NormalizeRef returns the canonical form ("PRZ-7K4M-Q2") of a reference
// typed in any accepted way, and whether it is valid.
func NormalizeRef(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	b := make([]byte, 0, refMaxPrefix+refPayloadLen+1)
	var seps [64]bool // seps[k]: a separator follows the k-th significant character
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			seps[len(b)] = true
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	n := len(b)
	if n < refMinPrefix+refPayloadLen+1 || n > refMaxPrefix+refPayloadLen+1 {
		return "", false
	}
	p := n - refPayloadLen - 1 // prefix length
	for k, sep := range seps[:n+1] {
		if sep && k != 0 && k != p && k != p+4 && k != n {
			return "", false
		}
	}
	for i, c := range b {
		if i < p {
			if c < 'A' || c > 'Z' {
				return "", false
			}
		} else if !inAlphabet(c) {
			return "", false
		}
	}
	body := string(b[:n-1])
	if refAlphabet[refCheck(body)] != b[n-1] {
		return "", false
	}
	return format(string(b)), true
}
