package app

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
)

// latestCount is how many recently changed pages the BIP start screen lists.
const latestCount = 5

// bipView lists a BIP menu level: its sub-sections first, then its pages. The root ("")
// lists the top-level sections and "Najnowsze", the pages changed last. Drilling down a level
// at a time keeps every row a big target, which a tree widget's expanders are not.
func (u *UI) bipView(id string) (string, fyne.CanvasObject) {
	b := u.bundle()
	if id == "" {
		return u.t("bip.title"), u.bipHome()
	}
	m, ok := b.MenuItem(id)
	if !ok {
		return u.t("error.missing"), u.missing()
	}
	items, pages := m.Children, b.ListedPages(id)
	n := len(items) + len(pages)
	if n == 0 {
		return m.Title, u.notice(u.t("bip.empty"))
	}
	return m.Title, u.wrapList(n, func(i int) (string, string) {
		if i < len(items) {
			return u.menuRow(&items[i])
		}
		return u.pageRow(pages[i-len(items)])
	}, func(i int) {
		if i < len(items) {
			u.push(route{kind: bipScreen, id: items[i].ID})
			return
		}
		u.push(route{kind: pageScreen, id: pages[i-len(items)].ID})
	})
}

// bipHome is the BIP start screen: the sections, then "Najnowsze" — what residents come
// back for. A handful of rows, so a plain column in a scroll view.
func (u *UI) bipHome() fyne.CanvasObject {
	b := u.bundle()
	var rows []fyne.CanvasObject
	for i := range b.BIPMenu {
		m := &b.BIPMenu[i]
		t, s := u.menuRow(m)
		rows = append(rows, u.tapRow(t, s, func() { u.push(route{kind: bipScreen, id: m.ID}) }))
	}
	if latest := b.LatestPages(latestCount); len(latest) > 0 {
		h := widget.NewLabelWithStyle(u.t("bip.latest"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		h.SizeName = theme.SizeNameSubHeadingText
		rows = append(rows, widget.NewSeparator(), h)
		for _, p := range latest {
			rows = append(rows, u.tapRow(p.Title, u.polishTag(p.Lang, u.t("bip.changed", "Date", p.Record.LastChange().String())),
				func() { u.push(route{kind: pageScreen, id: p.ID}) }))
		}
	}
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(rows...)))
}

func (u *UI) menuRow(m *content.MenuItem) (string, string) {
	return m.Title, u.polishTag(m.Lang, u.t("bip.section", "Count", u.countUnder(m)))
}

func (u *UI) pageRow(p *content.Page) (string, string) {
	return p.Title, u.polishTag(p.Lang, u.t("bip.published", "Date", p.Record.PublishedOn.String()))
}

// wrapRow is a BIP list row: the full title, wrapped over as many lines as it needs (BIP
// titles are long and their end — the date, the matter — is what tells them apart), over a
// caption.
func wrapRow() fyne.CanvasObject {
	// Wrapped as Markdown paragraphs are (markdown.Paragraph): no row ends on a one-letter
	// word or inside a date or an amount.
	title := markdown.NewWrapped(widget.RichTextStyleStrong)
	sub := markdown.NewWrapped(widget.RichTextStyle{SizeName: theme.SizeNameCaptionText, ColorName: theme.ColorNameForeground})
	// markdown.NewStack, not a VBox: a VBox sizes a wrapped label by its height at its old
	// width, which leaves a recycled row's title cut off or overlapping the caption.
	return container.New(&minHeight{h: touch.TargetSize}, markdown.NewStack(title, sub))
}

// setTwoLineRow fills a wrapRow.
func setTwoLineRow(o fyne.CanvasObject, title, sub string) {
	box := o.(*fyne.Container).Objects[0].(*fyne.Container)
	box.Objects[0].(*markdown.Paragraph).SetText(title)
	box.Objects[1].(*markdown.Paragraph).SetText(sub)
}

