package app

import (
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"

	"infomat/l10n"
)

// recorder is a Speaker that writes down what it was asked to say.
type recorder struct {
	said   []utterance
	cues   []string
	stops  int
	rate   int
	volume int
}

type utterance struct{ lang, text string }

func (r *recorder) Say(lang, text string) { r.said = append(r.said, utterance{lang, text}) }
func (r *recorder) Stop()                 { r.stops++ }
func (r *recorder) SetRate(wpm int)       { r.rate = wpm }
func (r *recorder) SetVolume(p int)       { r.volume = p }
func (r *recorder) Cue(name string)       { r.cues = append(r.cues, name) }

func (r *recorder) last() string {
	if len(r.said) == 0 {
		return ""
	}
	return r.said[len(r.said)-1].text
}

// newSpeechHarness is the UI on the embedded content with a recorder for a speaker.
func newSpeechHarness(t testing.TB) (*harness, *recorder, *fakeSubmitter) {
	t.Helper()
	h, sub := newFormHarness(t)
	rec := &recorder{}
	h.ui.d.Speaker = rec
	h.ui.render()
	return h, rec, sub
}

// press sends a key as the desktop driver does: to the focused widget, else to the window.
func (h *harness) press(name fyne.KeyName) {
	h.t.Helper()
	ev := &fyne.KeyEvent{Name: name}
	if f := h.win.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	h.win.Canvas().OnTypedKey()(ev)
}

// downTo moves the keypad's focus until speech says something containing want, going down
// and, past the end, up again; it fails when nothing on the screen says it.
func (h *harness) downTo(rec *recorder, want string) string {
	h.t.Helper()
	return h.seek(rec, want, func(s string) bool { return strings.Contains(s, want) })
}

// downToExactly is downTo for an utterance that must be want and nothing more (a key).
func (h *harness) downToExactly(rec *recorder, want string) {
	h.t.Helper()
	h.seek(rec, want, func(s string) bool { return strings.EqualFold(s, want) })
}

func (h *harness) seek(rec *recorder, want string, match func(string) bool) string {
	h.t.Helper()
	for _, dir := range []fyne.KeyName{fyne.KeyDown, fyne.KeyUp} {
		for range 400 {
			h.press(dir)
			last := rec.last()
			if match(last) {
				return last
			}
			if last == h.loc.T("speech.end") || last == h.loc.T("speech.top") {
				break
			}
		}
	}
	h.t.Fatalf("speech never said %q; last said %q; screen: %s", want, rec.last(), h.screenSummary())
	return ""
}

// typeKeys types text on the on-screen keyboard with the keypad alone: to each key, Select.
func (h *harness) typeKeys(rec *recorder, text string) {
	h.t.Helper()
	for _, r := range text {
		name := string(unicode.ToLower(r))
		if n, ok := charNames[name]; ok {
			name = h.loc.T("speech.char." + n)
		}
		if unicode.IsUpper(r) {
			h.downToExactly(rec, h.loc.T("speech.key.shift"))
			h.press(fyne.KeyReturn)
		}
		h.downToExactly(rec, name)
		h.press(fyne.KeyReturn)
	}
}

// saidInOrder checks that each of wants was said, in this order.
func saidInOrder(t *testing.T, rec *recorder, wants ...string) {
	t.Helper()
	i := 0
	for _, u := range rec.said {
		if i < len(wants) && strings.Contains(u.text, wants[i]) {
			i++
		}
	}
	if i < len(wants) {
		var all []string
		for _, u := range rec.said {
			all = append(all, u.text)
		}
		t.Fatalf("never said %q after %q; said:\n%s", wants[i], wants[max(i-1, 0)], strings.Join(all, "\n"))
	}
}

