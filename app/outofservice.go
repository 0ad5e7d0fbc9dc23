package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/content"
	"infomat/l10n"
)

// Office is where the out-of-service screen sends residents instead: the municipality's
// office as the last content shown described it (the kiosk remembers it; see
// kiosk.RememberedOffice).
type Office struct {
	Name       string
	Street     string
	PostalCode string
	City       string
	Phone      string
	Hours      []content.Hours
}

// outOfServiceView is all a resident sees on a kiosk without valid content of its own: an
// apology and where to go instead (the office remembered from the last content shown). A
// service card still leads to the PIN and the service screen.
func (u *UI) outOfServiceView() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(u.t("outofservice.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	title.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{title, u.note(u.t("outofservice.body"))}
	if o := u.d.Office; o != nil {
		var s mdBuilder
		s.h(2, o.Name)
		if o.Street != "" {
			s.p(fmt.Sprintf("%s, %s %s", o.Street, o.PostalCode, o.City))
		}
		if o.Phone != "" {
			s.p(u.t("outofservice.phone", "Phone", o.Phone))
		}
		if len(o.Hours) > 0 {
			var lines []string
			for _, h := range o.Hours {
				lines = append(lines, fmt.Sprintf("%s: %s–%s", h.Days, h.Open, h.Close))
			}
			s.h(2, u.t("home.hours"))
			s.bullets(lines)
		}
		parts = append(parts, markdown.Render(s.String()))
	}
	langs := container.NewGridWithColumns(len(l10n.Languages))
	for _, l := range l10n.Languages {
		l := l
		langs.Add(u.tk.NewButton(l.Name(), nil, func() { u.activity(); u.d.Loc.SetLang(l) }))
	}
	body := container.NewVBox(append(parts, layout.NewSpacer())...)
	return container.NewPadded(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), langs), nil, nil,
		u.tk.NewScroll(body)))
}
