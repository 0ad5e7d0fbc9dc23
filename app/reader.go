package app

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/l10n"
)

// element is one stop of the keypad's focus: something to read, and perhaps to activate.
type element struct {
	objs   []fyne.CanvasObject // what the focus ring goes round (a table row: its cells)
	say    func() string       // what speech says of it, in the resident's language
	act    func()              // what Select does; nil: it is only read
	scroll *touch.Scroll       // the scroll view it is in, nil when none
	key    *keyboard.Item      // an on-screen key, for the echo after it is pressed
	lang   string              // the voice for it when not the screen's (a language's own name)
}

// spokenButton is a touch.Kit button: its label as speech reads it, and whether it is a
// chosen answer.
type spokenButton interface {
	fyne.Tappable
	SpokenText() string
	Chosen() bool
}

// elements lists what root shows, in reading order: top to bottom, and left to right within
// a row. It reads the widgets the kiosk's screens are built of; a screen gives an object
// words of its own with speakAs (a masked identifier, a reference to spell).
func (u *UI) elements(root fyne.CanvasObject) []element {
	var out []element
	var walk func(o fyne.CanvasObject, sc *touch.Scroll)
	add := func(o fyne.CanvasObject, sc *touch.Scroll, say func() string, act func()) {
		out = append(out, element{objs: []fyne.CanvasObject{o}, say: say, act: act, scroll: sc})
	}
	text := func(s string) func() string { return func() string { return u.speakable(s) } }
	walk = func(o fyne.CanvasObject, sc *touch.Scroll) {
		if o == nil || !o.Visible() {
			return
		}
		if s, ok := u.sp.spoken[o]; ok {
			add(o, sc, s.say, s.act)
			out[len(out)-1].lang = s.lang
			return
		}
		switch v := o.(type) {
		case *speechLayer:
		case *fyne.Container:
			if rows, ok := markdown.TableCells(v); ok {
				u.tableElements(rows, sc, &out)
				return
			}
			kids := slices.Clone(v.Objects)
			// Reading order is where things are, not the order a layout holds them in (a
			// border layout keeps its centre first).
			slices.SortStableFunc(kids, func(a, b fyne.CanvasObject) int {
				if c := cmp.Compare(a.Position().Y, b.Position().Y); c != 0 && !overlapY(a, b) {
					return c
				}
				return cmp.Compare(a.Position().X, b.Position().X)
			})
			for _, k := range kids {
				walk(k, sc)
			}
		case *touch.Scroll:
			walk(v.Content(), v)
		case *widget.PopUp:
			walk(v.Content, sc)
		case *keyboard.Keyboard:
			for _, it := range v.Items() {
				it := it
				out = append(out, element{objs: []fyne.CanvasObject{it.Key}, scroll: sc, key: &it,
					say: func() string { return u.keyName(it) }, act: it.Press})
			}
		case *tapArea:
			add(v, sc, text(joinTexts(v.content)), v.tapped)
		case spokenButton:
			label := v.SpokenText()
			if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
				add(o, sc, func() string { return u.t("speech.disabled", "Text", u.speakable(label)) }, nil)
				return
			}
			chosen := v.Chosen()
			add(o, sc, func() string { return u.buttonSpeech(label, chosen) }, func() { v.Tapped(&fyne.PointEvent{}) })
		case *widget.Button:
			add(o, sc, func() string { return u.buttonSpeech(v.Text, false) }, v.OnTapped)
		case *widget.Check:
			add(o, sc, func() string { return u.buttonSpeech(checkMark(v.Checked)+v.Text, false) },
				func() { v.SetChecked(!v.Checked) })
		case *widget.Entry:
			add(o, sc, func() string { return u.entrySpeech(v) }, nil)
		case *widget.Label:
			if sayable(v.Text) {
				add(o, sc, func() string { return u.speakable(v.Text) }, nil)
			}
		case *markdown.Paragraph:
			if s := v.Text(); sayable(s) {
				add(o, sc, text(s), nil)
			}
		case *widget.RichText:
			if s := v.String(); sayable(s) {
				add(o, sc, text(s), nil)
			}
		case *canvas.Text:
			if sayable(v.Text) {
				add(o, sc, text(v.Text), nil)
			}
		case *wakeSurface:
			walk(v.content, sc)
		}
	}
	walk(root, nil)
	return out
}

