// Package app is the kiosk's Fyne user interface: screens, navigation, theme and the idle
// warning. It does no I/O: the content bundle, the search index, the translations, the
// idle clock and the device come in through Deps, so every screen can be driven headless by
// fyne.io/fyne/v2/test. It shares only standard-library packages with the device runtime
// (kiosk/idle, kiosk/health, kiosk/lockout); imports_test.go enforces that.
package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/touch"
	"infomat/content"
	"infomat/kiosk/health"
	"infomat/kiosk/idle"
	"infomat/l10n"
	"infomat/receipt"
	"infomat/search"
)

// IdleTimer is the session clock the UI feeds with interactions.
type IdleTimer interface {
	Touch()
	Poll() (idle.State, time.Duration)
}

// Deps is everything the UI needs from the rest of the kiosk.
type Deps struct {
	// Content is the bundle to show. nil: the kiosk has no valid content of its own and shows
	// only the out-of-service screen (and, for a service card, the PIN and service screens)
	// until ContentUpdated brings some.
	Content *content.Bundle
	// Office is where residents are sent from the out-of-service screen; nil when unknown.
	Office *Office
	// Index is Content's search index; nil: New builds it in the background once the home
	// screen is up (the first search waits for it if it must).
	Index *search.Index
	Loc   *l10n.Localizer
	Idle  IdleTimer
	Crest fyne.Resource // the municipality's coat of arms; may be nil
	// CrestRaster is Crest already drawn for the home screen (RasterHomeCrest), when the
	// kiosk could do that off the UI goroutine; may be nil.
	CrestRaster *CrestRaster
	// CrestOf loads the coat of arms of content that replaces the shown one; nil keeps Crest.
	CrestOf     func(*content.Bundle) fyne.Resource
	Submit      Submitter   // files online forms; nil hides "Złóż wniosek tutaj"
	Printer     Printer     // the receipt printer; nil hides printing
	ServiceMode ServiceMode // the technician's service mode: cards, PIN, device status; nil disables it
	// Reload reads the content again (service screen); nil hides the action.
	Reload func() (*content.Bundle, error)
	// Maintenance leaves kiosk mode for a technician (window, closable); nil hides it.
	Maintenance func()
	// TestPage describes the device for the printer test page.
	TestPage func() receipt.TestPageInfo
	// Dues looks up a resident's local taxes and fees on the portal; nil hides the service
	// (a kiosk that is not provisioned has no portal to ask).
	Dues Dues
	// SyncNow asks the background sync to run at once; nil when not provisioned.
	SyncNow func()
	// Now is the wall clock, for today's opening hours; nil: time.Now.
	Now func() time.Time
	// Uptime is a monotonic clock (time since any fixed start) for the tap guard and the
	// attract screen's quiet period; nil: time since New.
	Uptime func() time.Duration
	// AttractAfter is how long an untouched home screen waits (after an idle reset, or the
	// last touch) before the attract loop; 0: never.
	AttractAfter time.Duration
	// PDF shows PDF attachments as page images; nil: attachments offer only their QR code.
	PDF PDFPages
	// Speaker says the screen aloud in speech mode, for blind and low-vision residents; nil:
	// no speech (the keypad still moves the focus).
	Speaker Speaker
	// Keypad binds keys to the keypad's functions; zero: DefaultKeypad.
	Keypad Keypad
	// Headphones says whether headphones are plugged in, where the audio hardware reports
	// it; nil: unknown, taken as no. Plugging them in starts speech mode, and identifiers in
	// answers are spoken only into headphones (or when the resident asks). Called each Tick.
	Headphones func() bool
	// SpeechPrompt is how often an untouched home or attract screen says aloud how to start
	// speech mode, in each language in turn; 0: never (the text on screen stays).
	SpeechPrompt time.Duration
	// Trace, when set, is told of start-up milestones: "home drawn" (the home screen's first
	// frame is painted) and "index built". It may be called from any goroutine.
	Trace func(phase string)
	// FirstFrame, when set, is called once, from the paint of the first frame: the first
	// screen (home, or out of service) is really on the display. It must not block.
	FirstFrame func()
	// Released is called after an idle reset, when nothing of the session is left on screen or
	// in the UI: the kiosk gives the memory back to the system. nil: nothing.
	Released func()
	// Settled is called once the screen has been left alone for SettleAfter after a touch
	// (or after the start): the screens just left are garbage, and the kiosk gives the
	// memory back while the resident reads, not while they tap. It must not block. nil:
	// nothing.
	Settled func()
	// Rested, when set, is called once the screen has been left alone for RestAfter (at
	// least SettleAfter) after a touch: by then what a cache keeps for a while (Fyne's
	// textures) has expired too. It must not block.
	Rested    func()
	RestAfter time.Duration
}

