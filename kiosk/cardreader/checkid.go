package cardreader

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckID reports whether id is a card number the given kind of reader can produce, so a
// number typed by hand (`infomat service add-card ID`) is refused when no swipe could ever
// match it. The errors are Polish and say what the reader sends; they never repeat the ID
// (it may be a bank card number).
func CheckID(k Kind, id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return fmt.Errorf("pusty numer karty — przeciągnij kartę: infomat service add-card --swipe")
	}
	switch k {
	case KindRDM6300:
		if len(id) != 10 {
			return fmt.Errorf("czytnik rdm6300 podaje numer z 10 znaków szesnastkowych (np. 0F00A1B2C3), a ten ma %d — przeciągnij kartę: infomat service add-card --swipe", utf8.RuneCountInString(id))
		}
		for i := 0; i < len(id); i++ {
			if _, ok := hexVal(id[i]); !ok {
				return fmt.Errorf("czytnik rdm6300 podaje numer ze znaków 0–9 i A–F (np. 0F00A1B2C3), a ten ma inne znaki — przeciągnij kartę: infomat service add-card --swipe")
			}
		}
	case KindMagstripe:
		if len(id) > maxPAN || !allDigits(id) {
			return fmt.Errorf("czytnik kart magnetycznych podaje numer z 1–%d cyfr (bez spacji i innych znaków) — przeciągnij kartę: infomat service add-card --swipe", maxPAN)
		}
	case KindLine:
		if len(id) > MaxLine || !validLine([]byte(id)) {
			return fmt.Errorf("czytnik kodów (line) podaje jedną linię do %d bajtów bez znaków sterujących — przeciągnij kartę: infomat service add-card --swipe", MaxLine)
		}
	default:
		return fmt.Errorf("nieznany rodzaj czytnika %q — ustaw rdm6300, magstripe albo line: infomat settings set reader_kind …", string(k))
	}
	return nil
}
