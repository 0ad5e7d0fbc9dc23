package app

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Look is the resident's choice of presentation, reset with every session. Its zero value
// is the default look.
type Look struct {
	HighContrast bool
	Text         TextSize // how large text is
	// Lower moves the controls (Back, Start, language, the search field) into the lower part
	// of the portrait screen, within reach from a wheelchair.
	Lower bool
}

// TextSize is a step of textScales; the zero value is the normal size.
type TextSize int

// textScales are the text sizes a resident can choose, up to twice the normal size: a person
// with low vision reads the screen from a standing distance.
var textScales = []float32{1, 1.4, 1.7, 2}

// scale is the text size's factor; an unknown step is the normal size.
func (s TextSize) scale() float32 {
	if s < 0 || int(s) >= len(textScales) {
		return 1
	}
	return textScales[s]
}

// kioskTheme sizes everything for fingertips and reading at arm's length, in Fyne units so
// the display's scale setting adapts it. High contrast is yellow and white on black
// (WCAG AAA contrast); the normal look uses the municipality's brand colour.
type kioskTheme struct {
	look  Look
	brand color.Color
}

func newTheme(look Look, brandHex string) *kioskTheme {
	brand, ok := parseHex(brandHex)
	if !ok {
		brand = color.NRGBA{R: 0x1d, G: 0x4f, B: 0x91, A: 0xff}
	}
	return &kioskTheme{look: look, brand: brand}
}

var (
	black  = color.NRGBA{A: 0xff}
	white  = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	yellow = color.NRGBA{R: 0xff, G: 0xe0, B: 0x00, A: 0xff}
	ink    = color.NRGBA{R: 0x0b, G: 0x0c, B: 0x0c, A: 0xff}
	paper  = color.NRGBA{R: 0xf3, G: 0xf2, B: 0xf1, A: 0xff}
	mark   = color.NRGBA{R: 0xff, G: 0xdd, B: 0x00, A: 0xff}
)

func (t *kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.look.HighContrast {
		switch n {
		case theme.ColorNameBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground,
			theme.ColorNameInputBackground, theme.ColorNameHeaderBackground:
			return black
		case theme.ColorNameForegroundOnPrimary:
			return black
		case theme.ColorNameForeground, theme.ColorNameInputBorder, theme.ColorNameSeparator:
			return white
		case theme.ColorNamePlaceHolder:
			// Light grey: told apart from typed text, still 11:1 on black.
			return color.NRGBA{R: 0xc0, G: 0xc0, B: 0xc0, A: 0xff}
		case theme.ColorNameDisabled:
			// Dimmer than text, so a greyed-out arrow does not look tappable.
			return color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
		case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink, theme.ColorNameSelection:
			return yellow
		case theme.ColorNameButton:
			return color.NRGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
		case theme.ColorNameDisabledButton:
			return color.NRGBA{R: 0x10, G: 0x10, B: 0x10, A: 0xff}
		case theme.ColorNameHover, theme.ColorNamePressed:
			return color.NRGBA{R: 0x55, G: 0x55, B: 0x00, A: 0xff}
		case theme.ColorNameScrollBar:
			return yellow
		case theme.ColorNameShadow:
			return color.Transparent
		}
		return theme.DefaultTheme().Color(n, theme.VariantDark)
	}
	switch n {
	case theme.ColorNameBackground:
		return white
	case theme.ColorNameHeaderBackground:
		return paper
	case theme.ColorNameForeground:
		return ink
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return t.brand
	case theme.ColorNameFocus:
		return mark
	case theme.ColorNameButton:
		return paper
	case theme.ColorNameScrollBar:
		return t.brand
	// Form colours at WCAG AA (TestFormColoursReachWCAGAA): white fields with a dark border,
	// GOV.UK style; Fyne's light defaults gave 3.19:1 placeholders, 1.3:1 borders, 3.68:1
	// error text and 1.2:1 disabled buttons.
	case theme.ColorNameInputBackground:
		return white
	case theme.ColorNameInputBorder:
		return color.NRGBA{R: 0x50, G: 0x5a, B: 0x5f, A: 0xff}
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return color.NRGBA{R: 0x5f, G: 0x5f, B: 0x5f, A: 0xff}
	case theme.ColorNameError:
		return color.NRGBA{R: 0xb3, G: 0x20, B: 0x0e, A: 0xff}
	case theme.ColorNameDisabledButton:
		return color.NRGBA{R: 0xe5, G: 0xe5, B: 0xe5, A: 0xff}
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

func (t *kioskTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (t *kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	k := t.look.Text.scale()
	switch n {
	case theme.SizeNameText:
		return 22 * k
	case theme.SizeNameHeadingText:
		return 36 * k
	case theme.SizeNameSubHeadingText:
		return 28 * k
	case theme.SizeNameCaptionText:
		return 18 * k
	case theme.SizeNameInlineIcon:
		return 32 * k
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 14
	case theme.SizeNameLineSpacing:
		return 6
	case theme.SizeNameScrollBar:
		return 16
	case theme.SizeNameScrollBarSmall:
		return 8
	case theme.SizeNameInputBorder:
		if t.look.HighContrast {
			return 3
		}
		return 2
	case theme.SizeNameSeparatorThickness:
		if t.look.HighContrast {
			return 2
		}
		return 1
	}
	return theme.DefaultTheme().Size(n)
}

func parseHex(s string) (color.Color, bool) {
	if len(s) != 7 || s[0] != '#' {
		return nil, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return nil, false
	}
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}, true
}
