// Package cardreader turns the byte stream of a serial card reader into cards.
//
// Three kinds of reader are understood:
//
//   - KindRDM6300: 125 kHz RDM6300/EM4100 modules. A frame is STX (0x02), 10 hex digits of
//     card data, 2 hex digits of checksum (the XOR of the 5 data bytes), ETX (0x03); the module
//     repeats it for as long as the card is held, so cards go through a Debouncer.
//   - KindMagstripe: magnetic stripe readers sending track 1 (%B PAN ^ NAME ^ … ?) and/or
//     track 2 (; PAN = … ?), possibly with CR/LF between and after the tracks.
//   - KindLine: barcode scanners and Wiegand-to-serial converters sending one code a line,
//     ended by CR, LF or CRLF.
//
// A Parser consumes the stream incrementally (frames may be split across reads) and is a pure
// byte-at-a-time state machine: feeding a stream in one piece or byte by byte gives the same
// cards. Run ties a Port, a Parser and a Debouncer together.
//
// Card IDs may be personal data (a resident can swipe a bank card through a magstripe reader):
// Card.String masks the ID so that a card printed by mistake does not leak it. Never log
// Card.ID.
package cardreader

import (
	"fmt"
	"strings"
)

// Kind names a reader protocol; the values are what device configuration uses.
type Kind string

const (
	KindRDM6300   Kind = "rdm6300"   // STX, 10 hex, 2 hex XOR checksum, ETX
	KindMagstripe Kind = "magstripe" // track 1 and/or track 2
	KindLine      Kind = "line"      // one code a line, CR/LF terminated
)

// Kinds lists the supported kinds, for configuration screens and validation.
func Kinds() []Kind { return []Kind{KindRDM6300, KindMagstripe, KindLine} }

// ParseKind checks a configured kind name (case and surrounding space are ignored).
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds() {
		if k == known {
			return k, nil
		}
	}
	return "", fmt.Errorf("cardreader: unknown reader kind %q (want rdm6300, magstripe or line)", s)
}

// Card is one card read.
//
// ID is, for KindRDM6300, the 10 hex digits upper-case (e.g. "0F00A1B2C3"); for
// KindMagstripe, the first field of track 2 (the PAN on payment cards) or, when the swipe
// gave only track 1, track 1's PAN; for KindLine, the line without surrounding space.
type Card struct {
	ID   string
	Kind Kind
}

// String masks the ID (all but the last 4 characters), so a card that ends up in a log or an
// error message does not reveal a bank card number.
func (c Card) String() string {
	id := c.ID
	if n := len(id); n > 4 {
		id = strings.Repeat("*", n-4) + id[n-4:]
	} else {
		id = strings.Repeat("*", n)
	}
	return string(c.Kind) + ":" + id
}

// Parser consumes a reader's byte stream incrementally and returns complete, valid cards.
// Garbage, half frames, bad checksums and over-long junk are dropped without panicking;
// Dropped counts the frames (tracks, lines) that were started but thrown away. Garbage
// between frames is skipped silently. A Parser is not safe for concurrent use.
type Parser interface {
	// Feed consumes b (which may hold any part of any number of frames) and returns the
	// cards completed by it, in order; nil if none.
	Feed(b []byte) []Card
	// Dropped is the number of frames discarded so far.
	Dropped() int
}

// NewParser returns a parser for the given kind of reader.
func NewParser(k Kind) (Parser, error) { return newParser(k, 0) }

// newParser is NewParser with the longest line a KindLine parser takes (0: MaxLine).
func newParser(k Kind, maxLine int) (Parser, error) {
	switch k {
	case KindRDM6300:
		return &rdmParser{}, nil
	case KindMagstripe:
		return &magParser{}, nil
	case KindLine:
		return &lineParser{max: maxLine}, nil
	}
	return nil, fmt.Errorf("cardreader: unknown reader kind %q", string(k))
}

func isCRLF(b byte) bool { return b == '\r' || b == '\n' }

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func hexVal(b byte) (byte, bool) {
	switch {
	case '0' <= b && b <= '9':
		return b - '0', true
	case 'A' <= b && b <= 'F':
		return b - 'A' + 10, true
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10, true
	}
	return 0, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
