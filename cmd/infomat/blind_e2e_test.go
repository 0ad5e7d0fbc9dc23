package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"infomat/assets"
	"infomat/kiosk"
	"infomat/l10n"
)

// The blind walk of app's TestBlindWalkFilesAForm on the real binary: keys from xdotool,
// speech from the real espeak-ng into WAV files. The kiosk (built with e2etargets) writes
// down each utterance (INFOMAT_DEBUG_SPEECH) so the test can find its way by what it hears;
// sox then checks that every utterance is sound, not silence, and of a length that fits
// its words.

// ear drives the kiosk with keys and listens.
type ear struct {
	t       *testing.T
	display string
	log     string // the kiosk's list of what it said, a line a sound
	dir     string // the WAV files
	k       *kioskProc
	loc     *l10n.Localizer
	waits   []time.Duration // from a key sent to its utterance asked for
	// from a key sent to the utterance's whole sound written: an upper bound on the start
	// of audio, for short utterances (a key's name) near it
	written []time.Duration

	// What a resident remembers of the screen: where each thing was heard, counted in
	// Down presses from an arbitrary start, and where the focus is now. Forgotten when the
	// screen changes.
	at   int
	seen map[string]int
}

// enter presses Enter on something that leads elsewhere: the memory of the screen goes.
func (e *ear) enter() string {
	e.t.Helper()
	e.seen = nil
	return e.key("Return")
}

// step moves the focus one down (+1) or up (-1) and remembers what it heard there.
func (e *ear) step(dir int) string {
	e.t.Helper()
	name := map[int]string{1: "Down", -1: "Up"}[dir]
	s := e.key(name)
	if s == e.loc.T("speech.end") || s == e.loc.T("speech.top") {
		return s
	}
	if e.seen == nil {
		e.seen = map[string]int{}
	}
	e.at += dir
	e.seen[s] = e.at
	return s
}

// said is what the kiosk has said so far: one "kind<TAB>text" line a sound.
func (e *ear) said() []string {
	b, err := os.ReadFile(e.log)
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// firstSpeech is the first utterance (cues left out).
func firstSpeech(lines []string) string {
	for _, l := range lines {
		if kind, text, _ := strings.Cut(l, "\t"); kind != "cue" {
			return text
		}
	}
	return ""
}

// lastSpeech is the last utterance (cues left out).
func lastSpeech(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if kind, text, _ := strings.Cut(lines[i], "\t"); kind != "cue" {
			return text
		}
	}
	return ""
}