// A blind resident files the registration of residence with the keypad and their ears
// alone: no touch, no look at the screen.
func TestBlindWalkFilesAForm(t *testing.T) {
	h, rec, sub := newSpeechHarness(t)
	h.press(fyne.KeyDown) // any key starts speech mode
	if !strings.HasPrefix(rec.last(), h.loc.T("speech.intro")) || !strings.Contains(rec.last(), "Ekran startowy") {
		t.Fatalf("the first key said %q", rec.last())
	}
	h.keypadToForm(rec)
	if last := rec.last(); !strings.HasPrefix(last, "Krok 1.") || !strings.Contains(last, "Jak masz na imię?") {
		t.Fatalf("the first step said %q on arrival", last)
	}

	h.downTo(rec, "pole tekstowe, puste") // Krok 1: the first name
	h.typeKeys(rec, "Jan")
	h.downTo(rec, "Pole tekstowe: Jan")
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "pole tekstowe, puste")
	h.typeKeys(rec, "Nowak")
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)

	// PESEL, with a wrong check digit: typed as tones, the error said at once.
	h.downTo(rec, "pole tekstowe, puste")
	cues := len(rec.cues)
	h.typeKeys(rec, "44051401358")
	if got := len(rec.cues) - cues; got != 11 {
		t.Errorf("11 PESEL digits gave %d tones", got)
	}
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)
	if !strings.HasPrefix(rec.last(), "Błąd: ") || !strings.Contains(rec.last(), "PESEL") {
		t.Fatalf("a wrong PESEL said %q", rec.last())
	}
	h.downTo(rec, "Pole tekstowe: wpisano 11 znaków")
	h.downTo(rec, h.loc.T("speech.key.backspace"))
	h.press(fyne.KeyReturn)
	h.typeKeys(rec, "9")
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)

	for _, answer := range []string{"Polna 5", "99-150", "01.11.2026"} {
		h.downTo(rec, "pole tekstowe, puste")
		h.typeKeys(rec, answer)
		h.downTo(rec, "Dalej, przycisk")
		h.press(fyne.KeyReturn)
	}
	h.downTo(rec, "Wynajmuję, niewybrane")
	h.press(fyne.KeyReturn)
	if !strings.Contains(rec.last(), "Wynajmuję, wybrane") {
		t.Fatalf("choosing said %q", rec.last())
	}
	h.downTo(rec, "Dalej, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Dalej, przycisk") // the phone is optional
	h.press(fyne.KeyReturn)

	// The review: the PESEL is not read out in the lobby.
	h.downTo(rec, "Zmień: Jak masz na imię?, przycisk") // each Zmień names its question
	h.downTo(rec, h.loc.T("speech.masked"))
	h.downTo(rec, "Wszystko się zgadza")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Administrator danych") // the RODO clause is read
	h.downTo(rec, "Wyślij wniosek, przycisk")
	h.press(fyne.KeyReturn) // without consent
	if !strings.Contains(rec.last(), "Błąd: ") {
		t.Fatalf("sending without consent said %q", rec.last())
	}
	if !strings.Contains(rec.last(), "Błąd: ") {
		t.Fatalf("sending without consent said %q", rec.last())
	}
	h.press(fyne.KeyDown) // the focus stayed on Wyślij: after it comes the end of the screen
	if rec.last() == "Wyślij wniosek, przycisk" || strings.Contains(rec.last(), "niezaznaczone") {
		t.Fatalf("after the error Down said %q: the focus moved", rec.last())
	}
	h.downTo(rec, "chcę wysłać wniosek, niezaznaczone")
	h.press(fyne.KeyReturn)
	if !strings.Contains(rec.last(), "chcę wysłać wniosek, zaznaczone") {
		t.Fatalf("ticking consent said %q", rec.last())
	}
	h.downTo(rec, "Wyślij wniosek, przycisk")
	h.press(fyne.KeyReturn)

	if len(sub.got) != 1 || sub.got[0]["pesel"] != "44051401359" || sub.got[0]["imie"] != "Jan" {
		t.Fatalf("filed %v", sub.got)
	}
	// The reference spelled, a character at a time.
	ref := "Numer sprawy: P R Z, myślnik, 7 K 4 M, myślnik, Q 2."
	if !strings.Contains(rec.last(), "Wniosek został zapisany") || !strings.Contains(rec.last(), ref) {
		t.Fatalf("the confirmation said %q, want %q in it", rec.last(), ref)
	}
	saidInOrder(t, rec, "Czytanie na głos włączone", "Sprawy urzędowe", "Meldunek",
		"Zameldowanie na pobyt stały", "Krok 1", "Jan", "Błąd: ", "Sprawdź odpowiedzi",
		"Administrator danych", "Błąd: ", "zaznaczone", ref)
	for _, u := range rec.said {
		if strings.Contains(strings.ReplaceAll(u.text, " ", ""), "4405140135") {
			t.Fatalf("the PESEL was said aloud without headphones: %q", u.text)
		}
	}
}

