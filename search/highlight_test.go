package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSnippetCut(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString("Zażółć gęślą jaźń ")
		if i == 20 {
			b.WriteString("\n\nzaświadczenie   o niezaleganiu.\n")
		}
	}
	body := b.String()
	ix := NewIndex([]Doc{{ID: "long", Title: "Informacja", Body: body}})
	hits := ix.Search("zaswiadczenie niezaleganiu", 1)
	if len(hits) != 1 {
		t.Fatalf("got %d hits", len(hits))
	}
	s := hits[0].Snippet
	if n := utf8.RuneCountInString(s); n > snippetLen {
		t.Errorf("snippet has %d runes, want at most %d: %q", n, snippetLen, s)
	}
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") {
		t.Errorf("snippet %q should be cut at both ends", s)
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(s, "…"), "…")
	for _, w := range strings.Fields(inner) {
		w = strings.TrimRight(w, ".")
		if w != "Zażółć" && w != "gęślą" && w != "jaźń" && w != "zaświadczenie" && w != "o" && w != "niezaleganiu" {
			t.Errorf("snippet %q contains a cut word %q", s, w)
		}
	}
	if strings.Contains(s, "\n") || strings.Contains(s, "  ") {
		t.Errorf("snippet %q has uncollapsed white space", s)
	}
	got := spanTexts(s, hits[0].SnippetSpans)
	if want := "zaświadczenie niezaleganiu"; strings.Join(got, " ") != want {
		t.Errorf("snippet %q spans = %q, want %q", s, got, want)
	}
}

func TestSnippetShortBody(t *testing.T) {
	body := "Opłata skarbowa: 17 zł."
	ix := NewIndex([]Doc{{Title: "Pełnomocnictwo", Body: body}})
	h := ix.Search("oplata", 1)[0]
	if h.Snippet != body {
		t.Errorf("snippet = %q, want the whole body %q", h.Snippet, body)
	}
	if got := spanTexts(h.Snippet, h.SnippetSpans); len(got) != 1 || got[0] != "Opłata" {
		t.Errorf("spans = %q, want [Opłata]", got)
	}
}

func TestSnippetMatchAtEnd(t *testing.T) {
	body := strings.Repeat("słowo ", 60) + "dowód"
	ix := NewIndex([]Doc{{Title: "x", Body: body}})
	h := ix.Search("dowod", 1)[0]
	if !strings.HasPrefix(h.Snippet, "…") || strings.HasSuffix(h.Snippet, "…") || !strings.HasSuffix(h.Snippet, "dowód") {
		t.Errorf("snippet = %q, want cut at the start only", h.Snippet)
	}
	if got := spanTexts(h.Snippet, h.SnippetSpans); len(got) != 1 || got[0] != "dowód" {
		t.Errorf("spans = %q", got)
	}
}

func TestSnippetSkipsCommonWords(t *testing.T) {
	docs := []Doc{{
		ID:    "doc",
		Title: "Informacja",
		Body:  "W urzędzie " + strings.Repeat("można coś załatwić ", 15) + "i odebrać zaświadczenie w kasie.",
	}}
	for i := range 10 {
		docs = append(docs, Doc{Title: "Ogłoszenie", Body: "Spotkanie w świetlicy " + strings.Repeat("x", i+1)})
	}
	ix := NewIndex(docs)
	h := ix.Search("zaswiadczenie w ", 1)[0]
	if h.Doc.ID != "doc" || !strings.Contains(h.Snippet, "zaświadczenie") {
		t.Errorf("snippet = %q, want it around zaświadczenie, not the common w", h.Snippet)
	}
	if got := spanTexts(h.Snippet, h.SnippetSpans); !slices.Contains(got, "zaświadczenie") {
		t.Errorf("spans = %q", got)
	}
}
