package app

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// Speaker says text aloud: the kiosk's espeak-ng (kiosk/speech), a recorder in tests. Every
// call returns at once; speech plays in the background.
type Speaker interface {
	// Say stops whatever is being said and starts saying text in the voice of lang
	// ("pl", "en", "uk").
	Say(lang, text string)
	// Stop silences speech at once.
	Stop()
	// SetRate sets the speaking rate in words per minute (espeak-ng's default is 175).
	SetRate(wpm int)
	// SetVolume sets the loudness in percent of the normal level (100), 0–200.
	SetVolume(percent int)
	// Cue plays a short sound that is not speech (CueWarning, CueKey), without stopping
	// speech: warnings reach residents through two senses, and the service PIN is heard as
	// tones only.
	Cue(name string)
}

// The cues a Speaker plays.
const (
	CueWarning = "warning" // the idle warning: the session is about to end
	CueKey     = "key"     // a key of the service PIN, or a key that does nothing here
)

// Speech rate and volume: the steps the keypad and the accessibility screen move through,
// and where a new session starts.
var (
	speechRates   = []int{110, 140, 175, 210, 250, 300}
	speechVolumes = []int{40, 60, 80, 100, 130, 160, 200}
)

const (
	defaultRate   = 2 // index into speechRates: 175 wpm
	defaultVolume = 3 // index into speechVolumes: 100 %
)

// Keypad binds keys to the five keys of an EZ Access-style keypad (up, down, select, back,
// help) and to the volume keys. A binding of one character ("?", "+") matches the character
// typed, whichever key typed it; a longer one is a Fyne key name ("Up", "Return", "F1").
type Keypad struct {
	Up, Down, Select, Back, Help, VolumeUp, VolumeDown []string
}

// DefaultKeypad is what any USB keypad or keyboard offers: the arrows, Enter, Backspace or
// Escape, F1 or "?", and + and − for the volume.
var DefaultKeypad = Keypad{
	Up:         []string{string(fyne.KeyUp)},
	Down:       []string{string(fyne.KeyDown)},
	Select:     []string{string(fyne.KeyReturn), string(fyne.KeyEnter)},
	Back:       []string{string(fyne.KeyBackspace), string(fyne.KeyEscape)},
	Help:       []string{string(fyne.KeyF1), "?"},
	VolumeUp:   []string{"+"},
	VolumeDown: []string{"-"},
}

// ParseKeys reads a list of key bindings as a technician writes them in settings:
// "Up", "Return,KP_Enter", "F1,?". Empty parts are dropped.
func ParseKeys(s string) []string {
	var keys []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// keyAction is what a keypad key does.
type keyAction int

const (
	keyNone keyAction = iota
	keyUp
	keyDown
	keySelect
	keyBack
	keyHelp
	keyVolumeUp
	keyVolumeDown
)

// action finds what a typed key (name, rune 0) or a typed character (rune, name "") does.
func (k Keypad) action(name fyne.KeyName, r rune) keyAction {
	match := func(bindings []string) bool {
		for _, b := range bindings {
			if utf8.RuneCountInString(b) == 1 {
				if r != 0 && []rune(b)[0] == r {
					return true
				}
				continue
			}
			if name != "" && fyne.KeyName(b) == name {
				return true
			}
		}
		return false
	}
	for _, a := range []struct {
		keys []string
		do   keyAction
	}{
		{k.Up, keyUp}, {k.Down, keyDown}, {k.Select, keySelect}, {k.Back, keyBack},
		{k.Help, keyHelp}, {k.VolumeUp, keyVolumeUp}, {k.VolumeDown, keyVolumeDown},
	} {
		if match(a.keys) {
			return a.do
		}
	}
	return keyNone
}
