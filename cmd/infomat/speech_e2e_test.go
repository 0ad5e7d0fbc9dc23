package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"infomat/kiosk"
)

// startKioskSpeech starts the kiosk with its speech going to WAV files in a new directory
// (kiosk.SpeechDirEnv), returned with it: each utterance lands there as NNNN-lang.wav and
// each cue as NNNN-cue-name.wav once played to its end.
func startKioskSpeech(t *testing.T, bin, display string, args ...string) (*kioskProc, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "speech")
	return startKioskEnv(t, bin, display, []string{kiosk.SpeechDirEnv + "=" + dir}, args...), dir
}

// spoken lists the WAV files in a speech directory, in the order they were asked for.
func spoken(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "[0-9]*.wav"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

func TestSpeechE2E(t *testing.T) {
	requireE2E(t)
	bin := kioskBinary(t)
	display := startXvfb(t)

	t.Run("directory", func(t *testing.T) {
		k, dir := startKioskSpeech(t, bin, display, "--data", filepath.Join(t.TempDir(), "data"))
		defer k.stop(t)
		if _, err := k.logs.waitFor("speech goes to WAV files", 5*time.Second, k.done); err != nil {
			t.Errorf("no log of the speech directory: %v\n%s", err, k.logs.String())
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("speech directory %s not created: %v", dir, err)
		}
		if files := spoken(t, dir); len(files) != 0 {
			t.Errorf("spoke at start: %v", files)
		}
	})

	t.Run("without espeak-ng", func(t *testing.T) {
		k := startKioskEnv(t, bin, display, []string{"PATH=" + t.TempDir()}, "--data", filepath.Join(t.TempDir(), "data"))
		defer k.stop(t)
		if _, err := k.logs.waitFor("espeak-ng not found", 5*time.Second, k.done); err != nil {
			t.Errorf("no log of missing espeak-ng: %v\n%s", err, k.logs.String())
		}
	})
}
