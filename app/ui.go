// Package app is the kiosk's Fyne user interface: screens, navigation, theme and the idle
// warning. It does no I/O: the content bundle, the search index, the translations, the
// idle clock and the device come in through Deps, so every screen can be driven headless by
// fyne.io/fyne/v2/test. It shares only standard-library packages with the device runtime
// (kiosk/idle, kiosk/health, kiosk/lockout); imports_test.go enforces that.
package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
	Index  *search.Index // BuildIndex(Content) when nil
	Loc    *l10n.Localizer
	Idle   IdleTimer
	Crest  fyne.Resource // the municipality's coat of arms; may be nil
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
	// SyncNow asks the background sync to run at once; nil when not provisioned.
	SyncNow func()
	// PDF shows PDF attachments as page images; nil: attachments offer only their QR code.
	PDF PDFPages
}

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

	warning   *widget.PopUp
	countdown *widget.Label
}

// New builds the UI into win and shows the home screen.
func New(win fyne.Window, d Deps) *UI {
	if d.Index == nil && d.Content != nil {
		d.Index = BuildIndex(d.Content)
	}
	u := &UI{win: win, d: d, t: d.Loc.T}
	u.tk = touch.Kit{Activity: u.activity}
	d.Loc.OnChange(func(l10n.Lang) { u.render() })
	u.applyLook()
	u.stack = []route{{kind: homeScreen}}
	u.render()
	return u
}

// activity is called on every touch; it keeps the session alive.
func (u *UI) activity() {
	if u.d.Idle != nil {
		u.d.Idle.Touch()
	}
}

// Tick advances the idle warning; the kiosk calls it once a second on the UI goroutine.
func (u *UI) Tick() {
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
		u.showWarning(left)
	case idle.Expired:
		if !u.atFreshHome() {
			u.Reset()
		}
	}
}

// atFreshHome is true when the screen already is what a new resident should see.
func (u *UI) atFreshHome() bool {
	return len(u.stack) == 1 && u.query == "" && u.look == (Look{}) && u.d.Loc.Lang() == l10n.PL && u.warning == nil
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
	u.confirmation = nil
	u.pdf = nil
	u.printMsg, u.pinErr, u.serviceMsg = "", "", ""
	u.svcStatus = nil
	u.svcGen++ // a status still being gathered is not shown to the next person
	u.applyPending()
	u.stack = []route{{kind: homeScreen}}
	u.look = Look{}
	u.applyLook()
	if u.d.Loc.Lang() != l10n.PL {
		u.d.Loc.SetLang(l10n.PL) // renders through the listener
	} else {
		u.render()
	}
	if u.d.Idle != nil {
		u.d.Idle.Touch()
	}
}

func (u *UI) push(r route) {
	u.activity()
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
	if len(u.stack) > 1 {
		switch u.current().kind {
		case searchScreen:
			u.query = ""
		case formScreen:
			u.dropForm()
		case confirmScreen:
			u.confirmation = nil
		}
		u.stack = u.stack[:len(u.stack)-1]
	}
	u.render()
}

// home goes to the start screen and forgets what this screen's visit held: search text, a
// half-filled form, a confirmation. (Language and look stay until the session ends.)
func (u *UI) home() {
	u.activity()
	u.query = ""
	u.dropForm()
	u.confirmation = nil
	u.stack = u.stack[:1]
	u.render()
}

func (u *UI) current() route { return u.stack[len(u.stack)-1] }

// render rebuilds the current screen from its route.
func (u *UI) render() {
	r := u.current()
	if u.d.Content == nil && r.kind != pinScreen && r.kind != serviceScreen {
		u.win.SetContent(u.outOfServiceView())
		return
	}
	var body fyne.CanvasObject
	var title string
	switch r.kind {
	case homeScreen:
		u.win.SetContent(u.homeView())
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
	}
	u.win.SetContent(container.NewBorder(u.topBar(title), nil, nil, nil, body))
	if u.focus != nil {
		u.win.Canvas().Focus(u.focus)
		u.focus = nil
	}
}

// topBar keeps Back and Home within a finger's reach on every screen but home.
func (u *UI) topBar(title string) fyne.CanvasObject {
	back := u.tk.NewButton(u.t("nav.back"), theme.NavigateBackIcon(), u.back)
	home := u.tk.NewButton(u.t("nav.home"), theme.HomeIcon(), u.home)
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Truncation = fyne.TextTruncateEllipsis
	heading.SizeName = theme.SizeNameSubHeadingText
	bar := container.NewBorder(nil, nil, container.NewHBox(back, home), nil, heading)
	return container.NewVBox(bar, widget.NewSeparator())
}

// applyLook installs the theme for the current look.
func (u *UI) applyLook() {
	color := ""
	if u.d.Content != nil {
		color = u.d.Content.Municipality.Color
	}
	fyne.CurrentApp().Settings().SetTheme(newTheme(u.look, color))
}
