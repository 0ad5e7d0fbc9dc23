package search

import "testing"

func TestVariantsAreSearchedAndShownInTheirLanguage(t *testing.T) {
	ix := NewIndex([]Doc{
		{ID: "a", Title: "Zameldowanie na pobyt stały", Body: "Zgłoś, gdzie mieszkasz.",
			Variants: []Variant{
				{Lang: "en", Title: "Registering your permanent residence", Body: "Tell the office where you live."},
				{Lang: "uk", Title: "Реєстрація місця постійного проживання", Body: "Повідомте, де ви живете."},
			}},
		{ID: "b", Title: "Podatek od nieruchomości", Body: "Płacisz za dom i działkę."},
	})
	for _, q := range []string{"residence", "registering residence", "реєстрація", "проживання", "zameldowanie"} {
		if hits := ix.Search(q, 5); len(hits) == 0 || hits[0].Doc.ID != "a" {
			t.Errorf("Search(%q) = %q, want a first", q, ids(hits))
		}
	}
	h := ix.SearchIn("residence", 5, "en")[0]
	if h.Lang != "en" || h.Title != "Registering your permanent residence" {
		t.Errorf("hit in English: lang %q, title %q", h.Lang, h.Title)
	}
	if len(h.TitleSpans) != 1 || h.Title[h.TitleSpans[0].Start:h.TitleSpans[0].End] != "residence" {
		t.Errorf("title spans %v", h.TitleSpans)
	}
	// A Polish word still finds it; the English reader sees the English title
	// and, since only the Polish text matched, the Polish snippet.
	h = ix.SearchIn("mieszkasz", 5, "en")[0]
	if h.Title != "Registering your permanent residence" || h.Snippet == "" {
		t.Errorf("title %q, snippet %q", h.Title, h.Snippet)
	}
	if h := ix.SearchIn("live", 5, "uk")[0]; h.Lang != "uk" || h.Snippet != "" {
		t.Errorf("Ukrainian reader of an English word: lang %q, snippet %q %v", h.Lang, h.Snippet, h.SnippetSpans)
	}
	if h := ix.Search("residence", 5)[0]; h.Lang != "" || h.Title != "Zameldowanie na pobyt stały" {
		t.Errorf("Polish reader: lang %q, title %q", h.Lang, h.Title)
	}
	if h := ix.SearchIn("podatek", 5, "en")[0]; h.Lang != "" || h.Title != "Podatek od nieruchomości" {
		t.Errorf("untranslated document: lang %q, title %q", h.Lang, h.Title)
	}
}
