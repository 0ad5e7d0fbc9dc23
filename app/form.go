package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
	"infomat/validate"
)

// Submitter files a finished form: the kiosk encrypts the answers and commits them to its
// outbox before returning, so a reference it returns survives a power cut.
type Submitter interface {
	Submit(ctx context.Context, p *content.Procedure, a content.Answers) (ref string, at time.Time, err error)
}

// formGate is implemented by a Submitter that refuses the forms of some content
// (kiosk.Submitter: the published sample key outside demo mode).
type formGate interface {
	Accepts(b *content.Bundle) error
}

// formsAccepted says whether the shown content's forms may be filed on this kiosk.
func (u *UI) formsAccepted() bool {
	g, ok := u.d.Submit.(formGate)
	return !ok || g.Accepts(u.d.Content) == nil
}

// formSession is one resident's half-filled form. It lives only in memory and is dropped on
// Home, on idle reset and after submitting.
type formSession struct {
	proc    *content.Procedure
	answers content.Answers
	// step: 0 the start page, 1…n the visible questions, n+1 the review, n+2 the consent.
	step       int
	toReview   bool  // came from the review's "Zmień": Next goes back to the review
	consent    bool  // the information clause was accepted
	fieldErr   error // the current question's problem; phrased at render, in the language shown then
	saveErr    bool  // the last submit failed
	consentErr bool  // "Wyślij wniosek" was tapped without the consent tick

	// shown lists the identifiers the resident chose to unmask on the review; a lobby is
	// public, so they start masked.
	shown map[string]bool
	leave *widget.PopUp // the "Przerwać wniosek?" question, while it is open
}

func (s *formSession) visible() []*content.Field { return s.proc.Form.Visible(s.answers) }

func (s *formSession) reviewStep() int  { return len(s.visible()) + 1 }
func (s *formSession) consentStep() int { return len(s.visible()) + 2 }

// startForm opens the wizard for a procedure card.
func (u *UI) startForm(p *content.Procedure) {
	if !u.formsAccepted() {
		return
	}
	// The session keeps the Polish card whatever the language (see formProc).
	if pl, ok := u.d.Content.Procedure(p.ID); ok {
		p = pl
	}
	u.form = &formSession{proc: p, answers: content.Answers{}, shown: map[string]bool{}}
	u.push(route{kind: formScreen, id: p.ID})
}

// dropForm forgets every answer typed so far.
func (u *UI) dropForm() {
	if u.form != nil {
		if u.form.leave != nil {
			u.form.leave.Hide()
		}
		clear(u.form.answers)
		clear(u.form.shown)
		u.form = nil
	}
}

