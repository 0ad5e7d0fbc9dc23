package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// warmFonts has Fyne parse the text fonts the home screen uses (regular and bold) on
// another goroutine, while the store opens and the content loads. Fyne parses a style's
// font the first time a text in it is measured, and that was about 110 ms of CPU inside
// building the home screen, on the path to the first frame (docs/performance.md); the
// parsed faces stay in Fyne's cache until the theme changes. The channel is closed when
// both are parsed: the home screen is built after it, so no font is parsed twice.
// fyne.CurrentApp must be set (fyneapp.New) before it is called.
func warmFonts() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, s := range []fyne.TextStyle{{}, {Bold: true}} {
			fyne.MeasureText("Zażółć gęślą jaźń · Ґанок", theme.TextSize(), s)
		}
	}()
	return done
}