// With headphones in, identifiers are read: the resident alone hears them.
func TestHeadphonesStartSpeechAndReadIdentifiers(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	plugged := false
	h.ui.d.Headphones = func() bool { return plugged }
	h.ui.Tick()
	if h.ui.sp.on {
		t.Fatal("speech mode without headphones or a key")
	}
	plugged = true
	h.ui.Tick()
	if !h.ui.sp.on || !strings.HasPrefix(rec.last(), h.loc.T("speech.intro.headphones")) {
		t.Fatalf("plugging headphones in said %q", rec.last())
	}
	h.keypadToForm(rec)
	for range 2 {
		h.downTo(rec, "pole tekstowe, puste")
		h.typeKeys(rec, "jan")
		h.downTo(rec, "Dalej, przycisk")
		h.press(fyne.KeyReturn)
	}
	h.downTo(rec, "pole tekstowe, puste")
	h.typeKeys(rec, "440")
	if got := rec.last(); got != "0" {
		t.Fatalf("with headphones a PESEL key echoes %q", got)
	}
	h.downTo(rec, "Pole tekstowe: 4 4 0")
}

// Speech stops when the resident acts, says errors and the idle warning, and the session's
// end puts everything back: speech off, normal rate and volume.
func TestSpeechStopsAndResets(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	if !h.ui.sp.on {
		t.Fatal("F1 did not start speech mode")
	}
	stops := rec.stops
	h.tap("Sprawy urzędowe") // a touch in speech mode says what it touched, and stops speech first
	if rec.stops == stops {
		t.Error("a touch did not stop speech")
	}
	h.press("+") // a key named "+" is left to the character it types
	h.win.Canvas().OnTypedRune()('+')
	h.win.Canvas().OnTypedRune()('+')
	if rec.volume != speechVolumes[defaultVolume+2] || !strings.Contains(rec.last(), "Głośność") {
		t.Fatalf("+ twice: volume %d, said %q", rec.volume, rec.last())
	}
	h.win.Canvas().OnTypedRune()('?')
	if !strings.Contains(rec.last(), h.loc.T("speech.help.home")) {
		t.Fatalf("help said %q", rec.last())
	}
	// The idle warning: a sound and the question, with the focus on "More time".
	h.press(fyne.KeyDown)
	h.press(fyne.KeyReturn)
	h.clock.advance(75 * 1e9)
	h.ui.Tick()
	if len(rec.cues) == 0 || rec.cues[len(rec.cues)-1] != CueWarning {
		t.Fatalf("the idle warning gave cues %v", rec.cues)
	}
	if !strings.Contains(rec.last(), h.loc.T("idle.question")) || !strings.Contains(rec.last(), h.loc.T("idle.more")) {
		t.Fatalf("the idle warning said %q", rec.last())
	}
	h.clock.advance(30 * 1e9)
	h.ui.Tick()
	if h.ui.sp.on || rec.volume != speechVolumes[defaultVolume] || rec.rate != speechRates[defaultRate] {
		t.Fatalf("after the reset: speech %v, volume %d, rate %d", h.ui.sp.on, rec.volume, rec.rate)
	}
	if h.ui.d.Loc.Lang() != l10n.PL {
		t.Fatal("language kept")
	}
}

// Every message speech builds from a name exists in every language.
func TestSpeechMessagesExist(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for k := homeScreen; k <= attachmentScreen; k++ {
		ids = append(ids, "speech.help."+k.name())
	}
	for _, n := range charNames {
		ids = append(ids, "speech.char."+n)
	}
	for _, lang := range l10n.Languages {
		for _, id := range ids {
			if got := h.loc.In(lang, id); got == id || got == h.loc.In(l10n.PL, id) && lang != l10n.PL {
				t.Errorf("%s: no %s", lang, id)
			}
		}
	}
}

// keypadToForm finds the registration of residence from home with the keypad and starts
// its form.
func (h *harness) keypadToForm(rec *recorder) {
	h.t.Helper()
	h.downTo(rec, "Sprawy urzędowe, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Meldunek")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Zameldowanie na pobyt stały")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Złóż wniosek tutaj, przycisk")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "Rozpocznij, przycisk")
	h.press(fyne.KeyReturn)
}

// A BIP page is read a block at a time and its tables a row at a time.
func TestSpeechReadsTablesByRow(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	h.ui.push(route{kind: pageScreen, id: "dane-podmiotu/dane-kontaktowe"})
	if !strings.Contains(rec.last(), "Dane kontaktowe Urzędu Gminy Przykładowa") {
		t.Fatalf("arrival said %q", rec.last())
	}
	h.downTo(rec, "wiersz 1: Dzień, Godziny")
	h.press(fyne.KeyDown)
	h.press(fyne.KeyDown)
	if got, want := rec.last(), "wiersz 3: wtorek do czwartek, 7:30 do 15:30"; got != want {
		t.Fatalf("the third row said %q, want %q", got, want)
	}
}

