package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"infomat/app"
	"infomat/kiosk"
	"infomat/kiosk/speech"
)

func TestKeypadFromSettings(t *testing.T) {
	got := keypad(kiosk.KeypadKeys{Up: "KP_8, Up", Help: " , "})
	if !slices.Equal(got.Up, []string{"KP_8", "Up"}) {
		t.Errorf("Up %q", got.Up)
	}
	// Unset, or set to nothing but commas: the default keys.
	d := app.DefaultKeypad
	for name, pair := range map[string][2][]string{
		"Down": {got.Down, d.Down}, "Select": {got.Select, d.Select}, "Back": {got.Back, d.Back},
		"Help": {got.Help, d.Help}, "VolumeUp": {got.VolumeUp, d.VolumeUp}, "VolumeDown": {got.VolumeDown, d.VolumeDown},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s %q, want the default %q", name, pair[0], pair[1])
		}
	}
}

func TestSetupSpeechHeadphones(t *testing.T) {
	for setting, want := range map[string]bool{"always": true, "never": false} {
		var deps app.Deps
		stop := setupSpeech(&deps, kiosk.SpeechConfig{Player: "aplay -q", Headphones: setting}, slog.New(slog.DiscardHandler))
		if got := deps.Headphones(); got != want {
			t.Errorf("%s: Headphones() = %v", setting, got)
		}
		stop()
	}
	var deps app.Deps
	stop := setupSpeech(&deps, kiosk.SpeechConfig{Player: "aplay -q", Headphones: "auto"}, slog.New(slog.DiscardHandler))
	defer stop()
	if deps.Headphones == nil {
		t.Error("auto: no jack watcher")
	}
}

func TestSetupSpeechWithoutEspeak(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var logs bytes.Buffer
	var deps app.Deps
	stop := setupSpeech(&deps, kiosk.SpeechConfig{Player: "aplay -q", Headphones: "auto"}, slog.New(slog.NewTextHandler(&logs, nil)))
	defer stop()
	if deps.Speaker != nil {
		t.Errorf("Speaker %v without espeak-ng", deps.Speaker)
	}
	if !bytes.Contains(logs.Bytes(), []byte("espeak-ng not found")) {
		t.Errorf("log %q", logs.String())
	}
	if deps.Keypad.Up == nil {
		t.Error("no keypad without speech")
	}
}

func TestSetupSpeechDir(t *testing.T) {
	if speech.Available() != nil {
		t.Skip("espeak-ng not installed")
	}
	dir := filepath.Join(t.TempDir(), "mowa")
	var deps app.Deps
	stop := setupSpeech(&deps, kiosk.SpeechConfig{Dir: dir, Player: "aplay -q", Headphones: "auto"}, slog.New(slog.DiscardHandler))
	defer stop()
	if deps.Speaker == nil {
		t.Fatal("no Speaker")
	}
	deps.Speaker.Say("pl", "Próba dźwięku")
	file := filepath.Join(dir, "0001-pl.wav")
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(file); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s not written", file)
		}
	}
}
