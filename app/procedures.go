package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/markdown"
	"infomat/content"
	"infomat/receipt"
)

// Category and card lists wrap their titles (wrapList): translated names run longer than
// Polish ones, and at larger text a cut title could not be told from its neighbour.
func (u *UI) categoriesView() fyne.CanvasObject {
	// A category with no cards yet is only a warning in the bundle; a resident never sees it.
	b := u.bundle()
	var cats []content.Category
	for _, c := range b.Categories {
		if len(b.ProceduresIn(c.ID)) > 0 {
			cats = append(cats, c)
		}
	}
	return u.wrapList(len(cats),
		func(i int) (string, string) { return cats[i].Name, u.polishTag(cats[i].Lang, cats[i].Description) },
		func(i int) { u.push(route{kind: categoryScreen, id: cats[i].ID}) })
}

func (u *UI) categoryView(id string) (string, fyne.CanvasObject) {
	b := u.bundle()
	c, ok := b.Category(id)
	if !ok {
		return u.t("error.missing"), u.missing()
	}
	ps := b.ProceduresIn(id)
	list := u.wrapList(len(ps),
		func(i int) (string, string) {
			sub := ps[i].Duration
			if ps[i].Symbol != "" {
				sub = ps[i].Symbol + " · " + sub
			}
			return ps[i].Title, u.polishTag(ps[i].Lang, sub)
		},
		func(i int) { u.push(route{kind: procedureScreen, id: ps[i].ID}) })
	if n := u.polishNote(c.Lang, c.Partial); n != nil {
		return c.Name, container.NewBorder(container.NewPadded(n), nil, nil, nil, list)
	}
	return c.Name, list
}

// missing is shown if a route points at content that is gone (e.g. after a content update).
func (u *UI) missing() fyne.CanvasObject {
	l := widget.NewLabel(u.t("error.missing.body"))
	l.Wrapping = fyne.TextWrapWord
	return container.NewPadded(l)
}

func (u *UI) procedureView(id string) (string, fyne.CanvasObject) {
	p, ok := u.bundle().Procedure(id)
	if !ok {
		return u.t("error.missing"), u.missing()
	}
	parts := u.withPolishNote(p.Lang, p.Partial, nil)
	switch {
	case p.Form == nil || u.d.Submit == nil:
	case !u.formsAccepted():
		// Said in the resident's language, in place of the button: no wizard to fill in vain.
		parts = append(parts, u.warningText(u.t("card.apply.unavailable")))
	default:
		// The online form goes first: it is what the resident came to the kiosk for.
		parts = append(parts, u.tk.NewButton(u.t("card.apply"), theme.DocumentCreateIcon(), func() { u.startForm(p) }),
			u.note(u.t("card.apply.note")))
	}
	if u.d.Printer != nil {
		parts = append(parts, u.tk.NewChoice(u.t("card.print"), false, func() {
			u.push(route{kind: previewScreen, id: p.ID})
		}))
	}
	if b := u.takeHomeButton(u.d.Content.Municipality.Public.CardURL(p.ID), u.t("takehome.scan")); b != nil {
		parts = append(parts, b)
	}
	parts = append(parts, markdown.Render(u.procedureMarkdown(p)))
	return p.Title, u.tk.NewScroll(container.NewPadded(markdown.NewStack(parts...)))
}

// procedureMarkdown lays a procedure card out as a GOV.UK-style start page: plain questions
// addressed to the resident, the most asked first (what to bring, what it costs, how long).
func (u *UI) procedureMarkdown(p *content.Procedure) string {
	b := u.bundle()
	var s mdBuilder
	s.h(1, p.Title)
	if p.Symbol != "" {
		s.p(u.t("card.symbol", "Symbol", p.Symbol))
	}
	s.p(p.Summary)

	s.h(2, u.t("card.audience"))
	s.bullets(p.Audience)

	if len(p.Steps) > 0 {
		s.h(2, u.t("card.steps"))
		s.numbered(p.Steps)
	}

	s.h(2, u.t("card.documents"))
	if len(p.Documents) == 0 {
		s.p(u.t("card.documents.none"))
	}
	var docs []string
	for _, d := range p.Documents {
		item := "**" + esc(d.Name) + "**"
		if d.Note != "" {
			item += " — " + esc(d.Note)
		}
		docs = append(docs, item)
	}
	s.rawBullets(docs)

	s.h(2, u.t("card.fees"))
	if len(p.Fees) == 0 {
		s.p(u.t("card.fees.none"))
	}
	pl := p
	if base, ok := u.d.Content.Procedure(p.ID); ok {
		pl = base // amounts and kinds are the Polish card's
	}
	title := receipt.TransferTitle(pl, "")
	for i, f := range pl.Fees {
		if i < len(p.Fees) {
			f.Title, f.Note = p.Fees[i].Title, p.Fees[i].Note
		}
		recipient := f.Recipient
		if recipient == "" {
			recipient = b.Municipality.Name
		}
		u.feeMarkdown(&s, receipt.DueFee(b.Municipality, f, title), recipient)
	}

	s.h(2, u.t("card.duration"))
	s.p(p.Duration)

	s.h(2, u.t("card.place"))
	office, _ := b.Office(p.Place.Office)
	if office != nil {
		s.raw("**" + esc(office.Name) + "**")
	}
	addr := b.OfficeAddress(office)
	where := []string{fmt.Sprintf("%s, %s %s", addr.Street, addr.PostalCode, addr.City)}
	if p.Place.Room != "" {
		where = append(where, p.Place.Room)
	}
	if office != nil && office.Phone != "" {
		where = append(where, u.t("card.place.phone", "Phone", office.Phone))
	}
	if p.Place.Note != "" {
		where = append(where, p.Place.Note)
	}
	s.bullets(where)
	s.hours(u.t("card.place.hours"), u.t("card.place.days"), b.OfficeHours(office),
		func(days string) string { return dayNames(u.t, days) })

	s.h(2, u.t("card.channels"))
	var chans []string
	for _, c := range p.Channels {
		chans = append(chans, u.t("channel."+c))
	}
	s.bullets(chans)

	s.h(2, u.t("card.appeal"))
	s.p(p.Appeal)

	if len(p.Forms) > 0 {
		s.h(2, u.t("card.forms"))
		var forms []string
		for _, f := range p.Forms {
			item := esc(f.Name)
			if f.Symbol != "" {
				item += " (" + esc(f.Symbol) + ")"
			}
			if f.URL != "" {
				item += " — " + esc(f.URL)
			}
			forms = append(forms, item)
		}
		s.rawBullets(forms)
	}
	if p.Notes != "" {
		s.h(2, u.t("card.notes"))
		s.p(p.Notes)
	}
	s.h(2, u.t("card.legal"))
	s.bullets(p.LegalBase)

	u.recordMarkdown(&s, p.Record)
	return s.String()
}

