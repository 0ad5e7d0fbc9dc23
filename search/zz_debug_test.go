package search

import (
	"slices"
	"testing"
	"time"
)

func TestDebugSlow(t *testing.T) {
	ix := benchIndex()
	type r struct {
		q    string
		d    time.Duration
		post int
	}
	var rs []r
	s := ix.getScratch()
	for _, q := range keystrokes(benchQueries) {
		best := time.Hour
		for range 5 {
			t0 := time.Now()
			ix.Search(q, 20)
			best = min(best, time.Since(t0))
		}
		post := 0
		for _, w := range parseQuery(q) {
			ix.expand(s, w)
			for _, c := range s.cands {
				post += ix.df(c.term)
			}
		}
		rs = append(rs, r{q, best, post})
	}
	slices.SortFunc(rs, func(a, b r) int { return int(b.d - a.d) })
	for _, x := range rs[:25] {
		t.Logf("%8v %7d %q", x.d, x.post, x.q)
	}
}

func BenchmarkDebugOne(b *testing.B) {
	ix := benchIndex()
	for b.Loop() {
		ix.Search("zaswiadczenie o niezaleganiu w po", 20)
	}
}

func BenchmarkDebugOneNoHL(b *testing.B) {
	ix := benchIndex()
	for b.Loop() {
		ix.Search("zaswiadczenie o niezaleganiu w po", 1)
	}
}
