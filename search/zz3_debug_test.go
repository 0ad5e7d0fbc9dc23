package search

import (
	"testing"
	"time"
)

func TestDebugPhases(t *testing.T) {
	ix := benchIndex()
	for _, q := range []string{"uchwala bud", "podatek od ni", "jak zarejestrowac sa", "s", "dowod o"} {
		var te, ta, tk, th time.Duration
		var nd, np int
		for range 20 {
			s := ix.getScratch()
			t0 := time.Now()
			ws := parseQuery(q)
			s.nextQuery()
			s.match.reset()
			s.cands, s.plans = s.cands[:0], s.plans[:0]
			for _, w := range ws {
				s.plans = append(s.plans, ix.expand(s, w))
			}
			t1 := time.Now()
			np = 0
			for _, p := range s.plans {
				if !p.common {
					ix.accumulate(s, p, false)
					np += p.df
				}
			}
			restrict := len(s.docs) > 0
			if restrict {
				s.fillMatched()
			}
			for _, p := range s.plans {
				if p.common {
					ix.accumulate(s, p, restrict)
					np += p.df
				}
			}
			nd = len(s.docs)
			t2 := time.Now()
			top := s.topK(20)
			t3 := time.Now()
			for _, r := range top {
				ix.hit(r, &s.match)
			}
			t4 := time.Now()
			te, ta, tk, th = te+t1.Sub(t0), ta+t2.Sub(t1), tk+t3.Sub(t2), th+t4.Sub(t3)
			ix.pool.Put(s)
		}
		t.Logf("%-22q expand %6v acc %6v topk %6v hits %6v  docs=%d postings~%d", q, te/20, ta/20, tk/20, th/20, nd, np)
	}
}
