package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/content"
)

// bundle is the content in the resident's language: translated texts where the municipality
// wrote them, Polish everywhere else. Views are cached by the bundle, so this is cheap.
func (u *UI) bundle() *content.Bundle {
	return u.d.Content.In(string(u.d.Loc.Lang()))
}

// localProc returns p as shown in the resident's language (p itself when it is gone).
func (u *UI) localProc(p *content.Procedure) *content.Procedure {
	if lp, ok := u.bundle().Procedure(p.ID); ok {
		return lp
	}
	return p
}

// inPolish says whether an item with texts in lang (partly, when partial) needs a note:
// "" when it is shown all in the resident's language, else the message ID of the note.
func (u *UI) inPolish(lang string, partial bool) string {
	want := string(u.d.Loc.Lang())
	switch {
	case want == "pl" || want == "":
		return ""
	case lang != want:
		return "content.polish_only"
	case partial:
		return "content.partly_polish"
	}
	return ""
}

// polishNote is the visible note on an item shown (partly) in Polish to a resident who chose
// another language, in that language; nil when none is due.
func (u *UI) polishNote(lang string, partial bool) fyne.CanvasObject {
	id := u.inPolish(lang, partial)
	if id == "" {
		return nil
	}
	l := widget.NewLabelWithStyle(u.t(id), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	// An icon, not a symbol character: the kiosk's font has no ⓘ.
	return container.NewBorder(nil, nil, container.NewCenter(widget.NewIcon(theme.InfoIcon())), nil, l)
}

// withPolishNote puts the note, when due, before parts.
func (u *UI) withPolishNote(lang string, partial bool, parts []fyne.CanvasObject) []fyne.CanvasObject {
	if n := u.polishNote(lang, partial); n != nil {
		return append([]fyne.CanvasObject{n}, parts...)
	}
	return parts
}

// polishTag prefixes a list row's caption with a short "in Polish" for an untranslated item.
func (u *UI) polishTag(lang, caption string) string {
	if u.inPolish(lang, false) == "" {
		return caption
	}
	if caption == "" {
		return u.t("content.polish_tag")
	}
	return u.t("content.polish_tag") + " · " + caption
}

// formProc is the card of the form being filled, in the resident's language. The session
// keeps the Polish card: its questions are filed with the answers, whatever the language.
// Field ids, option values and checks are the same in every language.
func (u *UI) formProc(s *formSession) *content.Procedure { return u.formProcOf(s.proc) }

// formProcOf is the Polish card p with a form in the resident's language.
func (u *UI) formProcOf(p *content.Procedure) *content.Procedure {
	if lp := u.localProc(p); lp.Form != nil {
		return lp
	}
	return p
}