// wrapList is a touch list of two-line rows (a bold title over a caption) with wrapped
// titles, opening a route when a row is tapped. widget.List gives every row the template's
// height unless told otherwise, so each row's height is measured up front at the width rows
// get on this screen; the screen is rebuilt on every change of text size or language.
func (u *UI) wrapList(n int, row func(i int) (title, sub string), open func(i int)) fyne.CanvasObject {
	if u.sp.on {
		// Speech mode reads every row with the keypad, and a list shows only the rows in
		// sight: a column holds them all.
		rows := make([]fyne.CanvasObject, n)
		for i := range n {
			t, s := row(i)
			rows[i] = u.tapRow(t, s, func() { open(i) })
		}
		return u.tk.NewScroll(container.NewPadded(markdown.NewStack(rows...)))
	}
	l := u.tk.NewList(func() int { return n }, wrapRow, func(id widget.ListItemID, o fyne.CanvasObject) {
		t, s := row(id)
		setTwoLineRow(o, t, s)
	})
	l.OnSelected = func(id widget.ListItemID) { open(id) }
	w := u.rowWidth()
	probe := wrapRow()
	base := probe.MinSize().Height
	for i := 0; i < n; i++ {
		t, s := row(i)
		if h := measureRow(probe, t, s, w); h > base {
			l.SetItemHeight(i, h)
		}
	}
	return l
}

// rowWidth is the width a list row's text gets: the window less the page arrows' column and
// the list's paddings, with a little to spare so a measured row is never too short.
func (u *UI) rowWidth() float32 {
	pad := theme.Padding()
	return u.win.Canvas().Size().Width - touch.TargetSize - 6*pad - 8
}

// measureRow is the height row needs for title and sub at width w.
func measureRow(probe fyne.CanvasObject, title, sub string, w float32) float32 {
	setTwoLineRow(probe, title, sub)
	probe.Resize(fyne.NewSize(w, probe.MinSize().Height))
	return probe.MinSize().Height
}

// tapRow is one tappable wrapped row for short lists laid out in a column.
func (u *UI) tapRow(title, sub string, tapped func()) fyne.CanvasObject {
	r := wrapRow()
	setTwoLineRow(r, title, sub)
	return newTapArea(r, func() {
		u.activity()
		tapped()
	})
}

// tapArea makes its content one tap target; it is not draggable, so a drag over it scrolls
// the touch.Scroll beneath.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	tapped  func()
}

func newTapArea(content fyne.CanvasObject, tapped func()) *tapArea {
	t := &tapArea{content: content, tapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapArea) Tapped(*fyne.PointEvent) { t.tapped() }

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewPadded(t.content))
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
	var head mdBuilder
	head.h(1, p.Title)
	head.p(u.t("bip.dates", "Published", p.Record.PublishedOn.String(), "Changed", p.Record.LastChange().String()))
	parts := u.withPolishNote(p.Lang, p.Partial, []fyne.CanvasObject{markdown.Render(head.String())})
	if b := u.takeHomeButton(u.d.Content.Municipality.Public.PageURL(p.ID), u.t("takehome.scan")); b != nil {
		parts = append(parts, b)
	}
	var s mdBuilder
	s.raw(strings.TrimSpace(p.Body))
	parts = append(parts, markdown.Render(s.String()))
	if len(p.Attachments) > 0 {
		var h mdBuilder
		h.h(2, u.t("bip.attachments"))
		parts = append(parts, markdown.Render(h.String()))
		for i, a := range p.Attachments {
			// A wrapped row, not a button: a button's label does not wrap, and a long
			// attachment name would push the page wider than the screen.
			hint := u.t("bip.attachment.qr")
			if isPDF(a.File) && u.d.PDF != nil {
				hint = u.t("bip.attachment.open")
			}
			sub := a.File[strings.LastIndex(a.File, "/")+1:] + " · " + hint
			row := u.tapRow(a.Name, sub, func() {
				u.pdf = nil // from its first page, and a failure of last time is tried again
				u.push(route{kind: attachmentScreen, id: attachmentID(p.ID, i)})
			})
			bg := canvas.NewRectangle(theme.Color(theme.ColorNameButton))
			bg.CornerRadius = theme.InputRadiusSize()
			parts = append(parts, container.NewStack(bg, row))
		}
	}
	var rec mdBuilder
	u.recordMarkdown(&rec, p.Record)
	parts = append(parts, markdown.Render(rec.String()))
	return p.Title, u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// attachmentID names an attachment in a route: its page and its position there.
func attachmentID(page string, i int) string { return page + "#" + strconv.Itoa(i) }

// attachment finds the attachment a route names.
func (u *UI) attachment(id string) (*content.Page, *content.Attachment, bool) {
	k := strings.LastIndex(id, "#")
	if k < 0 {
		return nil, nil, false
	}
	i, err := strconv.Atoi(id[k+1:])
	p, ok := u.bundle().Page(id[:k])
	if err != nil || !ok || i < 0 || i >= len(p.Attachments) {
		return nil, nil, false
	}
	return p, &p.Attachments[i], true
}

func isPDF(file string) bool { return strings.HasSuffix(strings.ToLower(file), ".pdf") }
