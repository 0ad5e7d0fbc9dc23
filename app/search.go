package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/app/touch"
	"infomat/content"
	"infomat/l10n"
	"infomat/search"
)

// Kinds of search documents, and the prefixes of their IDs.
const (
	procedureDoc = "procedure"
	pageDoc      = "bip"
)

// BuildIndex indexes every procedure card and BIP page of a bundle, with their translations
// as variants: a word in any language finds a card, shown in the resident's language.
func BuildIndex(b *content.Bundle) *search.Index {
	b = b.Polish()
	views := make([]*content.Bundle, 0, len(content.TranslationLangs))
	for _, lang := range content.TranslationLangs {
		if v := b.In(lang); v != b {
			views = append(views, v)
		}
	}
	docs := make([]search.Doc, 0, len(b.Procedures)+len(b.BIPPages))
	for i := range b.Procedures {
		p := &b.Procedures[i]
		kw := append([]string{p.Symbol}, p.Keywords...)
		if c, ok := b.Category(p.Category); ok {
			kw = append(kw, c.Name)
		}
		d := search.Doc{ID: procedureDoc + "/" + p.ID, Kind: procedureDoc, Title: p.Title, Body: procedureText(p)}
		for _, v := range views {
			tp := &v.Procedures[i] // views keep the bundle's order
			if tp.Lang == "" {
				continue
			}
			// Translated keywords come after the Polish ones.
			kw = append(kw, tp.Keywords[len(p.Keywords):]...)
			if c, ok := v.Category(tp.Category); ok && c.Lang != "" {
				kw = append(kw, c.Name)
			}
			d.Variants = append(d.Variants, search.Variant{Lang: v.Lang, Title: tp.Title, Body: procedureText(tp)})
		}
		d.Keywords = strings.Join(kw, "\n")
		docs = append(docs, d)
	}
	for i := range b.BIPPages {
		p := &b.BIPPages[i]
		d := search.Doc{ID: pageDoc + "/" + p.ID, Kind: pageDoc, Title: p.Title, Body: markdown.PlainText(p.Body)}
		for _, v := range views {
			if tp := &v.BIPPages[i]; tp.Lang != "" {
				d.Variants = append(d.Variants, search.Variant{Lang: v.Lang, Title: tp.Title, Body: markdown.PlainText(tp.Body)})
			}
		}
		docs = append(docs, d)
	}
	return search.NewIndex(docs)
}

// pendingIndex is a search index being built in the background.
type pendingIndex struct {
	done chan struct{}
	idx  *search.Index
}

// buildIndex starts building b's index in the background; index() waits for it.
func (u *UI) buildIndex(b *content.Bundle) {
	p := &pendingIndex{done: make(chan struct{})}
	u.building = p
	trace := u.d.Trace
	go func() {
		defer close(p.done)
		p.idx = BuildIndex(b)
		if trace != nil {
			trace("index built")
		}
	}()
}

// index is the current content's search index, waiting for it while it is being built.
func (u *UI) index() *search.Index {
	if p := u.building; p != nil {
		<-p.done
		u.d.Index, u.building = p.idx, nil
	}
	return u.d.Index
}

// procedureText is the searched body of a card.
func procedureText(p *content.Procedure) string {
	body := []string{p.Summary}
	body = append(body, p.Audience...)
	body = append(body, p.Steps...)
	for _, d := range p.Documents {
		body = append(body, d.Name, d.Note)
	}
	for _, f := range p.Fees {
		body = append(body, f.Title)
	}
	body = append(body, p.Duration, p.Notes)
	return strings.Join(body, "\n")
}

// maxHits is as many results as a resident will scroll through.
const maxHits = 50