// SettleAfter is how long the screen stays untouched before Deps.Settled: longer than the
// pause between the taps of someone moving through screens, shorter than reading one. Tick
// runs once a second, so Settled comes 2–3 s after the last touch.
const SettleAfter = 2 * time.Second

// screen kinds a route can show.
type kind int

const (
	homeScreen kind = iota
	categoriesScreen
	categoryScreen
	procedureScreen
	bipScreen
	pageScreen
	searchScreen
	languageScreen
	accessScreen
	formScreen       // the wizard; its step lives in UI.form
	confirmScreen    // after submitting; its content lives in UI.confirmation
	pinScreen        // a service card was presented
	serviceScreen    // the technician's status and actions
	previewScreen    // a card's information sheet as it will print
	attachmentScreen // a BIP page's attachment: PDF pages or its QR code; UI.pdf holds the viewer
	// Local taxes and fees (dues.go); what they show lives in UI.dues.
	duesScreen        // how to identify
	duesCardScreen    // waiting for the Karta Mieszkańca on the reader
	duesPINScreen     // the card's PIN
	duesCodeScreen    // the access code from the tax decision
	duesPESELScreen   // the PESEL's last four digits
	duesResultScreen  // the resident's dues
	duesProblemScreen // locked, not offered, no connection
	duesPayScreen     // one item's payment QR, transfer data and slip; id: the item's index
)

// route is one entry of the navigation stack: what to show, never the widgets themselves,
// so a language or theme switch rebuilds the current screen and a reset forgets everything.
type route struct {
	kind kind
	id   string
}

// UI is the kiosk's window content.
type UI struct {
	win  fyne.Window
	d    Deps
	t    func(string, ...any) string
	look Look
	tk   touch.Kit // makes the touch widgets, which report interactions to activity
	// guard holds back taps that arrive right after a screen change (a double tap).
	guard *touch.TapGuard

	stack []route
	query string         // the search screen's text, kept while the resident moves back and forth
	focus fyne.Focusable // what the screen being built wants focused once it is on the canvas

	form         *formSession    // the form being filled, nil when none
	confirmation *confirmation   // the last submission's confirmation, until Home or reset
	lastReceipt  *receipt.Doc    // the last confirmation printed or shown, for a reprint
	pending      *content.Bundle // content activated by sync, shown from the next session
	printMsg     string          // how printing the current card's sheet went
	printing     bool            // a print job is running
	inline       bool            // tests: run slow work on the calling goroutine
	post         func(func())    // hands background results to the UI goroutine; fyne.Do if nil
	pinErr       string          // why the last PIN was refused
	pinChecking  bool            // a PIN is being checked in the background
	serviceMsg   string          // what the last service action did
	svcStatus    *health.Status  // the service screen's figures; nil while they are gathered
	svcGen       int             // counts status requests, so only the latest one lands
	svcBusy      bool            // a service action (reload) runs in the background
	pdf          *pdfState       // the PDF viewer's page and zoom, nil when none is open
	dues         *duesSession    // the resident's dues visit, nil when none
	duesGen      int             // counts dues visits, so a lookup landing after one ended is dropped

	scroll   *touch.Scroll // the body of the screen on show, when it is one scroll view
	scrolled place         // what that screen shows

	warning   *widget.PopUp
	countdown *widget.Label

	quietSince time.Duration // Uptime at the last touch or reset
	settled    bool          // Deps.Settled was called since the last touch
	rested     bool          // Deps.Rested was called since the last touch
	attract    *attract      // the attract loop on screen; nil when not shown
	crest      crestCache    // the coat of arms as pixels, per width
	hoursToday *widget.Label // home's "today: … open until" line, kept current by Tick

	sp      speechState // speech mode: the keypad's focus, touch-to-hear, what was said
	renders int         // counts redraws, so speech can tell when a tap changed nothing

	building  *pendingIndex // the search index being built in the background; nil when d.Index is current
	drawnSeen bool          // the first frame has been painted (Trace and FirstFrame told)
}

// New builds the UI into win and shows the home screen.
func New(win fyne.Window, d Deps) *UI {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Uptime == nil {
		start := time.Now()
		d.Uptime = func() time.Duration { return time.Since(start) }
	}
	u := &UI{win: win, d: d, t: d.Loc.T}
	u.guard = touch.NewTapGuard(d.Uptime)
	u.quietSince = d.Uptime()
	u.tk = touch.Kit{Activity: u.activity, Guard: u.guard, Width: u.buttonWidth,
		Bottom: func() bool { return u.look.Lower }}
	d.Loc.OnChange(func(l10n.Lang) { u.render() })
	u.applyLook()
	u.initSpeech()
	u.stack = []route{{kind: homeScreen}}
	u.render()
	if d.Index == nil && d.Content != nil {
		// Off the start-up's critical path: home needs no index; search waits for it.
		u.buildIndex(d.Content)
	}
	return u
}

