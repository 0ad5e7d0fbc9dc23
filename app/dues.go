package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/content"
	"infomat/dues"
	"infomat/receipt"
)

// Dues looks up a resident's local taxes and fees on the portal (issue 16), over the
// device's authenticated channel: sync/client's Client.Lookup. Refusals are the dues
// package's errors (dues.ErrRefused with *dues.RefusedError, dues.ErrLocked with
// *dues.LockedError, dues.ErrUnavailable, dues.ErrOffline). It must not log the request or
// the answer.
type Dues interface {
	Lookup(ctx context.Context, req dues.Request) (dues.Statement, error)
}

// duesLookupTimeout bounds the wait on screen even if a Dues forgets its own timeout.
const duesLookupTimeout = 15 * time.Second

// duesSession is one resident's visit to the dues screens: what they typed, what the portal
// said. It lives in memory only and goes with Home, Back from the first dues screen and the
// idle reset, so a second resident finds nothing of it.
type duesSession struct {
	card   string // the Karta Mieszkańca's ID, as the reader read it
	pin    string
	code   string
	pesel4 string

	fieldErr string             // message ID: why the typed value was not sent
	refused  *dues.RefusedError // the portal did not accept the identification
	problem  error              // locked, unavailable, offline: shown on duesProblemScreen
	busy     bool               // asking the portal
	result   *dues.Statement    // what the portal answered
	printMsg string             // how printing the slip went
	printErr bool               // printMsg is a failure
}

// startDues opens the dues screens for a new resident.
func (u *UI) startDues() {
	u.dues = &duesSession{}
	u.duesGen++
	u.push(route{kind: duesScreen})
}

// dropDues forgets the resident's dues: identification, answer, messages. A lookup still
// running is ignored when it lands (duesGen).
func (u *UI) dropDues() {
	if s := u.dues; s != nil {
		*s = duesSession{} // a reference kept anywhere sees nothing either
	}
	u.dues = nil
	u.duesGen++
}

// popDues forgets what the dues screen being left held.
func (u *UI) popDues(k kind) {
	s := u.dues
	if s == nil {
		return
	}
	switch k {
	case duesScreen:
		u.dropDues()
	case duesPINScreen:
		s.card, s.pin, s.refused, s.fieldErr = "", "", nil, ""
	case duesCodeScreen:
		s.code, s.fieldErr = "", ""
	case duesPESELScreen:
		s.pesel4, s.refused, s.fieldErr = "", nil, ""
	case duesResultScreen:
		s.result = nil
	case duesProblemScreen:
		s.problem = nil
	case duesPayScreen:
		s.printMsg, s.printErr = "", false
	}
}

func (u *UI) duesSession() *duesSession {
	if u.dues == nil {
		u.dues = &duesSession{}
	}
	return u.dues
}

