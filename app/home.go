package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
	"infomat/l10n"
)

func (u *UI) homeView() fyne.CanvasObject {
	m := u.d.Content.Municipality
	var crest fyne.CanvasObject = layout.NewSpacer()
	if img := u.crestImage(homeCrest); img != nil {
		crest = img
	}
	name := widget.NewLabelWithStyle(m.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameHeadingText
	name.Wrapping = fyne.TextWrapWord
	addr := widget.NewLabel(fmt.Sprintf("%s, %s %s", m.Address.Street, m.Address.PostalCode, m.Address.City))
	addr.Wrapping = fyne.TextWrapWord
	welcome := widget.NewLabel(u.t("home.welcome"))
	welcome.Wrapping = fyne.TextWrapWord
	stack := markdown.NewStack(name, addr, welcome)
	if u.d.Speaker != nil {
		// How to start speech mode, in text too (a spoken prompt repeats it now and then).
		stack.Add(u.note(u.t("speech.prompt.short")))
	}
	header := container.NewBorder(nil, nil, crest, nil, stack)

	search := u.tile(u.t("home.search"), theme.SearchIcon(), route{kind: searchScreen})
	hours := u.hoursTile()
	tiles := container.NewGridWithColumns(2,
		u.tile(u.t("home.procedures"), theme.DocumentIcon(), route{kind: categoriesScreen}),
		u.tile(u.t("home.bip"), theme.ListIcon(), route{kind: bipScreen}),
		search,
		u.speakAs(u.tile(u.t("home.language"), theme.SettingsIcon(), route{kind: languageScreen}),
			func() string { return u.t("speech.button", "Text", u.t("speech.language")) },
			func() { u.push(route{kind: languageScreen}) }),
		u.tile(u.t("home.access"), theme.VisibilityIcon(), route{kind: accessScreen}),
		hours,
	)
	if u.d.Dues != nil {
		// Beside the BIP, before search: the grid keeps its order with or without it.
		objs := tiles.Objects
		tiles.Objects = append(append(append([]fyne.CanvasObject{}, objs[:2]...),
			u.tileDoing(u.t("home.dues"), theme.AccountIcon(), u.startDues)), objs[2:]...)
	}

	// Every language is one tap away from home, labelled in that language; the one on
	// screen is marked, like the bar's switch on every other screen.
	langs := container.NewGridWithColumns(len(l10n.Languages))
	for _, l := range l10n.Languages {
		l := l
		b := u.tk.NewChoice(l.Name(), l == u.d.Loc.Lang(), func() {
			if l != u.d.Loc.Lang() {
				u.d.Loc.SetLang(l) // renders through the listener
			}
		})
		u.speakLang(b, l)
		langs.Add(b)
	}

	// Home fills the screen without scrolling: the tiles share whatever height is left.
	top := container.NewVBox(header, widget.NewSeparator())
	bottom := container.NewVBox(widget.NewSeparator(), langs)
	if u.look.Lower || u.look.Text != 0 {
		// The hours, only to be read, go up under the header across the width: in a tile
		// larger text makes them taller than a grid row can be on a portrait screen. Search
		// spans the width above the other tiles.
		tiles.Remove(search)
		tiles.Remove(hours)
		top.Objects = []fyne.CanvasObject{header, widget.NewSeparator(), hours}
		if u.look.Lower {
			// Within reach from a wheelchair: the buttons keep their height at the bottom.
			return container.NewPadded(container.NewBorder(top, bottom, nil, nil,
				container.NewVBox(layout.NewSpacer(), search, tiles)))
		}
		return container.NewPadded(container.NewBorder(top, bottom, nil, nil,
			container.NewBorder(search, nil, nil, nil, tiles)))
	}
	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, tiles))
}

// tile is a home-screen button two touch targets tall. Its label breaks into lines where
// half the screen is too narrow for it (large text, long Ukrainian words).
func (u *UI) tile(label string, icon fyne.Resource, r route) fyne.CanvasObject {
	return u.tileDoing(label, icon, func() { u.push(r) })
}