// buttonWidth is the widest a button may get: the window less the margins and the scroll
// arrows beside a screen's body; 0 (no limit) before the window has a size.
func (u *UI) buttonWidth() float32 {
	w := u.win.Canvas().Size().Width
	if w <= 0 {
		return 0
	}
	return w - touch.TargetSize - 6*theme.Padding()
}

// activity is called on every touch; it keeps the session alive.
func (u *UI) activity() {
	u.hush() // speech stops at once when the resident acts
	u.quietSince = u.d.Uptime()
	u.settled, u.rested = false, false
	if u.d.Idle != nil {
		u.d.Idle.Touch()
	}
}

// Tick advances the idle warning and the attract loop; the kiosk calls it once a second on
// the UI goroutine.
func (u *UI) Tick() {
	u.tickIdle()
	u.tickAttract()
	u.refreshHours()
	u.tickSpeech()
	u.tickSettle()
}

// tickSettle calls Deps.Settled once the screen has been quiet for SettleAfter, and
// Deps.Rested once it has been for RestAfter.
func (u *UI) tickSettle() {
	quiet := u.d.Uptime() - u.quietSince
	if u.d.Settled != nil && !u.settled && quiet >= SettleAfter {
		u.settled = true
		u.d.Settled()
	}
	if u.d.Rested != nil && !u.rested && quiet >= max(u.d.RestAfter, SettleAfter) {
		u.rested = true
		u.d.Rested()
	}
}

func (u *UI) tickIdle() {
	if u.d.Idle == nil {
		return
	}
	state, left := u.d.Idle.Poll()
	switch state {
	case idle.Active:
		u.hideWarning()
	case idle.Warning:
		if u.atFreshHome() {
			// Nothing to protect: an untouched home screen needs no warning.
			return
		}
		fresh := u.warning == nil
		u.showWarning(left)
		if fresh {
			// The popup lands under a finger that may be about to tap "Dalej".
			u.guard.ScreenChanged()
		}
	case idle.Expired:
		if !u.atFreshHome() {
			u.Reset()
		}
	}
}

// atFreshHome is true when the screen already is what a new resident should see.
func (u *UI) atFreshHome() bool {
	return len(u.stack) == 1 && u.query == "" && u.look == (Look{}) && u.d.Loc.Lang() == l10n.PL && u.warning == nil && !u.sp.on
}

// Reset ends the session: home screen, Polish, default look, no search text, no popups.
// Nothing a resident typed or opened survives it.
func (u *UI) Reset() {
	u.hideWarning()
	// Any other popup (the keyboard's letter picker, say) goes too, and whatever a physical
	// keyboard copied: the next resident must find no trace.
	for _, o := range u.win.Canvas().Overlays().List() {
		u.win.Canvas().Overlays().Remove(o)
	}
	if cb := u.win.Clipboard(); cb != nil {
		cb.SetContent("")
	}
	u.query = ""
	u.dropForm()
	u.dropDues()
	u.confirmation = nil
	u.pdf = nil
	u.printMsg, u.pinErr, u.serviceMsg = "", "", ""
	u.svcStatus = nil
	u.svcGen++ // a status still being gathered is not shown to the next person
	u.applyPending()
	u.stack = []route{{kind: homeScreen}}
	u.attract = nil
	u.quietSince = u.d.Uptime() // the attract loop counts its quiet period from here
	u.look = Look{}
	u.applyLook()
	wasOn := u.sp.on
	u.resetSpeech()
	if wasOn {
		// The resident hears that the session ended and the screen is clear.
		u.say(u.t("speech.bye"))
	}
	if u.d.Loc.Lang() != l10n.PL {
		u.d.Loc.SetLang(l10n.PL) // renders through the listener
	} else {
		u.render()
	}
	if u.d.Idle != nil {
		u.d.Idle.Touch()
	}
	// Released gives back at once what Settled would; Rested still comes RestAfter from
	// now, when what the session's screens left in the caches has expired too.
	u.settled, u.rested = true, false
	if u.d.Released != nil {
		u.d.Released()
	}
}

