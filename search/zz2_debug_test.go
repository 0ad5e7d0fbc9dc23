package search

import "testing"

func TestDebugPlans(t *testing.T) {
	ix := benchIndex()
	s := ix.getScratch()
	t.Logf("N=%d terms=%d postings=%d", len(ix.docs), len(ix.terms), len(ix.post))
	for _, q := range []string{"zaswiadczenie o niezaleganiu w po", "wydanie dowodu o", "pomoc spoleczna dla s", "s", "dowod o"} {
		s.cands = s.cands[:0]
		s.match.reset()
		for _, w := range parseQuery(q) {
			p := ix.expand(s, w)
			var ts []string
			for _, c := range s.cands[p.start:p.end][:min(6, p.end-p.start)] {
				ts = append(ts, ix.terms[c.term])
			}
			t.Logf("%q word %q: %d cands df=%d common=%v %q", q, w.text, p.end-p.start, p.df, p.common, ts)
		}
	}
}
