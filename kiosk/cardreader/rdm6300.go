package cardreader

const (
	stx = 0x02
	etx = 0x03

	rdmHex = 12 // 10 data + 2 checksum hex digits between STX and ETX
)

// rdmParser decodes RDM6300/EM4100 frames: STX, 10 hex data, 2 hex checksum, ETX.
// It resynchronises on every STX; anything else outside a frame is skipped.
type rdmParser struct {
	in      bool // after an STX
	n       int
	buf     [rdmHex]byte
	dropped int
}

func (p *rdmParser) Dropped() int { return p.dropped }

func (p *rdmParser) Feed(b []byte) []Card {
	var out []Card
	for _, c := range b {
		if c == stx {
			if p.in {
				p.dropped++ // a frame cut short by the next one
			}
			p.in, p.n = true, 0
			continue
		}
		if !p.in {
			continue
		}
		switch {
		case p.n < rdmHex:
			if _, ok := hexVal(c); !ok {
				p.drop() // non-hex inside a frame, or ETX too early
				continue
			}
			p.buf[p.n] = c
			p.n++
		case c == etx:
			p.in = false
			if card, ok := decodeRDM(p.buf[:]); ok {
				out = append(out, card)
			} else {
				p.dropped++
			}
		default:
			p.drop() // over-long
		}
	}
	return out
}

func (p *rdmParser) drop() {
	p.in = false
	p.dropped++
}

// decodeRDM checks the checksum of 12 hex digits and returns the card.
func decodeRDM(h []byte) (Card, bool) {
	var sum byte
	id := make([]byte, 10)
	for i := 0; i < 5; i++ {
		hi, _ := hexVal(h[2*i])
		lo, _ := hexVal(h[2*i+1])
		sum ^= hi<<4 | lo
		id[2*i], id[2*i+1] = hexUpper[hi], hexUpper[lo]
	}
	hi, _ := hexVal(h[10])
	lo, _ := hexVal(h[11])
	if sum != hi<<4|lo {
		return Card{}, false
	}
	return Card{ID: string(id), Kind: KindRDM6300}, true
}

const hexUpper = "0123456789ABCDEF"
