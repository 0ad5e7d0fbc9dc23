package cardreader

import (
	"slices"
	"strings"
	"testing"
)

func mustParser(t testing.TB, k Kind) Parser {
	t.Helper()
	p, err := NewParser(k)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// feedAll feeds each chunk in turn and collects the cards.
func feedAll(p Parser, chunks ...[]byte) []Card {
	var out []Card
	for _, c := range chunks {
		out = append(out, p.Feed(c)...)
	}
	return out
}

func parse(t testing.TB, k Kind, s string) ([]Card, int) {
	t.Helper()
	p := mustParser(t, k)
	cards := p.Feed([]byte(s))
	return cards, p.Dropped()
}

func ids(cards []Card) []string {
	var out []string
	for _, c := range cards {
		out = append(out, c.ID)
	}
	return out
}

func checkParse(t *testing.T, k Kind, in string, want []string, wantDropped int) {
	t.Helper()
	cards, dropped := parse(t, k, in)
	if got := ids(cards); !slices.Equal(got, want) {
		t.Errorf("%s %q: cards %q, want %q", k, in, got, want)
	}
	for _, c := range cards {
		if c.Kind != k {
			t.Errorf("%s %q: card kind %q", k, in, c.Kind)
		}
	}
	if dropped != wantDropped {
		t.Errorf("%s %q: dropped %d, want %d", k, in, dropped, wantDropped)
	}
}

func TestNewParserUnknownKind(t *testing.T) {
	if _, err := NewParser("wiegand"); err == nil {
		t.Fatal("no error for an unknown kind")
	}
	for _, k := range Kinds() {
		if got, err := ParseKind(" " + strings.ToUpper(string(k)) + "\n"); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("rfid"); err == nil {
		t.Error("ParseKind accepted rfid")
	}
}

func TestRDM6300(t *testing.T) {
	const (
		// The example frame from the RDM630 data sheet: 62^E3^08^6C^ED = 08.
		datasheet = "\x0262E3086CED08\x03"
		// 0F^00^A1^B2^C3 = DF.
		card = "\x020F00A1B2C3DF\x03"
	)
	cases := []struct {
		name    string
		in      string
		want    []string
		dropped int
	}{
		{"datasheet", datasheet, []string{"62E3086CED"}, 0},
		{"valid", card, []string{"0F00A1B2C3"}, 0},
		{"lower case", "\x020f00a1b2c3df\x03", []string{"0F00A1B2C3"}, 0},
		{"bad checksum", "\x020F00A1B2C3DE\x03", nil, 1},
		{"several in one read", card + datasheet + card, []string{"0F00A1B2C3", "62E3086CED", "0F00A1B2C3"}, 0},
		{"garbage around", "\xff\x00junk" + card + "\r\n\x03zz" + datasheet + "\x00", []string{"0F00A1B2C3", "62E3086CED"}, 0},
		{"resync on STX", "\x020F00A1" + card, []string{"0F00A1B2C3"}, 1},
		{"non-hex inside", "\x020F00G1B2C3DF\x03" + card, []string{"0F00A1B2C3"}, 1},
		{"ETX early", "\x020F00A1B2C3\x03" + card, []string{"0F00A1B2C3"}, 1},
		{"over-long", "\x020F00A1B2C3DF00\x03" + card, []string{"0F00A1B2C3"}, 1},
		{"no STX", "0F00A1B2C3DF\x03", nil, 0},
		{"no ETX", "\x020F00A1B2C3DF\r\n", nil, 1},
		{"half frame at the end", card + "\x020F00", []string{"0F00A1B2C3"}, 0},
		{"frame from Frame", string(Frame(KindRDM6300, "1a2b3c4d5e")), []string{"1A2B3C4D5E"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkParse(t, KindRDM6300, c.in, c.want, c.dropped) })
	}
}

func TestMagstripe(t *testing.T) {
	const (
		t1  = "%B4111111111111111^KOWALSKI/JAN^29121010000000000000?"
		t2  = ";4111111111111111=29121010000000000?"
		pan = "4111111111111111"
	)
	cases := []struct {
		name    string
		in      string
		want    []string
		dropped int
	}{
		{"track 1+2", t1 + t2 + "\r\n", []string{pan}, 0},
		{"track 1+2 no terminator", t1 + t2, []string{pan}, 0},
		{"track 1, CRLF, track 2", t1 + "\r\n" + t2 + "\r\n", []string{pan}, 0},
		{"track 1, CR, track 2", t1 + "\r" + t2 + "\r", []string{pan}, 0},
		{"two swipes", t1 + t2 + "\r\n" + t1 + t2 + "\r\n", []string{pan, pan}, 0},
		{"two swipes, per line", t1 + "\r\n" + t2 + "\r\n" + t1 + "\r\n" + t2 + "\r\n", []string{pan, pan}, 0},
		{"track 2 only", t2 + "\r\n", []string{pan}, 0},
		{"track 2 twice", t2 + "\r\n" + t2 + "\r\n", []string{pan, pan}, 0},
		{"track 1 only", t1 + "\r\n", []string{pan}, 0},
		{"track 1 waits for the next byte", t1, nil, 0},
		{"track 2 preferred", "%B123^SERWIS^?;98765=1?", []string{"98765"}, 0},
		{"different numbers on separate lines", "%B123^SERWIS^?\r\n;98765=1?\r\n", []string{"123", "98765"}, 0},
		{"track 2 without =", ";0012345678?\n", []string{"0012345678"}, 0},
		{"track 1 bad end sentinel, track 2 good", "%B4111^X^2912\r\n" + t2, []string{pan}, 1},
		{"track 1 good, track 2 bad end sentinel", t1 + ";4111111111111111=2912\r\n", []string{pan}, 1},
		{"track 2 bad start sentinel", ":4111111111111111=2912?\r\n", nil, 1},
		{"track 1 bad start sentinel", "&B4111111111111111^X^2912?\r\n", nil, 1},
		{"track 1 wrong format code", "%A4111111111111111^X^2912?\r\n", nil, 1},
		{"track 1 without fields", "%B4111111111111111?\r\n", nil, 1},
		{"track 1 PAN not digits", "%B4111A^X^1?\r\n", nil, 1},
		{"read errors", "%E?;E?\r\n", nil, 2},
		{"PAN too long", ";12345678901234567890=1?", nil, 1},
		{"track 2 too long", ";1=" + strings.Repeat("1", 40) + "?", nil, 1},
		{"track 1 too long", "%B1^X^" + strings.Repeat("1", 80) + "?", nil, 1},
		{"lower case in track 1", "%B1^kowalski^1?", nil, 1},
		{"two = in track 2", ";1=2=3?", nil, 1},
		{"resync on a new start sentinel", "%B1^X^" + t1 + ";12=" + t2 + "\n", []string{pan}, 2},
		{"garbage between", "\x00\xff" + t1 + t2 + "\r\njunk\x00" + t2, []string{pan, pan}, 0},
		{"frame from Frame", string(Frame(KindMagstripe, "00012345")), []string{"00012345"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkParse(t, KindMagstripe, c.in, c.want, c.dropped) })
	}
}

func TestLine(t *testing.T) {
	long := strings.Repeat("A", MaxLine)
	cases := []struct {
		name    string
		in      string
		want    []string
		dropped int
	}{
		{"CRLF", "SERWIS-0042\r\n", []string{"SERWIS-0042"}, 0},
		{"CR", "SERWIS-0042\r", []string{"SERWIS-0042"}, 0},
		{"LF", "SERWIS-0042\n", []string{"SERWIS-0042"}, 0},
		{"several", "A1\r\nB2\rC3\nD4\r\n", []string{"A1", "B2", "C3", "D4"}, 0},
		{"empty lines ignored", "\r\n\r\n\n\r  \t \r\nA1\r\n\r\n", []string{"A1"}, 0},
		{"trimmed", "  00123\t \r\n", []string{"00123"}, 0},
		{"no terminator yet", "A1", nil, 0},
		{"longest", long + "\r\n", []string{long}, 0},
		{"over-long dropped", long + "B\r\nA1\r\n", []string{"A1"}, 1},
		{"much too long", strings.Repeat("x", 5000) + "\nA1\n", []string{"A1"}, 1},
		{"control character", "A\x001\r\nA\x1b[2J\r\nA1\r\n", []string{"A1"}, 2},
		{"not UTF-8", "\xff\xfe\r\nA1\r\n", []string{"A1"}, 1},
		{"UTF-8", "Łódź-7\r\n", []string{"Łódź-7"}, 0},
		{"frame from Frame", string(Frame(KindLine, "12345678")), []string{"12345678"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkParse(t, KindLine, c.in, c.want, c.dropped) })
	}
}

// samples are valid streams of each kind, with the cards they hold.
var samples = []struct {
	kind Kind
	in   string
	want []string
}{
	{KindRDM6300, "\x020F00A1B2C3DF\x03", []string{"0F00A1B2C3"}},
	{KindRDM6300, "\x020F00A1B2C3DF\x03\x0262E3086CED08\x03", []string{"0F00A1B2C3", "62E3086CED"}},
	{KindMagstripe, "%B4111111111111111^KOWALSKI/JAN^2912101?;4111111111111111=2912101?\r\n", []string{"4111111111111111"}},
	{KindMagstripe, "%B123^A^?\r\n;123=1?\r\n;555?", []string{"123", "555"}},
	{KindLine, "SERWIS-0042\r\nABC\r\n", []string{"SERWIS-0042", "ABC"}},
}

func TestSplitEverywhere(t *testing.T) {
	for _, s := range samples {
		in := []byte(s.in)
		for i := 0; i <= len(in); i++ {
			p := mustParser(t, s.kind)
			if got := ids(feedAll(p, in[:i], in[i:])); !slices.Equal(got, s.want) {
				t.Errorf("%s %q split at %d: %q, want %q", s.kind, s.in, i, got, s.want)
			}
			if p.Dropped() != 0 {
				t.Errorf("%s %q split at %d: dropped %d", s.kind, s.in, i, p.Dropped())
			}
		}
		// And one byte per Feed.
		p := mustParser(t, s.kind)
		var got []Card
		for i := range in {
			got = append(got, p.Feed(in[i:i+1])...)
		}
		if !slices.Equal(ids(got), s.want) {
			t.Errorf("%s %q byte by byte: %q, want %q", s.kind, s.in, ids(got), s.want)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		id   string
	}{
		{KindRDM6300, "0000000000"}, {KindRDM6300, "FFFFFFFFFF"}, {KindRDM6300, "0123456789"},
		{KindMagstripe, "1"}, {KindMagstripe, "1234567890123456789"},
		{KindLine, "x"}, {KindLine, strings.Repeat("9", MaxLine)},
	} {
		cards, dropped := parse(t, c.kind, string(Frame(c.kind, c.id)))
		if len(cards) != 1 || cards[0] != (Card{ID: c.id, Kind: c.kind}) || dropped != 0 {
			t.Errorf("Frame(%s, %q) parses to %v (dropped %d)", c.kind, c.id, cards, dropped)
		}
	}
	if Frame("wiegand", "1") != nil {
		t.Error("Frame of an unknown kind is not nil")
	}
}

func TestCardStringMasks(t *testing.T) {
	for c, want := range map[Card]string{
		{ID: "4111111111111111", Kind: KindMagstripe}: "magstripe:************1111",
		{ID: "0F00A1B2C3", Kind: KindRDM6300}:         "rdm6300:******B2C3",
		{ID: "ABC", Kind: KindLine}:                   "line:***",
	} {
		if got := c.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", c, got, want)
		}
	}
}
