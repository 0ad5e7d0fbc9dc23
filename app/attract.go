package app

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
	"infomat/l10n"
)

// attractFrame is how many ticks (seconds) each frame of the attract loop stays: long enough
// to read an announcement's title from a few steps away, calm enough not to flicker.
const attractFrame = 8

// attractNews is how many of the newest announcements the loop cycles through.
const attractNews = 5

// attract is the loop a kiosk in a lobby shows to passers-by once it has been left alone:
// "touch to start" in every language, today's hours and the newest announcements. It covers
// the whole window, so the touch that wakes the kiosk reaches nothing beneath.
type attract struct {
	ticks int
	frame int

	hoursHead, hours, newsHead, newsDate, newsTitle *widget.Label
	box                                             *fyne.Container
}

// showingAttract puts the attract loop on screen if it is due; it ends the loop once the
// kiosk has left the untouched home screen (a service card, say).
func (u *UI) showingAttract() bool {
	if u.attract == nil {
		return false
	}
	if len(u.stack) != 1 || u.current().kind != homeScreen || u.d.Content == nil {
		u.attract = nil
		return false
	}
	u.win.SetContent(u.attractView())
	return true
}

// tickAttract starts the loop once an untouched home screen has been quiet for AttractAfter
// (the idle reset leaves one), and moves the loop on while it shows.
func (u *UI) tickAttract() {
	if a := u.attract; a != nil {
		a.ticks++
		if a.ticks%attractFrame == 0 {
			a.frame++
			u.fillAttract()
			if a.box != nil {
				a.box.Refresh() // the block drifts to its next place
			}
		}
		return
	}
	if u.d.AttractAfter <= 0 || u.d.Content == nil || !u.atFreshHome() {
		return
	}
	if u.d.Uptime()-u.quietSince < u.d.AttractAfter {
		return
	}
	u.attract = &attract{}
	u.render()
}

// wake ends the loop at a fresh home screen. The touch that woke the kiosk does nothing
// else, and the tap guard holds back a second one landing on a home tile.
func (u *UI) wake() {
	u.attract = nil
	u.activity()
	u.render()
}

func (u *UI) attractView() fyne.CanvasObject {
	a := u.attract
	m := u.d.Content.Municipality
	label := func(size fyne.ThemeSizeName, bold bool) *widget.Label {
		l := widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: bold})
		l.SizeName = size
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	var parts []fyne.CanvasObject
	if img := u.crestImage(fyne.NewSize(3*touch.TargetSize, 3.6*touch.TargetSize)); img != nil {
		parts = append(parts, img)
	}
	name := label(theme.SizeNameHeadingText, true)
	name.SetText(m.Name)
	parts = append(parts, name, widget.NewSeparator())
	// Every language at once: a passer-by recognises their own without touching anything.
	for _, lang := range l10n.Languages {
		l := label(theme.SizeNameHeadingText, lang == l10n.PL)
		l.SetText(u.d.Loc.In(lang, "lobby.touch"))
		parts = append(parts, l)
	}
	if u.d.Speaker != nil {
		l := label(theme.SizeNameText, false)
		l.SetText(u.d.Loc.In(l10n.PL, "speech.prompt.short"))
		parts = append(parts, l)
	}
	a.hoursHead = label(theme.SizeNameSubHeadingText, true)
	a.hours = label(theme.SizeNameSubHeadingText, false)
	a.newsHead = label(theme.SizeNameSubHeadingText, true)
	a.newsDate = label(theme.SizeNameText, false)
	a.newsTitle = label(theme.SizeNameSubHeadingText, false)
	parts = append(parts, widget.NewSeparator(), a.hoursHead, a.hours, widget.NewSeparator(),
		a.newsHead, a.newsDate, a.newsTitle)
	u.fillAttract()
	a.box = container.New(&driftLayout{a: a}, container.NewPadded(markdown.NewStack(parts...)))
	return newWakeSurface(a.box, u.wake)
}

// drift is where the loop's block sits in the free height, frame by frame: a kiosk in its
// loop all night must not hold one still picture (LCD image retention), and a slow drift is
// calm.
var drift = []float32{0.5, 0.4, 0.3, 0.4, 0.5, 0.6, 0.7, 0.6}

// driftLayout places its one object at its natural height, moved up or down by the frame.
type driftLayout struct{ a *attract }

func (d *driftLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		h := min(o.MinSize().Height, size.Height)
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, (size.Height-h)*drift[d.a.frame%len(drift)]))
	}
}

func (d *driftLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// fillAttract writes the current frame: the hours in the frame's language (the loop goes
// round the languages) and one of the newest announcements.
func (u *UI) fillAttract() {
	a := u.attract
	if a == nil || a.hours == nil {
		return
	}
	lang := l10n.Languages[a.frame%len(l10n.Languages)]
	tr := func(id string, args ...any) string { return u.d.Loc.In(lang, id, args...) }
	a.hoursHead.SetText(tr("lobby.office_hours"))
	today := todayHours(tr, u.d.Content.Municipality.Hours, u.d.Now())
	if today == "" {
		today = weekHours(tr, u.d.Content.Municipality.Hours)
	}
	a.hours.SetText(today)
	news := latestNews(u.d.Content, attractNews)
	if len(news) == 0 {
		a.newsHead.Hide()
		a.newsDate.Hide()
		a.newsTitle.Hide()
		return
	}
	p := news[a.frame%len(news)]
	a.newsHead.SetText(tr("lobby.news"))
	a.newsDate.SetText(p.Record.PublishedOn.String())
	a.newsTitle.SetText(p.Title)
}

// latestNews returns up to n BIP pages from the announcements menu ("ogloszenia…" and what
// lies below it), newest publication first (the metryczka's date).
func latestNews(b *content.Bundle, n int) []*content.Page {
	menus := map[string]bool{}
	var walk func(items []content.MenuItem, in bool)
	walk = func(items []content.MenuItem, in bool) {
		for _, it := range items {
			mine := in || strings.HasPrefix(it.ID, "ogloszenia")
			if mine {
				menus[it.ID] = true
			}
			walk(it.Children, mine)
		}
	}
	walk(b.BIPMenu, false)
	var out []*content.Page
	for i := range b.BIPPages {
		if p := &b.BIPPages[i]; menus[p.Menu] {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(x, y *content.Page) int {
		if c := y.Record.PublishedOn.Compare(x.Record.PublishedOn.Time); c != 0 {
			return c
		}
		return strings.Compare(x.Title, y.Title)
	})
	return out[:min(n, len(out))]
}

// wakeSurface covers the attract loop: any touch or drag on it wakes the kiosk and goes no
// further, being the only tappable thing on the canvas.
type wakeSurface struct {
	widget.BaseWidget
	content fyne.CanvasObject
	wake    func()
	woken   bool
}

var (
	_ fyne.Tappable  = (*wakeSurface)(nil)
	_ fyne.Draggable = (*wakeSurface)(nil)
)

func newWakeSurface(content fyne.CanvasObject, wake func()) *wakeSurface {
	s := &wakeSurface{content: content, wake: wake}
	s.ExtendBaseWidget(s)
	return s
}

func (s *wakeSurface) Tapped(*fyne.PointEvent) { s.once() }

// Dragged wakes too: a finger that swipes rather than taps is just as much a resident.
func (s *wakeSurface) Dragged(*fyne.DragEvent) { s.once() }

func (s *wakeSurface) DragEnd() {}

// once wakes at the first event only; the rest of a drag lands on a surface already gone.
func (s *wakeSurface) once() {
	if !s.woken {
		s.woken = true
		s.wake()
	}
}

func (s *wakeSurface) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.content)
}
