package content

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"infomat/l10n"
)

// TranslationLangs are the languages content may be translated into. Polish is the original
// and the fallback of every text a translation leaves out.
var TranslationLangs = []string{"en", "uk"}

// langName names a translation language in a clerk's warnings.
func langName(lang string) string {
	switch lang {
	case "en":
		return "angielski"
	case "uk":
		return "ukraiński"
	}
	return lang
}

// translationName matches the name of a translation overlay without its extension:
// "<base>.<two letters>", e.g. "zameldowanie.en".
var translationName = regexp.MustCompile(`^(.+)\.([a-z]{2})$`)

// splitLang splits a file name without extension into its base and a language code when the
// name looks like a translation ("x.en"); lang is "" for a Polish file.
func splitLang(name string) (base, lang string) {
	if m := translationName.FindStringSubmatch(name); m != nil {
		return m[1], m[2]
	}
	return name, ""
}

// The overlays as written in the files: text only. Structure always comes from Polish.
type (
	procedureText struct {
		Title     string     `yaml:"nazwa"`
		Summary   string     `yaml:"w_skrocie"`
		Keywords  []string   `yaml:"slowa_kluczowe"`
		Audience  []string   `yaml:"kogo_dotyczy"`
		Steps     []string   `yaml:"kroki"`
		Documents []Document `yaml:"wymagane_dokumenty"`
		Fees      []feeText  `yaml:"oplaty"`
		Duration  string     `yaml:"termin"`
		Place     struct {
			Note string `yaml:"uwagi"`
		} `yaml:"miejsce"`
		Appeal string     `yaml:"tryb_odwolawczy"`
		Forms  []nameText `yaml:"formularze"`
		Notes  string     `yaml:"uwagi"`
	}
	feeText struct {
		Title string `yaml:"tytul"`
		Note  string `yaml:"uwagi"`
	}
	nameText struct {
		Name string `yaml:"nazwa"`
	}
	formText struct {
		Title      string      `yaml:"tytul"`
		Intro      string      `yaml:"wstep"`
		NextSteps  string      `yaml:"co_dalej"`
		Purpose    string      `yaml:"cel_przetwarzania"`
		Recipients string      `yaml:"odbiorcy"`
		Retention  string      `yaml:"okres_przechowywania"`
		Fields     []fieldText `yaml:"pola"`
	}
	fieldText struct {
		ID      string   `yaml:"id"`
		Label   string   `yaml:"pytanie"`
		Help    string   `yaml:"pomoc"`
		Options []Option `yaml:"opcje"`
	}
	categoryText struct {
		ID          string `yaml:"id"`
		Name        string `yaml:"nazwa"`
		Description string `yaml:"opis"`
	}
	menuText struct {
		ID    string `yaml:"id"`
		Title string `yaml:"tytul"`
	}
	pageText struct {
		Title       string     `yaml:"tytul"`
		Attachments []nameText `yaml:"zalaczniki"`
		Body        string     `yaml:"-"`
	}
)

// translation is every overlay of one language.
type translation struct {
	procedures map[string]*procedureText
	forms      map[string]*formText
	categories map[string]categoryText
	menu       map[string]string
	pages      map[string]*pageText
}

func newTranslation() *translation {
	return &translation{
		procedures: map[string]*procedureText{},
		forms:      map[string]*formText{},
		categories: map[string]categoryText{},
		menu:       map[string]string{},
		pages:      map[string]*pageText{},
	}
}

// views caches a bundle's language views; shared by the bundle and its views.
type views struct {
	mu sync.Mutex
	m  map[string]*Bundle
}

// In returns the bundle as shown in lang: every text a translation gives replaces the Polish
// one, everything else stays Polish. Each item's Lang says which language its texts are in
// ("" for Polish) and Partial whether some of them are still Polish. For Polish ("pl", "")
// and for languages with no translations it returns the Polish bundle. Views are built once
// per language and shared; like the bundle they must not be modified.
func (b *Bundle) In(lang string) *Bundle {
	base := b
	if b.base != nil {
		base = b.base
	}
	if !slices.Contains(TranslationLangs, lang) || base.translations[lang] == nil {
		return base
	}
	if base.views == nil { // a Bundle built by hand, not by Load
		return base.translate(lang)
	}
	base.views.mu.Lock()
	defer base.views.mu.Unlock()
	if v, ok := base.views.m[lang]; ok {
		return v
	}
	v := base.translate(lang)
	if base.views.m == nil {
		base.views.m = map[string]*Bundle{}
	}
	base.views.m[lang] = v
	return v
}