func (u *UI) push(r route) {
	u.activity()
	if r.kind == languageScreen && u.form.halfFilled() {
		u.leaveForm(func() { u.dropForm(); u.push(r) })
		return
	}
	u.printMsg, u.serviceMsg = "", ""
	u.stack = append(u.stack, r)
	u.render()
}

func (u *UI) back() {
	u.activity()
	if u.current().kind == formScreen && u.formBack() {
		u.render()
		return
	}
	if u.current().kind == formScreen {
		u.leaveForm(u.pop) // asks first when answers would be lost
		return
	}
	u.pop()
}

// pop leaves the current screen for the one below it.
func (u *UI) pop() {
	if len(u.stack) > 1 {
		switch u.current().kind {
		case searchScreen:
			u.query = ""
		case formScreen:
			u.dropForm()
		case confirmScreen:
			u.confirmation = nil
		case duesScreen, duesPINScreen, duesCodeScreen, duesPESELScreen, duesResultScreen, duesProblemScreen, duesPayScreen:
			u.popDues(u.current().kind)
		}
		u.stack = u.stack[:len(u.stack)-1]
	}
	u.render()
}

// home goes to the start screen and forgets what this screen's visit held: search text, a
// half-filled form, a confirmation. (Language and look stay until the session ends.)
func (u *UI) home() {
	u.activity()
	u.leaveForm(u.goHome) // asks first when a half-filled form would be lost
}

func (u *UI) goHome() {
	u.query = ""
	u.dropForm()
	u.dropDues()
	u.confirmation = nil
	u.stack = u.stack[:1]
	u.render()
}

func (u *UI) current() route { return u.stack[len(u.stack)-1] }

// render rebuilds the current screen from its route.
func (u *UI) render() {
	// Whatever is under the finger now is new: the second tap of a double tap must not act
	// on it.
	defer u.guard.ScreenChanged()
	if u.showingAttract() {
		return
	}
	r := u.current()
	u.renders++
	clear(u.sp.spoken)
	u.sp.start, u.sp.private, u.sp.typeInto, u.sp.arrive = nil, false, nil, ""
	if u.d.Content == nil && r.kind != pinScreen && r.kind != serviceScreen {
		u.sp.title = u.t("outofservice.title")
		u.win.SetContent(u.withLayer(u.outOfServiceView()))
		u.keepPlace(nil)
		u.spoke()
		return
	}
	var body fyne.CanvasObject
	var title string
	switch r.kind {
	case homeScreen:
		u.sp.title = u.t("speech.home", "Name", u.d.Content.Municipality.Name)
		u.win.SetContent(u.withLayer(u.homeView()))
		u.keepPlace(nil)
		u.spoke()
		return
	case categoriesScreen:
		title, body = u.t("categories.title"), u.categoriesView()
	case categoryScreen:
		title, body = u.categoryView(r.id)
	case procedureScreen:
		title, body = u.procedureView(r.id)
	case bipScreen:
		title, body = u.bipView(r.id)
	case pageScreen:
		title, body = u.pageView(r.id)
	case searchScreen:
		title, body = u.t("search.title"), u.searchView()
	case languageScreen:
		title, body = u.t("language.title"), u.languageView()
		defer func() { u.sp.title = u.t("speech.language") }()
	case accessScreen:
		title, body = u.t("access.title"), u.accessView()
	case formScreen:
		title, body = u.formView()
	case confirmScreen:
		title, body = u.confirmView()
	case pinScreen:
		title, body = u.pinView()
	case serviceScreen:
		title, body = u.serviceView()
	case previewScreen:
		title, body = u.previewView(r.id)
	case attachmentScreen:
		title, body = u.attachmentView(r.id)
	case duesScreen:
		title, body = u.duesChooseView()
	case duesCardScreen:
		title, body = u.duesCardView()
	case duesPINScreen:
		title, body = u.duesPINView()
	case duesCodeScreen:
		title, body = u.duesCodeView()
	case duesPESELScreen:
		title, body = u.duesPESELView()
	case duesResultScreen:
		title, body = u.duesResultView()
	case duesProblemScreen:
		title, body = u.duesProblemView()
	case duesPayScreen:
		title, body = u.duesPayView(r.id)
	}
	u.sp.title = title
	if u.sp.arrive != "" {
		u.sp.title = u.sp.arrive
	}
	u.win.SetContent(u.withLayer(u.frame(title, body)))
	u.keepPlace(body)
	switch {
	case u.sp.on:
		// The keypad's keys must reach the kiosk, not a text field.
		u.win.Canvas().Unfocus()
	case u.focus != nil:
		u.win.Canvas().Focus(u.focus)
	}
	u.focus = nil
	u.spoke()
}

