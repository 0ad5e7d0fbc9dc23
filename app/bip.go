package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"infomat/app/markdown"
	"infomat/content"
)

// bipView lists a BIP menu level: its sub-sections first, then its pages. The root ("")
// lists the top-level sections. Drilling down a level at a time keeps every row a big target,
// which a tree widget's expanders are not.
func (u *UI) bipView(id string) (string, fyne.CanvasObject) {
	b := u.bundle()
	title := u.t("bip.title")
	items := b.BIPMenu
	var pages []*content.Page
	if id != "" {
		m, ok := b.MenuItem(id)
		if !ok {
			return u.t("error.missing"), u.missing()
		}
		title, items, pages = m.Title, m.Children, b.PagesIn(id)
	}
	n := len(items) + len(pages)
	if n == 0 {
		return title, u.notice(u.t("bip.empty"))
	}
	return title, u.rowList(n,
		func(i int) (string, string) {
			if i < len(items) {
				return items[i].Title, u.polishTag(items[i].Lang, u.t("bip.section", "Count", u.countUnder(&items[i])))
			}
			p := pages[i-len(items)]
			return p.Title, u.polishTag(p.Lang, u.t("bip.published", "Date", p.Record.PublishedOn.String()))
		},
		func(i int) {
			if i < len(items) {
				u.push(route{kind: bipScreen, id: items[i].ID})
				return
			}
			u.push(route{kind: pageScreen, id: pages[i-len(items)].ID})
		})
}

// countUnder counts the pages in a menu item and its sub-sections.
func (u *UI) countUnder(m *content.MenuItem) int {
	n := len(u.d.Content.PagesIn(m.ID))
	for i := range m.Children {
		n += u.countUnder(&m.Children[i])
	}
	return n
}

func (u *UI) pageView(id string) (string, fyne.CanvasObject) {
	p, ok := u.bundle().Page(id)
	if !ok {
		return u.t("error.missing"), u.missing()
	}
	var s mdBuilder
	s.h(1, p.Title)
	s.p(u.t("bip.dates", "Published", p.Record.PublishedOn.String(), "Changed", p.Record.LastChange().String()))
	s.raw(strings.TrimSpace(p.Body))
	if len(p.Attachments) > 0 {
		s.h(2, u.t("bip.attachments"))
		var names []string
		for _, a := range p.Attachments {
			names = append(names, a.Name+" ("+a.File[strings.LastIndex(a.File, "/")+1:]+")")
		}
		s.bullets(names)
	}
	u.recordMarkdown(&s, p.Record)
	parts := u.withPolishNote(p.Lang, p.Partial, []fyne.CanvasObject{markdown.Render(s.String())})
	return p.Title, u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}