// recordMarkdown appends the metryczka and its change register.
func (u *UI) recordMarkdown(s *mdBuilder, r content.Record) {
	s.h(2, u.t("record.title"))
	s.table([]string{u.t("record.field"), u.t("record.value")}, [][]string{
		{u.t("record.produced_by"), r.ProducedBy},
		{u.t("record.produced_on"), r.ProducedOn.String()},
		{u.t("record.published_by"), r.PublishedBy},
		{u.t("record.published_on"), r.PublishedOn.String()},
		{u.t("record.last_change"), r.LastChange().String()},
	})
	if len(r.Changes) == 0 {
		return
	}
	s.h(3, u.t("record.changes"))
	rows := make([][]string, 0, len(r.Changes))
	for i := len(r.Changes) - 1; i >= 0; i-- { // newest first
		c := r.Changes[i]
		rows = append(rows, []string{fmt.Sprint(c.Version), c.Date.String(), c.Author, c.Reason})
	}
	s.table([]string{u.t("record.version"), u.t("record.date"), u.t("record.author"), u.t("record.reason")}, rows)
}

// mdBuilder writes Markdown from content text, escaping it so a clerk's asterisk or pipe is
// shown, not interpreted.
type mdBuilder struct{ strings.Builder }

func (s *mdBuilder) h(level int, text string) {
	s.WriteString(strings.Repeat("#", level) + " " + esc(text) + "\n\n")
}

func (s *mdBuilder) p(text string) {
	if strings.TrimSpace(text) != "" {
		s.WriteString(esc(text) + "\n\n")
	}
}

func (s *mdBuilder) raw(md string) { s.WriteString(md + "\n\n") }

func (s *mdBuilder) bullets(items []string) {
	esced := make([]string, len(items))
	for i, it := range items {
		esced[i] = esc(it)
	}
	s.rawBullets(esced)
}

func (s *mdBuilder) rawBullets(items []string) {
	if len(items) == 0 {
		return
	}
	for _, it := range items {
		s.WriteString("- " + it + "\n")
	}
	s.WriteString("\n")
}

func (s *mdBuilder) numbered(items []string) {
	for i, it := range items {
		fmt.Fprintf(s, "%d. %s\n", i+1, esc(it))
	}
	s.WriteString("\n")
}

func (s *mdBuilder) table(head []string, rows [][]string) {
	cell := func(v string) string { return strings.ReplaceAll(esc(v), "\n", " ") }
	line := func(cells []string) {
		s.WriteString("|")
		for _, c := range cells {
			s.WriteString(" " + cell(c) + " |")
		}
		s.WriteString("\n")
	}
	line(head)
	s.WriteString(strings.Repeat("|---", len(head)) + "|\n")
	for _, r := range rows {
		line(r)
	}
	s.WriteString("\n")
}

// hours is a table of opening hours, the days named by dayName in the resident's language.
func (s *mdBuilder) hours(title, days string, hs []content.Hours, dayName func(string) string) {
	if len(hs) == 0 {
		return
	}
	rows := make([][]string, len(hs))
	for i, h := range hs {
		rows[i] = []string{dayName(h.Days), h.Open + "–" + h.Close}
	}
	s.table([]string{days, title}, rows)
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "|", `\|`, "<", `\<`, "#", `\#`,
)

// esc escapes Markdown syntax in plain text. A line starting "1." or "-" would also become a
// list; folding newlines into spaces avoids that for the short texts cards hold.
func esc(text string) string {
	text = mdEscaper.Replace(strings.Join(strings.Fields(text), " "))
	if strings.HasPrefix(text, "-") || strings.HasPrefix(text, "+") || strings.HasPrefix(text, ">") {
		text = `\` + text
	}
	return text
}

// feeMarkdown writes a fee as the paper prints it (receipt.FeeLines): the amount, or the rate,
// with the title, then the card's note and how the amount is set, the account and the
// recipient (full when given, else as the payment code carries it).
func (u *UI) feeMarkdown(s *mdBuilder, d receipt.FeeDue, recipient string) {
	amount, notes := receipt.FeeLines(d, u.t)
	var head []string
	if amount != "" {
		head = append(head, "**"+esc(amount)+"**")
	}
	if d.Title != "" {
		head = append(head, esc(d.Title))
	}
	if len(head) > 0 {
		s.raw(strings.Join(head, " — "))
	}
	if recipient == "" {
		recipient = d.Payment.Recipient
	}
	lines := append(notes,
		u.t("card.fees.account", "Account", d.Payment.Account),
		u.t("card.fees.recipient", "Recipient", recipient))
	s.bullets(lines)
}
