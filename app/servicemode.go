package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/content"
	"infomat/kiosk/health"
	"infomat/kiosk/lockout"
	"infomat/receipt"
)

// ServiceMode is the technician's side of the kiosk (service mode, behind a service card and
// the PIN): who may enter, what to show, what to log.
type ServiceMode interface {
	// Card reports whether a presented card is a service card (and starts a login with it).
	Card(id string) bool
	// PIN completes the login started by Card; a refusal is lockout.ErrWrongPIN or
	// lockout.ErrLocked (see package lockout); any other error: the check was not possible.
	PIN(pin string) error
	Record(action, detail string)
	Status(ctx context.Context) health.Status
}

// CardPresented is called (on the UI goroutine) for every card the reader reads. A card on
// the service list leads to the service PIN, on every screen. Any other card is taken as the
// resident's Karta Mieszkańca while the dues card screen asks for one, and ignored
// everywhere else, so a resident's card or reader noise never opens service mode.
func (u *UI) CardPresented(id string) {
	if u.d.ServiceMode == nil || !u.d.ServiceMode.Card(id) {
		if u.d.Dues != nil && u.d.Content != nil && u.current().kind == duesCardScreen && !u.showingAttract() {
			u.duesCard(id)
		}
		return
	}
	u.activity()
	if k := u.current().kind; k == pinScreen || k == serviceScreen {
		return
	}
	u.pinErr = ""
	u.push(route{kind: pinScreen})
}

// background runs slow work — device queries that wait for the printer, the PIN's argon2id
// hash, loading content — off the UI goroutine, then done on it. The UI goroutine also
// answers the systemd watchdog: blocking it for as long as a print may take (30 s) gets the
// kiosk killed. In tests with inline set both run on the caller's goroutine.
func (u *UI) background(work, done func()) {
	if u.inline {
		work()
		done()
		return
	}
	post := u.post
	if post == nil {
		post = fyne.Do
	}
	go func() {
		work()
		post(done)
	}()
}

// refreshStatus gathers the service screen's figures in the background; the screen says
// "Checking…" until they arrive.
func (u *UI) refreshStatus() {
	u.svcGen++
	gen := u.svcGen
	var st health.Status
	svc := u.d.ServiceMode // u is the UI goroutine's; the work gets only what it needs
	u.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		st = svc.Status(ctx)
	}, func() {
		if gen != u.svcGen {
			return // the screen was left, or a newer request runs
		}
		u.svcStatus = &st
		if u.current().kind == serviceScreen {
			u.render()
		}
	})
}

// enterService replaces the PIN screen with the service screen (so Back from it leaves
// service mode) and starts gathering its figures.
func (u *UI) enterService() {
	u.pinErr = ""
	u.svcStatus = nil
	u.stack[len(u.stack)-1] = route{kind: serviceScreen}
	u.refreshStatus()
	u.render()
}

func (u *UI) pinView() (string, fyne.CanvasObject) {
	e := widget.NewPasswordEntry()
	e.SetPlaceHolder(u.t("service.pin.placeholder"))
	check := func() {
		u.activity()
		if u.pinChecking {
			return
		}
		pin := e.Text
		e.SetText("")
		u.pinChecking = true
		u.render()
		var err error
		svc := u.d.ServiceMode
		u.background(func() { err = svc.PIN(pin) }, func() {
			u.pinChecking = false
			if u.current().kind != pinScreen {
				return // the technician left (or the session was reset) meanwhile
			}
			u.pinResult(err)
		})
	}
	e.OnSubmitted = func(string) { check() }
	u.focus = e
	// The PIN is never said: its keys sound as tones, the field only says it is there.
	u.sp.private = true
	u.speakAs(e, func() string { return u.t("speech.pin") }, nil)
	parts := []fyne.CanvasObject{u.note(u.t("service.pin.body")), e}
	if u.pinErr != "" {
		parts = append(parts, u.warningText(u.pinErr))
	}
	if u.pinChecking {
		b := u.tk.NewButton(u.t("service.checking"), theme.ConfirmIcon(), nil)
		b.(fyne.Disableable).Disable()
		parts = append(parts, b)
	} else {
		parts = append(parts, u.tk.NewButton(u.t("service.pin.ok"), theme.ConfirmIcon(), check))
	}
	kb := keyboard.New(u.activity)
	kb.Unfocused = u.sp.on
	kb.SetMode(keyboard.Digits)
	kb.SetTarget(e)
	u.sp.typeInto = e
	return u.t("service.title"), container.NewBorder(nil, kb, nil, nil,
		u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...))))
}