// Polish returns the Polish bundle a view was made from (the bundle itself when Polish).
func (b *Bundle) Polish() *Bundle {
	if b.base != nil {
		return b.base
	}
	return b
}

// Coverage counts how much of a bundle a language translates.
type Coverage struct {
	Lang                          string
	Procedures, ProceduresPartial int // translated cards, and how many of them only in part
	Forms, FormsPartial           int
	Categories                    int
	Pages                         int
	// Totals in the Polish bundle.
	TotalProcedures, TotalForms, TotalCategories, TotalPages int
}

// Coverage reports, for every translation language, how many items are translated.
func (b *Bundle) Coverage() []Coverage {
	base := b.Polish()
	var out []Coverage
	for _, lang := range TranslationLangs {
		v := base.In(lang)
		c := Coverage{Lang: lang, TotalProcedures: len(base.Procedures), TotalCategories: len(base.Categories), TotalPages: len(base.BIPPages)}
		for _, p := range v.Procedures {
			if p.Lang == lang {
				c.Procedures++
				if p.Partial {
					c.ProceduresPartial++
				}
			}
			if p.Form != nil {
				c.TotalForms++
				if p.Form.Lang == lang {
					c.Forms++
					if p.Form.Partial {
						c.FormsPartial++
					}
				}
			}
		}
		for _, k := range v.Categories {
			if k.Lang == lang {
				c.Categories++
			}
		}
		for _, p := range v.BIPPages {
			if p.Lang == lang {
				c.Pages++
			}
		}
		out = append(out, c)
	}
	return out
}

// translate builds the view of lang.
func (b *Bundle) translate(lang string) *Bundle {
	tr := b.translations[lang]
	v := *b
	v.base, v.Lang = b, lang
	v.Procedures = slices.Clone(b.Procedures)
	for i := range v.Procedures {
		p := &v.Procedures[i]
		if t := tr.procedures[p.ID]; t != nil {
			t.apply(p, lang)
		}
		if p.Form != nil {
			if t := tr.forms[p.ID]; t != nil {
				f := t.apply(p.Form, lang)
				p.Form = f
			}
		}
	}
	v.Categories = slices.Clone(b.Categories)
	for i := range v.Categories {
		c := &v.Categories[i]
		if t, ok := tr.categories[c.ID]; ok {
			c.Lang = lang
			c.Name = or(t.Name, c.Name)
			c.Description = or(t.Description, c.Description)
			c.Partial = t.Name == "" || (t.Description == "" && c.Description != "")
		}
	}
	if len(tr.menu) > 0 {
		v.BIPMenu = translateMenu(b.BIPMenu, tr.menu, lang)
	}
	if len(tr.pages) > 0 {
		v.BIPPages = slices.Clone(b.BIPPages)
		for i := range v.BIPPages {
			pg := &v.BIPPages[i]
			t := tr.pages[pg.ID]
			if t == nil {
				continue
			}
			pg.Lang = lang
			pg.Title = or(t.Title, pg.Title)
			pg.Partial = t.Title == "" || strings.TrimSpace(t.Body) == ""
			if strings.TrimSpace(t.Body) != "" {
				pg.Body = t.Body
			}
			if len(t.Attachments) == len(pg.Attachments) && len(t.Attachments) > 0 {
				pg.Attachments = slices.Clone(pg.Attachments)
				for j, a := range t.Attachments {
					pg.Attachments[j].Name = or(a.Name, pg.Attachments[j].Name)
				}
			}
		}
	}
	v.views = nil
	return &v
}

