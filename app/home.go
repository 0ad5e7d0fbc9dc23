package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/l10n"
)

func (u *UI) homeView() fyne.CanvasObject {
	m := u.d.Content.Municipality
	var crest fyne.CanvasObject = layout.NewSpacer()
	if u.d.Crest != nil {
		img := canvas.NewImageFromResource(u.d.Crest)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(2*touch.TargetSize, 2.4*touch.TargetSize))
		crest = img
	}
	name := widget.NewLabelWithStyle(m.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameHeadingText
	name.Wrapping = fyne.TextWrapWord
	addr := widget.NewLabel(fmt.Sprintf("%s, %s %s", m.Address.Street, m.Address.PostalCode, m.Address.City))
	addr.Wrapping = fyne.TextWrapWord
	welcome := widget.NewLabel(u.t("home.welcome"))
	welcome.Wrapping = fyne.TextWrapWord
	header := container.NewBorder(nil, nil, crest, nil, markdown.NewStack(name, addr, welcome))

	search := u.tile(u.t("home.search"), theme.SearchIcon(), route{kind: searchScreen})
	hours := u.hoursTile()
	tiles := container.NewGridWithColumns(2,
		u.tile(u.t("home.procedures"), theme.DocumentIcon(), route{kind: categoriesScreen}),
		u.tile(u.t("home.bip"), theme.ListIcon(), route{kind: bipScreen}),
		search,
		u.tile(u.t("home.language"), theme.SettingsIcon(), route{kind: languageScreen}),
		u.tile(u.t("home.access"), theme.VisibilityIcon(), route{kind: accessScreen}),
		hours,
	)

	// Every language is one tap away from home, labelled in that language.
	langs := container.NewGridWithColumns(len(l10n.Languages))
	for _, l := range l10n.Languages {
		l := l
		langs.Add(u.tk.NewButton(l.Name(), nil, func() { u.activity(); u.d.Loc.SetLang(l) }))
	}

	// Home fills the screen without scrolling: the tiles share whatever height is left.
	top := container.NewVBox(header, widget.NewSeparator())
	bottom := container.NewVBox(widget.NewSeparator(), langs)
	if u.look.Lower {
		// Within reach from a wheelchair: the buttons keep their height at the bottom, search
		// on top of them across the width; the hours, only to be read, go up to the header.
		tiles.Remove(search)
		tiles.Remove(hours)
		top.Objects = []fyne.CanvasObject{header, widget.NewSeparator(), hours}
		return container.NewPadded(container.NewBorder(top, bottom, nil, nil,
			container.NewVBox(layout.NewSpacer(), search, tiles)))
	}
	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, tiles))
}

// tile is a home-screen button two touch targets tall. Its label breaks into lines where
// half the screen is too narrow for it (large text, long Ukrainian words).
func (u *UI) tile(label string, icon fyne.Resource, r route) fyne.CanvasObject {
	k := u.tk
	k.Width = func() float32 {
		w := u.win.Canvas().Size().Width
		return max(w-3*theme.Padding(), 0) / 2 // two columns on the padded screen
	}
	b := k.NewButton(label, icon, func() { u.push(r) })
	return container.New(&minHeight{h: 2 * touch.TargetSize}, b)
}

// hoursTile shows today's opening hours: the question residents ask most at the door.
func (u *UI) hoursTile() fyne.CanvasObject {
	hours := u.d.Content.Municipality.Hours
	text := u.t("home.hours")
	for _, h := range hours {
		text += fmt.Sprintf("\n%s: %s–%s", h.Days, h.Open, h.Close)
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.New(&minHeight{h: 2 * touch.TargetSize}, l)
}

// minHeight lays out its objects on top of each other, at least h tall.
type minHeight struct{ h float32 }

func (m *minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (m *minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(0, m.h)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}