// place is what a screen shows, as far as where the resident has scrolled to goes.
type place struct {
	r    route
	step int // the form's step on a form screen
}

// keepPlace scrolls a screen that was drawn again (a tick, "Pokaż", an error, another
// language) back to where the resident was: jumping to the top would hide what the tap just
// changed. A new screen starts at its top. Call it after the body is on the canvas, so the
// scroll view knows its size.
func (u *UI) keepPlace(body fyne.CanvasObject) {
	now := place{r: u.current(), step: -1}
	if u.form != nil && now.r.kind == formScreen {
		now.step = u.form.step
	}
	offset := float32(0)
	if u.scroll != nil && u.scrolled == now {
		offset = u.scroll.Offset()
	}
	u.scroll, u.scrolled = nil, now
	if sc, ok := body.(*touch.Scroll); ok {
		u.scroll = sc
		if offset > 0 {
			sc.ScrollTo(offset)
		}
	}
}

// frame puts a screen's body under its title, with Back, Start and the language switch
// one tap away: in a bar above the body, or below it in the lower layout.
func (u *UI) frame(title string, body fyne.CanvasObject) fyne.CanvasObject {
	back := u.tk.NewButton(u.t("nav.back"), theme.NavigateBackIcon(), u.back)
	home := u.tk.NewButton(u.t("nav.home"), theme.HomeIcon(), u.home)
	nav := container.NewHBox(back, home)
	langs := u.langSwitch()
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Truncation = fyne.TextTruncateEllipsis
	heading.SizeName = theme.SizeNameSubHeadingText
	if u.sp.start == nil {
		u.sp.start = heading
	}
	width := u.win.Canvas().Size().Width
	if u.look.Lower {
		// Reading stays at the top; everything a finger needs is at the bottom.
		top := container.NewVBox(heading, widget.NewSeparator())
		bottom := container.NewVBox(widget.NewSeparator())
		for _, row := range barRows(width, nav, langs, nil) {
			bottom.Add(row)
		}
		return container.NewBorder(top, bottom, nil, nil, body)
	}
	bar := container.NewVBox()
	for _, row := range barRows(width, nav, langs, heading) {
		bar.Add(row)
	}
	bar.Add(widget.NewSeparator())
	return container.NewBorder(bar, nil, nil, nil, body)
}

// barRows arranges the navigation buttons, the language switch and the title (nil: none) in
// as few rows as fit the width: all in one while the title keeps a third of the width, else
// the title in a row of its own under the buttons, and the language switch in its own row
// too when it no longer fits beside Back and Start (large text). Nothing gets wider than
// the window, so no button leaves the screen.
func barRows(width float32, nav, langs, title fyne.CanvasObject) []fyne.CanvasObject {
	pad := theme.Padding()
	buttons := nav.MinSize().Width + pad + langs.MinSize().Width
	switch {
	case width <= 0 || buttons+pad+width/3 <= width:
		center := title
		if center == nil {
			center = layout.NewSpacer()
		}
		return []fyne.CanvasObject{container.NewBorder(nil, nil, nav, langs, center)}
	case buttons <= width:
		rows := []fyne.CanvasObject{container.NewBorder(nil, nil, nav, langs)}
		if title != nil {
			rows = append(rows, title)
		}
		return rows
	default:
		rows := []fyne.CanvasObject{nav, langs}
		if title != nil {
			rows = append(rows, title)
		}
		return rows
	}
}

// langSwitch is the compact language choice of every screen's bar: one button a language,
// the current one marked. Switching re-renders the same screen in the new language and keeps
// everything else, a half-filled form included.
func (u *UI) langSwitch() fyne.CanvasObject {
	row := container.NewGridWithColumns(len(l10n.Languages))
	for _, l := range l10n.Languages {
		l := l
		b := u.tk.NewChoice(shortName(l), l == u.d.Loc.Lang(), func() {
			if l != u.d.Loc.Lang() {
				u.d.Loc.SetLang(l) // renders through the listener
			}
		})
		u.speakLang(b, l)
		row.Add(b)
	}
	return row
}

// shortName is a language's short label in its own script, as language switches show it.
func shortName(l l10n.Lang) string {
	switch l {
	case l10n.PL:
		return "PL"
	case l10n.EN:
		return "EN"
	case l10n.UK:
		return "УКР"
	}
	return strings.ToUpper(string(l))
}

// applyLook installs the theme for the current look.
func (u *UI) applyLook() {
	color := ""
	if u.d.Content != nil {
		color = u.d.Content.Municipality.Color
	}
	fyne.CurrentApp().Settings().SetTheme(newTheme(u.look, color))
}
