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
	step     int
	toReview bool   // came from the review's "Zmień": Next goes back to the review
	consent  bool   // the information clause was accepted
	fieldErr string // the current question's problem, in the resident's language
	saveErr  bool   // the last submit failed
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
	u.form = &formSession{proc: p, answers: content.Answers{}}
	u.push(route{kind: formScreen, id: p.ID})
}

// dropForm forgets every answer typed so far.
func (u *UI) dropForm() {
	if u.form != nil {
		clear(u.form.answers)
		u.form = nil
	}
}

// formBack steps back inside the wizard, keeping the answers; false when at its start.
func (u *UI) formBack() bool {
	s := u.form
	if s == nil || s.step == 0 {
		return false
	}
	s.fieldErr, s.saveErr = "", false
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
		return title, u.questionView(s, fields[s.step-1], s.step, len(fields))
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
	md.p(u.t("form.start.count", "Count", len(s.visible())))
	md.p(u.t("form.start.privacy"))
	start := u.tk.NewButton(u.t("form.start"), theme.NavigateNextIcon(), func() {
		s.step = 1
		u.render()
	})
	parts := u.withPolishNote(lp.Form.Lang, lp.Form.Partial, []fyne.CanvasObject{markdown.Render(md.String()), start})
	return u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// questionView asks one question, GOV.UK style, with the keyboard its answer needs.
func (u *UI) questionView(s *formSession, f *content.Field, n, total int) fyne.CanvasObject {
	step := widget.NewLabel(u.t("form.step", "Step", n, "Total", total))
	step.SizeName = theme.SizeNameCaptionText
	q := widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	q.SizeName = theme.SizeNameSubHeadingText
	q.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{step, q}
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
		e.SetText(s.answers[f.ID])
		e.OnChanged = func(v string) {
			u.activity()
			s.answers[f.ID] = v
		}
		e.OnSubmitted = func(string) { u.formNext(s, f) }
		parts = append(parts, e)
		u.focus = e
		kb = keyboard.New(u.activity)
		kb.SetMode(keyboardMode(f.Type))
		kb.SetTarget(e)
	}
	if s.fieldErr != "" {
		msg := widget.NewLabel("⚠ " + s.fieldErr)
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		msg.TextStyle = fyne.TextStyle{Bold: true}
		parts = append(parts, msg)
	}
	next := u.tk.NewButton(u.t("form.next"), theme.NavigateNextIcon(), func() { u.formNext(s, f) })
	parts = append(parts, next)
	body := u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
	if kb == nil {
		return body
	}
	return container.NewBorder(nil, kb, nil, nil, body)
}

// keyboardMode picks the on-screen keyboard layout for a field.
func keyboardMode(t content.FieldType) keyboard.Mode {
	switch t {
	case content.FieldPESEL, content.FieldNIP, content.FieldREGON, content.FieldPostalCode,
		content.FieldPhone, content.FieldDate, content.FieldAccount:
		return keyboard.Digits
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
			s.fieldErr = ""
			u.render()
		}))
	}
	return out
}

// formNext checks the answer and moves on: to the next question, or back to the review.
func (u *UI) formNext(s *formSession, f *content.Field) {
	u.activity()
	if err := f.Check(s.answers[f.ID]); err != nil {
		s.fieldErr = u.errorText(err)
		u.render()
		return
	}
	s.fieldErr = ""
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

func (u *UI) reviewView(s *formSession, fields []*content.Field) fyne.CanvasObject {
	parts := []fyne.CanvasObject{u.note(u.t("form.review.body"))}
	for i, f := range fields {
		i, f := i, f
		q := widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		q.Wrapping = fyne.TextWrapWord
		change := u.tk.NewButton(u.t("form.change"), nil, func() {
			s.step, s.toReview = i+1, true
			u.render()
		})
		parts = append(parts, widget.NewSeparator(), q,
			container.NewBorder(nil, nil, nil, change, u.note(u.answerText(f, s.answers[f.ID]))))
	}
	next := u.tk.NewButton(u.t("form.review.next"), theme.NavigateNextIcon(), func() {
		// Conditions may have hidden or shown questions since; check them all once more.
		for i, f := range s.visible() {
			if err := f.Check(s.answers[f.ID]); err != nil {
				s.step, s.toReview, s.fieldErr = i+1, true, u.errorText(err)
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
		s.saveErr = false
		u.render()
	})
	submit := u.tk.NewButton(u.t("form.submit"), theme.ConfirmIcon(), func() { u.submit(s) })
	if !s.consent {
		submit.(fyne.Disableable).Disable()
	}
	parts := []fyne.CanvasObject{markdown.Render(md.String()), agree}
	if s.saveErr {
		msg := widget.NewLabel("⚠ " + u.t("form.save_failed"))
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		msg.TextStyle = fyne.TextStyle{Bold: true}
		parts = append(parts, msg)
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
	if !s.consent || u.d.Submit == nil {
		return
	}
	if errs := s.proc.Form.Check(s.answers); len(errs) > 0 {
		for i, f := range s.visible() {
			if err, bad := errs[f.ID]; bad {
				s.step, s.toReview, s.fieldErr = i+1, true, u.errorText(err)
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
		u.render()
		return
	}
	proc := s.proc
	u.dropForm()
	u.confirmation = u.newConfirmation(proc, ref, at)
	// The confirmation replaces the form: Back from it leads to the card, not into the form.
	u.stack[len(u.stack)-1] = route{kind: confirmScreen, id: proc.ID}
	u.render()
}
