package search

import "math"

// DefaultLimit is the number of hits returned when Search is given a
// non-positive limit.
const DefaultLimit = 20

// Query limits and scoring constants; see the package documentation.
const (
	maxQueryWords  = 10     // further words are ignored
	maxExpand      = 50     // non-exact terms a single query word may expand to
	postingsBudget = 30_000 // postings those expanded terms may add up to
	maxTypoTerms   = 16     // typo neighbours kept per query word
	minPrefixLen   = 3      // shortest non-last word that is also a prefix

	coverageBonus   = 100.0 // per matched query word, scaled by its rarity
	fullCoverageIDF = 4.0   // idf from which a word earns the full bonus
	commonShare     = 4     // words in over 1/commonShare of docs are common
	minRestrictIDF  = 0.1   // terms in over ~90% of docs skipped when common
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
	df         int  // sum of the candidates' document frequencies
	common     bool // a candidate occurs in more than commonShare of docs
}

// acc is a document's accumulator. Keeping the fields together costs one
// cache line per posting, and keeping it small keeps the array in cache.
type acc struct {
	// wmark is the epoch of the last word that matched the document:
	// best is valid when wmark == scratch.wep, score when wmark > qep.
	wmark uint32
	score float32 // sum over the query's words matched so far
	best  float32 // best term match of the current word
}

// scratch holds the per-query working memory, pooled so that a
// keystroke allocates almost nothing.
type scratch struct {
	acc     []acc    // by doc
	qep     uint32   // word epoch before the query's first word
	wep     uint32   // epoch of the current word
	docs    []uint32 // docs matched by any word
	matched []uint64 // bitset of docs, for restricted scans
	wdocs   []uint32 // docs matched by the current word

	tmark []uint32 // by term, dedupes a word's expansion
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
		acc:     make([]acc, len(ix.docs)),
		matched: make([]uint64, (len(ix.docs)+63)/64),
		tmark:   make([]uint32, len(ix.terms)),
		match:   matcher{terms: make(map[string]struct{})},
	}
}

// nextQuery starts a query. Epochs invalidate all marks at once; only
// when the counter is about to wrap must the marks be cleared.
func (s *scratch) nextQuery() {
	if s.wep > math.MaxUint32-maxQueryWords-1 {
		for i := range s.acc {
			s.acc[i].wmark = 0
		}
		s.wep = 0
	}
	s.qep = s.wep
	s.docs = s.docs[:0]
}

// fillMatched records s.docs in the s.matched bitset, which unlike
// s.acc fits in the L1 cache.
func (s *scratch) fillMatched() {
	clear(s.matched)
	for _, d := range s.docs {
		s.matched[d/64] |= 1 << (d % 64)
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
	if limit <= 0 {
		limit = DefaultLimit
	}
	ws := parseQuery(query)
	if len(ws) == 0 || len(ix.docs) == 0 {
		return nil
	}
	s := ix.getScratch()
	defer ix.pool.Put(s)
	s.nextQuery()
	s.match.reset()
	s.cands, s.plans = s.cands[:0], s.plans[:0]
	for _, w := range ws {
		s.plans = append(s.plans, ix.expand(s, w))
	}
	// Selective words first, so that common ones need only visit the
	// documents those matched.
	for _, p := range s.plans {
		if !p.common {
			ix.accumulate(s, p, false)
		}
	}
	restrict := len(s.docs) > 0
	if restrict {
		s.fillMatched()
	}
	for _, p := range s.plans {
		if p.common {
			ix.accumulate(s, p, restrict)
		}
	}
	top := s.topK(limit)
	hits := make([]Hit, len(top))
	for i, r := range top {
		hits[i] = ix.hit(r, &s.match)
	}
	return hits
}

// expand appends the terms w matches to s.cands, within the caps.
func (ix *Index) expand(s *scratch, w queryWord) plan {
	p := plan{start: len(s.cands)}
	s.nextTerms()
	add := func(t uint32, q float32) {
		s.tmark[t] = s.tep
		s.cands = append(s.cands, cand{t, q})
		s.match.add(ix.terms[t])
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
	take(&s.typo, func(uint32) float32 { return typoQuality })
	take(&s.pre, func(t uint32) float32 { return prefixQuality(typed, runeLen(ix.terms[t])) })
	take(&s.fuzzy, func(uint32) float32 { return fuzzyQuality })
	p.end = len(s.cands)
	return p
}

// accumulate adds one query word's contribution to every document it
// matches, or with restrict only to documents already matched: its best
// term match (quality × field weight × idf) plus a coverage bonus for
// matching the word at all. The bonus shrinks for words found in many
// documents ("w", "na"), since they say little about relevance.
func (ix *Index) accumulate(s *scratch, p plan, restrict bool) {
	if p.start == p.end {
		return
	}
	s.wep++
	s.wdocs = s.wdocs[:0]
	qep, wep, a := s.qep, s.wep, s.acc
	n := float64(len(ix.docs))
	for _, c := range s.cands[p.start:p.end] {
		ps := ix.postings(c.term)
		if restrict {
			// A term in nearly every document cannot change the order
			// of the documents already matched.
			if idf(n, float64(len(ps))) < minRestrictIDF {
				continue
			}
			for _, pt := range ps {
				if s.matched[pt.doc/64]&(1<<(pt.doc%64)) == 0 {
					continue
				}
				e := &a[pt.doc]
				v := c.quality * pt.w
				if e.wmark != wep {
					e.wmark, e.best = wep, v
					e.score += v
					s.wdocs = append(s.wdocs, pt.doc)
				} else if v > e.best {
					e.score += v - e.best
					e.best = v
				}
			}
			continue
		}
		for _, pt := range ps {
			e := &a[pt.doc]
			v := c.quality * pt.w
			if e.wmark != wep {
				if e.wmark <= qep {
					e.score = 0
					s.docs = append(s.docs, pt.doc)
				}
				e.wmark, e.best = wep, v
				e.score += v
				s.wdocs = append(s.wdocs, pt.doc)
			} else if v > e.best {
				e.score += v - e.best
				e.best = v
			}
		}
	}
	// The bonus depends on how many documents the word matches, known
	// only now. A restricted scan sees only some of them; the sum of the
	// candidates' frequencies then bounds the number from above.
	df := float64(len(s.wdocs))
	if restrict {
		df = min(n, float64(p.df))
	}
	bonus := float32(coverageBonus * min(1, idf(n, df)/fullCoverageIDF))
	for _, d := range s.wdocs {
		a[d].score += bonus
	}
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
// size k instead of sorting every match.
func (s *scratch) topK(k int) []scored {
	h := s.heap[:0]
	for _, d := range s.docs {
		e := scored{d, s.acc[d].score}
		if len(h) < k {
			h = append(h, e)
			up(h, len(h)-1)
		} else if h[0].less(e) {
			h[0] = e
			down(h, 0)
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
