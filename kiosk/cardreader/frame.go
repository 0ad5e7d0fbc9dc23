package cardreader

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Frame encodes a card the way a reader of kind k sends it, for the card-reader simulator
// and tests. The id must be valid for the kind (10 hex digits for KindRDM6300, 1–19 digits
// for KindMagstripe, a non-empty line of at most MaxLine bytes for KindLine); otherwise the
// bytes are still produced, and a Parser drops them. An unknown kind gives nil.
//
//   - KindRDM6300: STX, the id upper-case, its XOR checksum, ETX.
//   - KindMagstripe: a swipe of a card with both tracks: %B id ^INFOMAT/SERWIS^ 2912101 ?
//     ; id = 2912101 ? CR LF.
//   - KindLine: id CR LF.
func Frame(k Kind, id string) []byte {
	switch k {
	case KindRDM6300:
		id = strings.ToUpper(id)
		return fmt.Appendf(nil, "\x02%s%02X\x03", id, xorHex(id))
	case KindMagstripe:
		return fmt.Appendf(nil, "%%B%s^INFOMAT/SERWIS^2912101?;%s=2912101?\r\n", id, id)
	case KindLine:
		return fmt.Appendf(nil, "%s\r\n", id)
	}
	return nil
}

// noiseLead starts every noise chunk: bytes that no kind accepts inside a frame, track or
// line (C0 controls other than STX/ETX/CR/LF, DEL, a byte that is never UTF-8), so whatever a
// chunk left open cannot be completed by the next one.
var noiseLead = []byte{0x00, 0x18, 0x1B, 0x7F, 0xFF}

// Noise returns realistic garbage of about n bytes (never fewer; nil for n <= 0) as a
// reader's line may carry it: random bytes, truncated or over-long STX frames, frames with bad
// checksums or non-hex digits, tracks with bad start or end sentinels, reader error tracks
// (%E?), and CR/LF between them. It always ends with CR LF, and no Parser of any kind
// gets a card out of it, on its own or between valid frames.
func Noise(r *rand.Rand, n int) []byte {
	if n <= 0 {
		return nil
	}
	var b []byte
	for len(b)+2 < n {
		if len(b) > 0 && r.IntN(3) == 0 {
			b = append(b, [][]byte{{'\r'}, {'\n'}, {'\r', '\n'}}[r.IntN(3)]...)
		}
		b = append(b, noiseLead[r.IntN(len(noiseLead))])
		b = noiseChunk(r, b)
	}
	return append(b, '\r', '\n')
}

func noiseChunk(r *rand.Rand, b []byte) []byte {
	hex := func(n int) []byte {
		h := make([]byte, n)
		for i := range h {
			h[i] = hexUpper[r.IntN(16)]
		}
		return h
	}
	digits := func(n int) string {
		d := make([]byte, n)
		for i := range d {
			d[i] = byte('0' + r.IntN(10))
		}
		return string(d)
	}
	switch r.IntN(11) {
	case 0, 1: // random bytes, without the bytes that end a frame, track or line
		for range 1 + r.IntN(32) {
			c := byte(r.IntN(256))
			switch c {
			case etx, '?', '\r', '\n':
				c = 0
			}
			b = append(b, c)
		}
	case 2: // RDM6300 frame cut short
		b = append(b, stx)
		b = append(b, hex(r.IntN(rdmHex))...)
	case 3: // RDM6300 frame with a bad checksum
		data := hex(10)
		b = fmt.Appendf(b, "\x02%s%02X\x03", data, xorHex(string(data))^byte(1+r.IntN(255)))
	case 4: // RDM6300 frame with a non-hex byte inside
		frame := append([]byte{stx}, hex(rdmHex)...)
		const notHex = "GZgz -:\x00\x7F\xFF"
		frame[1+r.IntN(rdmHex)] = notHex[r.IntN(len(notHex))]
		b = append(append(b, frame...), etx)
	case 5: // RDM6300 frame too long, too short, or without STX
		switch r.IntN(3) {
		case 0:
			b = append(append(b, stx), hex(rdmHex+1+r.IntN(8))...)
		case 1:
			b = append(append(b, stx), hex(r.IntN(rdmHex))...)
		default:
			b = append(b, Frame(KindRDM6300, string(hex(10)))[1:]...)
		}
		b = append(b, etx)
	case 6: // track 2 with a bad start sentinel
		b = append(b, "+:<>="[r.IntN(5)])
		b = fmt.Appendf(b, "%s=%s?", digits(1+r.IntN(19)), digits(r.IntN(12)))
	case 7: // track 1 with a bad start sentinel
		b = fmt.Appendf(b, "%sB%s^KOWALSKI/JAN^%s?", []string{"", "&", "#", "5"}[r.IntN(4)],
			digits(1+r.IntN(19)), digits(r.IntN(12)))
	case 8: // track 1 or 2 without its end sentinel
		if r.IntN(2) == 0 {
			b = fmt.Appendf(b, "%%B%s^NOWAK/ANNA^%s", digits(1+r.IntN(19)), digits(r.IntN(12)))
		} else {
			b = fmt.Appendf(b, ";%s=%s", digits(1+r.IntN(19)), digits(r.IntN(12)))
		}
	case 9: // a reader's "could not read" tracks, or a PAN too long
		b = append(b, []string{"%E?", ";E?", "%E?;E?", ";" + digits(20+r.IntN(10)) + "=1?"}[r.IntN(4)]...)
	case 10: // printable junk (a misconfigured scanner, a wrong baud rate)
		for range 1 + r.IntN(40) {
			c := byte(0x20 + r.IntN(0x5F))
			if c == '?' {
				c = '!'
			}
			b = append(b, c)
		}
	}
	return b
}

// xorHex is the XOR of the bytes spelled by pairs of hex digits (the RDM6300 checksum).
func xorHex(h string) byte {
	var sum byte
	for i := 0; i+1 < len(h); i += 2 {
		hi, _ := hexVal(h[i])
		lo, _ := hexVal(h[i+1])
		sum ^= hi<<4 | lo
	}
	return sum
}