// duesChooseView: how the resident proves who they are.
func (u *UI) duesChooseView() (string, fyne.CanvasObject) {
	u.duesSession()
	way := func(label, explain string, r route) []fyne.CanvasObject {
		return []fyne.CanvasObject{
			u.tk.NewButton(label, theme.NavigateNextIcon(), func() { u.push(r) }),
			u.note(explain),
		}
	}
	parts := []fyne.CanvasObject{u.note(u.t("dues.intro"))}
	parts = append(parts, way(u.t("dues.way.card"), u.t("dues.way.card.explain"), route{kind: duesCardScreen})...)
	parts = append(parts, way(u.t("dues.way.code"), u.t("dues.way.code.explain"), route{kind: duesCodeScreen})...)
	parts = append(parts, u.note(u.t("dues.network")), u.note(u.t("dues.privacy")))
	return u.t("dues.title"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// duesCardView waits for the resident's card on the reader (CardPresented).
func (u *UI) duesCardView() (string, fyne.CanvasObject) {
	u.duesSession()
	prompt := widget.NewLabelWithStyle(u.t("dues.card.prompt"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	prompt.SizeName = theme.SizeNameSubHeadingText
	prompt.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{prompt, u.note(u.t("dues.card.body")),
		u.note(u.t("dues.card.nocard")),
		u.tk.NewButton(u.t("dues.way.code"), theme.NavigateNextIcon(), func() {
			u.stack[len(u.stack)-1] = route{kind: duesCodeScreen}
			u.activity()
			u.render()
		}),
	}
	return u.t("dues.way.card"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// duesCard takes a card read while the card screen is shown as the resident's own.
func (u *UI) duesCard(id string) {
	s := u.duesSession()
	u.activity()
	s.card, s.pin, s.refused, s.fieldErr = id, "", nil, ""
	u.push(route{kind: duesPINScreen})
}

// duesSecretView is the PIN screen and the PESEL digits screen: one masked field of digits,
// what went wrong, and the button that asks the portal ("Sprawdzam…" while it does).
func (u *UI) duesSecretView(title, body, field string, value *string, maxLen int, check func()) (string, fyne.CanvasObject) {
	s := u.duesSession()
	e := widget.NewPasswordEntry()
	setTextCaretAtEnd(e, *value)
	e.OnChanged = func(v string) {
		u.activity()
		if len(v) > maxLen { // the digit pad has no limit of its own
			e.SetText(v[:maxLen])
			return
		}
		*value = v
	}
	e.OnSubmitted = func(string) { check() }
	u.focus = e
	// Never said: keys sound as tones, the field only says it is there.
	u.sp.private = true
	u.speakAs(e, func() string { return field }, nil)
	parts := []fyne.CanvasObject{u.note(body)}
	if s.fieldErr != "" {
		parts = append(parts, u.errorLabel(u.t(s.fieldErr)))
	}
	if s.refused != nil {
		parts = append(parts, u.errorLabel(u.t("dues.refused", "Tries", s.refused.Remaining)))
	}
	parts = append(parts, e)
	var btn fyne.CanvasObject
	if s.busy {
		btn = u.tk.NewButton(u.t("dues.checking"), theme.ConfirmIcon(), nil)
		btn.(fyne.Disableable).Disable()
		parts = append(parts, u.note(u.t("dues.checking.body")))
	} else {
		btn = u.tk.NewButton(u.t("dues.check"), theme.ConfirmIcon(), check)
	}
	kb := keyboard.New(u.activity)
	kb.Unfocused = u.sp.on
	kb.SetMode(keyboard.Digits)
	kb.SetTarget(e)
	u.sp.typeInto = e
	body2 := u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
	return title, container.NewBorder(nil, container.NewVBox(container.NewPadded(btn), kb), nil, nil, body2)
}

func (u *UI) duesPINView() (string, fyne.CanvasObject) {
	s := u.duesSession()
	if s.card == "" {
		return u.t("error.missing"), u.missing()
	}
	return u.duesSecretView(u.t("dues.pin.title"), u.t("dues.pin.body"), u.t("speech.pin"), &s.pin, 12, func() {
		u.activity()
		if s.busy {
			return
		}
		s.refused, s.fieldErr = nil, ""
		if !digits(s.pin, 4, 12) {
			s.fieldErr = "dues.pin.invalid"
			u.render()
			return
		}
		req := dues.Request{Card: s.card, PIN: s.pin}
		s.pin = ""
		u.lookupDues(req)
	})
}

// duesCodeView asks for the access code printed on the tax decision.
func (u *UI) duesCodeView() (string, fyne.CanvasObject) {
	s := u.duesSession()
	e := widget.NewEntry()
	e.SetPlaceHolder(u.t("dues.code.placeholder"))
	setTextCaretAtEnd(e, s.code)
	e.OnChanged = func(v string) {
		u.activity()
		s.code = v
	}
	next := func() {
		u.activity()
		s.fieldErr = ""
		if !dues.ValidCode(dues.NormalizeCode(s.code)) {
			s.fieldErr = "dues.code.invalid"
			u.render()
			return
		}
		u.push(route{kind: duesPESELScreen})
	}
	e.OnSubmitted = func(string) { next() }
	u.focus = e
	u.sp.private = !u.sp.headphones
	u.speakAs(e, func() string {
		switch {
		case e.Text == "":
			return u.t("speech.field.empty", "Hint", u.speakable(u.t("dues.code.label")))
		case u.sp.headphones:
			return u.t("speech.field", "Text", u.spell(e.Text))
		}
		return u.t("speech.field.secret", "Count", len([]rune(e.Text)))
	}, nil)
	q := widget.NewLabelWithStyle(u.t("dues.code.label"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.SizeName = theme.SizeNameSubHeadingText
	q.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{q, u.note(u.t("dues.code.help"))}
	if s.fieldErr != "" {
		parts = append(parts, u.errorLabel(u.t(s.fieldErr)))
	}
	parts = append(parts, e)
	kb := keyboard.New(u.activity)
	kb.Unfocused = u.sp.on
	kb.SetMode(keyboard.Text) // codes are Latin letters and digits in every language
	kb.SetTarget(e)
	u.sp.typeInto = e
	btn := u.tk.NewButton(u.t("form.next"), theme.NavigateNextIcon(), next)
	body := u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
	return u.t("dues.way.code"), container.NewBorder(nil, container.NewVBox(container.NewPadded(btn), kb), nil, nil, body)
}

func (u *UI) duesPESELView() (string, fyne.CanvasObject) {
	s := u.duesSession()
	if s.code == "" {
		return u.t("error.missing"), u.missing()
	}
	return u.duesSecretView(u.t("dues.pesel.title"), u.t("dues.pesel.body"), u.t("dues.speech.pesel"), &s.pesel4, 4, func() {
		u.activity()
		if s.busy {
			return
		}
		s.refused, s.fieldErr = nil, ""
		if !digits(s.pesel4, 4, 4) {
			s.fieldErr = "dues.pesel.invalid"
			u.render()
			return
		}
		req := dues.Request{Code: dues.NormalizeCode(s.code), PESEL4: s.pesel4}
		s.pesel4 = ""
		u.lookupDues(req)
	})
}

// digits reports whether s is lo to hi ASCII digits.
func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// lookupDues asks the portal in the background; the screen says "Sprawdzam…" meanwhile.
// An answer that lands after Home or a reset is dropped unseen.
func (u *UI) lookupDues(req dues.Request) {
	s := u.dues
	s.busy = true
	u.announce(u.t("dues.checking"))
	u.render()
	gen := u.duesGen
	svc := u.d.Dues
	var st dues.Statement
	var err error
	u.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), duesLookupTimeout)
		defer cancel()
		st, err = svc.Lookup(ctx, req)
	}, func() {
		if gen != u.duesGen || u.dues != s {
			return
		}
		s.busy = false
		u.activity() // the resident was waiting, not idle
		u.duesAnswer(st, err)
	})
}

// duesAnswer shows what the portal said: the dues, the refusal on the screen where the
// resident typed, or a problem screen.
func (u *UI) duesAnswer(st dues.Statement, err error) {
	s := u.dues
	var refused *dues.RefusedError
	if errors.As(err, &refused) {
		s.refused = refused
		u.announce(u.t("speech.mark.error", "Text", u.t("dues.refused", "Tries", refused.Remaining)))
		u.render()
		return
	}
	// Whatever else came, the identification has served: the card and code go.
	s.card, s.code, s.pin, s.pesel4, s.refused, s.fieldErr = "", "", "", "", nil, ""
	next := route{kind: duesResultScreen}
	if err != nil {
		s.problem = err
		next = route{kind: duesProblemScreen}
	} else {
		s.result = &st
	}
	// Back from the answer leads to the choice, not to a PIN that was already sent.
	for i, r := range u.stack {
		if r.kind == duesScreen {
			u.stack = u.stack[:i+1]
			break
		}
	}
	u.push(next)
}

// duesProblemView explains a lookup that gave no dues, and what the resident can do instead.
func (u *UI) duesProblemView() (string, fyne.CanvasObject) {
	s := u.duesSession()
	var msg, instead string
	switch {
	case s.problem == nil:
		return u.t("error.missing"), u.missing()
	case errors.Is(s.problem, dues.ErrLocked):
		msg = u.t("dues.locked.later")
		var l *dues.LockedError
		if errors.As(s.problem, &l) && !l.Until.IsZero() {
			now := u.d.Now()
			// Rounded up to the minute: "try again after 04:08" must not be refused at 04:08:00.
			until := l.Until.In(now.Location())
			if t := until.Truncate(time.Minute); !t.Equal(until) {
				until = t.Add(time.Minute)
			}
			at := until.Format("15:04")
			if y1, m1, d1 := until.Date(); y1 != now.Year() || m1 != now.Month() || d1 != now.Day() {
				at = until.Format("02.01.2006, 15:04")
			}
			msg = u.t("dues.locked", "Time", at)
		}
	case errors.Is(s.problem, dues.ErrUnavailable):
		msg = u.t("dues.unavailable", "Name", u.d.Content.Municipality.Name)
		instead = u.t("dues.unavailable.instead")
	default:
		msg = u.t("dues.offline")
		instead = u.t("dues.offline.instead")
	}
	parts := []fyne.CanvasObject{u.warningText(msg)}
	if instead != "" {
		parts = append(parts, u.note(instead))
	}
	parts = append(parts, u.officeBlock())
	parts = append(parts, u.tk.NewButton(u.t("dues.again"), theme.ViewRefreshIcon(), u.back))
	u.sp.arrive = msg
	return u.t("dues.title"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// officeBlock is where to ask in person: the municipality's office, its phone and hours,
// today's first.
func (u *UI) officeBlock() fyne.CanvasObject {
	m := u.d.Content.Municipality
	var md mdBuilder
	md.h(2, m.Name)
	if m.Address.Street != "" {
		md.p(fmt.Sprintf("%s, %s %s", m.Address.Street, m.Address.PostalCode, m.Address.City))
	}
	if m.Phone != "" {
		md.p(u.t("outofservice.phone", "Phone", m.Phone))
	}
	if today := todayHours(u.t, m.Hours, u.d.Now()); today != "" {
		md.raw("**" + esc(today) + "**")
	}
	if len(m.Hours) > 0 {
		md.h(2, u.t("home.hours"))
		md.bullets(strings.Split(weekHours(u.t, m.Hours), "\n"))
	}
	return markdown.Render(md.String())
}

// today is the municipality's date, as the items' due dates are written.
func (u *UI) today() string { return u.d.Now().Format("2006-01-02") }

// itemName names an item with its year and instalment: "Podatek od nieruchomości — 2026,
// rata 2".
func (u *UI) itemName(it dues.Item) string {
	period := fmt.Sprint(it.Year)
	if it.Instalment > 0 {
		period = u.t("dues.period", "Year", it.Year, "Instalment", it.Instalment)
	}
	if it.Year == 0 {
		return it.Item
	}
	return it.Item + " — " + period
}

// dateText writes YYYY-MM-DD the Polish way; anything else unchanged.
func dateText(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}

func money(grosze int64) string { return content.Amount(grosze).String() }

// duesResultView lists the resident's dues: each item with what is due, paid and left, its
// due date and whether it is overdue, a "Zapłać" for each unpaid one, the total, and that
// the kiosk does not compute interest.
func (u *UI) duesResultView() (string, fyne.CanvasObject) {
	s := u.duesSession()
	st := s.result
	if st == nil {
		return u.t("error.missing"), u.missing()
	}
	name := widget.NewLabelWithStyle(st.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	u.speakAs(name, func() string { return u.t("dues.speech.name") }, nil)
	parts := []fyne.CanvasObject{name}
	if !st.AsOf.IsZero() {
		parts = append(parts, u.note(u.t("dues.as_of", "Date", st.AsOf.In(u.d.Now().Location()).Format("02.01.2006"))))
	}
	if len(st.Items) == 0 {
		parts = append(parts, u.note(u.t("dues.none")))
	}
	today := u.today()
	for i, it := range st.Items {
		i, it := i, it
		title := widget.NewLabelWithStyle(u.itemName(it), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		title.Wrapping = fyne.TextWrapWord
		parts = append(parts, widget.NewSeparator(), title,
			u.note(u.t("dues.amounts", "Due", money(it.Due), "Paid", money(it.Paid), "Left", money(it.Outstanding()))),
			u.note(u.t("dues.due_date", "Date", dateText(it.DueDate))))
		switch {
		case it.Outstanding() == 0:
			parts = append(parts, u.note("✓ "+u.t("dues.paid")))
		case it.Overdue(today):
			parts = append(parts, u.warningText(u.t("dues.overdue")))
		}
		if it.Outstanding() > 0 {
			label := u.t("dues.pay")
			b := u.tk.NewButton(label, theme.ConfirmIcon(), func() { u.push(route{kind: duesPayScreen, id: strconv.Itoa(i)}) })
			what := u.itemName(it)
			u.speakAs(b, func() string { return u.buttonSpeech(label+": "+what, false) },
				func() { u.push(route{kind: duesPayScreen, id: strconv.Itoa(i)}) })
			parts = append(parts, b)
		}
	}
	total := widget.NewLabelWithStyle(u.t("dues.total", "Amount", money(st.Total())), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	total.SizeName = theme.SizeNameSubHeadingText
	total.Wrapping = fyne.TextWrapWord
	parts = append(parts, widget.NewSeparator(), total, u.note(u.t("dues.interest")))
	return u.t("dues.title"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// duesItem is the item a pay screen's route names.
func (u *UI) duesItem(id string) (*dues.Statement, dues.Item, bool) {
	s := u.duesSession()
	i, err := strconv.Atoi(id)
	if s.result == nil || err != nil || i < 0 || i >= len(s.result.Items) {
		return nil, dues.Item{}, false
	}
	return s.result, s.result.Items[i], true
}

// duesPayment is the transfer for an item: the municipality, the taxpayer's individual
// account, exactly what is left to pay, and the title.
func duesPayment(st *dues.Statement, it dues.Item) receipt.Payment {
	return receipt.Payment{NIP: st.NIP, Account: it.Account, Amount: content.Amount(it.Outstanding()),
		Recipient: st.Recipient, Title: dues.Title(it)}
}

// duesSlip is the printed payment slip for an item.
func (u *UI) duesSlip(st *dues.Statement, it dues.Item) receipt.Doc {
	m := u.d.Content.Municipality
	info := receipt.DuesSlipInfo{
		Municipality:  m.Name,
		Name:          st.Name,
		AsOf:          st.AsOf.In(u.d.Now().Location()),
		Item:          u.itemName(it),
		DueDate:       dateText(it.DueDate),
		Overdue:       it.Overdue(u.today()),
		Due:           content.Amount(it.Due),
		Paid:          content.Amount(it.Paid),
		Left:          content.Amount(it.Outstanding()),
		Payment:       duesPayment(st, it),
		Office:        m.Name,
		OfficeAddress: fmt.Sprintf("%s, %s %s", m.Address.Street, m.Address.PostalCode, m.Address.City),
	}
	if wk := weekHours(u.t, m.Hours); wk != "" {
		info.Hours = strings.Split(wk, "\n")
	}
	return receipt.DuesSlip(info, u.t)
}

// duesPayView shows how to pay one item: the payment QR code for a banking app, the same
// data as text for a transfer form, and the printed slip.
func (u *UI) duesPayView(id string) (string, fyne.CanvasObject) {
	st, it, ok := u.duesItem(id)
	if !ok || it.Outstanding() == 0 {
		return u.t("error.missing"), u.missing()
	}
	s := u.dues
	pay := duesPayment(st, it)
	title := widget.NewLabelWithStyle(u.itemName(it), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{title,
		u.note(u.t("dues.left", "Amount", money(it.Outstanding())) + " · " + u.t("dues.due_date", "Date", dateText(it.DueDate)))}
	if it.Overdue(u.today()) {
		parts = append(parts, u.warningText(u.t("dues.overdue")))
	}
	qrPay := pay
	if pay.Amount > receipt.MaxAmount {
		qrPay.Amount = 0 // the code's six digits: the payer types it
	}
	if data, err := receipt.PaymentQR(qrPay); err == nil {
		parts = append(parts, u.qr(data, u.t("dues.qr")))
		if qrPay.Amount == 0 {
			parts = append(parts, u.note(u.t("dues.qr.type_amount")))
		}
	} else {
		parts = append(parts, u.note(u.t("dues.qr.none")))
	}
	var md mdBuilder
	md.h(2, u.t("dues.transfer"))
	md.table([]string{u.t("record.field"), u.t("record.value")}, [][]string{
		{u.t("receipt.recipient"), pay.Recipient},
		{u.t("receipt.account"), receipt.GroupNRB(pay.Account)},
		{u.t("receipt.amount"), money(int64(pay.Amount))},
		{u.t("receipt.title"), pay.Title},
	})
	parts = append(parts, markdown.Render(md.String()))
	if u.d.Printer != nil {
		doc := u.duesSlip(st, it) // in the language on screen
		parts = append(parts, u.printButton(u.t("dues.print"), func() {
			u.startPrint(doc, func(msg string, ok bool) { s.printMsg, s.printErr = msg, !ok })
		}))
		if s.printMsg != "" {
			if s.printErr {
				parts = append(parts, u.warningText(s.printMsg))
			} else {
				parts = append(parts, u.note(s.printMsg))
			}
		}
	}
	parts = append(parts, u.note(u.t("dues.interest")))
	return u.t("dues.pay.title"), u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}