// halfFilled says whether leaving now would lose something the resident typed or chose.
func (s *formSession) halfFilled() bool {
	if s == nil {
		return false
	}
	for _, v := range s.answers {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// leaveForm runs leave at once when no form is half-filled, else first asks "Przerwać
// wniosek?": Start, Back from the first step and the language screen would drop the answers.
// The idle reset does not come here; it has its own warning.
func (u *UI) leaveForm(leave func()) {
	s := u.form
	if !s.halfFilled() || u.current().kind != formScreen {
		leave()
		return
	}
	if s.leave != nil {
		return
	}
	q := widget.NewLabelWithStyle(u.t("form.leave.question"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.SizeName = theme.SizeNameSubHeadingText
	q.Wrapping = fyne.TextWrapWord
	body := widget.NewLabel(u.t("form.leave.body"))
	body.Wrapping = fyne.TextWrapWord
	stay := u.tk.NewButton(u.t("form.leave.stay"), nil, func() {
		u.activity()
		if s.leave != nil {
			s.leave.Hide()
			s.leave = nil
		}
	})
	drop := u.tk.NewButton(u.t("form.leave.drop"), nil, func() {
		if s.leave != nil {
			s.leave.Hide()
			s.leave = nil
		}
		leave()
	})
	box := markdown.NewStack(q, body, stay, drop)
	s.leave = widget.NewModalPopUp(u.modalLayer(container.NewPadded(box)), u.win.Canvas())
	size := u.win.Canvas().Size()
	s.leave.Resize(fyne.NewSize(size.Width*0.8, box.MinSize().Height+touch.TargetSize))
	s.leave.Show()
}

// formBack steps back inside the wizard, keeping the answers; false when at its start.
func (u *UI) formBack() bool {
	s := u.form
	if s == nil || s.step == 0 {
		return false
	}
	s.fieldErr, s.saveErr = nil, false
	if s.toReview {
		s.toReview = false
		s.step = s.reviewStep()
	} else {
		s.step--
	}
	return true
}

func (u *UI) formView() (string, fyne.CanvasObject) {
	s := u.form
	if s == nil || s.proc.Form == nil {
		return u.t("error.missing"), u.missing()
	}
	lp := u.formProc(s)
	title := lp.Form.Title
	if title == "" {
		title = lp.Title
	}
	fields := lp.Form.Visible(s.answers)
	switch {
	case s.step == 0:
		return title, u.formStart(s)
	case s.step <= len(fields):
		return title, u.questionView(s, fields[s.step-1])
	case s.step == len(fields)+1:
		return u.t("form.review.title"), u.reviewView(s, fields)
	default:
		return u.t("form.consent.title"), u.consentView(s)
	}
}

func (u *UI) formStart(s *formSession) fyne.CanvasObject {
	lp := u.formProc(s)
	var md mdBuilder
	md.h(1, lp.Title)
	md.p(lp.Form.Intro)
	if n := len(s.proc.Form.Fields); n > len(s.visible()) {
		// Some questions appear only after certain answers: promise no exact number that the
		// step count would later contradict.
		md.p(u.t("form.start.count.upto", "Count", n))
	} else {
		md.p(u.t("form.start.count", "Count", n))
	}
	md.p(u.t("form.start.privacy"))
	start := u.tk.NewButton(u.t("form.start"), theme.NavigateNextIcon(), func() {
		s.step = 1
		u.render()
	})
	parts := u.withPolishNote(lp.Form.Lang, lp.Form.Partial, []fyne.CanvasObject{markdown.Render(md.String()), start})
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// stepText numbers the question. The total is given only once the answers settle it: while
// a question that shows or hides others is this one or still unanswered ahead, the count
// could change, so it reads "Krok 2" rather than "Krok 2 z 6" that later becomes "z 7".
func (u *UI) stepText(s *formSession) string {
	controls := map[string]bool{}
	for _, f := range s.proc.Form.Fields {
		if f.ShowIf != nil {
			controls[f.ShowIf.Field] = true
		}
	}
	fields := s.visible()
	for i, f := range fields {
		if at := i + 1; controls[f.ID] && (at == s.step || at > s.step && strings.TrimSpace(s.answers[f.ID]) == "") {
			return u.t("form.step.open", "Step", s.step)
		}
	}
	return u.t("form.step", "Step", s.step, "Total", len(fields))
}

// questionView asks one question, GOV.UK style, with the keyboard its answer needs. "Dalej"
// sits at a fixed place above the keyboard: an error appearing never moves it from under
// the finger.
func (u *UI) questionView(s *formSession, f *content.Field) fyne.CanvasObject {
	step := widget.NewLabel(u.stepText(s))
	step.SizeName = theme.SizeNameCaptionText
	q := widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.SizeName = theme.SizeNameSubHeadingText
	q.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{step, q}
	// Arriving at a step, speech says where the resident is and what is asked; Down goes on
	// from the question.
	u.sp.arrive = joinSentences(step.Text, f.Label, f.Help)
	u.sp.start = q
	if form := u.formProc(s).Form; form.Lang == "" {
		// Not only on the start page: a resident who changed language mid-form must know why.
		parts = u.withPolishNote(form.Lang, form.Partial, parts)
	}
	if f.Help != "" {
		parts = append(parts, u.note(f.Help))
	}
	if !f.Required {
		parts = append(parts, u.note(u.t("form.optional")))
	}
	if s.fieldErr != nil {
		// Above the answer, as GOV.UK does, so it is read before the field.
		parts = append(parts, u.errorLabel(u.errorText(s.fieldErr)))
	}
	var kb *keyboard.Keyboard
	switch f.Type {
	case content.FieldChoice, content.FieldMultiChoice, content.FieldCheckbox:
		parts = append(parts, u.choices(s, f)...)
	default:
		var e *widget.Entry
		if f.Type == content.FieldLongText {
			e = widget.NewMultiLineEntry()
			e.Wrapping = fyne.TextWrapWord
			e.SetMinRowsVisible(4)
		} else {
			e = widget.NewEntry()
		}
		// After an error or "Zmień" the on-screen ⌫ removes the last character and digits go on
		// the end.
		setTextCaretAtEnd(e, s.answers[f.ID])
		e.OnChanged = func(v string) {
			u.activity()
			s.answers[f.ID] = v
		}
		e.OnSubmitted = func(string) { u.formNext(s, f) }
		parts = append(parts, e)
		u.focus = e
		u.speakField(e, f)
		kb = keyboard.New(u.activity)
		kb.Unfocused = u.sp.on
		kb.SetMode(keyboardMode(f.Type))
		kb.SetTarget(e)
		u.sp.typeInto = e
	}
	next := u.tk.NewButton(u.t("form.next"), theme.NavigateNextIcon(), func() { u.formNext(s, f) })
	body := u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
	bottom := container.NewVBox(container.NewPadded(next))
	if kb != nil {
		bottom.Add(kb)
	}
	return container.NewBorder(nil, bottom, nil, nil, body)
}

// errorLabel shows a problem in bold error colour, marked with ⚠ so it is not told by colour
// alone.
func (u *UI) errorLabel(text string) *widget.Label {
	msg := widget.NewLabel("⚠ " + text)
	msg.Importance = widget.DangerImportance
	msg.Wrapping = fyne.TextWrapWord
	msg.TextStyle = fyne.TextStyle{Bold: true}
	return msg
}

// keyboardMode picks the on-screen keyboard layout for a field.
func keyboardMode(t content.FieldType) keyboard.Mode {
	switch t {
	case content.FieldPESEL, content.FieldNIP, content.FieldREGON, content.FieldPostalCode,
		content.FieldPhone, content.FieldAccount:
		return keyboard.Digits
	case content.FieldDate:
		return keyboard.DateDigits
	case content.FieldEmail:
		return keyboard.Email
	}
	return keyboard.Text
}

// choices shows options as big buttons marked ◉/○ (one answer) or ☑/☐ (several, or a
// checkbox); a tap changes the answer and redraws.
func (u *UI) choices(s *formSession, f *content.Field) []fyne.CanvasObject {
	selected := map[string]bool{}
	for _, v := range strings.Split(s.answers[f.ID], "\n") {
		if v != "" {
			selected[v] = true
		}
	}
	opts := f.Options
	if f.Type == content.FieldCheckbox {
		opts = []content.Option{{Value: content.Checked, Label: u.t("form.checkbox")}}
	}
	var out []fyne.CanvasObject
	for _, o := range opts {
		o := o
		mark := "○ "
		if f.Type != content.FieldChoice {
			mark = "☐ "
		}
		if selected[o.Value] {
			mark = map[bool]string{true: "◉ ", false: "☑ "}[f.Type == content.FieldChoice]
		}
		out = append(out, u.tk.NewChoice(mark+o.Label, selected[o.Value], func() {
			switch {
			case f.Type == content.FieldChoice:
				clear(selected)
				selected[o.Value] = true
			case selected[o.Value]:
				delete(selected, o.Value)
			default:
				selected[o.Value] = true
			}
			var vals []string
			for _, op := range opts { // keep the options' order
				if selected[op.Value] {
					vals = append(vals, op.Value)
				}
			}
			s.answers[f.ID] = strings.Join(vals, "\n")
			s.fieldErr = nil
			u.render()
		}))
	}
	return out
}

// formNext checks the answer and moves on: to the next question, or back to the review.
func (u *UI) formNext(s *formSession, f *content.Field) {
	u.activity()
	if err := f.Check(s.answers[f.ID]); err != nil {
		s.fieldErr = err
		u.announce(u.t("speech.mark.error", "Text", u.errorText(err)))
		u.render()
		return
	}
	// Keep what the office reads: 14051944 is stored as 14.05.1944, 00950 as 00-950.
	if v, ok := s.answers[f.ID]; ok {
		s.answers[f.ID] = f.Normalize(v)
	}
	s.fieldErr = nil
	if s.toReview {
		s.toReview = false
		s.step = s.reviewStep()
	} else {
		s.step++
	}
	u.render()
}

// errorText phrases a validation error in the resident's language.
func (u *UI) errorText(err error) string {
	var ve *validate.Error
	if errors.As(err, &ve) {
		return u.t(ve.Message, ve.Args...)
	}
	return u.t("validate.required")
}

// answerText shows an answer the way the resident chose it: option labels, not values.
func (u *UI) answerText(f *content.Field, v string) string {
	if strings.TrimSpace(v) == "" {
		return "—"
	}
	if f.Type.HasOptions() || f.Type == content.FieldCheckbox {
		var labels []string
		for _, part := range strings.Split(v, "\n") {
			labels = append(labels, f.OptionLabel(part))
		}
		return strings.Join(labels, ", ")
	}
	return v
}

// identifier reports whether a field holds a number that identifies a person or their
// money; the review masks it in the public lobby.
func identifier(t content.FieldType) bool {
	switch t {
	case content.FieldPESEL, content.FieldNIP, content.FieldREGON, content.FieldIDCard, content.FieldAccount:
		return true
	}
	return false
}

// mask hides all but the last four letters and digits of an identifier, keeping the spaces
// between groups: 44051401359 → *******1359.
func mask(v string) string {
	r := []rune(strings.TrimSpace(v))
	keep := 4
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ' ' || r[i] == '-' {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		r[i] = '*'
	}
	return string(r)
}

func (u *UI) reviewView(s *formSession, fields []*content.Field) fyne.CanvasObject {
	parts := []fyne.CanvasObject{}
	// An error summary first, GOV.UK style: each problem leads to its question.
	var problems []fyne.CanvasObject
	errs := map[string]string{}
	for i, f := range fields {
		i, f := i, f
		if err := f.Check(s.answers[f.ID]); err != nil {
			errs[f.ID] = u.errorText(err)
			problems = append(problems, u.tk.NewButton(f.Label+": "+errs[f.ID], nil, func() {
				s.step, s.toReview, s.fieldErr = i+1, true, err
				u.render()
			}))
		}
	}
	if len(problems) > 0 {
		parts = append(parts, u.errorLabel(u.t("form.review.problems", "Count", len(problems))))
		parts = append(parts, problems...)
		parts = append(parts, widget.NewSeparator())
	}
	parts = append(parts, u.note(u.t("form.review.body")))
	for i, f := range fields {
		i, f := i, f
		q := widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		q.Wrapping = fyne.TextWrapWord
		change := u.tk.NewButton(u.t("form.change"), nil, func() {
			s.step, s.toReview = i+1, true
			u.render()
		})
		// Eight "Zmień" in a row say nothing by ear: each names its question.
		u.speakAs(change, func() string {
			return u.t("speech.button", "Text", u.t("form.change")+": "+u.speakable(f.Label))
		}, func() { change.(fyne.Tappable).Tapped(&fyne.PointEvent{}) })
		answer := u.answerText(f, s.answers[f.ID])
		actions := container.NewHBox(change)
		if identifier(f.Type) && strings.TrimSpace(s.answers[f.ID]) != "" {
			label := u.t("form.show")
			if s.shown[f.ID] {
				label = u.t("form.hide")
			} else {
				answer = mask(answer)
			}
			show := u.tk.NewButton(label, nil, func() {
				u.activity()
				s.shown[f.ID] = !s.shown[f.ID]
				if s.shown[f.ID] {
					// Asked for: read it out at once.
					u.announce(u.spell(s.answers[f.ID]))
				}
				u.render()
			})
			u.speakAs(show, func() string {
				return u.t("speech.button", "Text", label+": "+u.speakable(f.Label))
			}, func() { show.(fyne.Tappable).Tapped(&fyne.PointEvent{}) })
			actions = container.NewHBox(show, change)
		}
		shown := u.note(answer)
		if identifier(f.Type) && strings.TrimSpace(s.answers[f.ID]) != "" {
			u.speakIdentifier(shown, s.answers[f.ID], s.shown[f.ID])
		}
		parts = append(parts, widget.NewSeparator(), q,
			container.NewBorder(nil, nil, nil, actions, shown))
		if msg, bad := errs[f.ID]; bad {
			parts = append(parts, u.errorLabel(msg))
		}
	}
	next := u.tk.NewButton(u.t("form.review.next"), theme.NavigateNextIcon(), func() {
		// Conditions may have hidden or shown questions since; check them all once more.
		for i, f := range s.visible() {
			if err := f.Check(s.answers[f.ID]); err != nil {
				s.step, s.toReview, s.fieldErr = i+1, true, err
				u.render()
				return
			}
		}
		s.step = s.consentStep()
		u.render()
	})
	parts = append(parts, widget.NewSeparator(), next)
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// consentView shows the RODO information clause, filled from the municipality profile and
// the form, and submits only after the resident ticks that they have read it.
func (u *UI) consentView(s *formSession) fyne.CanvasObject {
	m := u.d.Content.Municipality
	f := u.formProc(s).Form
	var md mdBuilder
	md.h(2, u.t("rodo.title"))
	md.p(u.t("rodo.intro"))
	addr := fmt.Sprintf("%s, %s %s", m.Address.Street, m.Address.PostalCode, m.Address.City)
	rows := [][2]string{
		{u.t("rodo.controller"), m.Controller + ", " + addr},
		{u.t("rodo.contact"), strings.Trim(m.Email+", "+m.Phone, ", ")},
		{u.t("rodo.dpo"), strings.Trim(strings.Join([]string{m.DPO.Name, m.DPO.Email, m.DPO.Phone}, ", "), ", ")},
		{u.t("rodo.purpose"), f.Purpose},
		{u.t("rodo.recipients"), orDash(f.Recipients)},
		{u.t("rodo.retention"), f.Retention},
		{u.t("rodo.rights"), u.t("rodo.rights.body")},
		{u.t("rodo.complaint"), u.t("rodo.complaint.body")},
	}
	for _, r := range rows {
		md.raw("**" + esc(r[0]) + "**")
		md.p(r[1])
	}
	tick := "☐ "
	if s.consent {
		tick = "☑ "
	}
	agree := u.tk.NewChoice(tick+u.t("rodo.agree"), s.consent, func() {
		s.consent = !s.consent
		s.saveErr, s.consentErr = false, false
		u.render()
	})
	// Never disabled (a greyed-out button is hard to see and says nothing): without the tick
	// it explains what is missing, next to the box, GOV.UK style.
	submit := u.tk.NewButton(u.t("form.submit"), theme.ConfirmIcon(), func() { u.submit(s) })
	// The line for that error is always there, so "Wyślij wniosek" does not move under the
	// finger when it appears.
	missing := u.errorLabel(u.t("form.consent.missing"))
	if !s.consentErr || s.consent {
		missing.SetText(" ")
	}
	parts := []fyne.CanvasObject{markdown.Render(md.String()), missing, agree}
	if s.saveErr {
		parts = append(parts, u.errorLabel(u.t("form.save_failed")))
	}
	parts = append(parts, submit)
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// submit files the form. Only a committed submission gets a reference on screen; on failure
// the answers stay so the resident can try again.
func (u *UI) submit(s *formSession) {
	u.activity()
	if !s.consent {
		s.consentErr = true
		u.announce(u.t("speech.mark.error", "Text", u.t("form.consent.missing")))
		u.render()
		return
	}
	if u.d.Submit == nil {
		return
	}
	if errs := s.proc.Form.Check(s.answers); len(errs) > 0 {
		for i, f := range s.visible() {
			if err, bad := errs[f.ID]; bad {
				s.step, s.toReview, s.fieldErr = i+1, true, err
				break
			}
		}
		u.render()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	ref, at, err := u.d.Submit.Submit(ctx, s.proc, s.answers)
	cancel()
	if err != nil {
		s.saveErr = true
		u.announce(u.t("speech.mark.error", "Text", u.t("form.save_failed")))
		u.render()
		return
	}
	proc := s.proc
	feeIdx := proc.FeeIndexFor(s.answers)
	u.dropForm()
	u.confirmation = u.newConfirmation(proc, feeIdx, ref, at)
	// The confirmation replaces the form: Back from it leads to the card, not into the form.
	u.stack[len(u.stack)-1] = route{kind: confirmScreen, id: proc.ID}
	u.render()
}

// setTextCaretAtEnd fills e with text and puts the caret after it: SetText leaves it at the
// start, where the on-screen ⌫ does nothing and new letters go in front.
func setTextCaretAtEnd(e *widget.Entry, text string) {
	e.SetText(text)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
}

// speakField has speech say a question's field and what is in it. An identifier is not
// read aloud in the lobby: only into headphones, or when the resident selects the field to
// ask for it; keys typed into it are echoed as a tone.
func (u *UI) speakField(e *widget.Entry, f *content.Field) {
	secret := identifier(f.Type) && !u.sp.headphones
	u.sp.private = secret
	u.speakAs(e, func() string {
		switch {
		case e.Text == "":
			return u.t("speech.field.empty", "Hint", u.speakable(f.Label))
		case secret:
			return u.t("speech.field.secret", "Count", len([]rune(e.Text)))
		}
		return u.t("speech.field", "Text", u.spellIf(f, e.Text))
	}, func() {
		if e.Text == "" {
			u.say(u.t("speech.field.empty", "Hint", u.speakable(f.Label)))
			return
		}
		u.say(u.t("speech.field", "Text", u.spellIf(f, e.Text)))
	})
}

// spellIf spells numbers and codes a character at a time; words are read as words.
func (u *UI) spellIf(f *content.Field, v string) string {
	switch f.Type {
	case content.FieldText, content.FieldLongText, content.FieldEmail:
		return v
	}
	return u.spell(v)
}

// speakIdentifier has the review read an identifier only into headphones or once the
// resident chose "Pokaż"; else speech says it is hidden and how to hear it.
func (u *UI) speakIdentifier(o fyne.CanvasObject, v string, shown bool) {
	u.speakAs(o, func() string {
		if shown || u.sp.headphones {
			return u.spell(v)
		}
		return u.t("speech.masked")
	}, nil)
}
