package content_test

import (
	"slices"
	"testing"

	"infomat/assets"
	"infomat/content"
)

func pageIDs(ps []*content.Page) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

// Resolutions and orders are listed newest first by publication date, whatever kolejnosc
// says; other sections keep kolejnosc.
func TestListedPagesNewestFirst(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	for menu, want := range map[string][]string{
		"zarzadzenia": {
			"prawo-lokalne/zarzadzenie-131-2026-konsultacje",
			"prawo-lokalne/zarzadzenie-140-2026-wykaz-nieruchomosci",
			"prawo-lokalne/zarzadzenie-98-2026-dzien-wolny",
		},
		"uchwaly": {
			"prawo-lokalne/oplaty-za-zajecie-pasa-drogowego",
			"prawo-lokalne/uchwala-budzetowa-2026",
			"prawo-lokalne/oplata-za-odpady-2026",
			"prawo-lokalne/stawki-podatku-od-nieruchomosci-2026",
			"prawo-lokalne/karta-mieszkanca",
			"prawo-lokalne/regulamin-utrzymania-czystosci",
		},
		"przetargi": {
			"przetargi/przetarg-dzialka-zolkiewka-dolna",
			"przetargi/przebudowa-drogi-zolkiewka-dolna-lekawica",
		},
		// Not dated: the clerk's order.
		"rada-gminy": {
			"organy/rada-gminy-sklad",
			"organy/sesje-rady-gminy-2026",
			"organy/komisje-rady",
		},
	} {
		if got := pageIDs(b.ListedPages(menu)); !slices.Equal(got, want) {
			t.Errorf("%s lists %q, want %q", menu, got, want)
		}
	}
	if !b.NewestFirst("ogloszenia-wojta") || !b.NewestFirst("uchwaly") || b.NewestFirst("budzet") || b.NewestFirst("wojt") {
		t.Error("NewestFirst: want the dated sections and their children only")
	}
}

// najnowsze_najpierw in menu.yaml overrides the usual sections, and children inherit it.
func TestNewestFirstSetInMenu(t *testing.T) {
	m := sample(t)
	replaceIn(t, m, "bip/menu.yaml", "- id: prawo-lokalne\n  tytul: Prawo lokalne\n", "- id: prawo-lokalne\n  tytul: Prawo lokalne\n  najnowsze_najpierw: false\n")
	replaceIn(t, m, "bip/menu.yaml", "- id: budzet\n  tytul: Budżet i finanse\n", "- id: budzet\n  tytul: Budżet i finanse\n  najnowsze_najpierw: true\n")
	b, err := content.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	if b.NewestFirst("uchwaly") || !b.NewestFirst("budzet") {
		t.Errorf("NewestFirst(uchwaly) = %v, (budzet) = %v; want false, true", b.NewestFirst("uchwaly"), b.NewestFirst("budzet"))
	}
	if got := b.ListedPages("uchwaly")[0].ID; got != "prawo-lokalne/uchwala-budzetowa-2026" {
		t.Errorf("uchwaly by kolejnosc starts with %s", got)
	}
}

func TestLatestPages(t *testing.T) {
	b, err := content.Load(assets.DefaultContent())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ogloszenia/sesja-rady-gminy-xxviii",
		"ogloszenia/zamkniecie-drogi-zolkiewka-dolna",
		"ogloszenia/konsultacje-program-wspolpracy-2027",
		"przetargi/przetarg-dzialka-zolkiewka-dolna",
		"prawo-lokalne/zarzadzenie-131-2026-konsultacje",
	}
	if got := pageIDs(b.LatestPages(5)); !slices.Equal(got, want) {
		t.Errorf("LatestPages(5) = %q, want %q", got, want)
	}
	if n := len(b.LatestPages(1000)); n != len(b.BIPPages) {
		t.Errorf("LatestPages(1000) has %d pages, want all %d", n, len(b.BIPPages))
	}
}