func (u *UI) searchView() fyne.CanvasObject {
	var hits []search.Hit
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	list := u.tk.NewList(
		func() int { return len(hits) },
		resultRow,
		func(id widget.ListItemID, o fyne.CanvasObject) { u.setResultRow(o, hits[id]) })
	open := func(id int) {
		doc := hits[id].Doc
		k := pageScreen
		if doc.Kind == procedureDoc {
			k = procedureScreen
		}
		u.push(route{kind: k, id: strings.TrimPrefix(doc.ID, doc.Kind+"/")})
	}
	list.OnSelected = func(id widget.ListItemID) { open(id) }
	var results fyne.CanvasObject = list
	var column *touch.Scroll
	if u.sp.on {
		// Speech mode reads the results with the keypad: all of them in a column, as the
		// list shows only those in sight.
		column = u.tk.NewScroll(container.NewPadded(markdown.NewStack()))
		results = column
	}

	entry := widget.NewEntry()
	entry.SetPlaceHolder(u.t("search.placeholder"))
	update := func(q string) {
		u.query = q
		hits = u.index().SearchIn(q, maxHits, string(u.d.Loc.Lang()))
		switch {
		case strings.TrimSpace(q) == "":
			status.SetText(u.t("search.hint"))
		case len(hits) == 0:
			status.SetText(u.t("search.none"))
		default:
			status.SetText(u.t("search.count", "Count", len(hits)))
		}
		if column != nil {
			rows := make([]fyne.CanvasObject, len(hits))
			for i, h := range hits {
				rows[i] = u.tapRow(h.Title, u.polishTag(h.Lang, h.Snippet), func() { open(i) })
			}
			column.SetContent(container.NewPadded(markdown.NewStack(rows...)))
			return
		}
		list.Refresh()
		list.ScrollToTop()
	}
	setTextCaretAtEnd(entry, u.query) // back from a result, the resident goes on typing
	entry.OnChanged = func(q string) {
		u.activity()
		update(q)
	}
	update(u.query)

	kb := keyboard.New(u.activity)
	kb.Unfocused = u.sp.on
	if u.d.Loc.Lang() == l10n.UK {
		kb.SetMode(keyboard.Ukrainian) // with a key to the Latin letters for Polish words
	}
	kb.SetTarget(entry)
	u.sp.typeInto = entry
	u.focus = entry
	if u.look.Lower {
		// The field sits on the keyboard, within reach from a wheelchair; results above.
		return container.NewBorder(status, container.NewVBox(entry, kb), nil, nil, results)
	}
	return container.NewBorder(container.NewVBox(entry, status), kb, nil, nil, results)
}

// resultRow shows what kind of thing a hit is, its title and where the words matched.
func resultRow() fyne.CanvasObject {
	kind := widget.NewLabel("")
	kind.SizeName = theme.SizeNameCaptionText
	title := markdown.NewLine(widget.RichTextStyleSubHeading)
	snippet := markdown.NewLine(widget.RichTextStyleInline)
	return container.NewVBox(kind, title, snippet)
}

func (u *UI) setResultRow(o fyne.CanvasObject, h search.Hit) {
	box := o.(*fyne.Container)
	kind := u.t("search.kind.page")
	if h.Doc.Kind == procedureDoc {
		kind = u.t("search.kind.procedure")
	}
	box.Objects[0].(*widget.Label).SetText(u.polishTag(h.Lang, kind))
	box.Objects[1].(*markdown.Paragraph).SetSegments(highlight(h.Title, h.TitleSpans, widget.RichTextStyleSubHeading))
	box.Objects[2].(*markdown.Paragraph).SetSegments(highlight(h.Snippet, h.SnippetSpans, widget.RichTextStyleInline))
}

// highlight splits text into segments, the matched spans bold in the primary colour, so a
// resident sees why a result came up.
func highlight(text string, spans []search.Span, base widget.RichTextStyle) []widget.TextSegment {
	if text == "" {
		return []widget.TextSegment{{Style: base, Text: " "}}
	}
	base.Inline = true
	mark := base
	mark.TextStyle = fyne.TextStyle{Bold: true}
	mark.ColorName = theme.ColorNamePrimary
	var segs []widget.TextSegment
	at := 0
	for _, s := range spans {
		if s.Start < at || s.End > len(text) || s.Start >= s.End {
			continue
		}
		if s.Start > at {
			segs = append(segs, widget.TextSegment{Style: base, Text: text[at:s.Start]})
		}
		segs = append(segs, widget.TextSegment{Style: mark, Text: text[s.Start:s.End]})
		at = s.End
	}
	if at < len(text) {
		segs = append(segs, widget.TextSegment{Style: base, Text: text[at:]})
	}
	return segs
}