// In speech mode a touch says what is under the finger and moves the focus there, a drag
// says each thing it enters, and a double tap does what a tap would.
func TestTouchToHear(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	h.tap("Sprawy urzędowe")
	if rec.last() != "Sprawy urzędowe, przycisk" || h.ui.current().kind != homeScreen {
		t.Fatalf("a touch said %q and went to %v", rec.last(), h.ui.current().kind)
	}
	n0 := len(rec.said)
	h.tap("Sprawy urzędowe") // touched again: said again
	if len(rec.said) != n0+1 || rec.last() != "Sprawy urzędowe, przycisk" {
		t.Fatalf("a second touch said %q", rec.said[n0:])
	}
	// The focus follows the finger: Down goes on from there.
	h.press(fyne.KeyDown)
	if rec.last() != "Biuletyn (BIP), przycisk" {
		t.Fatalf("Down after the touch said %q", rec.last())
	}
	n := len(rec.said)
	from, to := h.where("Sprawy urzędowe"), h.where("Szukaj")
	for i := range 11 {
		f := float32(i) / 10
		h.ui.sp.layer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: fyne.NewPos(
			from.X+(to.X-from.X)*f, from.Y+(to.Y-from.Y)*f)}})
	}
	var dragged []string
	for _, u := range rec.said[n:] {
		dragged = append(dragged, u.text)
	}
	if len(dragged) != 2 || dragged[0] != "Sprawy urzędowe, przycisk" || dragged[1] != "Szukaj, przycisk" {
		t.Fatalf("the drag said %q", dragged)
	}
	h.ui.sp.layer.DoubleTapped(&fyne.PointEvent{AbsolutePosition: h.where("Sprawy urzędowe")})
	if h.ui.current().kind != categoriesScreen || !strings.Contains(rec.last(), "Sprawy urzędowe") {
		t.Fatalf("a double tap went to %v, said %q", h.ui.current().kind, rec.last())
	}
}

// The service PIN is heard as tones: its keys are never echoed and its field never read.
func TestSpeechPINIsTonesOnly(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	h.ui.push(route{kind: pinScreen})
	h.downTo(rec, h.loc.T("speech.pin"))
	cues := len(rec.cues)
	said := len(rec.said)
	for _, d := range "4711" {
		h.downToExactly(rec, string(d))
		h.press(fyne.KeyReturn)
	}
	if got := len(rec.cues) - cues; got != 4 {
		t.Errorf("4 PIN keys gave %d tones", got)
	}
	for _, u := range rec.said[said:] {
		if strings.Contains(u.text, "PIN") && strings.ContainsAny(u.text, "0123456789") {
			t.Errorf("said %q", u.text)
		}
	}
	h.downTo(rec, h.loc.T("speech.pin"))
}

// Larger text and high contrast combine with speech mode: the keypad still reaches
// everything and the focus ring stays on the screen round what is said.
func TestSpeechWithLargeTextAndContrast(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.ui.look = Look{Text: TextSize(len(textScales) - 1), HighContrast: true}
	h.ui.applyLook()
	h.press(fyne.KeyF1)
	h.keypadToForm(rec)
	h.downTo(rec, "pole tekstowe, puste")
	h.typeKeys(rec, "Ola")
	h.downTo(rec, "Dalej, przycisk")
	ring := h.ui.layerOf(h.ui.root()).ring
	size := h.win.Canvas().Size()
	p := absPos(ring)
	if ring.Hidden || p.X < -1 || p.Y < -1 || p.X+ring.Size().Width > size.Width+1 || p.Y+ring.Size().Height > size.Height+1 {
		t.Fatalf("ring hidden %v at %v size %v on a %v screen", ring.Hidden, p, ring.Size(), size)
	}
	// It surrounds the button said.
	next := h.where("Dalej")
	if next.X < p.X || next.Y < p.Y || next.X > p.X+ring.Size().Width || next.Y > p.Y+ring.Size().Height {
		t.Fatalf("the ring at %v %v misses Dalej at %v", p, ring.Size(), next)
	}
	h.screenshot("speech-large-contrast")
	h.press(fyne.KeyReturn)
	h.downTo(rec, "pole tekstowe, puste")
}

