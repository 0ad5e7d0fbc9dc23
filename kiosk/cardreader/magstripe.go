package cardreader

import "strings"

// Track limits from ISO/IEC 7813 (79 and 40 characters including the sentinels and LRC).
const (
	maxTrack1 = 76 // characters between % and ?
	maxTrack2 = 37 // characters between ; and ?
	maxPAN    = 19
	maxName   = 26
)

type magState uint8

const (
	magIdle magState = iota
	magTrack1
	magTrack2
)

// magParser decodes magnetic stripe swipes.
//
// Track 1 is %B PAN ^ NAME ^ data ? and track 2 is ; field = data ? (track 2 may lack the
// "=" part on non-payment cards). A track whose start or end sentinel is missing or wrong,
// that holds characters outside its character set, or that is too long is dropped.
//
// One swipe gives one card:
//   - track 1 directly followed by track 2 (…?;…?) gives one card with track 2's first field;
//   - a track 1 that is not followed by a track 2 (or whose track 2 is bad) gives its PAN, at
//     the CR/LF or other byte after it;
//   - a reader that puts CR/LF between the tracks makes track 1 emit at that CR/LF; the track 2
//     that follows it is then suppressed if it carries the same number (always the case on
//     payment cards) and reported as its own card otherwise.
//
// A track 1 with no CR/LF or track 2 after it is reported only when the next byte arrives.
// An LRC character sent after the end sentinel is treated as garbage, and a track 3 (which
// also starts with ";") reads as another track 2.
type magParser struct {
	state   magState
	buf     []byte
	pending string // valid track 1 PAN waiting to see whether track 2 follows
	// swipe is the ID reported for a track 1 at a CR/LF; set while only CR/LF followed it.
	swipe string
	// junk is set while skipping the rest of a track already counted as dropped, so that its
	// end sentinel does not count a second time.
	junk    bool
	dropped int
}

func (p *magParser) Dropped() int { return p.dropped }

func (p *magParser) Feed(b []byte) []Card {
	var out []Card
	for _, c := range b {
		out = p.step(c, out)
	}
	return out
}

func (p *magParser) step(c byte, out []Card) []Card {
	switch p.state {
	case magTrack1:
		switch {
		case c == '?':
			p.state = magIdle
			if pan, ok := parseTrack1(p.buf); ok {
				p.pending = pan
			} else {
				p.dropped++
			}
			return out
		case c >= 0x20 && c <= 0x5F && c != '%' && c != ';' && len(p.buf) < maxTrack1:
			p.buf = append(p.buf, c)
			return out
		}
		// Bad character, CR/LF (no end sentinel), a new start sentinel or too long: drop
		// the track and look at c again outside any track.
		p.abort(c)
	case magTrack2:
		switch {
		case c == '?':
			p.state = magIdle
			id, ok := parseTrack2(p.buf)
			switch {
			case !ok:
				p.dropped++
				out = p.flush(out)
			case p.pending != "":
				out = append(out, Card{ID: id, Kind: KindMagstripe})
				p.pending = ""
			case p.swipe != "" && p.swipe == id:
				// Same swipe as the track 1 already reported at the CR/LF between them.
			default:
				out = append(out, Card{ID: id, Kind: KindMagstripe})
			}
			p.swipe = ""
			return out
		case c >= 0x30 && c <= 0x3F && c != ';' && len(p.buf) < maxTrack2:
			p.buf = append(p.buf, c)
			return out
		}
		p.abort(c)
	}

	// Outside a track.
	switch {
	case c == '%':
		p.junk = false
		out = p.flush(out)
		p.swipe = ""
		p.state, p.buf = magTrack1, p.buf[:0]
	case c == ';':
		p.junk = false
		// A pending track 1 waits for this track 2; p.swipe survives too.
		p.state, p.buf = magTrack2, p.buf[:0]
	case isCRLF(c):
		p.junk = false
		if p.pending != "" {
			p.swipe = p.pending
			out = p.flush(out)
		}
	default:
		if c == '?' {
			if !p.junk {
				p.dropped++ // an end sentinel without a start sentinel
			}
			p.junk = false
		}
		out = p.flush(out)
		p.swipe = ""
	}
	return out
}

// abort drops the current track because of c.
func (p *magParser) abort(c byte) {
	p.state = magIdle
	p.dropped++
	p.junk = c != '%' && c != ';' && !isCRLF(c)
}

// flush reports a pending track 1.
func (p *magParser) flush(out []Card) []Card {
	if p.pending != "" {
		out = append(out, Card{ID: p.pending, Kind: KindMagstripe})
		p.pending = ""
	}
	return out
}

// parseTrack1 checks the data between % and ? (format code B, PAN, name, rest) and returns
// the PAN.
func parseTrack1(b []byte) (string, bool) {
	s := string(b)
	if len(s) < 1 || s[0] != 'B' {
		return "", false
	}
	fields := strings.SplitN(s[1:], "^", 3)
	if len(fields) != 3 {
		return "", false
	}
	pan, name := fields[0], fields[1]
	if len(pan) == 0 || len(pan) > maxPAN || !allDigits(pan) || len(name) > maxName {
		return "", false
	}
	return pan, true
}

// parseTrack2 checks the data between ; and ? (digits, at most one "=") and returns the
// first field.
func parseTrack2(b []byte) (string, bool) {
	s := string(b)
	first, rest, _ := strings.Cut(s, "=")
	if len(first) == 0 || len(first) > maxPAN || !allDigits(first) || !allDigits(rest) {
		return "", false
	}
	return first, true
}
