package search

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

var fixtureIndex = sync.OnceValue(func() *Index { return NewIndex(fixture) })

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Doc.ID
	}
	return out
}

// first fails unless the best hit for query is want.
func first(t *testing.T, ix *Index, query, want string) {
	t.Helper()
	hits := ix.Search(query, 5)
	if len(hits) == 0 || hits[0].Doc.ID != want {
		t.Errorf("Search(%q) = %q, want %q first", query, ids(hits), want)
	}
}

// before fails unless a ranks above b, both being found.
func before(t *testing.T, ix *Index, query, a, b string) {
	t.Helper()
	got := ids(ix.Search(query, 100))
	i, j := slices.Index(got, a), slices.Index(got, b)
	if i < 0 || j < 0 || i > j {
		t.Errorf("Search(%q) = %q, want %q above %q", query, got, a, b)
	}
}

// absent fails if query finds any document.
func absent(t *testing.T, ix *Index, query string) {
	t.Helper()
	if got := ix.Search(query, 100); len(got) != 0 {
		t.Errorf("Search(%q) = %q, want no hits", query, ids(got))
	}
}

func TestLen(t *testing.T) {
	if got := fixtureIndex().Len(); got != len(fixture) {
		t.Errorf("Len() = %d, want %d", got, len(fixture))
	}
	if got := NewIndex(nil).Search("gmina", 10); got != nil {
		t.Errorf("empty index: Search = %v, want nil", got)
	}
}

func TestEmptyQuery(t *testing.T) {
	ix := fixtureIndex()
	for _, q := range []string{"", " ", "\t\n", " ,.-–!? ", "\u0301"} {
		if got := ix.Search(q, 10); got != nil {
			t.Errorf("Search(%q) = %q, want nil", q, ids(got))
		}
	}
}

func TestLimit(t *testing.T) {
	ix := fixtureIndex()
	if got := ix.Search("gminy", 2); len(got) != 2 {
		t.Errorf("Search(gminy, 2) returned %d hits", len(got))
	}
	many := make([]Doc, 3*DefaultLimit)
	for i := range many {
		many[i] = Doc{ID: fmt.Sprint(i), Title: "urząd"}
	}
	big := NewIndex(many)
	if got := big.Search("urzad", 0); len(got) != DefaultLimit {
		t.Errorf("Search(urzad, 0) returned %d hits, want DefaultLimit", len(got))
	}
	// Equal scores keep the catalogue order.
	if got := ids(big.Search("urzad", 3)); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("ties = %q, want catalogue order", got)
	}
}

func TestDiacritics(t *testing.T) {
	ix := fixtureIndex()
	first(t, ix, "zaswiadczenie", "procedure/niezaleganie")
	first(t, ix, "ZAŚWIADCZENIE O NIEZALEGANIU", "procedure/niezaleganie")
	first(t, ix, "lodz", "bip/partnerstwo-lodz")
	// Łódź also finds the page that spells it without Polish letters.
	before(t, ix, "Łódź", "bip/partnerstwo-lodz", "bip/ogloszenie-lodz")
	first(t, ix, "deklaracja odpady", "procedure/odpady")
	first(t, ix, "україни", "bip/ukraina")
	first(t, ix, "УКРАЇНИ", "bip/ukraina")
}

func TestPrefix(t *testing.T) {
	ix := fixtureIndex()
	first(t, ix, "zaswiad", "procedure/niezaleganie")
	first(t, ix, "wymel", "procedure/wymeldowanie")
	first(t, ix, "wydanie dowod osobist", "procedure/dowod")
	first(t, ix, "prawo j", "procedure/prawo-jazdy")
	// Inflection: earlier words are prefixes too.
	first(t, ix, "wydanie dowod", "procedure/dowod")
	// A finished short word is no longer a prefix: "po" matches "pobyt"
	// but "po " does not.
	if got := ids(ix.Search("po", 100)); !slices.Contains(got, "procedure/zameldowanie") {
		t.Errorf("Search(po) = %q, want the card with pobyt", got)
	}
	if got := ids(ix.Search("po ", 100)); slices.Contains(got, "procedure/zameldowanie") {
		t.Errorf("Search(\"po \") = %q, want no prefix match", got)
	}
}

func TestDigits(t *testing.T) {
	ix := fixtureIndex()
	first(t, ix, "USC-1", "procedure/akt-urodzenia")
	first(t, ix, "budżet 2026", "bip/uchwala-12")
	first(t, ix, "podatek 2025", "bip/uchwala-13")
	absent(t, ix, "20256") // Numbers get no typo tolerance.
}