// sayable says whether text has words to say: a bullet or a rule alone is no stop for the
// keypad. "—" stands for no answer, and speakable says so.
func sayable(text string) bool {
	if strings.TrimSpace(text) == "—" {
		return true
	}
	return strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// overlapY says whether a and b share some height: side by side in a row, so read left to
// right even if one starts a little lower (a centred label beside a taller button).
func overlapY(a, b fyne.CanvasObject) bool {
	at, bt := a.Position().Y, b.Position().Y
	return at < bt+b.Size().Height && bt < at+a.Size().Height && a.Size().Height > 0 && b.Size().Height > 0
}

// tableElements reads a table a row at a time: "wiersz 2: wtorek, 7:30–15:30".
func (u *UI) tableElements(rows [][]fyne.CanvasObject, sc *touch.Scroll, out *[]element) {
	for i, row := range rows {
		var cells []string
		for _, c := range row {
			if s := strings.TrimSpace(joinTexts(c)); s != "" {
				cells = append(cells, s)
			}
		}
		n := i + 1
		line := strings.Join(cells, ", ")
		*out = append(*out, element{objs: row, scroll: sc, say: func() string {
			return u.t("speech.row", "Row", n, "Text", u.speakable(line))
		}})
	}
}

// joinTexts gathers the text under o, for objects read as one (a list row, a table cell).
func joinTexts(o fyne.CanvasObject) string {
	var parts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, k := range v.Objects {
				walk(k)
			}
		case *widget.Label:
			parts = append(parts, v.Text)
		case *markdown.Paragraph:
			parts = append(parts, v.Text())
		case *widget.RichText:
			parts = append(parts, v.String())
		case *canvas.Text:
			parts = append(parts, v.Text)
		}
	}
	walk(o)
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ". ")
}

func checkMark(on bool) string {
	if on {
		return "☑ "
	}
	return "☐ "
}

// marks are the symbols screens put before a label; speech says what they mean instead.
var marks = []struct{ mark, id string }{
	{"☑ ", "speech.mark.ticked"}, {"☐ ", "speech.mark.unticked"},
	{"◉ ", "speech.mark.chosen"}, {"○ ", "speech.mark.unchosen"},
	{"✓ ", "speech.mark.current"}, {"⚠ ", "speech.mark.error"},
}

// speakable turns screen text into what a voice should read: lines joined, the marks put in
// words, dashes between numbers read as "to".
func (u *UI) speakable(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "—" {
		return u.t("speech.none")
	}
	for _, m := range marks {
		if rest, ok := strings.CutPrefix(s, m.mark); ok {
			return u.t(m.id, "Text", rest)
		}
	}
	return strings.ReplaceAll(s, "–", " "+u.t("speech.to")+" ")
}

// buttonSpeech says a button's label and that it is one (and chosen, for an answer).
func (u *UI) buttonSpeech(label string, chosen bool) string {
	s := u.speakable(label)
	for _, m := range marks {
		if strings.HasPrefix(label, m.mark) {
			// The mark already says whether it is chosen.
			return u.t("speech.button", "Text", s)
		}
	}
	if chosen {
		return u.t("speech.button.chosen", "Text", s)
	}
	return u.t("speech.button", "Text", s)
}

// entrySpeech says a text field and what is in it.
func (u *UI) entrySpeech(e *widget.Entry) string {
	if e.Text == "" {
		return u.t("speech.field.empty", "Hint", u.speakable(e.PlaceHolder))
	}
	return u.t("speech.field", "Text", u.speakable(e.Text))
}

// charNames names the characters speech would otherwise skip or misread.
var charNames = map[string]string{
	"-": "dash", "/": "slash", ".": "dot", " ": "space", ",": "comma", "?": "question",
	"'": "apostrophe", "@": "at", "_": "underscore",
}

// keyName says an on-screen key: its letter, or what it does.
func (u *UI) keyName(it keyboard.Item) string {
	if name, ok := charNames[it.ID]; ok {
		return u.t("speech.char." + name)
	}
	id := "speech.key." + it.ID
	if s := u.t(id); s != id {
		return s
	}
	return it.Label
}

// spoken is what a screen has speech say of one of its objects, and do on Select.
type spoken struct {
	say  func() string
	act  func() // nil: Select reads it again
	lang string // its own voice; "": the screen's
}

// speakAs gives o words of its own for this screen, and what Select does (nil: read again).
func (u *UI) speakAs(o fyne.CanvasObject, say func() string, act func()) fyne.CanvasObject {
	u.sp.spoken[o] = spoken{say: say, act: act}
	return o
}

// spell reads s a character at a time: "P R Z, myślnik, 2 0 2 6".
func (u *UI) spell(s string) string {
	var parts []string
	for _, r := range s {
		if name, ok := charNames[string(r)]; ok {
			parts = append(parts, ",", u.t("speech.char."+name)+",")
			continue
		}
		parts = append(parts, string(r))
	}
	return strings.ReplaceAll(strings.Join(parts, " "), " ,", ",")
}

// speakLang has a language's button say that language's name in its own voice: a Polish
// voice reads Cyrillic as letter names.
func (u *UI) speakLang(o fyne.CanvasObject, l l10n.Lang) {
	t, _ := o.(fyne.Tappable)
	u.sp.spoken[o] = spoken{say: l.Name, lang: string(l), act: func() {
		if t != nil {
			t.Tapped(&fyne.PointEvent{})
		}
	}}
}
