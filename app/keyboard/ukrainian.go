package keyboard

// The Ukrainian layout: ЙЦУКЕН as on a Ukrainian computer keyboard, with і, ї, є in their
// usual places and ґ and the apostrophe in the extra row (ґ also on a long press of г). Its
// ABC key leads to the Polish QWERTY layout with an АБВ key back, so a resident can also
// type Polish words. Every row fits the units of the Polish layout, so the keyboard is
// as wide in both and reflows the same way.

// Key ids of the alphabet switches.
const (
	idLatin    = "latin"
	idCyrillic = "cyrillic"
)

var (
	keyToLatin    = withMode(fn(idLatin, "ABC", actLayout, 2), ukrainianLatin)
	keyToCyrillic = withMode(fn(idCyrillic, "АБВ", actLayout, 2), Ukrainian)

	ukrainianLayout = [][]keySpec{
		rowDigits,
		row(chars("йцукен"), withAlts(char('г'), 'ґ'), chars("шщзхї")),
		row(withWidth(keyCaps, 1), chars("фівапролджє")),
		row(withWidth(keyShift, 1.5), chars("ячсмитьбю"), keyEnter),
		row(withWidth(withStyle(char('ґ'), styleAccent), 1.5), withWidth(withStyle(char('\''), styleAccent), 1.5), chars(",.?")),
		row(keyToDigits, keyToLatin, char('-'), keySpace, char('/')),
	}
	// ukrainianLatinLayout is the Polish text layout whose bottom row also has the way back.
	ukrainianLatinLayout = [][]keySpec{
		rowDigits, rowTop, rowHome, rowBottom, rowPolish,
		row(keyToDigits, keyToCyrillic, char('-'), keySpace, char('/')),
	}
)

func withMode(k keySpec, m Mode) keySpec {
	k.mode = m
	return k
}

func withAlts(k keySpec, alts ...rune) keySpec {
	k.alts = alts
	return k
}