func TestTypo(t *testing.T) {
	ix := fixtureIndex()
	for _, q := range []string{
		"zaswiadczene",     // deletion
		"zaświadczene",     // deletion, with Polish letters
		"zaswiaddczenie",   // insertion
		"zaswiadczenle",    // substitution
		"zaswiadczenei",    // transposition
		"zasiwadczenie",    // transposition early on
		"zasiwadcz",        // a typo in the word still being typed
		"zaswiadczene o n", // and more words after it
	} {
		first(t, ix, q, "procedure/niezaleganie")
	}
	first(t, ix, "meldunke", "procedure/zameldowanie")
	first(t, ix, "meldunke ", "procedure/zameldowanie")
	first(t, ix, "rejestarcja samochodu", "procedure/samochod")
	// Four-letter words get no typo tolerance: "psaa" is not "psa".
	if len(ix.Search("psa", 10)) == 0 {
		t.Error("Search(psa) found nothing")
	}
	absent(t, ix, "psaa")
	absent(t, ix, "psaa ")
	// Two typos are too many.
	absent(t, ix, "zasiwadczene")
}

func TestOrSemantics(t *testing.T) {
	ix := fixtureIndex()
	// "jak" occurs in an unrelated page only: it must not hide the card.
	first(t, ix, "jak zarejestrować samochód", "procedure/samochod")
	first(t, ix, "jak zarejestrowac samochod", "procedure/samochod")
	first(t, ix, "xyzzy dowód osobisty", "procedure/dowod")
}

// rankIndex returns an index of docs padded with unrelated documents,
// so that the test words are rare and have a meaningful idf.
func rankIndex(docs ...Doc) *Index {
	for i := range 20 {
		docs = append(docs, Doc{ID: fmt.Sprint("filler", i), Title: "Ogłoszenie", Body: "Treść ogłoszenia numer " + fmt.Sprint(i)})
	}
	return NewIndex(docs)
}

func TestRanking(t *testing.T) {
	t.Run("title above body", func(t *testing.T) {
		ix := rankIndex(
			Doc{ID: "body", Title: "Informacja", Body: "Meldunek, meldunek i jeszcze raz meldunek."},
			Doc{ID: "title", Title: "Meldunek", Body: "Informacja"},
		)
		before(t, ix, "meldunek", "title", "body")
		before(t, ix, "meldunek ", "title", "body")
		before(t, ix, "meldu", "title", "body")
	})
	t.Run("exact above prefix above typo", func(t *testing.T) {
		ix := rankIndex(
			Doc{ID: "typo", Title: "Formularz meldunak"},
			Doc{ID: "prefix", Title: "Formularz meldunekowy"},
			Doc{ID: "exact", Title: "Formularz meldunek"},
		)
		before(t, ix, "meldunek", "exact", "prefix")
		before(t, ix, "meldunek", "prefix", "typo")
		before(t, ix, "meldunek ", "exact", "typo")
	})
	t.Run("completion above typo", func(t *testing.T) {
		ix := rankIndex(
			Doc{ID: "typo", Title: "Formularz dowoz"},
			Doc{ID: "completion", Title: "Formularz dowodu"},
		)
		before(t, ix, "dowod", "completion", "typo")
	})
	t.Run("longer typed part ranks completions higher", func(t *testing.T) {
		ix := rankIndex(
			Doc{ID: "long", Title: "Zaświadczeniami"},
			Doc{ID: "short", Title: "Zaświadczenie"},
		)
		before(t, ix, "zaswiadcz", "short", "long")
	})
	t.Run("more words above fewer", func(t *testing.T) {
		ix := rankIndex(
			Doc{ID: "one-in-title", Title: "Podatek leśny", Body: "Informacja"},
			Doc{ID: "both-in-body", Title: "Informacja", Body: "Podatek rolny płacą rolnicy."},
			Doc{ID: "both-in-title", Title: "Podatek rolny", Body: "Informacja"},
		)
		before(t, ix, "podatek rolny", "both-in-title", "both-in-body")
		before(t, ix, "podatek rolny", "both-in-body", "one-in-title")
	})
	t.Run("common words count little", func(t *testing.T) {
		docs := []Doc{
			{ID: "w-only", Title: "Zebranie w sołectwie", Body: "w w w"},
			{ID: "rare", Title: "Dotacje", Body: "Nabór wniosków o dotacje."},
		}
		for i := range 20 {
			docs = append(docs, Doc{ID: fmt.Sprint("w", i), Title: "Ogłoszenie", Body: "Spotkanie w świetlicy"})
		}
		ix := NewIndex(docs)
		first(t, ix, "dotacje w", "rare")
		// Alone, or with words that match nothing, a common word
		// still finds documents.
		if got := ix.Search("w ", 100); len(got) != len(docs)-1 {
			t.Errorf("Search(w) found %d docs, want %d", len(got), len(docs)-1)
		}
		if got := ix.Search("xyzzy w ", 100); len(got) != len(docs)-1 {
			t.Errorf("Search(xyzzy w) found %d docs, want %d", len(got), len(docs)-1)
		}
	})
}