func translateMenu(items []MenuItem, titles map[string]string, lang string) []MenuItem {
	out := slices.Clone(items)
	for i := range out {
		if t, ok := titles[out[i].ID]; ok && t != "" {
			out[i].Title, out[i].Lang = t, lang
		}
		out[i].Children = translateMenu(out[i].Children, titles, lang)
	}
	return out
}

// or returns t, or pl when t is empty.
func or(t, pl string) string {
	if strings.TrimSpace(t) == "" {
		return pl
	}
	return t
}

// text overlays one string and notes a Polish text left untranslated.
func text(dst *string, t string, partial *bool) {
	switch {
	case strings.TrimSpace(t) != "":
		*dst = t
	case strings.TrimSpace(*dst) != "":
		*partial = true
	}
}

// list overlays a list of strings replaced whole.
func list(dst *[]string, t []string, partial *bool) {
	switch {
	case len(t) > 0:
		*dst = t
	case len(*dst) > 0:
		*partial = true
	}
}

// apply overlays the texts of t onto p, a copy in a view. Lists of a different length than
// the Polish ones were dropped when loading.
func (t *procedureText) apply(p *Procedure, lang string) {
	p.Lang = lang
	partial := false
	text(&p.Title, t.Title, &partial)
	text(&p.Summary, t.Summary, &partial)
	p.Keywords = append(slices.Clip(p.Keywords), t.Keywords...)
	list(&p.Audience, t.Audience, &partial)
	list(&p.Steps, t.Steps, &partial)
	if len(t.Documents) > 0 {
		p.Documents = slices.Clone(p.Documents)
		for i, d := range t.Documents {
			text(&p.Documents[i].Name, d.Name, &partial)
			text(&p.Documents[i].Note, d.Note, &partial)
		}
	} else if len(p.Documents) > 0 {
		partial = true
	}
	if len(t.Fees) > 0 {
		p.Fees = slices.Clone(p.Fees)
		for i, f := range t.Fees {
			text(&p.Fees[i].Title, f.Title, &partial)
			text(&p.Fees[i].Note, f.Note, &partial)
		}
	} else if len(p.Fees) > 0 {
		partial = true
	}
	text(&p.Duration, t.Duration, &partial)
	text(&p.Place.Note, t.Place.Note, &partial)
	text(&p.Appeal, t.Appeal, &partial)
	if len(t.Forms) > 0 {
		p.Forms = slices.Clone(p.Forms)
		for i, f := range t.Forms {
			text(&p.Forms[i].Name, f.Name, &partial)
		}
	} else if len(p.Forms) > 0 {
		partial = true
	}
	text(&p.Notes, t.Notes, &partial)
	p.Partial = partial
}

// apply returns a copy of form with t's texts. Ids, types, option values, conditions and
// limits are the Polish form's, so answers and their checks do not depend on the language.
func (t *formText) apply(form *Form, lang string) *Form {
	f := *form
	f.Lang = lang
	partial := false
	text(&f.Title, t.Title, &partial)
	text(&f.Intro, t.Intro, &partial)
	text(&f.NextSteps, t.NextSteps, &partial)
	text(&f.Purpose, t.Purpose, &partial)
	text(&f.Recipients, t.Recipients, &partial)
	text(&f.Retention, t.Retention, &partial)
	byID := map[string]*fieldText{}
	for i := range t.Fields {
		byID[t.Fields[i].ID] = &t.Fields[i]
	}
	f.Fields = slices.Clone(form.Fields)
	for i := range f.Fields {
		fd := &f.Fields[i]
		ft := byID[fd.ID]
		if ft == nil {
			partial = true
			continue
		}
		text(&fd.Label, ft.Label, &partial)
		text(&fd.Help, ft.Help, &partial)
		if len(fd.Options) == 0 {
			continue
		}
		labels := map[string]string{}
		for _, o := range ft.Options {
			labels[o.Value] = o.Label
		}
		fd.Options = slices.Clone(fd.Options)
		for j := range fd.Options {
			text(&fd.Options[j].Label, labels[fd.Options[j].Value], &partial)
		}
	}
	f.Partial = partial
	return &f
}

