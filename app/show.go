package app

import (
	"infomat/content"
	"infomat/receipt"
)

// Show goes straight to one screen, drawn as a resident who tapped their way there from a
// fresh home screen sees it. It is for tools that draw the kiosk's screens with no resident
// at the screen (the portal's content preview); the kiosk itself only navigates by taps.
//
// kind is one of:
//
//   - "home": the start screen;
//   - "category": the category id, or the list of categories when id is "";
//   - "card": the procedure card id;
//   - "form": the online form of card id at the wizard's step: 0 its start page, 1…n the
//     questions (those shown while nothing is answered yet), n+1 the review, n+2 the
//     consent with the information clause;
//   - "bip": the BIP menu item id, or the BIP's start screen when id is "";
//   - "page": the BIP page id.
//
// Show reports false, and leaves the screen as it was, when the content has no such screen
// (an unknown kind or id, a card without a form or a form this kiosk does not accept, a step
// past the consent).
func (u *UI) Show(kind, id string, step int) bool {
	if u.d.Content == nil {
		return false
	}
	b := u.d.Content
	home := route{kind: homeScreen}
	// The stack the resident's taps would have built, so Back leads where it would.
	var stack []route
	var form *formSession
	switch kind {
	case "home":
		stack = []route{home}
	case "category":
		if id == "" {
			stack = []route{home, {kind: categoriesScreen}}
			break
		}
		if _, ok := b.Category(id); !ok {
			return false
		}
		stack = []route{home, {kind: categoriesScreen}, {kind: categoryScreen, id: id}}
	case "card", "form":
		p, ok := b.Procedure(id)
		if !ok {
			return false
		}
		stack = []route{home, {kind: categoriesScreen}, {kind: categoryScreen, id: p.Category}, {kind: procedureScreen, id: id}}
		if kind == "card" {
			break
		}
		if p.Form == nil || u.d.Submit == nil || !u.formsAccepted() {
			return false // the card shows no "Złóż wniosek tutaj"
		}
		// As startForm: the session keeps the Polish card whatever the language.
		form = &formSession{proc: p, answers: content.Answers{}, shown: map[string]bool{}}
		if step < 0 || step > form.consentStep() {
			return false
		}
		form.step = step
		stack = append(stack, route{kind: formScreen, id: id})
	case "bip":
		stack = []route{home, {kind: bipScreen}}
		if id != "" {
			if _, ok := b.MenuItem(id); !ok {
				return false
			}
			stack = append(stack, route{kind: bipScreen, id: id})
		}
	case "page":
		pg, ok := b.Page(id)
		if !ok {
			return false
		}
		stack = []route{home, {kind: bipScreen}, {kind: bipScreen, id: pg.Menu}, {kind: pageScreen, id: id}}
	default:
		return false
	}
	u.dropForm()
	u.form = form
	u.stack = stack
	u.render()
	return true
}

// ProcedureSheet is the document "Wydrukuj informację" on card id prints (and its preview
// screen shows), in the language on screen; false when the content has no such card.
func (u *UI) ProcedureSheet(id string) (receipt.Doc, bool) {
	if u.d.Content == nil {
		return receipt.Doc{}, false
	}
	p, ok := u.bundle().Procedure(id)
	if !ok {
		return receipt.Doc{}, false
	}
	return u.procedureSheet(p), true
}
