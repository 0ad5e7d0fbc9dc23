package search

import (
	"math"
	"math/bits"
	"strings"
)

// DefaultLimit is the number of hits returned when Search is given a
// non-positive limit.
const DefaultLimit = 20

// Query limits and scoring constants; see the package documentation.
const (
	maxQueryWords  = 10     // further words are ignored; at most 16 (acc.words)
	maxExpand      = 50     // non-exact terms a single query word may expand to
	postingsBudget = 30_000 // postings those expanded terms may add up to
	maxTypoTerms   = 16     // typo neighbours kept per query word
	minPrefixLen   = 3      // shortest non-last word that is also a prefix

	coverageBonus   = 100.0 // per matched query word, scaled by its rarity
	fullCoverageIDF = 4.0   // idf from which a word earns the full bonus
	commonShare     = 4     // words in over 1/commonShare of docs are common
	minRestrictIDF  = 0.3   // terms in over ~74% of docs skipped when common
	typoQuality     = 0.4
	fuzzyQuality    = 0.3 // prefix with a typo, for the word being typed
)

// prefixQuality rates a completion of a typed prefix: always below an
// exact match (1) and above a typo, closer to 1 the more of the word has
// been typed.
func prefixQuality(typed, term int) float32 {
	return 0.5 + 0.4*float32(typed)/float32(term)
}

// queryWord is one normalised word of the query.
type queryWord struct {
	text   string
	prefix bool // match as a prefix too
}

// parseQuery splits and normalises the query. The last word is a prefix
// unless the query ends with a separator (the resident finished typing
// it); earlier words are prefixes too when long enough, because Polish
// inflects ("samochód" should find "samochodu").
func parseQuery(q string) []queryWord {
	var ws []queryWord
	last := Span{}
	for sp, ok := nextWord(q, 0); ok && len(ws) < maxQueryWords; sp, ok = nextWord(q, sp.End) {
		w := Normalize(q[sp.Start:sp.End])
		if w == "" {
			continue
		}
		ws = append(ws, queryWord{text: w, prefix: runeLen(w) >= minPrefixLen})
		last = sp
	}
	if n := len(ws); n > 0 && last.End == len(q) {
		ws[n-1].prefix = true
	}
	return ws
}

// cand is a term a query word expanded to, with the quality of the match.
type cand struct {
	term    uint32
	quality float32
}

// plan is one query word's share of scratch.cands.
type plan struct {
	start, end int
	df         int     // sum of the candidates' document frequencies
	common     bool    // a candidate occurs in more than 1/commonShare of docs
	bonus      float32 // coverage bonus, known once the word is scanned
}

// acc is a document's accumulator; small, so that the array stays in
// cache. An all-zero acc means the query has not matched the document.
type acc struct {
	score uint32 // best term match of each word matched so far, summed
	best  uint16 // best term match of the current word
	words uint16 // bit i set: query word i matched
}

// fixedOne is 1.0 in the fixed-point match scores of acc. Integers let
// the inner loop run without branches, and a match scores at most
// titleWeight × ln(1+2n), under 40 for any realistic n, so 16 bits do.
const fixedOne = 1 << 10

func toFixed(v float32) uint32 { return uint32(min(v*fixedOne, math.MaxUint16)) }

// add records a match of query word i scoring v, keeping only the best
// match per word, and returns 1 if it is the word's first match. It is
// branch-free: whether a document was matched already is unpredictable.
func (e *acc) add(v uint32, i int) int {
	seen := uint32(e.words>>i) & 1
	old := uint32(e.best) & -seen
	best := max(old, v)
	e.score += best - old
	e.best = uint16(best)
	e.words |= 1 << i
	return int(1 - seen)
}

// scratch holds the per-query working memory, pooled so that a
// keystroke allocates almost nothing.
type scratch struct {
	acc   []acc     // by doc; zeroed again by topK
	used  []uint64  // bitset of docs whose acc is not zero
	bonus []float32 // coverage bonus by set of matched words
	tmark []uint32  // by term, dedupes a word's expansion
	tep   uint32
	cands []cand
	plans []plan
	typo  topDF
	pre   topDF
	fuzzy topDF
	match matcher
	heap  []scored
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{
		acc:   make([]acc, len(ix.docs)),
		used:  make([]uint64, (len(ix.docs)+63)/64),
		bonus: make([]float32, 1<<maxQueryWords),
		tmark: make([]uint32, len(ix.terms)),
		match: matcher{terms: make(map[string]bool)},
	}
}