// tileDoing is a tile that does tapped.
func (u *UI) tileDoing(label string, icon fyne.Resource, tapped func()) fyne.CanvasObject {
	k := u.tk
	k.Width = func() float32 {
		w := u.win.Canvas().Size().Width
		return max(w-3*theme.Padding(), 0) / 2 // two columns on the padded screen
	}
	b := k.NewButton(label, icon, tapped)
	return container.New(&minHeight{h: 2 * touch.TargetSize}, b)
}

// hoursTile shows today's opening hours and whether the office is open now (the question
// residents ask most at the door), then the whole week.
func (u *UI) hoursTile() fyne.CanvasObject {
	hours := u.d.Content.Municipality.Hours
	heading := widget.NewLabel(u.t("home.hours"))
	heading.Wrapping = fyne.TextWrapWord
	box := markdown.NewStack(heading)
	u.hoursToday = nil
	if today := todayHours(u.t, hours, u.d.Now()); today != "" {
		l := widget.NewLabelWithStyle(today, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
		u.hoursToday = l
	}
	week := widget.NewLabel(weekHours(u.t, hours))
	week.Wrapping = fyne.TextWrapWord
	box.Add(week)
	return container.New(&minHeight{h: 2 * touch.TargetSize}, box)
}

// refreshHours keeps home's "open until" true while home stays on screen for hours: the
// office closes, a new day begins. The label changes in place, nothing moves under a finger.
func (u *UI) refreshHours() {
	if u.hoursToday == nil || u.attract != nil || u.d.Content == nil || u.current().kind != homeScreen {
		return
	}
	if today := todayHours(u.t, u.d.Content.Municipality.Hours, u.d.Now()); today != "" && today != u.hoursToday.Text {
		u.hoursToday.SetText(today)
	}
}

// todayHours says today's hours and whether the office is open at now, in tr's language:
// "Dziś: 8:00–16:00, otwarte do 16:00", "Dziś zamknięte, otwieramy w poniedziałek o 8:00".
// It is "" when no line of hs can be placed on the calendar.
func todayHours(tr func(string, ...any) string, hs []content.Hours, now time.Time) string {
	st := content.HoursAt(hs, now)
	if !st.Known {
		return ""
	}
	periods := make([]string, len(st.Today))
	for i, p := range st.Today {
		periods[i] = p.Open + "–" + p.Close
	}
	today := strings.Join(periods, ", ")
	var when string
	switch {
	case st.OpenNow:
		return tr("lobby.today.open", "Hours", today, "Until", st.Closes)
	case st.NextIn < 0:
		return tr("lobby.today.shut_unknown")
	case st.NextIn == 0:
		when = tr("lobby.when.later", "Time", st.Opens)
	case st.NextIn == 1:
		when = tr("lobby.when.tomorrow", "Time", st.Opens)
	default:
		when = tr("lobby.when.day", "Day", tr("lobby.on."+weekdayKey(st.NextDay)), "Time", st.Opens)
	}
	if today == "" {
		return tr("lobby.today.shut", "When", when)
	}
	return tr("lobby.today.closed", "Hours", today, "When", when)
}

// weekHours lists every line of hs, its days in tr's language where they can be read.
func weekHours(tr func(string, ...any) string, hs []content.Hours) string {
	lines := make([]string, len(hs))
	for i, h := range hs {
		lines[i] = fmt.Sprintf("%s: %s–%s", dayNames(tr, h.Days), content.ShortClock(h.Open), content.ShortClock(h.Close))
	}
	return strings.Join(lines, "\n")
}

// dayNames writes the days of an hours line in tr's language ("Monday–Friday"); a line that
// cannot be read stays as the municipality wrote it.
func dayNames(tr func(string, ...any) string, days string) string {
	rs, err := content.ParseDays(days)
	if err != nil {
		return days
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = tr("lobby.day." + weekdayKey(r.From))
		if r.To != r.From {
			parts[i] += "–" + tr("lobby.day."+weekdayKey(r.To))
		}
	}
	return strings.Join(parts, ", ")
}

// weekdayKey is the English day name that ends the lobby.day.* and lobby.on.* message IDs.
func weekdayKey(d time.Weekday) string { return strings.ToLower(d.String()) }

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
