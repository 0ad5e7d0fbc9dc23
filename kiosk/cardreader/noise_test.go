package cardreader

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNoiseNeverYieldsCards(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range Kinds() {
		p := mustParser(t, k)
		for i := range 10000 {
			n := 1 + r.IntN(512)
			noise := Noise(r, n)
			if len(noise) < n {
				t.Fatalf("Noise(%d) gave %d bytes", n, len(noise))
			}
			// A fresh parser, and one that has seen everything before.
			if cards := mustParser(t, k).Feed(noise); len(cards) > 0 {
				t.Fatalf("%s: noise buffer %d gave %v: %q", k, i, cards, noise)
			}
			if cards := p.Feed(noise); len(cards) > 0 {
				t.Fatalf("%s: noise buffer %d (continued stream) gave %v: %q", k, i, cards, noise)
			}
		}
		if p.Dropped() == 0 {
			t.Errorf("%s: 10k noise buffers dropped no frame", k)
		}
		t.Logf("%s: %d frames dropped from 10k noise buffers", k, p.Dropped())
	}
	if Noise(r, 0) != nil {
		t.Error("Noise(0) is not nil")
	}
}

// TestNoiseHasVariety makes sure the noise exercises the parsers' drop paths, not only
// their garbage skipping.
func TestNoiseHasVariety(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all := Noise(r, 200000)
	for _, want := range [][]byte{{stx}, {etx}, []byte("%B"), []byte(";"), []byte("?"), []byte("\r\n"), []byte("%E?")} {
		if !bytes.Contains(all, want) {
			t.Errorf("noise never contains %q", want)
		}
	}
}

func validID(r *rand.Rand, k Kind) string {
	switch k {
	case KindRDM6300:
		b := make([]byte, 10)
		for i := range b {
			b[i] = hexUpper[r.IntN(16)]
		}
		return string(b)
	case KindMagstripe:
		b := make([]byte, 1+r.IntN(maxPAN))
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	default:
		b := make([]byte, 1+r.IntN(40))
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/. "
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		b[0], b[len(b)-1] = 'K', '7' // no surrounding space
		return string(b)
	}
}

func TestNoiseInterleavedWithFrames(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range Kinds() {
		for round := range 500 {
			var stream []byte
			var want []string
			for range 1 + r.IntN(8) {
				if r.IntN(2) == 0 {
					stream = append(stream, Noise(r, 1+r.IntN(200))...)
				}
				id := validID(r, k)
				want = append(want, id)
				stream = append(stream, Frame(k, id)...)
			}
			stream = append(stream, Noise(r, 1+r.IntN(200))...)

			got := ids(mustParser(t, k).Feed(stream))
			if !slices.Equal(got, want) {
				t.Fatalf("%s round %d: got %q, want %q\nstream %q", k, round, got, want, stream)
			}
			// The same stream in random pieces.
			p := mustParser(t, k)
			var pieces []Card
			for rest := stream; len(rest) > 0; {
				n := min(len(rest), 1+r.IntN(20))
				pieces = append(pieces, p.Feed(rest[:n])...)
				rest = rest[n:]
			}
			if !slices.Equal(ids(pieces), want) {
				t.Fatalf("%s round %d in pieces: got %q, want %q", k, round, ids(pieces), want)
			}
		}
	}
}
