package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hit is one search result.
type Hit struct {
	Doc   *Doc
	Score float64
	// Lang is the language of Title and Snippet: the asked one when the
	// document has a variant in it, else "" (the document's own text).
	Lang         string
	Title        string // Doc.Title, or its variant's in Lang
	TitleSpans   []Span // matched words in Title
	Snippet      string // excerpt of the body, "" when only the title matched
	SnippetSpans []Span // matched words in Snippet
}

// Snippet geometry, in runes.
const (
	snippetLen    = 160 // longest snippet, ellipses included
	snippetBefore = 40  // context kept before the first match
)

const ellipsis = "…"

// matcher recognises words whose normalised form is a matched term.
type matcher struct {
	terms map[string]bool // matched term -> it may anchor a snippet
	first [256]bool       // first bytes of the terms: most words fail here
	buf   []byte
}

func (m *matcher) reset() {
	clear(m.terms)
	m.first = [256]bool{}
}

// add adds a matched term. Terms of common words ("w", "o") do not
// anchor snippets: the excerpt should show the words that matter.
func (m *matcher) add(term string, anchor bool) {
	m.terms[term] = m.terms[term] || anchor
	m.first[term[0]] = true
}

// lookup reports whether the word at sp in s is a matched term and
// whether it may anchor a snippet.
func (m *matcher) lookup(s string, sp Span) (match, anchor bool) {
	if c := s[sp.Start]; c < utf8.RuneSelf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if !m.first[c] {
			return false, false
		}
	}
	m.buf = appendFold(m.buf[:0], s[sp.Start:sp.End])
	anchor, match = m.terms[string(m.buf)]
	return match, anchor
}

func (m *matcher) match(s string, sp Span) bool {
	ok, _ := m.lookup(s, sp)
	return ok
}

// hit builds the result for r, highlighting matched words. Only
// returned hits pay for this.
// A hit in a language the document has a variant in shows the variant's
// title, and a snippet of the variant's body, or of the document's own
// body when only that matched.
func (ix *Index) hit(r scored, m *matcher, lang string) Hit {
	d := &ix.docs[r.doc]
	h := Hit{Doc: d, Score: float64(r.score), Title: d.Title}
	body := d.Body
	if v := d.variant(lang); v != nil {
		h.Lang, h.Title = lang, v.Title
		if h.Snippet, h.SnippetSpans = bodySnippet(v.Body, m); h.Snippet == "" {
			h.Snippet, h.SnippetSpans = bodySnippet(d.Body, m)
		}
		body = ""
	}
	for sp, ok := nextWord(h.Title, 0); ok; sp, ok = nextWord(h.Title, sp.End) {
		if m.match(h.Title, sp) {
			h.TitleSpans = append(h.TitleSpans, sp)
		}
	}
	if body != "" {
		h.Snippet, h.SnippetSpans = bodySnippet(body, m)
	}
	return h
}

// bodySnippet cuts the snippet of body around its first anchoring match,
// else its first match; "" when nothing in body matched.
func bodySnippet(body string, m *matcher) (string, []Span) {
	first, found := Span{}, false
	for sp, ok := nextWord(body, 0); ok; sp, ok = nextWord(body, sp.End) {
		match, anchor := m.lookup(body, sp)
		if match && !found {
			first, found = sp, true
		}
		if anchor {
			first = sp
			break
		}
	}
	if !found {
		return "", nil
	}
	return snippet(body, first, m.match)
}

// snippet cuts a window of at most snippetLen runes of body around the
// word at first, on word boundaries, marks cuts with "…", collapses
// whitespace runs (bodies contain line breaks) and returns the spans of
// matching words inside it.
func snippet(body string, first Span, match func(string, Span) bool) (string, []Span) {
	start := runesBefore(body, first.Start, snippetBefore)
	if start > 0 {
		// Never start inside a word: skip the rest of a cut one.
		for prev, _ := utf8.DecodeLastRuneInString(body[:start]); isWordRune(prev) && isWordRuneAt(body, start); {
			_, n := utf8.DecodeRuneInString(body[start:])
			start += n
		}
		sp, _ := nextWord(body, start) // Finds first at the latest.
		start = sp.Start
	}
	budget := snippetLen
	if start > 0 {
		budget -= utf8.RuneCountInString(ellipsis)
	}

	var b strings.Builder
	var spans []Span
	if start > 0 {
		b.WriteString(ellipsis)
	}
	used, end := 0, start
	sp, ok := nextWord(body, start)
	for ok {
		gap := ""
		if end > start {
			gap = collapseSpace(body[end:sp.Start])
		}
		n := utf8.RuneCountInString(gap) + utf8.RuneCountInString(body[sp.Start:sp.End])
		next, more := nextWord(body, sp.End)
		reserve := 0
		if more {
			reserve = 1 // The closing ellipsis.
		}
		if used+n+reserve > budget && end > start {
			break
		}
		b.WriteString(gap)
		if match(body, sp) {
			spans = append(spans, Span{b.Len(), b.Len() + sp.End - sp.Start})
		}
		b.WriteString(body[sp.Start:sp.End])
		used += n
		end = sp.End
		sp, ok = next, more
	}
	if !ok {
		// The body ends here: keep trailing punctuation such as a full
		// stop when it fits.
		tail := collapseSpace(strings.TrimRightFunc(body[end:], unicode.IsSpace))
		if used+utf8.RuneCountInString(tail) <= budget {
			b.WriteString(tail)
		}
		// Not cut after all, even if the full stop did not fit.
		return b.String(), spans
	}
	b.WriteString(ellipsis)
	return b.String(), spans
}

// runesBefore returns the byte offset n runes before i in s, or 0.
func runesBefore(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

func isWordRuneAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

// collapseSpace replaces every run of white space in s by one space.
func collapseSpace(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}