// An untouched home screen says now and then, in each language in turn, how to start
// speech mode; a resident at the screen is not talked over.
func TestSpeechPrompt(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.ui.d.SpeechPrompt = DefaultSpeechPrompt
	var langs []string
	for range 4 * 60 {
		h.clock.advance(1e9)
		h.ui.Tick()
	}
	for _, u := range rec.said {
		langs = append(langs, u.lang)
		if u.text != h.loc.In(l10n.Lang(u.lang), "speech.prompt") {
			t.Errorf("the prompt said %q in %s", u.text, u.lang)
		}
	}
	if strings.Join(langs, " ") != "pl en uk pl" {
		t.Fatalf("four minutes of prompts in %v", langs)
	}
	n := len(rec.said)
	h.tap("Sprawy urzędowe")
	for range 65 {
		h.clock.advance(1e9)
		h.ui.Tick()
	}
	if h.ui.current().kind != categoriesScreen {
		t.Fatalf("on %v", h.ui.current().kind)
	}
	if len(rec.said) != n {
		t.Fatalf("a resident at the screen heard %q", rec.said[n:])
	}
}

// BenchmarkSpeechKeyToSay times the kiosk's own share of a key press's latency: from the
// key to the Speaker's Say (the walk of the screen, the focus ring, the words), on the
// screens with the most to walk: a form question with its keyboard, and a long BIP page.
// kiosk/speech's BenchmarkSayToFirstAudio times the rest, from Say to the first sound.
func BenchmarkSpeechKeyToSay(b *testing.B) {
	for _, sc := range []struct {
		name string
		r    route
	}{
		{"form-keyboard", route{kind: procedureScreen, id: "zameldowanie-pobyt-staly"}},
		{"bip-page", route{kind: pageScreen, id: "prawo-lokalne/uchwala-budzetowa-2026"}},
	} {
		b.Run(sc.name, func(b *testing.B) {
			h, rec, _ := newSpeechHarness(b)
			h.press(fyne.KeyF1)
			h.ui.push(sc.r)
			if sc.name == "form-keyboard" {
				h.downTo(rec, "Złóż wniosek tutaj, przycisk")
				h.press(fyne.KeyReturn)
				h.downTo(rec, "Rozpocznij, przycisk")
				h.press(fyne.KeyReturn)
			}
			els := len(h.ui.elements(h.ui.root()))
			dir := fyne.KeyName(fyne.KeyDown)
			for b.Loop() {
				n := len(rec.said)
				h.press(dir)
				if len(rec.said) == n {
					b.Fatal("the key said nothing")
				}
				if last := rec.last(); last == h.loc.T("speech.end") {
					dir = fyne.KeyUp
				} else if last == h.loc.T("speech.top") {
					dir = fyne.KeyDown
				}
			}
			b.ReportMetric(float64(els), "elements")
		})
	}
}

// A full keyboard used as the keypad types its letters into the field on screen, echoed as
// speech says keys; the keypad's own keys keep their meaning.
func TestSpeechTypesFromAFullKeyboard(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	h.keypadToForm(rec)
	for _, r := range "Ewa" {
		h.win.Canvas().OnTypedRune()(r)
	}
	if rec.last() != "a" {
		t.Fatalf("typing said %q", rec.last())
	}
	h.downTo(rec, "Pole tekstowe: Ewa")
	h.win.Canvas().OnTypedRune()('?') // help, not a question mark
	if !strings.Contains(rec.last(), h.loc.T("speech.help.form")) {
		t.Fatalf("? said %q", rec.last())
	}
}

// A language's button says its name in its own voice: a Polish voice reads Cyrillic as
// letter names.
func TestSpeechSaysLanguagesInTheirOwnVoice(t *testing.T) {
	h, rec, _ := newSpeechHarness(t)
	h.press(fyne.KeyF1)
	h.downTo(rec, "Українська")
	if u := rec.said[len(rec.said)-1]; u.lang != "uk" || u.text != "Українська" {
		t.Fatalf("the Ukrainian button said %+v", u)
	}
	h.press(fyne.KeyReturn) // switches the screen to Ukrainian
	if h.ui.d.Loc.Lang() != l10n.UK {
		t.Fatal("not switched")
	}
	h.press(fyne.KeyReturn) // already chosen: said again, not silence
	if u := rec.said[len(rec.said)-1]; u.lang != "uk" || u.text != "Українська" {
		t.Fatalf("choosing the chosen language said %+v", u)
	}
}