// key presses a key and waits until the kiosk has said something, and its sound file is
// written, so the next key does not cut it short.
func (e *ear) key(name string) string {
	e.t.Helper()
	before := len(e.said())
	start := time.Now()
	if err := runTool(e.display, nil, "xdotool", "key", name); err != nil {
		e.t.Fatal(err)
	}
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		lines := e.said()
		if len(lines) > before {
			e.waits = append(e.waits, time.Since(start))
			e.heard(len(lines), deadline)
			e.written = append(e.written, time.Since(start))
			return lastSpeech(lines)
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("key %s: the kiosk said nothing; log:\n%s", name, e.k.logs.String())
	return ""
}

// heard waits for the n-th sound's WAV file.
func (e *ear) heard(n int, deadline time.Time) {
	e.t.Helper()
	pattern := filepath.Join(e.dir, fmt.Sprintf("%04d-*.wav", n))
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("no sound file %s", pattern)
}

func (e *ear) downTo(want string) {
	e.t.Helper()
	e.seek(func(s string) bool { return strings.Contains(s, want) }, want)
}

func (e *ear) seek(match func(string) bool, want string) {
	e.t.Helper()
	// Straight there, if it was heard on this screen before.
	for s, j := range e.seen {
		if !match(s) {
			continue
		}
		dir := 1
		if j < e.at {
			dir = -1
		}
		got := ""
		for e.at != j {
			got = e.step(dir)
		}
		if match(got) {
			return
		}
		e.seen = nil // the screen changed under the memory: look again
		break
	}
	for _, dir := range []int{1, -1} {
		for range 300 {
			s := e.step(dir)
			if match(s) {
				return
			}
			if s == e.loc.T("speech.end") || s == e.loc.T("speech.top") {
				break
			}
		}
	}
	e.t.Fatalf("never heard %q; last: %q", want, lastSpeech(e.said()))
}

// typeKeys types text on the on-screen keyboard with the keypad: to each key, then Enter.
func (e *ear) typeKeys(text string) {
	e.t.Helper()
	names := map[rune]string{'-': "dash", '.': "dot", ' ': "space", '/': "slash"}
	for _, r := range text {
		name := string(unicode.ToLower(r))
		if n, ok := names[r]; ok {
			name = e.loc.T("speech.char." + n)
		}
		if unicode.IsUpper(r) {
			shift := e.loc.T("speech.key.shift")
			e.seek(func(s string) bool { return s == shift }, shift)
			e.key("Return")
		}
		e.seek(func(s string) bool { return strings.EqualFold(s, name) }, name)
		e.key("Return")
	}
}

func TestE2EBlindWalk(t *testing.T) {
	requireE2E(t)
	for _, tool := range []string{"espeak-ng", "sox", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/deps.sh test installs it): %v", tool, err)
		}
	}
	loc, err := l10n.New(assets.Translations())
	if err != nil {
		t.Fatal(err)
	}
	bin := kioskBinary(t)
	display := startXvfb(t)
	tmp := t.TempDir()
	e := &ear{t: t, display: display, log: filepath.Join(tmp, "said.txt"), dir: filepath.Join(tmp, "speech"), loc: loc}
	e.k = startKioskEnv(t, bin, display,
		[]string{kiosk.SpeechDirEnv + "=" + e.dir, "INFOMAT_DEBUG_SPEECH=" + e.log},
		"--demo", "--data", filepath.Join(tmp, "data"))
	defer e.k.stop(t)
	// Keys go to the window under the pointer (no window manager): put it there, and wait
	// for the window, which says the introduction at the first key.
	// The key's cue is logged before what is said: wait for an utterance, not any line.
	deadline := time.Now().Add(60 * time.Second)
	for firstSpeech(e.said()) == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the kiosk never spoke; log:\n%s", e.k.logs.String())
		}
		runTool(display, nil, "xdotool", "mousemove", "540", "1900")
		runTool(display, nil, "xdotool", "key", "F1")
		// Wait for it before pressing again: a second F1 interrupts the introduction, whose
		// sound is then never written whole (seen on a loaded CI machine).
		for wait := time.Now().Add(10 * time.Second); firstSpeech(e.said()) == "" && time.Now().Before(wait); {
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The first utterance, not the last: on a loaded machine a second F1 may already have
	// gone in before the first was heard.
	if first := firstSpeech(e.said()); !strings.HasPrefix(first, loc.T("speech.intro")) {
		t.Fatalf("the first key said %q", first)
	}
	// A resident listens to the introduction; the next key would cut it off before its
	// sound is written whole (the long introduction takes espeak-ng longest on a loaded CI).
	for wait := time.Now().Add(15 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(e.dir, "0001-*.wav")); len(m) == 1 {
			break
		}
	}

	e.downTo("Sprawy urzędowe, przycisk")
	e.enter()
	e.downTo("Meldunek")
	e.enter()
	e.downTo("Zameldowanie na pobyt stały")
	e.enter()
	e.downTo("Złóż wniosek tutaj, przycisk")
	e.enter()
	e.downTo("Rozpocznij, przycisk")
	e.enter()
	for _, name := range []string{"Jan", "Nowak"} {
		e.downTo("pole tekstowe, puste")
		e.typeKeys(name)
		e.downTo("Dalej, przycisk")
		e.enter()
	}
	e.downTo("pole tekstowe, puste")
	e.typeKeys("44051401358")
	e.downTo("Dalej, przycisk")
	if s := e.enter(); !strings.HasPrefix(s, "Błąd: ") {
		t.Fatalf("a wrong PESEL said %q", s)
	}
	e.downTo(loc.T("speech.key.backspace"))
	e.enter()
	e.typeKeys("9")
	e.downTo("Dalej, przycisk")
	e.enter()
	for _, answer := range []string{"Polna 5", "99-150", "01.11.2026"} {
		e.downTo("pole tekstowe, puste")
		e.typeKeys(answer)
		e.downTo("Dalej, przycisk")
		e.enter()
	}
	e.downTo("Wynajmuję, niewybrane")
	e.enter()
	e.downTo("Dalej, przycisk")
	e.enter()
	e.downTo("Dalej, przycisk")
	e.enter()
	e.downTo(loc.T("speech.masked"))
	e.downTo("Wszystko się zgadza")
	e.enter()
	e.downTo("chcę wysłać wniosek, niezaznaczone")
	e.enter()
	e.downTo("Wyślij wniosek, przycisk")
	done := e.enter()
	if !strings.Contains(done, loc.T("confirm.done")) || !strings.Contains(done, "Numer sprawy: ") {
		t.Fatalf("the confirmation said %q", done)
	}
	for _, line := range e.said() {
		if strings.Contains(strings.ReplaceAll(line, " ", ""), "4405140135") {
			t.Fatalf("the PESEL was said aloud: %q", line)
		}
	}
	checkSound(t, e)
}