// pinResult shows what the PIN check said: the service screen, or why not.
func (u *UI) pinResult(err error) {
	switch {
	case err == nil:
		u.enterService()
		return
	case errors.Is(err, lockout.ErrLocked):
		left := lockout.LockDuration
		var l *lockout.LockedError
		if errors.As(err, &l) {
			left = l.Left
		}
		u.pinErr = u.t("service.pin.locked", "Minutes", int(left.Minutes()+0.999))
	case errors.Is(err, lockout.ErrWrongPIN):
		var w *lockout.WrongPINError
		if errors.As(err, &w) && w.Left == 0 {
			// This attempt used up the last try: say so now, not on the next one.
			u.pinErr = u.t("service.pin.locked", "Minutes", int(lockout.LockDuration.Minutes()))
		} else if w != nil {
			u.pinErr = u.t("service.pin.wrong", "Count", w.Left)
		} else {
			u.pinErr = u.t("service.pin.wrong", "Count", 0)
		}
	default:
		u.pinErr = u.t("service.pin.unavailable")
	}
	u.render()
}

// warningText is a bold message in the error colour, for problems the person must act on.
func (u *UI) warningText(text string) fyne.CanvasObject {
	msg := widget.NewLabel("⚠ " + text)
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	msg.TextStyle = fyne.TextStyle{Bold: true}
	return msg
}

