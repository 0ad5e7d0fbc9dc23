package search

import (
	"testing"
	"time"
)

func TestDebugScan(t *testing.T) {
	ix := benchIndex()
	for _, w := range []string{"uchwala", "budzet", "sprawie", "od", "podatek"} {
		tid, _ := ix.lookup(w)
		ps := ix.postings(tid)
		s := ix.getScratch()
		var sum float32
		t0 := time.Now()
		for range 100 {
			for _, p := range ps {
				sum += p.w
			}
		}
		t1 := time.Now()
		for range 100 {
			for _, p := range ps {
				s.acc[p.doc].score += p.w
			}
		}
		t2 := time.Now()
		for range 100 {
			s.nextQuery()
			s.cands = append(s.cands[:0], cand{tid, 1})
			ix.accumulate(s, plan{0, 1, len(ps), false}, false)
		}
		t3 := time.Now()
		n := float64(len(ps) * 100)
		t.Logf("%-8s df=%5d read %.2fns  add %.2fns  accumulate %.2fns per posting", w, len(ps),
			float64(t1.Sub(t0))/n, float64(t2.Sub(t1))/n, float64(t3.Sub(t2))/n)
		_ = sum
	}
}