func TestHighlight(t *testing.T) {
	ix := fixtureIndex()
	hits := ix.Search("lodz", 10)
	i := slices.IndexFunc(hits, func(h Hit) bool { return h.Doc.ID == "bip/partnerstwo-lodz" })
	if i < 0 {
		t.Fatalf("Search(lodz) = %q, partnership page missing", ids(hits))
	}
	h := hits[i]
	if got := spanTexts(h.Doc.Title, h.TitleSpans); !slices.Equal(got, []string{"Łódź"}) {
		t.Errorf("title spans = %q, want [Łódź]", got)
	}
	if got := spanTexts(h.Snippet, h.SnippetSpans); !slices.Equal(got, []string{"Łódź", "Łodzi"}) {
		t.Errorf("snippet %q spans = %q, want [Łódź Łodzi]", h.Snippet, got)
	}

	hits = ix.Search("zaświadczenie o niezaleganiu", 1)
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	h = hits[0]
	want := []string{"Zaświadczenie", "o", "niezaleganiu"}
	if got := spanTexts(h.Doc.Title, h.TitleSpans); !slices.Equal(got, want) {
		t.Errorf("title spans = %q, want %q", got, want)
	}
	if !strings.HasPrefix(h.Snippet, "Zaświadczenie wydaje") || len(h.SnippetSpans) == 0 || h.SnippetSpans[0] != (Span{0, len("Zaświadczenie")}) {
		t.Errorf("snippet %q spans %v", h.Snippet, h.SnippetSpans)
	}

	// Typo matches are highlighted too.
	h = ix.Search("meldunke", 1)[0]
	if got := spanTexts(h.Snippet, h.SnippetSpans); !slices.Equal(got, []string{"Meldunek"}) {
		t.Errorf("snippet %q spans = %q, want [Meldunek]", h.Snippet, got)
	}
}

func TestTitleOnlyMatchHasNoSnippet(t *testing.T) {
	ix := rankIndex(Doc{ID: "t", Title: "Wymiana prawa jazdy", Body: "Informacja o dokumentach."})
	hits := ix.Search("jazdy", 1)
	if len(hits) != 1 || hits[0].Snippet != "" || hits[0].SnippetSpans != nil || len(hits[0].TitleSpans) != 1 {
		t.Errorf("Search(jazdy) = %+v, want a title-only hit without snippet", hits)
	}
}

func spanTexts(s string, spans []Span) []string {
	var out []string
	for _, sp := range spans {
		out = append(out, s[sp.Start:sp.End])
	}
	return out
}

func TestConcurrentSearch(t *testing.T) {
	ix := fixtureIndex()
	queries := []string{"zaswiadczenie", "lodz", "jak zarejestrowac samochod", "meldunke", "u", "2026"}
	want := make([][]string, len(queries))
	for i, q := range queries {
		want[i] = ids(ix.Search(q, 10))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g + n) % len(queries)
				if got := ids(ix.Search(queries[i], 10)); !slices.Equal(got, want[i]) {
					t.Errorf("concurrent Search(%q) = %q, want %q", queries[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// A card is found by a resident's word that only its keywords contain, and
// that word ranks it above a page mentioning the word in passing.
func TestKeywordsFindAndRank(t *testing.T) {
	ix := NewIndex([]Doc{
		{ID: "bip/1", Title: "Harmonogram odbioru odpadów", Body: "Opłata za meldunek nie istnieje; zobacz kartę."},
		{ID: "procedure/zameldowanie", Title: "Zameldowanie na pobyt stały", Body: "Masz 30 dni.", Keywords: "meldunek\nприписка\nregistration"},
	})
	for _, q := range []string{"meldunek", "registration", "meldun"} {
		hits := ix.Search(q, 5)
		if len(hits) == 0 || hits[0].Doc.ID != "procedure/zameldowanie" {
			t.Errorf("%q: first hit is not the card: %v", q, hits)
		}
	}
}
