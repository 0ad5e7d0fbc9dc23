package cardreader

import (
	"strings"
	"testing"
)

// Hand-typed numbers are checked against what each kind of reader sends; every card a
// parser yields passes for its kind.
func TestCheckID(t *testing.T) {
	for _, c := range []struct {
		kind Kind
		id   string
		want string // "" = valid; else a part of the Polish error
	}{
		{KindRDM6300, "0F00A1B2C3", ""},
		{KindRDM6300, "0f00a1b2c3", ""},
		{KindRDM6300, " 0F00A1B2C3\n", ""},
		{KindRDM6300, "12345678", "10 znaków szesnastkowych"},
		{KindRDM6300, "0F00A1B2C3D4", "a ten ma 12"},
		{KindRDM6300, "0F00A1B2CZ", "0–9 i A–F"},
		{KindRDM6300, "", "pusty numer karty"},
		{KindMagstripe, "4111111111111111", ""},
		{KindMagstripe, "4111 1111", "1–19 cyfr"},
		{KindMagstripe, "41111111111111111111", "1–19 cyfr"},
		{KindMagstripe, "0F00A1B2C3", "1–19 cyfr"},
		{KindLine, "KM-2026/0042", ""},
		{KindLine, "a\x01b", "bez znaków sterujących"},
		{KindLine, strings.Repeat("x", MaxLine+1), "do 128 bajtów"},
		{"wiegand", "123", "nieznany rodzaj czytnika"},
	} {
		err := CheckID(c.kind, c.id)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckID(%s, %q) = %v, want nil", c.kind, c.id, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckID(%s, %q) = %v, want an error with %q", c.kind, c.id, err, c.want)
		case err != nil && len(c.id) > 4 && strings.Contains(err.Error(), strings.TrimSpace(c.id)):
			t.Errorf("CheckID(%s, …) repeats the ID in its error: %v", c.kind, err)
		}
	}
	for _, k := range Kinds() {
		p, _ := NewParser(k)
		id := map[Kind]string{KindRDM6300: "0F00A1B2C3", KindMagstripe: "4111111111111111", KindLine: "KM-2026/0042"}[k]
		cards := p.Feed(Frame(k, id))
		if len(cards) == 0 {
			t.Fatalf("%s: the parser read no card from its own frame", k)
		}
		if err := CheckID(k, cards[0].ID); err != nil {
			t.Errorf("%s: a card its reader read fails CheckID: %v", k, err)
		}
	}
}