func (s *scratch) nextTerms() {
	if s.tep++; s.tep == 0 {
		clear(s.tmark)
		s.tep = 1
	}
}

// Search returns up to limit hits for query, best first. It is meant to
// be called on every keystroke.
func (ix *Index) Search(query string, limit int) []Hit {
	return ix.SearchIn(query, limit, "")
}

// SearchIn is Search for a reader of lang: hits of documents with a
// variant in lang show its title and text. The ranking does not depend on
// lang: every variant is searched.
func (ix *Index) SearchIn(query string, limit int, lang string) []Hit {
	if limit <= 0 {
		limit = DefaultLimit
	}
	ws := parseQuery(query)
	if len(ws) == 0 || len(ix.docs) == 0 {
		return nil
	}
	s := ix.getScratch()
	defer ix.pool.Put(s)
	s.match.reset()
	s.cands, s.plans = s.cands[:0], s.plans[:0]
	for _, w := range ws {
		p := ix.expand(s, w)
		for _, c := range s.cands[p.start:p.end] {
			s.match.add(ix.terms[c.term], !p.common)
		}
		s.plans = append(s.plans, p)
	}
	// Selective words first, so that common ones need only visit the
	// documents those matched. With only common words, the rarest one
	// stands in for the selective ones.
	var selective uint16
	for i := range s.plans {
		if p := &s.plans[i]; !p.common && ix.accumulate(s, p, i, 0) > 0 {
			selective |= 1 << i
		}
	}
	if selective == 0 {
		rarest := -1
		for i, p := range s.plans {
			if p.common && (rarest < 0 || p.df < s.plans[rarest].df) {
				rarest = i
			}
		}
		if rarest >= 0 && ix.accumulate(s, &s.plans[rarest], rarest, 0) > 0 {
			selective = 1 << rarest
		}
	}
	for i := range s.plans {
		if p := &s.plans[i]; p.common && selective&(1<<i) == 0 {
			ix.accumulate(s, p, i, selective)
		}
	}
	s.fillBonus()
	top := s.topK(limit)
	hits := make([]Hit, len(top))
	for i, r := range top {
		hits[i] = ix.hit(r, &s.match, lang)
	}
	return hits
}

// fillBonus tabulates the summed coverage bonus of every set of words.
func (s *scratch) fillBonus() {
	n := 1 << len(s.plans)
	s.bonus[0] = 0
	for set := 1; set < n; set++ {
		low := set & -set
		s.bonus[set] = s.bonus[set&^low] + s.plans[bits.TrailingZeros(uint(low))].bonus
	}
}

// expand appends the terms w matches to s.cands, within the caps.
func (ix *Index) expand(s *scratch, w queryWord) plan {
	p := plan{start: len(s.cands)}
	s.nextTerms()
	add := func(t uint32, q float32) {
		s.tmark[t] = s.tep
		s.cands = append(s.cands, cand{t, q})
		df := ix.df(t)
		p.df += df
		p.common = p.common || df > len(ix.docs)/commonShare
	}
	if t, ok := ix.lookup(w.text); ok {
		add(t, 1)
	}

	s.typo.reset(maxTypoTerms)
	s.pre.reset(maxExpand)
	s.fuzzy.reset(maxExpand)
	typo := typoEligible(w.text, minTypoLen)
	if typo {
		ix.typoTerms(w.text, func(t uint32) { s.typo.push(t, ix.df(t)) })
	}
	if w.prefix {
		lo, hi := ix.prefixRange(w.text, 0, len(ix.terms))
		for t := lo; t < hi; t++ {
			s.pre.push(uint32(t), ix.df(uint32(t)))
		}
		// A typo inside the word still being typed leaves no exact
		// completion; only then is the costlier fuzzy walk worth it.
		if lo == hi && typo {
			ix.fuzzyPrefixRanges(w.text, func(lo, hi int) {
				for t := lo; t < hi; t++ {
					s.fuzzy.push(uint32(t), ix.df(uint32(t)))
				}
			})
		}
	}

	n, budget := 0, postingsBudget
	take := func(sel *topDF, quality func(t uint32) float32) {
		for _, e := range sel.items {
			if n == maxExpand {
				return
			}
			if s.tmark[e.term] == s.tep || e.df > budget {
				continue
			}
			add(e.term, quality(e.term))
			n++
			budget -= e.df
		}
	}
	typed := runeLen(w.text)
	prefix := func(t uint32) float32 { return prefixQuality(typed, runeLen(ix.terms[t])) }
	take(&s.typo, func(t uint32) float32 {
		// "dowodu" is one insertion away from "dowod" but, better, a
		// completion of it.
		if w.prefix && strings.HasPrefix(ix.terms[t], w.text) {
			return prefix(t)
		}
		return typoQuality
	})
	take(&s.pre, prefix)
	take(&s.fuzzy, func(uint32) float32 { return fuzzyQuality })
	p.end = len(s.cands)
	return p
}

