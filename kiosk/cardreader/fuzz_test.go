package cardreader

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	rdmID = regexp.MustCompile(`^[0-9A-F]{10}$`)
	magID = regexp.MustCompile(`^[0-9]{1,19}$`)
)

// fuzzParser checks that a stream never panics the parser, gives the same cards and drop
// count fed whole, byte by byte or split at split, and that every card is well formed.
func fuzzParser(t *testing.T, k Kind, data []byte, split uint) {
	whole := mustParser(t, k)
	want := whole.Feed(data)

	bytewise := mustParser(t, k)
	var got []Card
	for i := range data {
		got = append(got, bytewise.Feed(data[i:i+1])...)
	}
	if !slices.Equal(got, want) || bytewise.Dropped() != whole.Dropped() {
		t.Fatalf("byte by byte: %q dropped %d; whole: %q dropped %d", ids(got), bytewise.Dropped(), ids(want), whole.Dropped())
	}

	at := 0
	if len(data) > 0 {
		at = int(split % uint(len(data)+1))
	}
	two := mustParser(t, k)
	got = feedAll(two, data[:at], nil, data[at:])
	if !slices.Equal(got, want) || two.Dropped() != whole.Dropped() {
		t.Fatalf("split at %d: %q; whole: %q", at, ids(got), ids(want))
	}

	for _, c := range want {
		if c.Kind != k {
			t.Fatalf("card %#v has the wrong kind", c)
		}
		ok := false
		switch k {
		case KindRDM6300:
			ok = rdmID.MatchString(c.ID)
		case KindMagstripe:
			ok = magID.MatchString(c.ID)
		case KindLine:
			ok = c.ID != "" && len(c.ID) <= MaxLine && c.ID == strings.TrimSpace(c.ID) && utf8.ValidString(c.ID) && validLine([]byte(c.ID))
		}
		if !ok {
			t.Fatalf("malformed card %#v", c)
		}
	}
	if whole.Dropped() < 0 || whole.Dropped() > len(data) {
		t.Fatalf("dropped %d for %d bytes", whole.Dropped(), len(data))
	}
}

func addSeeds(f *testing.F, k Kind) {
	for _, s := range samples {
		f.Add([]byte(s.in), uint(3))
	}
	r := rand.New(rand.NewPCG(7, uint64(len(k))))
	for i := range 8 {
		b := Noise(r, 40)
		b = append(b, Frame(k, validID(r, k))...)
		f.Add(b, uint(i*5))
	}
	f.Add([]byte{}, uint(0))
}

func FuzzRDM6300(f *testing.F) {
	addSeeds(f, KindRDM6300)
	f.Add([]byte("\x020F00A1B2C3DF\x03\x02\x02\x03"), uint(7))
	f.Fuzz(func(t *testing.T, data []byte, split uint) { fuzzParser(t, KindRDM6300, data, split) })
}

func FuzzMagstripe(f *testing.F) {
	addSeeds(f, KindMagstripe)
	f.Add([]byte("%B123^A^?\r\n;123=1?%E?;E?;1?%B1^^?"), uint(11))
	f.Fuzz(func(t *testing.T, data []byte, split uint) { fuzzParser(t, KindMagstripe, data, split) })
}

func FuzzLine(f *testing.F) {
	addSeeds(f, KindLine)
	f.Add([]byte("A\r\n\r\n"+strings.Repeat("x", 200)+"\nB\r"), uint(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint) { fuzzParser(t, KindLine, data, split) })
}
