package content

import (
	"slices"
	"sort"
	"strings"
)

// datedMenus are the usual BIP sections whose pages are documents in time — resolutions,
// orders, announcements, tenders — read newest first. A menu item or any of its ancestors
// with one of these IDs lists its pages by date unless najnowsze_najpierw says otherwise.
var datedMenus = []string{
	"prawo-lokalne", "uchwaly", "zarzadzenia", "obwieszczenia",
	"ogloszenia", "ogloszenia-wojta", "komunikaty", "przetargi", "zamowienia-publiczne", "nabory",
}

// NewestFirst reports whether the pages under menu item id are listed newest first: its own
// najnowsze_najpierw, else the nearest ancestor's, else whether any of them is one of the usual
// dated sections (Prawo lokalne, Ogłoszenia, Przetargi…).
func (b *Bundle) NewestFirst(id string) bool {
	path := menuPath(b.BIPMenu, id)
	for i := len(path) - 1; i >= 0; i-- {
		if path[i].NewestFirst != nil {
			return *path[i].NewestFirst
		}
	}
	for _, m := range path {
		if slices.Contains(datedMenus, m.ID) {
			return true
		}
	}
	return false
}

// menuPath returns the menu items from the top level down to id; nil when there is none.
func menuPath(items []MenuItem, id string) []*MenuItem {
	for i := range items {
		if items[i].ID == id {
			return []*MenuItem{&items[i]}
		}
		if p := menuPath(items[i].Children, id); p != nil {
			return append([]*MenuItem{&items[i]}, p...)
		}
	}
	return nil
}

// ListedPages lists the pages under a menu item as a resident sees them: newest first by
// publication date (then last change) in dated sections, by kolejnosc elsewhere.
func (b *Bundle) ListedPages(menu string) []*Page {
	out := b.PagesIn(menu)
	if !b.NewestFirst(menu) {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := out[i].Record, out[j].Record
		if !ri.PublishedOn.Equal(rj.PublishedOn.Time) {
			return ri.PublishedOn.After(rj.PublishedOn.Time)
		}
		return ri.LastChange().After(rj.LastChange().Time)
	})
	return out
}

// LatestPages returns the n pages changed last (by the change register, else publication),
// newest first; ties go by title so the order does not depend on file order.
func (b *Bundle) LatestPages(n int) []*Page {
	out := make([]*Page, len(b.BIPPages))
	for i := range b.BIPPages {
		out[i] = &b.BIPPages[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		ci, cj := out[i].Record.LastChange(), out[j].Record.LastChange()
		if !ci.Equal(cj.Time) {
			return ci.After(cj.Time)
		}
		return strings.Compare(out[i].Title, out[j].Title) < 0
	})
	return out[:min(n, len(out))]
}
