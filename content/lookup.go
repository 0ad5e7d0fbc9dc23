package content

import (
	"sort"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Procedure returns the card with the given ID.
func (b *Bundle) Procedure(id string) (*Procedure, bool) {
	return find(b.Procedures, func(p *Procedure) bool { return p.ID == id })
}

// Category returns the category with the given ID.
func (b *Bundle) Category(id string) (*Category, bool) {
	return find(b.Categories, func(c *Category) bool { return c.ID == id })
}

// Office returns the office with the given ID.
func (b *Bundle) Office(id string) (*Office, bool) {
	return find(b.Offices, func(o *Office) bool { return o.ID == id })
}

// Page returns the BIP page with the given ID.
func (b *Bundle) Page(id string) (*Page, bool) {
	return find(b.BIPPages, func(p *Page) bool { return p.ID == id })
}

// find returns a pointer into items, so callers see the bundle's own value.
func find[T any](items []T, match func(*T) bool) (*T, bool) {
	for i := range items {
		if match(&items[i]) {
			return &items[i], true
		}
	}
	return nil, false
}

// ProceduresIn lists a category's cards by title, as a resident scans them: in dictionary
// order ("Ślub" after "Sprzedaż", not after "Zmiana"). In a view of another language the
// cards translated into it come first, in its order, then those still only in Polish (else
// a Ukrainian list would open with the Polish titles: Latin letters sort before Cyrillic).
func (b *Bundle) ProceduresIn(category string) []*Procedure {
	var out []*Procedure
	for i := range b.Procedures {
		if b.Procedures[i].Category == category {
			out = append(out, &b.Procedures[i])
		}
	}
	polish := collate.New(language.Polish)
	view := polish
	if b.Lang != "" {
		view = collate.New(language.Make(b.Lang))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, z := out[i], out[j]
		if (a.Lang == "") != (z.Lang == "") {
			return a.Lang != ""
		}
		if a.Lang == "" {
			return polish.CompareString(a.Title, z.Title) < 0
		}
		return view.CompareString(a.Title, z.Title) < 0
	})
	return out
}

// PagesIn lists the pages under a menu item in their configured order, newest first on ties
// (announcements are read newest first).
func (b *Bundle) PagesIn(menu string) []*Page {
	var out []*Page
	for i := range b.BIPPages {
		if b.BIPPages[i].Menu == menu {
			out = append(out, &b.BIPPages[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Record.PublishedOn.After(out[j].Record.PublishedOn.Time)
	})
	return out
}

// MenuItem finds a BIP menu node by ID anywhere in the tree.
func (b *Bundle) MenuItem(id string) (*MenuItem, bool) {
	var find func([]MenuItem) *MenuItem
	find = func(items []MenuItem) *MenuItem {
		for i := range items {
			if items[i].ID == id {
				return &items[i]
			}
			if m := find(items[i].Children); m != nil {
				return m
			}
		}
		return nil
	}
	m := find(b.BIPMenu)
	return m, m != nil
}

// OfficeHours returns the hours of an office, or the municipality's when it lists none.
func (b *Bundle) OfficeHours(o *Office) []Hours {
	if o != nil && len(o.Hours) > 0 {
		return o.Hours
	}
	return b.Municipality.Hours
}

// OfficeAddress returns the address of an office, or the municipality's when it has none.
func (b *Bundle) OfficeAddress(o *Office) Address {
	if o != nil && o.Address != nil {
		return *o.Address
	}
	return b.Municipality.Address
}

// FeeAccount returns the account a fee is paid to.
func (b *Bundle) FeeAccount(f Fee) string {
	if f.Account != "" {
		return f.Account
	}
	return b.Municipality.Account
}