// checkSound measures every WAV the walk made with sox: sound, not silence, and as long as
// its words need (about 15 characters a second at the default rate; a spelled reference or
// a single key is slower per character).
func checkSound(t *testing.T, e *ear) {
	lines := e.said()
	var speechSecs []float64
	for i, line := range lines {
		kind, text, _ := strings.Cut(line, "\t")
		m, _ := filepath.Glob(filepath.Join(e.dir, fmt.Sprintf("%04d-*.wav", i+1)))
		if len(m) != 1 {
			t.Errorf("sound %d (%q): %d files", i+1, line, len(m))
			continue
		}
		secs, rms := soxStat(t, m[0])
		chars := float64(len([]rune(text)))
		switch {
		case rms < 0.01:
			t.Errorf("%s (%q) is silent: RMS %.4f", filepath.Base(m[0]), text, rms)
		case kind == "cue":
			if secs < 0.05 || secs > 1 {
				t.Errorf("cue %s lasts %.2f s", text, secs)
			}
		case secs < 0.2 || secs < chars/40 || secs > 1.5+spokenLength(text)/4:
			t.Errorf("%s lasts %.2f s for %d characters: %q", filepath.Base(m[0]), secs, int(chars), text)
		default:
			speechSecs = append(speechSecs, secs)
		}
	}
	slices.Sort(e.waits)
	slices.Sort(e.written)
	p := func(ds []time.Duration, q float64) time.Duration { return ds[int(q*float64(len(ds)-1))] }
	t.Logf("%d sounds, %d utterances checked with sox over %d keys; key to utterance asked for: p50 %s, p99 %s; key to its sound written whole: p50 %s, p99 %s",
		len(lines), len(speechSecs), len(e.waits), p(e.waits, 0.5).Round(time.Millisecond), p(e.waits, 0.99).Round(time.Millisecond),
		p(e.written, 0.5).Round(time.Millisecond), p(e.written, 0.99).Round(time.Millisecond))
	fig := &figures{path: filepath.Join(outputDir(t), "figures.txt")}
	fig.add(t, "blind_walk_keys", int64(len(e.waits)), "keys")
	fig.add(t, "blind_walk_key_to_say_p50", p(e.waits, 0.5).Milliseconds(), "ms")
	fig.add(t, "blind_walk_key_to_say_p99", p(e.waits, 0.99).Milliseconds(), "ms")
	fig.add(t, "blind_walk_key_to_sound_written_p50", p(e.written, 0.5).Milliseconds(), "ms")
	fig.add(t, "blind_walk_key_to_sound_written_p99", p(e.written, 0.99).Milliseconds(), "ms")
}

// spokenLength counts characters as a voice takes them: a number is read as words.
func spokenLength(text string) float64 {
	n := 0.0
	for _, r := range text {
		n++
		if unicode.IsDigit(r) {
			n += 2
		}
	}
	return n
}

// soxStat gives a WAV file's length in seconds and its RMS amplitude (full scale 1).
func soxStat(t *testing.T, path string) (secs, rms float64) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("sox", path, "-n", "stat")
	cmd.Stderr = &out // sox writes stat to stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sox %s: %v\n%s", path, err, out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch strings.TrimSpace(name) {
		case "Length (seconds)":
			secs = v
		case "RMS     amplitude":
			rms = v
		}
	}
	return secs, rms
}
