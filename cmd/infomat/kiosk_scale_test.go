package main

import "testing"

// TestExpectedScale: the crest is drawn early at FYNE_SCALE when it is a positive number,
// else at 1 (Fyne's default), never at 0 or a word.
func TestExpectedScale(t *testing.T) {
	for v, want := range map[string]float32{"": 1, "1.5": 1.5, "2": 2, "0": 1, "-1": 1, "auto": 1, "x": 1} {
		if got := expectedScale(func(string) string { return v }); got != want {
			t.Errorf("FYNE_SCALE=%q: %g, want %g", v, got, want)
		}
	}
}