// accumulate adds the best term match (quality × field weight × idf)
// of query word number word to every document it matches, and
// returns how many those are. When restrict is not zero, only documents
// already matched by one of the words in restrict are visited. It sets
// p.bonus, the coverage bonus for matching the word at all, which
// shrinks for words found in many documents ("w", "na") since they say
// little about relevance.
func (ix *Index) accumulate(s *scratch, p *plan, word int, restrict uint16) int {
	n, a, used := float64(len(ix.docs)), s.acc, s.used
	matched := 0
	for _, c := range s.cands[p.start:p.end] {
		ps := ix.postings(c.term)
		if restrict != 0 {
			// A term in nearly every document cannot change the order
			// of the documents already matched.
			if idf(n, float64(len(ps))) < minRestrictIDF {
				continue
			}
			for _, pt := range ps {
				if e := &a[pt.doc]; e.words&restrict != 0 {
					matched += e.add(toFixed(c.quality*pt.w), word)
				}
			}
			continue
		}
		for _, pt := range ps {
			used[pt.doc/64] |= 1 << (pt.doc % 64)
			matched += a[pt.doc].add(toFixed(c.quality*pt.w), word)
		}
	}
	// A restricted scan sees only some of the word's documents; the sum
	// of the candidates' frequencies then bounds their number from above.
	df := float64(matched)
	if restrict != 0 {
		df = min(n, float64(p.df))
	}
	p.bonus = float32(coverageBonus * min(1, idf(n, df)/fullCoverageIDF))
	return matched
}

// topDF keeps the k terms with the highest document frequency, highest
// first, ties broken by the lower (alphabetically first) term id.
type topDF struct {
	k     int
	items []termDF
}

type termDF struct {
	term uint32
	df   int
}

func (s *topDF) reset(k int) { s.k, s.items = k, s.items[:0] }

func (s *topDF) push(t uint32, df int) {
	n := len(s.items)
	if n == s.k && !better(termDF{t, df}, s.items[n-1]) {
		return
	}
	if n < s.k {
		s.items = append(s.items, termDF{})
	} else {
		n--
	}
	i := n
	for i > 0 && better(termDF{t, df}, s.items[i-1]) {
		s.items[i] = s.items[i-1]
		i--
	}
	s.items[i] = termDF{t, df}
}

func better(a, b termDF) bool { return a.df > b.df || a.df == b.df && a.term < b.term }

// scored is a candidate hit.
type scored struct {
	doc   uint32
	score float32
}

// less orders hits worst first: lower score, then later document.
func (a scored) less(b scored) bool {
	return a.score < b.score || a.score == b.score && a.doc > b.doc
}

// topK returns the k best documents, best first, using a min-heap of
// size k instead of sorting every match. It visits the matched documents
// in order, which is cache-friendly, and zeroes their accumulators for
// the next query.
func (s *scratch) topK(k int) []scored {
	h := s.heap[:0]
	for i, w := range s.used {
		if w == 0 {
			continue
		}
		s.used[i] = 0
		for ; w != 0; w &= w - 1 {
			d := i*64 + bits.TrailingZeros64(w)
			e := &s.acc[d]
			r := scored{uint32(d), float32(e.score)/fixedOne + s.bonus[e.words]}
			*e = acc{}
			if len(h) < k {
				h = append(h, r)
				up(h, len(h)-1)
			} else if h[0].less(r) {
				h[0] = r
				down(h, 0)
			}
		}
	}
	s.heap = h
	out := make([]scored, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = h[0]
		h[0] = h[i]
		h = h[:i]
		down(h, 0)
	}
	return out
}

func up(h []scored, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []scored, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