// translations loads every overlay file. Whatever is wrong in one is a warning: a translation
// never stops the Polish content from showing. Called after the Polish content is checked.
func (l *loader) translations(b *Bundle) {
	tl := &loader{fsys: l.fsys}
	trs := map[string]*translation{}
	get := func(file, lang string) *translation {
		if !slices.Contains(TranslationLangs, lang) {
			if lang == "pl" {
				tl.add(file, "", "tekst polski jest w pliku bez kodu języka — plik pominięty")
			} else {
				tl.add(file, "", "nieznany język %q (tłumaczenia: %s) — plik pominięty", lang, strings.Join(TranslationLangs, ", "))
			}
			return nil
		}
		if trs[lang] == nil {
			trs[lang] = newTranslation()
		}
		return trs[lang]
	}

	files, _ := fs.Glob(l.fsys, ProceduresDir+"/*.yaml")
	for _, f := range files {
		id, lang := splitLang(strings.TrimSuffix(path.Base(f), ".yaml"))
		if lang == "" {
			continue
		}
		tr := get(f, lang)
		if tr == nil {
			continue
		}
		p, ok := b.Procedure(id)
		if !ok {
			tl.add(f, "", "nie ma karty usługi %q (%s/%s.yaml) — tłumaczenie pominięte", id, ProceduresDir, id)
			continue
		}
		var t procedureText
		if !tl.decode(f, &t, true) {
			continue
		}
		tl.checkProcedureText(f, p, &t)
		tr.procedures[id] = &t
	}

	files, _ = fs.Glob(l.fsys, FormsDir+"/*.yaml")
	for _, f := range files {
		id, lang := splitLang(strings.TrimSuffix(path.Base(f), ".yaml"))
		if lang == "" {
			continue
		}
		tr := get(f, lang)
		if tr == nil {
			continue
		}
		p, ok := b.Procedure(id)
		if _, err := fs.Stat(l.fsys, FormsDir+"/"+id+".yaml"); ok && p.Form == nil && err == nil {
			continue // the Polish form is switched off, and its problems reported
		}
		if !ok || p.Form == nil {
			tl.add(f, "", "nie ma działającego formularza %s/%s.yaml — tłumaczenie pominięte", FormsDir, id)
			continue
		}
		var t formText
		if !tl.decode(f, &t, true) {
			continue
		}
		tl.checkFormText(f, p.Form, &t)
		tr.forms[id] = &t
	}

	files, _ = fs.Glob(l.fsys, "kategorie.*.yaml")
	for _, f := range files {
		_, lang := splitLang(strings.TrimSuffix(f, ".yaml"))
		tr := get(f, lang)
		if tr == nil {
			continue
		}
		var ts []categoryText
		if !tl.decode(f, &ts, true) {
			continue
		}
		for i, t := range ts {
			if _, ok := b.Category(t.ID); !ok {
				tl.add(f, fmt.Sprintf("[%d].id", i), "nie ma kategorii %q w %s — pominięta", t.ID, CategoriesFile)
				continue
			}
			tl.title(f, fmt.Sprintf("[%d].nazwa", i), t.Name)
			tr.categories[t.ID] = t
		}
	}

	files, _ = fs.Glob(l.fsys, BIPDir+"/menu.*.yaml")
	for _, f := range files {
		_, lang := splitLang(strings.TrimSuffix(path.Base(f), ".yaml"))
		tr := get(f, lang)
		if tr == nil {
			continue
		}
		var ts []menuText
		if !tl.decode(f, &ts, true) {
			continue
		}
		for i, t := range ts {
			if _, ok := b.MenuItem(t.ID); !ok {
				tl.add(f, fmt.Sprintf("[%d].id", i), "nie ma pozycji menu %q w %s — pominięta", t.ID, BIPMenuFile)
				continue
			}
			tl.title(f, fmt.Sprintf("[%d].tytul", i), t.Title)
			tr.menu[t.ID] = t.Title
		}
	}

	for _, f := range l.pageTranslations {
		id, lang := splitLang(strings.TrimSuffix(strings.TrimPrefix(f, BIPDir+"/"), ".md"))
		tr := get(f, lang)
		if tr == nil {
			continue
		}
		pg, ok := b.Page(id)
		if !ok {
			tl.add(f, "", "nie ma strony %s/%s.md — tłumaczenie pominięte", BIPDir, id)
			continue
		}
		data, err := fs.ReadFile(l.fsys, f)
		if err != nil {
			tl.add(f, "", "nie można odczytać: %v", err)
			continue
		}
		data, ok = tl.text(f, data)
		if !ok {
			continue
		}
		front, body, ok := SplitFrontMatter(data)
		if !ok {
			tl.add(f, "", "brak nagłówka YAML między liniami --- na początku pliku")
			continue
		}
		var t pageText
		if !tl.decodeBytes(f, front, &t, 1) {
			continue
		}
		tl.title(f, "tytul", t.Title)
		if len(t.Attachments) > 0 && len(t.Attachments) != len(pg.Attachments) {
			tl.add(f, "zalaczniki", "%s, a po polsku %s — nazwy załączników zostają po polsku", pozycje(len(t.Attachments)), pozycje(len(pg.Attachments)))
			t.Attachments = nil
		}
		t.Body = string(body)
		tr.pages[id] = &t
	}

	// Everything found is a warning: the Polish content is fine.
	l.warnings = append(l.warnings, tl.problems...)
	l.warnings = append(l.warnings, tl.warnings...)
	b.translations = trs
	b.views = &views{}
}

