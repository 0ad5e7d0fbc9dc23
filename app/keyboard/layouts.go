package keyboard

// action says what a key does when it is pressed.
type action int

const (
	actRune      action = iota // types rune (letters follow Shift / Caps Lock)
	actString                  // types text verbatim, e.g. ".pl"
	actBackspace               // sends fyne.KeyBackspace
	actEnter                   // sends fyne.KeyReturn
	actShift                   // one-shot upper case
	actCaps                    // Caps Lock toggle
	actDigits                  // switch to the numeric pad
	actLetters                 // switch back to the letter layout
	actLayout                  // switch to the letter layout keySpec.mode (an alphabet switch)
)

// Key ids for keys whose visible glyph is not a convenient lookup name.
// Letter, digit and punctuation keys use their (lower-case) glyph as id.
const (
	idShift     = "shift"
	idCaps      = "caps"
	idBackspace = "backspace"
	idEnter     = "enter"
	idSpace     = "space"
	idDigits    = "123"
	idLetters   = "ABC"
)

// Visible glyphs for the function keys.
const (
	glyphShift     = "⇧"
	glyphCaps      = "⇪"
	glyphBackspace = "⌫"
	glyphEnter     = "↵"
	glyphSpace     = ""
)

// style selects the colouring of a key.
type style int

const (
	styleChar    style = iota // ordinary character key
	styleFunc                 // Shift, Backspace, mode switches
	styleAccent               // Polish letters and e-mail helpers
	stylePrimary              // Enter
)

// keySpec describes one key of a layout.
type keySpec struct {
	id    string  // lookup name (see keyFor)
	label string  // glyph shown on the key (letters are upper-cased on demand)
	act   action  // what the key does
	r     rune    // rune typed by actRune keys
	text  string  // text typed by actString keys
	width float32 // width in layout units, 1 = one letter key
	alts  []rune  // long-press alternatives (lower case)
	style style
	mode  Mode // layout an actLayout key switches to
}

// alternatives offered on long-press (Polish diacritics).
var alternatives = map[rune][]rune{
	'a': {'ą'},
	'c': {'ć'},
	'e': {'ę'},
	'l': {'ł'},
	'n': {'ń'},
	'o': {'ó'},
	's': {'ś'},
	'z': {'ż', 'ź'},
}

func char(r rune) keySpec {
	return keySpec{id: string(r), label: string(r), act: actRune, r: r, width: 1, alts: alternatives[r]}
}

func chars(s string) []keySpec {
	out := make([]keySpec, 0, len(s))
	for _, r := range s {
		out = append(out, char(r))
	}
	return out
}

func accent(s string) []keySpec {
	out := chars(s)
	for i := range out {
		out[i].style = styleAccent
	}
	return out
}

func str(s string, width float32) keySpec {
	return keySpec{id: s, label: s, act: actString, text: s, width: width, style: styleAccent}
}

func fn(id, label string, act action, width float32) keySpec {
	return keySpec{id: id, label: label, act: act, width: width, style: styleFunc}
}

func withWidth(k keySpec, width float32) keySpec {
	k.width = width
	return k
}

func withStyle(k keySpec, s style) keySpec {
	k.style = s
	return k
}

func row(parts ...any) []keySpec {
	var out []keySpec
	for _, p := range parts {
		switch v := p.(type) {
		case keySpec:
			out = append(out, v)
		case []keySpec:
			out = append(out, v...)
		}
	}
	return out
}

var (
	keyBackspace = withWidth(fn(idBackspace, glyphBackspace, actBackspace, 1), 2)
	keyEnter     = withStyle(fn(idEnter, glyphEnter, actEnter, 1.5), stylePrimary)
	keyShift     = fn(idShift, glyphShift, actShift, 2)
	keyCaps      = fn(idCaps, glyphCaps, actCaps, 1.5)
	keySpace     = keySpec{id: idSpace, label: glyphSpace, act: actRune, r: ' ', width: 6}
	keyToDigits  = fn(idDigits, "123", actDigits, 2)
)

// Polish programmer layout (plain QWERTY); Polish letters come from the
// extra row or from long-press on the base letter.
var (
	rowDigits = row(chars("1234567890"), keyBackspace)
	rowTop    = row(chars("qwertyuiop"))
	rowHome   = row(keyCaps, chars("asdfghjkl"), keyEnter)
	rowBottom = row(keyShift, chars("zxcvbnm,.?"))
	rowPolish = row(accent("ąćęłńóśźż"))
	rowEmail  = row(
		withWidth(withStyle(char('@'), styleAccent), 1.5),
		withWidth(withStyle(char('.'), styleAccent), 1.5),
		withWidth(withStyle(char('-'), styleAccent), 1.5),
		withWidth(withStyle(char('_'), styleAccent), 1.5),
		str(".pl", 2),
		str(".com", 2),
	)
	rowSpace   = row(keyToDigits, char('-'), keySpace, char('/'))
	textLayout = [][]keySpec{rowDigits, rowTop, rowHome, rowBottom, rowPolish, rowSpace}
	// Email mode: Polish letters are replaced by the e-mail helper row
	// (addresses with diacritics are rejected almost everywhere); long-press
	// alternatives still work.
	emailLayout  = [][]keySpec{rowDigits, rowTop, rowHome, rowBottom, rowEmail, rowSpace}
	digitsLayout = [][]keySpec{
		row(chars("123")),
		row(chars("456")),
		row(chars("789")),
		row(char('-'), char('0'), withWidth(keyBackspace, 1)),
		row(fn(idLetters, "ABC", actLetters, 1.5), keyEnter),
	}
	// dateLayout is the numeric pad with the "." dates are written with instead of "-".
	dateLayout = [][]keySpec{
		row(chars("123")),
		row(chars("456")),
		row(chars("789")),
		row(char('.'), char('0'), withWidth(keyBackspace, 1)),
		row(fn(idLetters, "ABC", actLetters, 1.5), keyEnter),
	}
)

// maxRows is the largest row count of all layouts; the keyboard reserves
// that height in every mode so switching modes does not resize it.
func maxRows() int {
	n := 0
	for _, l := range [][][]keySpec{textLayout, emailLayout, digitsLayout, dateLayout} {
		n = max(n, len(l))
	}
	return n
}

func rowUnits(r []keySpec) float32 {
	var u float32
	for _, k := range r {
		u += k.width
	}
	return u
}

func layoutUnits(l [][]keySpec) float32 {
	var u float32
	for _, r := range l {
		u = max(u, rowUnits(r))
	}
	return u
}
