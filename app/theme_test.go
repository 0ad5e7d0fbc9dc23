package app

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is the WCAG 2 relative luminance of c (alpha ignored: the theme's pairs are
// opaque).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG 2 contrast ratio of two colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// The form's colours reach WCAG AA in both looks: 4.5:1 for text (placeholder, error, the
// text of a disabled button), 3:1 for field borders and controls. They were 3.19, 1.56, 3.68
// and 1.1:1.
func TestFormColoursReachWCAGAA(t *testing.T) {
	pairs := []struct {
		what   string
		fg, bg fyne.ThemeColorName
		min    float64
	}{
		{"placeholder on a field", theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, 4.5},
		{"field border on the page", theme.ColorNameInputBorder, theme.ColorNameBackground, 3},
		{"field border on the field", theme.ColorNameInputBorder, theme.ColorNameInputBackground, 3},
		{"error text on the page", theme.ColorNameError, theme.ColorNameBackground, 4.5},
		{"error text on a field", theme.ColorNameError, theme.ColorNameInputBackground, 4.5},
		{"disabled button text", theme.ColorNameDisabled, theme.ColorNameDisabledButton, 4.5},
		{"text on a field", theme.ColorNameForeground, theme.ColorNameInputBackground, 4.5},
		{"button text", theme.ColorNameForeground, theme.ColorNameButton, 4.5},
	}
	for _, hc := range []bool{false, true} {
		th := newTheme(Look{HighContrast: hc}, "")
		for _, p := range pairs {
			got := contrast(th.Color(p.fg, theme.VariantLight), th.Color(p.bg, theme.VariantLight))
			t.Logf("high contrast %v: %s %.2f:1", hc, p.what, got)
			if got < p.min {
				t.Errorf("high contrast %v: %s is %.2f:1, want at least %.1f:1", hc, p.what, got, p.min)
			}
		}
	}
}
