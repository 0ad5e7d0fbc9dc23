package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"infomat/app/keyboard"
	"infomat/app/markdown"
	"infomat/content"
	"infomat/search"
)

// Kinds of search documents, and the prefixes of their IDs.
const (
	procedureDoc = "procedure"
	pageDoc      = "bip"
)

// BuildIndex indexes every procedure card and BIP page of a bundle.
func BuildIndex(b *content.Bundle) *search.Index {
	docs := make([]search.Doc, 0, len(b.Procedures)+len(b.BIPPages))
	for i := range b.Procedures {
		p := &b.Procedures[i]
		body := []string{p.Summary}
		kw := append([]string{p.Symbol}, p.Keywords...)
		if c, ok := b.Category(p.Category); ok {
			kw = append(kw, c.Name)
		}
		body = append(body, p.Audience...)
		body = append(body, p.Steps...)
		for _, d := range p.Documents {
			body = append(body, d.Name, d.Note)
		}
		for _, f := range p.Fees {
			body = append(body, f.Title)
		}
		body = append(body, p.Duration, p.Notes)
		docs = append(docs, search.Doc{ID: procedureDoc + "/" + p.ID, Kind: procedureDoc, Title: p.Title, Body: strings.Join(body, "\n"), Keywords: strings.Join(kw, "\n")})
	}
	for i := range b.BIPPages {
		p := &b.BIPPages[i]
		docs = append(docs, search.Doc{ID: pageDoc + "/" + p.ID, Kind: pageDoc, Title: p.Title, Body: markdown.PlainText(p.Body)})
	}
	return search.NewIndex(docs)
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
	list.OnSelected = func(id widget.ListItemID) {
		doc := hits[id].Doc
		k := pageScreen
		if doc.Kind == procedureDoc {
			k = procedureScreen
		}
		u.push(route{kind: k, id: strings.TrimPrefix(doc.ID, doc.Kind+"/")})
	}

	entry := widget.NewEntry()
	entry.SetPlaceHolder(u.t("search.placeholder"))
	update := func(q string) {
		u.query = q
		hits = u.d.Index.Search(q, maxHits)
		switch {
		case strings.TrimSpace(q) == "":
			status.SetText(u.t("search.hint"))
		case len(hits) == 0:
			status.SetText(u.t("search.none"))
		default:
			status.SetText(u.t("search.count", "Count", len(hits)))
		}
		list.Refresh()
		list.ScrollToTop()
	}
	entry.SetText(u.query)
	entry.OnChanged = func(q string) {
		u.activity()
		update(q)
	}
	update(u.query)

	kb := keyboard.New(u.activity)
	kb.SetTarget(entry)
	u.focus = entry
	if u.look.Lower {
		// The field sits on the keyboard, within reach from a wheelchair; results above.
		return container.NewBorder(status, container.NewVBox(entry, kb), nil, nil, list)
	}
	return container.NewBorder(container.NewVBox(entry, status), kb, nil, nil, list)
}

// resultRow shows what kind of thing a hit is, its title and where the words matched.
func resultRow() fyne.CanvasObject {
	kind := widget.NewLabel("")
	kind.SizeName = theme.SizeNameCaptionText
	title := widget.NewRichText()
	title.Truncation = fyne.TextTruncateEllipsis
	snippet := widget.NewRichText()
	snippet.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(kind, title, snippet)
}

func (u *UI) setResultRow(o fyne.CanvasObject, h search.Hit) {
	box := o.(*fyne.Container)
	kind := u.t("search.kind.page")
	if h.Doc.Kind == procedureDoc {
		kind = u.t("search.kind.procedure")
	}
	box.Objects[0].(*widget.Label).SetText(kind)
	title := box.Objects[1].(*widget.RichText)
	title.Segments = highlight(h.Doc.Title, h.TitleSpans, widget.RichTextStyleSubHeading)
	title.Refresh()
	snippet := box.Objects[2].(*widget.RichText)
	snippet.Segments = highlight(h.Snippet, h.SnippetSpans, widget.RichTextStyleInline)
	snippet.Refresh()
}

// highlight splits text into segments, the matched spans bold in the primary colour, so a
// resident sees why a result came up.
func highlight(text string, spans []search.Span, base widget.RichTextStyle) []widget.RichTextSegment {
	if text == "" {
		return []widget.RichTextSegment{&widget.TextSegment{Style: base, Text: " "}}
	}
	base.Inline = true
	mark := base
	mark.TextStyle = fyne.TextStyle{Bold: true}
	mark.ColorName = theme.ColorNamePrimary
	var segs []widget.RichTextSegment
	at := 0
	for _, s := range spans {
		if s.Start < at || s.End > len(text) || s.Start >= s.End {
			continue
		}
		if s.Start > at {
			segs = append(segs, &widget.TextSegment{Style: base, Text: text[at:s.Start]})
		}
		segs = append(segs, &widget.TextSegment{Style: mark, Text: text[s.Start:s.End]})
		at = s.End
	}
	if at < len(text) {
		segs = append(segs, &widget.TextSegment{Style: base, Text: text[at:]})
	}
	return segs
}
