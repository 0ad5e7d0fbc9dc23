package cardreader

import (
	"cmp"
	"strings"
	"unicode/utf8"
)

// MaxLine is the longest line (in bytes, before trimming) a KindLine reader may send as a
// card; longer lines are dropped whole. Reader.MaxLine raises it for longer codes.
const MaxLine = 128

// lineParser splits the stream at CR, LF or CRLF. Empty (or all-space) lines are ignored;
// lines that are over-long, not UTF-8 or hold control characters (other than tab) are
// dropped.
type lineParser struct {
	max     int // 0 means MaxLine
	buf     []byte
	over    bool
	dropped int
}

func (p *lineParser) Dropped() int { return p.dropped }

func (p *lineParser) Feed(b []byte) []Card {
	var out []Card
	for _, c := range b {
		if !isCRLF(c) {
			if len(p.buf) < cmp.Or(p.max, MaxLine) {
				p.buf = append(p.buf, c)
			} else {
				p.over = true
			}
			continue
		}
		if card, ok := p.end(); ok {
			out = append(out, card)
		}
	}
	return out
}

// end finishes the current line.
func (p *lineParser) end() (Card, bool) {
	line, over := p.buf, p.over
	p.buf, p.over = p.buf[:0], false
	if over || !validLine(line) {
		p.dropped++
		return Card{}, false
	}
	id := strings.TrimSpace(string(line))
	if id == "" {
		return Card{}, false
	}
	return Card{ID: id, Kind: KindLine}, true
}

func validLine(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c == 0x7F {
			return false
		}
	}
	return true
}