func (u *UI) serviceView() (string, fyne.CanvasObject) {
	var parts []fyne.CanvasObject
	if u.svcStatus == nil {
		parts = append(parts, u.note(u.t("service.checking")))
	} else {
		parts = append(parts, u.statusTable(*u.svcStatus)...)
	}
	if u.serviceMsg != "" {
		parts = append(parts, u.note(u.serviceMsg))
	}
	action := func(label string, icon fyne.Resource, audit string, f func() string) fyne.CanvasObject {
		return u.tk.NewButton(label, icon, func() {
			u.d.ServiceMode.Record(audit, "")
			u.serviceMsg = f()
			u.render()
		})
	}
	printAction := func(label, audit string, doc receipt.Doc) fyne.CanvasObject {
		return u.printButton(label, func() {
			u.d.ServiceMode.Record(audit, "")
			u.startPrint(doc, func(msg string, _ bool) { u.serviceMsg = msg })
		})
	}
	if u.d.Printer != nil {
		if u.d.TestPage != nil {
			parts = append(parts, printAction(u.t("service.test_print"), "service.test_print", receipt.TestPage(u.d.TestPage(), u.t)))
		}
		if u.lastReceipt != nil {
			parts = append(parts, printAction(u.t("service.reprint"), "service.reprint", *u.lastReceipt))
		}
	}
	parts = append(parts, action(u.t("service.refresh"), theme.ViewRefreshIcon(), "service.refresh", func() string {
		u.svcStatus = nil
		u.refreshStatus()
		return ""
	}))
	if u.d.SyncNow != nil && u.svcStatus != nil && u.svcStatus.SyncConfigured {
		parts = append(parts, action(u.t("service.sync_now"), theme.UploadIcon(), "service.sync_now", func() string {
			u.d.SyncNow()
			return u.t("service.sync_now.started")
		}))
	}
	if u.d.Reload != nil {
		parts = append(parts, action(u.t("service.reload"), theme.ContentRedoIcon(), "service.reload", func() string {
			if u.svcBusy {
				return u.t("service.checking")
			}
			u.svcBusy = true
			var b *content.Bundle
			var err error
			reload := u.d.Reload
			u.background(func() { b, err = reload() }, func() {
				u.svcBusy = false
				msg := u.t("service.reload.failed")
				if err == nil {
					u.setContent(b)
					u.applyLook()
					msg = u.t("service.reload.done", "Version", b.Version)
				}
				if u.current().kind == serviceScreen {
					u.serviceMsg = msg
					u.refreshStatus()
					u.render()
				}
			})
			return u.t("service.checking")
		}))
	}
	if u.d.Maintenance != nil {
		parts = append(parts, action(u.t("service.maintenance"), theme.LogoutIcon(), "service.maintenance", func() string {
			u.d.Maintenance()
			return u.t("service.maintenance.done")
		}))
	}
	return u.t("service.title"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// statusTable is the service screen's figures.
func (u *UI) statusTable(st health.Status) []fyne.CanvasObject {
	ok := func(good bool, s string) string {
		if good {
			return "✓ " + s
		}
		return "⚠ " + s
	}
	lastSync := u.t("service.never")
	if !st.LastSync.IsZero() {
		lastSync = st.LastSync.Format("02.01.2006 15:04")
	}
	if !st.SyncConfigured {
		lastSync = u.t("service.sync.none")
	} else if st.SyncError != "" {
		lastSync += " — ⚠ " + st.SyncError
	}
	oldest := "—"
	if !st.Oldest.IsZero() {
		oldest = st.Oldest.Format("02.01.2006 15:04")
	}
	disk := fmt.Sprintf("%.1f GB", float64(st.DiskFree)/1e9)
	if st.DiskProblem != "" {
		disk = "⚠ " + disk + " — " + st.DiskProblem
	}
	clock := "✓ " + u.t("service.clock.ok")
	if st.ClockProblem != "" {
		clock = "⚠ " + st.ClockProblem
	}
	var md mdBuilder
	rows := [][]string{
		{u.t("service.printer"), ok(st.PrinterOK, st.Printer)},
		{u.t("service.reader"), ok(st.ReaderOK, st.Reader)},
		{u.t("service.queue"), u.t("service.queue.count", "Count", st.Queued)},
		{u.t("service.oldest"), oldest},
		{u.t("service.last_sync"), lastSync},
		{u.t("service.content"), u.contentState(st)},
		{u.t("service.disk"), disk},
		{u.t("service.version"), st.AppVersion},
		{u.t("service.clock"), clock},
	}
	if st.Salvaged+st.Unrecoverable > 0 {
		v := u.t("service.salvage.value", "Salvaged", st.Salvaged, "Lost", st.Unrecoverable)
		if st.Unrecoverable > 0 {
			v = "⚠ " + v
		}
		rows = append(rows, []string{u.t("service.salvage"), v})
	}
	md.table([]string{u.t("record.field"), u.t("record.value")}, rows)
	parts := []fyne.CanvasObject{markdown.Render(md.String())}
	if st.ShortPIN {
		parts = append(parts, u.warningText(u.t("service.pin.short")))
	}
	return parts
}

// ContentUpdated hands the UI content that sync just activated. A resident in the middle of
// something keeps what they are reading; the new content shows from the next session (or at
// once on an untouched home screen).
func (u *UI) ContentUpdated(b *content.Bundle) {
	u.pending = b
	if u.d.Content == nil {
		// Out of service: nobody is reading anything; show it now.
		u.applyPending()
		u.applyLook()
		u.render()
		return
	}
	if u.atFreshHome() {
		u.applyPending()
		u.render()
	}
}

func (u *UI) applyPending() {
	if u.pending != nil {
		u.setContent(u.pending)
		u.pending = nil
	}
}

// setContent switches to b, with its index and coat of arms.
func (u *UI) setContent(b *content.Bundle) {
	u.d.Content, u.d.Index = b, nil
	u.buildIndex(b)
	if u.d.CrestOf != nil {
		u.d.Crest = u.d.CrestOf(b)
	}
}

// contentState is the service screen's content line; out of service comes first.
func (u *UI) contentState(st health.Status) string {
	if st.OutOfService {
		return "⚠ " + u.t("service.out_of_service")
	}
	return st.ContentVersion + " (" + st.ContentSource + ")"
}