// checkProcedureText drops lists whose items cannot be matched with the Polish ones.
func (l *loader) checkProcedureText(f string, p *Procedure, t *procedureText) {
	l.title(f, "nazwa", t.Title)
	mismatch := func(field string, n, pl int) bool {
		if n > 0 && n != pl {
			l.add(f, field, "%s, a po polsku %s (ta sama liczba i kolejność) — ta lista zostaje po polsku", pozycje(n), pozycje(pl))
			return true
		}
		return false
	}
	if mismatch("wymagane_dokumenty", len(t.Documents), len(p.Documents)) {
		t.Documents = nil
	}
	if mismatch("oplaty", len(t.Fees), len(p.Fees)) {
		t.Fees = nil
	}
	if mismatch("formularze", len(t.Forms), len(p.Forms)) {
		t.Forms = nil
	}
	for i, k := range t.Keywords {
		if strings.TrimSpace(k) == "" {
			l.add(f, fmt.Sprintf("slowa_kluczowe[%d]", i), "puste słowo kluczowe — usuń je")
		}
	}
}

// checkFormText warns about fields and options the Polish form does not have.
func (l *loader) checkFormText(f string, form *Form, t *formText) {
	l.title(f, "tytul", t.Title)
	byID := map[string]*Field{}
	for i := range form.Fields {
		byID[form.Fields[i].ID] = &form.Fields[i]
	}
	seen := map[string]bool{}
	for i, ft := range t.Fields {
		p := fmt.Sprintf("pola[%d]", i)
		fd := byID[ft.ID]
		if fd == nil {
			l.add(f, p+".id", "formularz %s nie ma pola %q — pominięte", form.File, ft.ID)
			continue
		}
		if seen[ft.ID] {
			l.add(f, p+".id", "pole %q powtarza się — liczy się pierwsze", ft.ID)
		}
		seen[ft.ID] = true
		l.title(f, p+".pytanie", ft.Label)
		for j, o := range ft.Options {
			if !slices.ContainsFunc(fd.Options, func(po Option) bool { return po.Value == o.Value }) {
				l.add(f, fmt.Sprintf("%s.opcje[%d].wartosc", p, j), "pole %q nie ma opcji %q (wartość zostaje polska, tłumaczy się tylko etykieta)", ft.ID, o.Value)
			}
		}
	}
	// Keep the first of a repeated id, as the warning says.
	t.Fields = slices.DeleteFunc(t.Fields, func(ft fieldText) bool {
		if byID[ft.ID] == nil || !seen[ft.ID] {
			return true
		}
		seen[ft.ID] = false
		return false
	})
}

// pozycje is "1 pozycja", "3 pozycje", "5 pozycji".
func pozycje(n int) string { return l10n.Count(n, "pozycja", "pozycje", "pozycji") }
