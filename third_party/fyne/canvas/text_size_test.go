package canvas_test

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// monoTheme is the default theme in its monospace font.
type monoTheme struct{ fyne.Theme }

func (monoTheme) Font(fyne.TextStyle) fyne.Resource { return theme.DefaultTextMonospaceFont() }

// A text keeps its measured size (infomat patch) only while nothing it depends on changes.
func TestTextMinSizeFollowsChanges(t *testing.T) {
	a := test.NewTempApp(t)
	txt := canvas.NewText("Wstecz", color.Black)
	txt.TextSize = 20
	first := txt.MinSize()
	if again := txt.MinSize(); again != first {
		t.Fatalf("measured twice: %v, then %v", first, again)
	}

	txt.Text = "Wstecz do listy"
	longer := txt.MinSize()
	if longer.Width <= first.Width {
		t.Errorf("longer text: width %v, not more than %v", longer.Width, first.Width)
	}
	txt.TextSize = 40
	larger := txt.MinSize()
	if larger.Height <= longer.Height || larger.Width <= longer.Width {
		t.Errorf("larger text: %v, not larger than %v", larger, longer)
	}
	txt.TextStyle.Bold = true
	bold := txt.MinSize()
	if bold.Width <= larger.Width {
		t.Errorf("bold text: width %v, not more than %v", bold.Width, larger.Width)
	}

	// Another font from the theme: the size follows, though the text itself did not change.
	txt.TextStyle.Bold = false
	if got := txt.MinSize(); got != larger {
		t.Fatalf("regular again: %v, want %v", got, larger)
	}
	a.Settings().SetTheme(monoTheme{theme.DefaultTheme()})
	mono := txt.MinSize()
	want, _ := fyne.CurrentApp().Driver().RenderedTextSize(txt.Text, txt.TextSize, txt.TextStyle, nil)
	if mono != want || mono == larger {
		t.Errorf("after the theme's font changed: %v, want %v (was %v)", mono, want, larger)
	}
}
