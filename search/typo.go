package search

import (
	"slices"
	"unicode/utf8"
)

// minTypoLen is the shortest query word, in runes, that tolerates a typo.
// Shorter words have too many one-edit neighbours to be useful.
const minTypoLen = 5

// typoEligible reports whether the normalised term w takes part in typo
// matching. Words with digits never do: "2025" must not find "2026".
func typoEligible(w string, minLen int) bool {
	return !hasDigit(w) && runeLen(w) >= minLen
}

// buildDeletes fills the deletion-neighbourhood table. Indexed terms may
// be one rune shorter than a typo-eligible query word (the query has an
// extra letter), hence minTypoLen-1.
func (ix *Index) buildDeletes() {
	type entry struct {
		key  uint64
		term uint32
	}
	var es []entry
	for t, w := range ix.terms {
		if !typoEligible(w, minTypoLen-1) {
			continue
		}
		es = append(es, entry{hash2(w, ""), uint32(t)})
		for i, r := range w {
			es = append(es, entry{hash2(w[:i], w[i+utf8.RuneLen(r):]), uint32(t)})
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return int(a.term) - int(b.term)
	})
	es = slices.Compact(es) // A term like "aab" yields the same deletion twice.
	ix.delKeys = make([]uint64, len(es))
	ix.delTerm = make([]uint32, len(es))
	for i, e := range es {
		ix.delKeys[i], ix.delTerm[i] = e.key, e.term
	}
}

// hash2 returns the 64-bit FNV-1a hash of a+b without concatenating.
// Collisions are harmless: every candidate is verified by within1.
func hash2(a, b string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * prime
	}
	return h
}

// typoTerms calls fn for every term, other than w itself, within
// Damerau-Levenshtein distance 1 of the normalised query word w. A term
// may be reported more than once.
//
// Looking up w and its one-rune deletions among the terms and their
// one-rune deletions finds every insertion, deletion, substitution and
// adjacent transposition; false candidates are then filtered out.
func (ix *Index) typoTerms(w string, fn func(t uint32)) {
	probe := func(key uint64) {
		i, _ := slices.BinarySearch(ix.delKeys, key)
		for ; i < len(ix.delKeys) && ix.delKeys[i] == key; i++ {
			if t := ix.delTerm[i]; ix.terms[t] != w && within1(w, ix.terms[t]) {
				fn(t)
			}
		}
	}
	probe(hash2(w, ""))
	for i, r := range w {
		probe(hash2(w[:i], w[i+utf8.RuneLen(r):]))
	}
}

// within1 reports whether the optimal-string-alignment (restricted
// Damerau-Levenshtein) distance between a and b is at most 1.
func within1(a, b string) bool {
	// Strip the common prefix and suffix; what remains must be one edit.
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[na:], b[nb:]
	}
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeLastRuneInString(a)
		rb, nb := utf8.DecodeLastRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[:len(a)-na], b[:len(b)-nb]
	}
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	switch {
	case la+lb <= 1: // Equal, or one insertion/deletion.
		return true
	case la == 1 && lb == 1: // Substitution.
		return true
	case la == 2 && lb == 2: // Adjacent transposition.
		a0, n := utf8.DecodeRuneInString(a)
		a1, _ := utf8.DecodeRuneInString(a[n:])
		b0, n := utf8.DecodeRuneInString(b)
		b1, _ := utf8.DecodeRuneInString(b[n:])
		return a0 == b1 && a1 == b0
	}
	return false
}

// fuzzyPrefixRanges calls fn with the term id ranges [lo, hi) of terms
// that start with a string within distance 1 of the prefix p. It walks
// the sorted vocabulary as an implicit trie: for each position of p
// that still has exact-prefix matches it tries a deletion, an adjacent
// transposition, and a substitution or insertion of every rune that
// actually follows that position in the vocabulary.
func (ix *Index) fuzzyPrefixRanges(p string, fn func(lo, hi int)) {
	q := []rune(p)
	var buf []byte
	emit := func(lo, hi int, parts ...string) {
		buf = buf[:0]
		for _, s := range parts {
			buf = append(buf, s...)
		}
		if l, h := ix.prefixRange(string(buf), lo, hi); l < h {
			fn(l, h)
		}
	}
	lo, hi := 0, len(ix.terms)
	for i := range q {
		head := string(q[:i])
		lo, hi = ix.prefixRange(head, lo, hi)
		if lo == hi {
			return
		}
		cur, rest := string(q[i]), string(q[i+1:])
		emit(lo, hi, head, rest)
		if i+1 < len(q) {
			emit(lo, hi, head, string(q[i+1]), cur, string(q[i+2:]))
		}
		j := lo
		if ix.terms[j] == head {
			j++
		}
		for j < hi {
			r, n := utf8.DecodeRuneInString(ix.terms[j][len(head):])
			child := ix.terms[j][:len(head)+n]
			_, end := ix.prefixRange(child, j, hi)
			if string(r) != cur {
				emit(j, end, child, rest)
			}
			emit(j, end, child, cur, rest)
			j = end
		}
	}
}
