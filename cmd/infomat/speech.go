package main

import (
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"infomat/app"
	"infomat/kiosk"
	"infomat/kiosk/speech"
)

// setupSpeech gives deps the speaker, keypad and headphone jack the device settings ask
// for. Without espeak-ng the kiosk has no speech (Speaker stays nil) but the keypad still
// moves the focus. The returned func silences speech and reaps its processes.
func setupSpeech(deps *app.Deps, sc kiosk.SpeechConfig, log *slog.Logger) (stop func()) {
	deps.Keypad = keypad(sc.Keypad)
	deps.SpeechPrompt = sc.Prompt
	switch sc.Headphones {
	case "always":
		deps.Headphones = func() bool { return true }
	case "never":
		deps.Headphones = func() bool { return false }
	default:
		deps.Headphones = speech.NewJack().Plugged
	}

	if err := speech.Available(); err != nil {
		log.Warn("espeak-ng not found: speech mode has no speech (apt-get install espeak-ng)", "err", err)
		return func() {}
	}
	var sink speech.Sink
	if sc.Dir != "" {
		if err := os.MkdirAll(sc.Dir, 0o700); err != nil {
			log.Error("speech directory unusable: no speech", "dir", sc.Dir, "err", err)
			return func() {}
		}
		log.Info("speech goes to WAV files, not the sound card", "dir", sc.Dir)
		sink = speech.Dir(sc.Dir)
	} else {
		p, err := speech.NewPlayer(sc.Player)
		if err != nil {
			log.Error("speech player unusable: no speech", "player", sc.Player, "err", err)
			return func() {}
		}
		if _, err := exec.LookPath(strings.Fields(sc.Player)[0]); err != nil {
			// Say it now, not at the first resident who needs speech.
			log.Warn("speech player not found (apt-get install alsa-utils)", "player", sc.Player, "err", err)
		}
		sink = p
	}
	e := speech.New(sink, log)
	deps.Speaker = e
	return e.Close
}

// keypad turns the keypad settings into bindings; a key left unset keeps its default.
func keypad(k kiosk.KeypadKeys) app.Keypad {
	keys := func(set string, def []string) []string {
		if parsed := app.ParseKeys(set); len(parsed) > 0 {
			return parsed
		}
		return def
	}
	d := app.DefaultKeypad
	return app.Keypad{
		Up:         keys(k.Up, d.Up),
		Down:       keys(k.Down, d.Down),
		Select:     keys(k.Select, d.Select),
		Back:       keys(k.Back, d.Back),
		Help:       keys(k.Help, d.Help),
		VolumeUp:   keys(k.VolumeUp, d.VolumeUp),
		VolumeDown: keys(k.VolumeDown, d.VolumeDown),
	}
}
