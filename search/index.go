package search

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Doc is a searchable document: a procedure card or a BIP page.
type Doc struct {
	ID    string // e.g. "procedure/zameldowanie" or "bip/uchwala-12"; opaque
	Kind  string // opaque to search, e.g. "procedure" or "bip"
	Title string
	Body  string // plain text; markdown already stripped by the caller
	// Keywords are words the document should be found by without showing
	// them: synonyms, category names, symbols. They weigh as the title.
	Keywords string
	// Variants are the document's translations. Their titles and bodies are
	// searched as the document's own (a word in any language finds it), and
	// [Index.SearchIn] shows a hit in the variant of the asked language.
	Variants []Variant
}

// Variant is a document in another language.
type Variant struct {
	Lang  string // e.g. "en"; opaque to search
	Title string
	Body  string
}

// variant returns the document's variant in lang, or nil.
func (d *Doc) variant(lang string) *Variant {
	if lang == "" {
		return nil
	}
	for i := range d.Variants {
		if d.Variants[i].Lang == lang {
			return &d.Variants[i]
		}
	}
	return nil
}

// Field weights. A title occurrence always outweighs a body one, however
// often the word is repeated in the body.
const (
	titleWeight = 3.0
	bodyWeight  = 1.0
	bodyTFBoost = 0.5 // maximum extra weight for repeated body words
)

// Index is an immutable inverted index over a set of documents. It is
// safe for concurrent use by multiple goroutines.
type Index struct {
	docs []Doc

	// terms holds the distinct normalised words in sorted order, so that
	// the terms sharing a prefix form one contiguous run of term ids.
	terms []string
	// The postings of term t are post[offs[t]:offs[t+1]], ordered by doc.
	offs []uint32
	post []posting

	// delKeys is the sorted list of hashes of every typo-eligible term
	// and of each of its one-rune deletions (SymSpell); delTerm[i] is the
	// term that produced delKeys[i].
	delKeys []uint64
	delTerm []uint32

	pool sync.Pool // of *scratch
}

// posting records that a term occurs in a document. The weight is the
// field weight times the term's idf, computed once at build time so the
// query loop is a single multiply.
type posting struct {
	doc uint32
	w   float32
}

// NewIndex builds an index over docs. The documents are copied; hits
// point into the index's copy.
func NewIndex(docs []Doc) *Index {
	ix := &Index{docs: slices.Clone(docs)}
	b := builder{ids: make(map[string]uint32)}
	for d := range ix.docs {
		b.addDoc(uint32(d), &ix.docs[d])
	}
	b.finish(ix)
	ix.buildDeletes()
	return ix
}

// Len returns the number of indexed documents.
func (ix *Index) Len() int { return len(ix.docs) }

// rawPosting counts a term's occurrences in one document while building.
type rawPosting struct {
	doc         uint32
	title, body uint16
}

type builder struct {
	ids   map[string]uint32 // normalised term -> provisional id
	terms []string          // by provisional id
	lists [][]rawPosting    // by provisional id
	buf   []byte
}

func (b *builder) addDoc(d uint32, doc *Doc) {
	b.addText(d, doc.Title, true)
	b.addText(d, doc.Keywords, true)
	b.addText(d, doc.Body, false)
	for i := range doc.Variants {
		b.addText(d, doc.Variants[i].Title, true)
		b.addText(d, doc.Variants[i].Body, false)
	}
}

func (b *builder) addText(d uint32, s string, title bool) {
	for sp, ok := nextWord(s, 0); ok; sp, ok = nextWord(s, sp.End) {
		b.buf = appendFold(b.buf[:0], s[sp.Start:sp.End])
		if len(b.buf) == 0 {
			continue
		}
		id, ok := b.ids[string(b.buf)]
		if !ok {
			id = uint32(len(b.terms))
			t := string(b.buf)
			b.ids[t] = id
			b.terms = append(b.terms, t)
			b.lists = append(b.lists, nil)
		}
		l := b.lists[id]
		// Documents are added in order, so only the last posting can
		// belong to the current document.
		if n := len(l); n == 0 || l[n-1].doc != d {
			l = append(l, rawPosting{doc: d})
			b.lists[id] = l
		}
		p := &l[len(l)-1]
		if title {
			p.title = satInc(p.title)
		} else {
			p.body = satInc(p.body)
		}
	}
}

func satInc(n uint16) uint16 {
	if n == math.MaxUint16 {
		return n
	}
	return n + 1
}

// finish sorts the vocabulary and flattens the postings into ix.
func (b *builder) finish(ix *Index) {
	order := make([]uint32, len(b.terms))
	total := 0
	for i := range order {
		order[i] = uint32(i)
		total += len(b.lists[i])
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(b.terms[x], b.terms[y]) })

	n := float64(len(ix.docs))
	ix.terms = make([]string, len(order))
	ix.offs = make([]uint32, 0, len(order)+1)
	ix.post = make([]posting, 0, total)
	for t, old := range order {
		ix.terms[t] = b.terms[old]
		ix.offs = append(ix.offs, uint32(len(ix.post)))
		l := b.lists[old]
		idf := idf(n, float64(len(l)))
		for _, p := range l {
			ix.post = append(ix.post, posting{doc: p.doc, w: float32(fieldWeight(p) * idf)})
		}
		b.lists[old] = nil // Let the garbage collector reclaim as we go.
	}
	ix.offs = append(ix.offs, uint32(len(ix.post)))
	b.ids, b.terms, b.lists = nil, nil, nil
}

// idf is the BM25 inverse document frequency: near 0 for words present
// in most documents, about ln(n) for words present in one.
func idf(n, df float64) float64 {
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func fieldWeight(p rawPosting) float64 {
	if p.title > 0 {
		return titleWeight
	}
	// Repeated body words count a little more, saturating quickly so the
	// body can never reach the title weight.
	return bodyWeight + min(bodyTFBoost, 0.2*math.Log(float64(p.body)))
}

// df returns the number of documents containing term t.
func (ix *Index) df(t uint32) int { return int(ix.offs[t+1] - ix.offs[t]) }

// postings returns the postings of term t.
func (ix *Index) postings(t uint32) []posting { return ix.post[ix.offs[t]:ix.offs[t+1]] }

// lookup returns the id of term w.
func (ix *Index) lookup(w string) (uint32, bool) {
	i, ok := slices.BinarySearch(ix.terms, w)
	return uint32(i), ok
}

// prefixRange returns the run [lo, hi) of term ids within [from, to)
// whose terms start with p.
func (ix *Index) prefixRange(p string, from, to int) (lo, hi int) {
	t := ix.terms[from:to]
	l, _ := slices.BinarySearch(t, p)
	h := l + sort.Search(len(t)-l, func(i int) bool { return !strings.HasPrefix(t[l+i], p) })
	return from + l, from + h
}

// runeLen is utf8.RuneCountInString with an ASCII fast path.
func runeLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}
