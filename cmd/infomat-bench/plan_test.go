package main

import (
	"testing"

	"infomat/twin"
)

// The twin's taps, followed through its pages, reach the page each step of the tour
// expects: its rows at RowCenter, its Wstecz and Start where they are.
func TestTwinTapsFollowTheTour(t *testing.T) {
	b, err := twin.Load("")
	if err != nil {
		t.Fatal(err)
	}
	site := twin.Build(b)
	tour := plan(site)
	if len(tour) < 50 {
		t.Fatalf("a tour of %d taps", len(tour))
	}
	taps := twinTaps(site, tour)
	cur := site.Pages[twin.HomePage]
	for i, tp := range taps {
		var next string
		switch tp.Point {
		case twin.BackCenter:
			next = cur.Back
		case twin.HomeCenter:
			next = twin.HomePage
		default:
			for j, l := range cur.Links {
				if twin.RowCenter(j) == tp.Point {
					next = l.Href
				}
			}
		}
		if next != tour[i].page {
			t.Fatalf("tap %d (%s) on %s leads to %q, the tour expects %q", i+1, tp.what, cur.Name, next, tour[i].page)
		}
		cur = site.Pages[next]
	}
	if cur.Name != twin.HomePage {
		t.Errorf("the tour ends on %s, not home", cur.Name)
	}
}
